using ActorStreams.Internal;
using ActorStreams.Kinesis;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Serialization;
using Akka.Serialization;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>The journaled events and snapshot of consumer applications go through their own serializer and come back equal.</summary>
public sealed class ConsumerApplicationSerializerSpec(ITestOutputHelper output) : ActorStreamsSpec(output)
{
    public static TheoryData<object> Messages => new()
    {
        new ApplicationStarted(true, [0, 3], [1, 2]),
        new ApplicationStarted(false, [], []),
        new CheckpointsAdvanced([new CheckpointUpdate(0, new SequenceNumber(12, 3), false), new CheckpointUpdate(5, new SequenceNumber(99, 0), true)]),
        new ConsumerApplicationSnapshot(new ApplicationStarted(true, [4], []), [new CheckpointUpdate(4, new SequenceNumber(1, 1), false)]),
        new ConsumerApplicationSnapshot(null, []),
        // A checkpoint inside a KPL aggregate: three of its user records done.
        new CheckpointsAdvanced([new CheckpointUpdate(2, new SequenceNumber(40, 7), false, UserRecordsDone: 3)]),
        new ConsumerApplicationSnapshot(null, [new CheckpointUpdate(2, new SequenceNumber(40, 7), false, UserRecordsDone: 3)]),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void Consumer_application_events_must_round_trip(object message)
    {
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ConsumerApplicationSerializer>(serializer);
        Assert.Equal(7119, serializer.Identifier);
        var manifest = Akka.Serialization.Serialization.ManifestFor(serializer, message);
        var back = Sys.Serialization.Deserialize(serializer.ToBinary(message), serializer.Identifier, manifest);
        Assert.Equal(message, back);
    }
}
