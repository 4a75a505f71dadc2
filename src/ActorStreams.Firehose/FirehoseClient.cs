using System.Collections.Immutable;
using System.Globalization;
using ActorStreams.Firehose.Internal;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.ConsumerApplications;
using ActorStreams.Kinesis.Internal.Shards;
using Akka;
using Akka.Actor;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorStreams.Firehose;

/// <summary>
/// The C# face of Firehose: every delivery stream operation, async and cancellable, with Firehose's validation
/// rules; errors are the typed <see cref="ActorStreamsException"/>s. One instance per ActorSystem
/// (<see cref="FirehoseExtension.Client"/>); safe to share between threads.
/// </summary>
public sealed partial class FirehoseClient
{
    private readonly FirehoseRuntime _runtime;
    private readonly IActorRef _deliveryStreams;
    private readonly IActorRef _catalog;
    private readonly TimeSpan _askTimeout;
    private readonly Lazy<IMaterializer> _materializer;
    private readonly ActorSystem _system;

    internal FirehoseClient(ActorSystem system, FirehoseRuntime runtime, IActorRef deliveryStreams, IActorRef catalog, TimeSpan askTimeout)
    {
        _system = system;
        _materializer = new Lazy<IMaterializer>(() => system.Materializer(namePrefix: "firehose-transformations"));
        _runtime = runtime;
        _deliveryStreams = deliveryStreams;
        _catalog = catalog;
        _askTimeout = askTimeout;
    }

    private long NowMs => _runtime.NowMs;

    /// <summary>
    /// Registers a record transformation under a name; a delivery stream whose <see cref="ProcessingConfiguration.LambdaArn"/>
    /// is that name (or an ARN ending in <c>:function:NAME</c>) runs it on every buffer. Registering a name again replaces it.
    /// </summary>
    public void RegisterTransformation(string name, FirehoseTransformation transformation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(transformation);
        _runtime.Transformations[name] = transformation;
    }

    /// <summary>
    /// Registers an Akka.Streams flow as a record transformation: each buffer's records run through it, and every
    /// output it emits answers the input of the same record id (see <see cref="RegisterTransformation(string, FirehoseTransformation)"/>).
    /// </summary>
    public void RegisterTransformation(string name, Flow<TransformationInputRecord, TransformationOutputRecord, NotUsed> flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        RegisterTransformation(name, async (records, cancellationToken) =>
            await Source.From(records).Via(flow).RunWith(Sink.Seq<TransformationOutputRecord>(), _materializer.Value).WaitAsync(cancellationToken).ConfigureAwait(false));
    }

    /// <summary>The ARN of a delivery stream: <c>arn:aws:firehose:REGION:ACCOUNT:deliverystream/NAME</c>.</summary>
    public string DeliveryStreamArn(string deliveryStreamName) => _runtime.DeliveryStreamArn(deliveryStreamName);

