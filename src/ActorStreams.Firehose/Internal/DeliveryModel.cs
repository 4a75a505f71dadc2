using System.Collections.Immutable;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// How buffers of one delivery stream version are delivered: the destination's sink and its error output, and the
/// recorder that counts the deliveries (null counts nothing).
/// </summary>
internal sealed record DeliveryPlan(
    string StreamName,
    string StreamArn,
    int Version,
    DestinationSink Sink,
    ProcessingConfiguration? Processing,
    ObjectStoreDestination ErrorStore,
    DeliveryRecorder? Recorder = null)
{
    /// <summary>Dynamic partitioning of the destination; null when off.</summary>
    public Partitioning? Partitioning { get; init; }
}

/// <summary>
/// A closed buffer on its way through the delivery graph. With dynamic partitioning there are two kinds: an intake
/// buffer (<see cref="Partition"/> null) is transformed and split into partitions, which the entity journals and
/// buffers per partition; a partition buffer (<see cref="Partition"/> set, already transformed) is delivered as one
/// object under the prefix evaluated with its keys. An <see cref="Overflow"/> buffer holds records of partitions
/// beyond the active partition limit: they go to the error output.
/// </summary>
internal sealed record DeliveryBuffer(Guid BufferId, DeliveryPlan Plan, BufferedRecord[] Records)
{
    public long OldestArrivalMs => Records.Length == 0 ? 0 : Records.Min(r => r.ArrivalMs);

    /// <summary>The partition keys of a partition buffer; null for an intake (or unpartitioned) buffer.</summary>
    public ImmutableSortedDictionary<string, string>? Partition { get; init; }

    /// <summary>Records beyond the active partition limit, for the error output.</summary>
    public bool Overflow { get; init; }

    /// <summary>An intake buffer of a partitioned delivery stream: transform, extract the keys, hand the partitions back.</summary>
    public bool IsIntakeOfPartitioning => Plan.Partitioning is not null && Partition is null && !Overflow;

    /// <summary>Already transformed (a partition buffer).</summary>
    public bool IsPartitionBuffer => Partition is not null || Overflow;
}

/// <summary>The records of one partition that an intake buffer produced.</summary>
internal sealed record PartitionGroup(ImmutableSortedDictionary<string, string> Keys, BufferedRecord[] Records);

/// <summary>A record that goes to the error output instead of the destination.</summary>
internal sealed record FailedRecord(BufferedRecord Record, string ErrorOutputType, string ErrorCode, string ErrorMessage, int AttemptsMade);

internal sealed record TransformedBuffer(DeliveryBuffer Buffer, List<BufferedRecord> Output, List<FailedRecord> Failed);

/// <summary>A destination's ready-to-send form of a buffer (an object's bytes, rows, a request body).</summary>
internal abstract record PreparedDelivery(int RecordCount);

internal sealed record PreparedBuffer(TransformedBuffer Transformed, PreparedDelivery? Prepared);

/// <summary>A buffer is done: <see cref="Delivered"/> records reached the destination, <see cref="Failed"/> the error output.</summary>
internal sealed record DeliveryOutcome(Guid BufferId, int Delivered, int Failed)
{
    /// <summary>For an intake buffer of a partitioned delivery stream: its records by partition, in arrival order.</summary>
    public IReadOnlyList<PartitionGroup>? Partitioned { get; init; }
}

/// <summary>The delivery graph stopped; the entity starts a new one and hands it every undelivered buffer again.</summary>
internal sealed record DeliveryGraphStopped(long Generation, Exception? Cause);

/// <summary>A delivery that failed; <see cref="Permanent"/> ones are not retried (an HTTP 413).</summary>
internal sealed class DeliveryException(string errorCode, string message, bool permanent = false, Exception? inner = null)
    : Exception(message, inner)
{
    public string ErrorCode { get; } = errorCode;

    public bool Permanent { get; } = permanent;

    /// <summary>An HTTP status as an error message shows it (<c>503 ServiceUnavailable</c>): the code and its name, never the body.</summary>
    public static string Status(System.Net.HttpStatusCode status) =>
        Enum.IsDefined(status) ? $"{(int)status} {status}" : ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>One destination kind: prepares a buffer (CPU: compress, encode) and delivers it (I/O, retried by the graph).</summary>
internal abstract class DestinationSink
{
    /// <summary>The error output type of records this destination gave up on.</summary>
    public abstract string FailureOutputType { get; }

    /// <summary>How long a failing delivery is retried; null retries until it succeeds (the object store, as S3 in AWS).</summary>
    public abstract TimeSpan? RetryDuration { get; }

    /// <summary>Builds the request; records that cannot be delivered at all are added to <paramref name="failed"/>.</summary>
    public abstract PreparedDelivery? Prepare(DeliveryBuffer buffer, List<BufferedRecord> records, List<FailedRecord> failed);

    /// <summary>Delivers; throws <see cref="DeliveryException"/> (or any exception) on failure.</summary>
    public abstract Task DeliverAsync(DeliveryBuffer buffer, PreparedDelivery prepared, CancellationToken cancellationToken);

    /// <summary>Records the destination refused for good in an otherwise successful delivery (bulk item errors).</summary>
    public virtual IReadOnlyList<FailedRecord> RefusedRecords(PreparedDelivery prepared) => [];

    /// <summary>The records not yet delivered when retries end (all of them, unless the destination delivers in parts).</summary>
    public virtual IEnumerable<BufferedRecord> Undelivered(PreparedDelivery? prepared, IReadOnlyList<BufferedRecord> output) => output;

    /// <summary>After a successful delivery: the all-data backup of destinations that have one.</summary>
    public virtual Task AfterDeliveryAsync(DeliveryBuffer buffer, CancellationToken cancellationToken) => Task.CompletedTask;
}
