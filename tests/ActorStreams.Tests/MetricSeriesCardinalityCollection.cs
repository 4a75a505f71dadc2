using Xunit;

namespace ActorStreams.Tests;

/// <summary>Runs alone: its exporter sees every stream of the process, and other specs' streams would fill its limit.</summary>
[CollectionDefinition(nameof(MetricSeriesCardinalitySpec), DisableParallelization = true)]
public sealed class MetricSeriesCardinalityCollection;
