using System.Globalization;
using ActorStreams.MicroBenchmarks;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Micro-benchmarks of the per-record hot paths with BenchmarkDotNet, each against a baseline in the same run.
// Usage: dotnet run -c Release --project tests/ActorStreams.MicroBenchmarks -- [--quick] [BenchmarkDotNet options]
//   --quick   a short job (3 warm-up and 3 measured iterations, in this process: nothing else is generated or built),
//             about a minute for the whole set; without it BenchmarkDotNet's defaults (a separate process per
//             benchmark, iterations until the error is small).
//   e.g. --filter '*' runs everything, --filter '*PartitionKey*' one class, --list flat lists them.
// After the BenchmarkDotNet summaries it prints "RESULT key=value" lines (mean ns, ratio to the baseline, bytes
// allocated per operation) for ops/bench/run.sh.
var quick = args.Contains("--quick");
var rest = args.Where(a => a != "--quick").ToArray();
IConfig config = DefaultConfig.Instance;
if (quick) config = config.AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance).WithId("Quick").AsDefault());

var summaries = BenchmarkSwitcher.FromAssembly(typeof(PartitionKeyHashBenchmarks).Assembly).Run(rest, config).ToList();
foreach (var summary in summaries) Results.Print(summary);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;

/// <summary>The summary rows as RESULT lines: <c>micro.{class}.{method}[.{parameter values}].{mean-ns|ratio|alloc-b}</c>.</summary>
internal static class Results
{
    private static readonly Dictionary<Type, string> Names = new()
    {
        [typeof(PartitionKeyHashBenchmarks)] = "hash",
        [typeof(PutRecordsReplyBenchmarks)] = "reply",
        [typeof(JournalCodecBenchmarks)] = "codec",
        [typeof(DeaggregationBenchmarks)] = "deagg",
    };

    public static void Print(Summary summary)
    {
        foreach (var report in summary.Reports)
        {
            var benchmark = report.BenchmarkCase;
            var mean = report.ResultStatistics?.Mean;
            if (!report.Success || mean is null) continue;
            var type = benchmark.Descriptor.Type;
            var key = $"micro.{(Names.TryGetValue(type, out var name) ? name : type.Name)}.{benchmark.Descriptor.WorkloadMethod.Name}";
            foreach (var parameter in benchmark.Parameters.Items) key += "." + Convert.ToString(parameter.Value, CultureInfo.InvariantCulture);
            Emit($"{key}.mean-ns", mean.Value);
            var allocated = report.GcStats.GetBytesAllocatedPerOperation(benchmark);
            if (allocated is not null) Emit($"{key}.alloc-b", allocated.Value);
            var baseline = summary.GetBaseline(summary.GetLogicalGroupKey(benchmark));
            var baselineMean = baseline is null ? null : summary[baseline]?.ResultStatistics?.Mean;
            if (baselineMean is > 0) Emit($"{key}.ratio", mean.Value / baselineMean.Value);
            if (type == typeof(JournalCodecBenchmarks)) Emit($"{key}.mbps", JournalCodecBenchmarks.PayloadBytes / mean.Value * 1000);
        }
    }

    private static void Emit(string key, double value) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"RESULT {key}={value:0.####}"));
}