    /// <summary>
    /// Creates a delivery stream and returns its ARN. It is ACTIVE when this returns, unless
    /// <c>actorstreams.firehose.state-delays.create-delivery-stream</c> is set (the server's 500 ms): then it is CREATING
    /// for that long, as in Firehose (puts are ResourceNotFoundException meanwhile).
    /// </summary>
    /// <exception cref="ResourceInUseException">The name is taken.</exception>
    /// <exception cref="InvalidArgumentException">A destination setting is out of range or malformed.</exception>
    /// <exception cref="LimitExceededException">Too many delivery streams, or too many tags.</exception>
    public async Task<string> CreateDeliveryStreamAsync(DeliveryStreamConfiguration configuration, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        configuration = configuration with { Destination = SchemaRegistry.Resolve(_runtime.Settings, configuration.Destination) };
        FirehoseValidation.Configuration(configuration);
        await _runtime.CheckDestinationAddressesAsync(configuration.Destination, cancellationToken).ConfigureAwait(false);
        var name = configuration.DeliveryStreamName;
        var now = NowMs;
        var metadata = new DeliveryStreamMetadata(name, configuration.DeliveryStreamType, configuration.KinesisStreamSource, configuration.Destination,
            configuration.Encryption, configuration.Tags.ToImmutableSortedDictionary(StringComparer.Ordinal), 1, now, now);
        await AskAsync<DeliveryStreamAck>(_catalog, new RegisterDeliveryStream(name, configuration.DeliveryStreamType, now), cancellationToken).ConfigureAwait(false);
        try
        {
            await AskAsync<DeliveryStreamAck>(_deliveryStreams, new CreateDeliveryStream(name, metadata), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await AskAsync<DeliveryStreamAck>(_catalog, new UnregisterDeliveryStream(name), CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        return DeliveryStreamArn(name);
    }

    /// <summary>
    /// Deletes a delivery stream and every record it had not delivered yet. With
    /// <c>actorstreams.firehose.state-delays.delete-delivery-stream</c> set it is DELETING for that long, then gone.
    /// </summary>
    /// <exception cref="ResourceNotFoundException">No such delivery stream.</exception>
    public async Task DeleteDeliveryStreamAsync(string deliveryStreamName, CancellationToken cancellationToken = default)
    {
        FirehoseValidation.DeliveryStreamName(deliveryStreamName);
        await AskAsync<DeliveryStreamAck>(_deliveryStreams, new DeleteDeliveryStream(deliveryStreamName), cancellationToken).ConfigureAwait(false);
        await AskAsync<DeliveryStreamAck>(_catalog, new UnregisterDeliveryStream(deliveryStreamName), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The delivery stream's configuration, version and status.</summary>
    /// <exception cref="ResourceNotFoundException">No such delivery stream.</exception>
    public Task<DeliveryStreamDescription> DescribeDeliveryStreamAsync(string deliveryStreamName, CancellationToken cancellationToken = default)
    {
        FirehoseValidation.DeliveryStreamName(deliveryStreamName);
        return AskAsync<DeliveryStreamDescription>(_deliveryStreams, new DescribeDeliveryStream(deliveryStreamName), cancellationToken);
    }

    /// <summary>Names of delivery streams in ordinal order, after <paramref name="exclusiveStartDeliveryStreamName"/>, optionally of one type.</summary>
    public Task<ListDeliveryStreamsResult> ListDeliveryStreamsAsync(int? limit = null, DeliveryStreamType? deliveryStreamType = null,
        string? exclusiveStartDeliveryStreamName = null, CancellationToken cancellationToken = default)
    {
        var n = limit ?? FirehoseLimits.DefaultListDeliveryStreamsLimit;
        if (n is < 1 or > FirehoseLimits.MaxListDeliveryStreamsLimit)
            throw new ValidationException(
                $"1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value between 1 and {FirehoseLimits.MaxListDeliveryStreamsLimit}");
        return AskAsync<ListDeliveryStreamsResult>(_catalog, new ListDeliveryStreamNames(n, exclusiveStartDeliveryStreamName, deliveryStreamType), cancellationToken);
    }

    /// <summary>
    /// Replaces the destination. <paramref name="currentDeliveryStreamVersionId"/> must be the version DescribeDeliveryStream
    /// reported (else <see cref="ConcurrentModificationException"/>); the version goes up by one. Buffers closed before the
    /// update are delivered as they were configured; later ones go to the new destination.
    /// </summary>
    public async Task UpdateDestinationAsync(string deliveryStreamName, string currentDeliveryStreamVersionId, string destinationId,
        DeliveryDestination destination, CancellationToken cancellationToken = default)
    {
        FirehoseValidation.DeliveryStreamName(deliveryStreamName);
        if (!int.TryParse(currentDeliveryStreamVersionId, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            throw new InvalidArgumentException($"CurrentDeliveryStreamVersionId '{currentDeliveryStreamVersionId}' is not a version id.");
        // A null destination is refused by the validation (InvalidArgumentException), after the registry lookup.
        if (destination is not null) destination = SchemaRegistry.Resolve(_runtime.Settings, destination);
        FirehoseValidation.Destination(destination);
        await _runtime.CheckDestinationAddressesAsync(destination, cancellationToken).ConfigureAwait(false);
        await AskAsync<DeliveryStreamAck>(_deliveryStreams,
            new UpdateDeliveryDestination(deliveryStreamName, version, destinationId, destination!, NowMs), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds or replaces tags (at most 50 per call and per delivery stream).</summary>
    public async Task TagDeliveryStreamAsync(string deliveryStreamName, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        FirehoseValidation.DeliveryStreamName(deliveryStreamName);
        if (tags is null || tags.Count == 0) throw new InvalidArgumentException("TagDeliveryStream needs at least one tag.");
        FirehoseValidation.Tags(tags, FirehoseLimits.MaxTagsPerRequest);
        await AskAsync<DeliveryStreamTags>(_deliveryStreams,
            new ChangeDeliveryStreamTags(deliveryStreamName, tags.ToImmutableSortedDictionary(StringComparer.Ordinal), [], NowMs), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes tags by key; keys that are not there are ignored.</summary>
    public async Task UntagDeliveryStreamAsync(string deliveryStreamName, IReadOnlyList<string> tagKeys, CancellationToken cancellationToken = default)
    {
        FirehoseValidation.DeliveryStreamName(deliveryStreamName);
        if (tagKeys is null || tagKeys.Count is 0 or > FirehoseLimits.MaxTagsPerRequest)
            throw new InvalidArgumentException($"UntagDeliveryStream needs 1 to {FirehoseLimits.MaxTagsPerRequest} tag keys.");
        await AskAsync<DeliveryStreamTags>(_deliveryStreams,
            new ChangeDeliveryStreamTags(deliveryStreamName, ImmutableSortedDictionary<string, string>.Empty, [.. tagKeys], NowMs), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every tag of the delivery stream, in key order.</summary>
    public async Task<IReadOnlyDictionary<string, string>> ListTagsForDeliveryStreamAsync(string deliveryStreamName, CancellationToken cancellationToken = default)
    {
        FirehoseValidation.DeliveryStreamName(deliveryStreamName);
        var reply = await AskAsync<DeliveryStreamTags>(_deliveryStreams,
            new ChangeDeliveryStreamTags(deliveryStreamName, ImmutableSortedDictionary<string, string>.Empty, [], NowMs), cancellationToken).ConfigureAwait(false);
        return reply.Tags;
    }

    /// <summary>Turns server-side encryption on (<c>AWS_OWNED_CMK</c>, or <c>CUSTOMER_MANAGED_CMK</c> with a key ARN); the state is kept and reported.</summary>
    public async Task StartDeliveryStreamEncryptionAsync(string deliveryStreamName, string keyType = "AWS_OWNED_CMK", string? keyArn = null,
        CancellationToken cancellationToken = default)
    {
        FirehoseValidation.DeliveryStreamName(deliveryStreamName);
        var encryption = new DeliveryStreamEncryption { Enabled = true, KeyType = keyType, KeyArn = keyArn };
        FirehoseValidation.Encryption(encryption);
        await AskAsync<DeliveryStreamAck>(_deliveryStreams, new SetDeliveryStreamEncryption(deliveryStreamName, encryption, NowMs), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>Turns server-side encryption off.</summary>
    public async Task StopDeliveryStreamEncryptionAsync(string deliveryStreamName, CancellationToken cancellationToken = default)
    {
        FirehoseValidation.DeliveryStreamName(deliveryStreamName);
        await AskAsync<DeliveryStreamAck>(_deliveryStreams,
            new SetDeliveryStreamEncryption(deliveryStreamName, DeliveryStreamEncryption.Disabled, NowMs), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes one record; returns once it is durable in the journal.</summary>
    /// <exception cref="ServiceUnavailableException">The delivery stream's backlog is full (its destination is slow or down), or the
    /// journal refuses writes (disk full, database down); retry after a back-off.</exception>
    /// <exception cref="ResourceNotFoundException">No such delivery stream.</exception>
    /// <exception cref="InvalidArgumentException">The record is over 1,000 KiB, or the delivery stream reads a Kinesis stream.</exception>
    public async Task<FirehosePutRecordResult> PutRecordAsync(string deliveryStreamName, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        FirehoseValidation.DeliveryStreamName(deliveryStreamName);
        CheckRecord(data, "record.data");
        RefuseWhileJournalFails();
        var result = await AskAsync<PutFirehoseRecordsResult>(_deliveryStreams,
            new PutFirehoseRecords(deliveryStreamName, [data.ToArray()], data.Length), cancellationToken).ConfigureAwait(false);
        if (result.Accepted == 0) throw Backlogged(deliveryStreamName);
        return new FirehosePutRecordResult(RecordId(result.EventNo, result.FirstIndex), result.Encrypted);
    }

    /// <summary>
    /// Writes 1 to 500 records (at most 4 MiB). Each result entry holds the record's id or, when the backlog was full,
    /// <c>ServiceUnavailableException</c>: resend exactly the failed entries. While the journal refuses writes the whole
    /// call throws <see cref="ServiceUnavailableException"/>.
    /// </summary>
    public async Task<PutRecordBatchResult> PutRecordBatchAsync(string deliveryStreamName, IReadOnlyList<ReadOnlyMemory<byte>> records,
        CancellationToken cancellationToken = default)
    {
        FirehoseValidation.DeliveryStreamName(deliveryStreamName);
        if (records is null || records.Count is 0 or > FirehoseLimits.MaxPutRecordBatchEntries)
            throw new ValidationException(
                $"1 validation error detected: Value at 'records' failed to satisfy constraint: Member must have length between 1 and {FirehoseLimits.MaxPutRecordBatchEntries}");
        long total = 0;
        var copies = new byte[records.Count][];
        for (var i = 0; i < records.Count; i++)
        {
            CheckRecord(records[i], $"records.{i + 1}.member.data");
            total += records[i].Length;
            copies[i] = records[i].ToArray();
        }
        if (total > FirehoseLimits.MaxPutRecordBatchBytes)
            throw new InvalidArgumentException($"The records hold {total} bytes; PutRecordBatch takes at most {FirehoseLimits.MaxPutRecordBatchBytes} bytes (4 MiB).");
        RefuseWhileJournalFails();
        var result = await AskAsync<PutFirehoseRecordsResult>(_deliveryStreams, new PutFirehoseRecords(deliveryStreamName, copies, total), cancellationToken)
            .ConfigureAwait(false);
        var entries = new PutRecordBatchResultEntry[copies.Length];
        var refused = Backlogged(deliveryStreamName).Message;
        for (var i = 0; i < entries.Length; i++)
        {
            entries[i] = i < result.Accepted
                ? new PutRecordBatchResultEntry(RecordId(result.EventNo, result.FirstIndex + i), null, null)
                : new PutRecordBatchResultEntry(null, ServiceUnavailableException.Code, refused);
        }
        return new PutRecordBatchResult(entries.Length - result.Accepted, result.Encrypted, entries);
    }

    /// <summary>
    /// The consumer application a KinesisStreamAsSource delivery stream reads its source as: checkpoints (after the
    /// last delivered record of each shard, SHARD_END for finished ones) and leases. For tests and diagnostics.
    /// </summary>
    internal async Task<(string ApplicationName, ConsumerApplicationState State)> GetSourceApplicationAsync(string deliveryStreamName,
        CancellationToken cancellationToken = default)
    {
        var description = await DescribeDeliveryStreamAsync(deliveryStreamName, cancellationToken).ConfigureAwait(false);
        if (description.KinesisStreamSource is not { } source)
            throw new InvalidArgumentException($"Firehose {deliveryStreamName} does not read a Kinesis stream.");
        var application = KinesisSourceGraph.ApplicationName(deliveryStreamName, description.CreateTimestamp.ToUnixTimeMilliseconds());
        var state = await ActorStreamsExtension.Get(_system).ConsumerApplications
            .GetAsync(KinesisSourceGraph.StreamNameOfArn(source.KinesisStreamArn), application, cancellationToken).ConfigureAwait(false);
        return (application, state);
    }

    private static void CheckRecord(ReadOnlyMemory<byte> data, string member)
    {
        if (data.Length > FirehoseLimits.MaxRecordBytes)
            throw new InvalidArgumentException($"Record size {data.Length} bytes at '{member}' exceeds the limit of {FirehoseLimits.MaxRecordBytes} bytes (1,000 KiB).");
    }

    private ServiceUnavailableException Backlogged(string name) => new(
        $"Slow down. Firehose {name} holds {_runtime.Settings.MaxBacklogBytes} bytes of undelivered records (actorstreams.firehose.max-backlog-bytes); its destination is behind.");

    /// <summary>
    /// While the journal refuses writes a put is refused before it is asked (the delivery stream may be stopped by the
    /// failed write, and a caller should not wait out the ask timeout): ServiceUnavailableException, which AWS's clients retry.
    /// </summary>
    private void RefuseWhileJournalFails()
    {
        if (_runtime.Journal?.Fault is { } fault) throw new ServiceUnavailableException(fault.Message);
    }

    /// <summary>A record id: the journal event and the record's index in it, fixed width.</summary>
    private static string RecordId(long eventNo, int index) =>
        string.Create(CultureInfo.InvariantCulture, $"{eventNo:D20}{index:D8}");

    private async Task<T> AskAsync<T>(IActorRef target, object message, CancellationToken cancellationToken)
    {
        object reply;
        try
        {
            reply = await target.Ask<object>(message, _askTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (AskTimeoutException)
        {
            throw new InternalFailureException($"No answer within {_askTimeout.TotalSeconds:0.#} s (actorstreams.ask-timeout).");
        }
        return reply switch
        {
            T t => t,
            ErrorReply error => throw error.ToException(),
            Status.Failure failure => throw new InternalFailureException(failure.Cause.Message),
            _ => throw new InternalFailureException($"Unexpected reply {reply.GetType().Name} to {message.GetType().Name}."),
        };
    }
}
