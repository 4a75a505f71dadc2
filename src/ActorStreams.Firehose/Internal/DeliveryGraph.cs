using System.Collections.Immutable;
using Akka.Actor;
using Akka.Event;
using Akka.Streams;
using Akka.Streams.Dsl;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// The delivery graph of one delivery stream: closed buffers -> transformation -> prepare (compress, encode) ->
/// deliver with retries and exponential back-off up to the retry duration, then the error output -> the outcome
/// back to the entity. Buffers stay in order; the entity hands in at most <c>buffers-in-flight</c> at a time, so a
/// slow destination holds records in the entity's bounded backlog and, once that is full, refuses puts.
/// </summary>
internal static class DeliveryGraph
{
    public static ISourceQueueWithComplete<DeliveryBuffer> Run(IActorRef owner, long generation, FirehoseRuntime runtime, ILoggingAdapter log,
        IMaterializer materializer, CancellationToken cancellationToken)
    {
        var (queue, done) = Source.Queue<DeliveryBuffer>(runtime.Settings.BuffersInFlight, OverflowStrategy.Backpressure)
            .SelectAsync(1, buffer => TransformOrFailAsync(buffer, runtime, log, cancellationToken))
            .Select(Prepare)
            .Async()
            .SelectAsync(1, prepared => DeliverAsync(prepared, runtime, log, cancellationToken))
            .ToMaterialized(Sink.ForEach<DeliveryOutcome>(outcome => owner.Tell(outcome)), Keep.Both)
            .Run(materializer);
        done.ContinueWith(t => owner.Tell(new DeliveryGraphStopped(generation, t.Exception?.GetBaseException())), TaskScheduler.Default);
        return queue;
    }

    // ---------------- transformation ----------------

    /// <summary>
    /// The transformation, and whatever it throws beyond the failures it handles: then the buffer's records go to
    /// <c>processing-failed</c>. Nothing a record holds stops the graph or is retried forever.
    /// </summary>
    internal static async Task<TransformedBuffer> TransformOrFailAsync(DeliveryBuffer buffer, FirehoseRuntime runtime, ILoggingAdapter log,
        CancellationToken cancellationToken)
    {
        try
        {
            return await TransformAsync(buffer, runtime, log, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            log.Warning(e, "Transforming buffer {0} of delivery stream {1} failed; its records go to the error output", buffer.BufferId, buffer.Plan.StreamName);
            buffer.Plan.Recorder?.OtherFailure(DeliveryRecorder.Transformation, "Lambda.FunctionError", $"Transforming a buffer failed: {e.GetType().Name}.");
            var failed = buffer.Records.Select(r => new FailedRecord(r, ObjectNaming.ProcessingFailed, "Lambda.FunctionError", e.Message, 1)).ToList();
            return new TransformedBuffer(buffer, [], failed);
        }
    }

    internal static async Task<TransformedBuffer> TransformAsync(DeliveryBuffer buffer, FirehoseRuntime runtime, ILoggingAdapter log,
        CancellationToken cancellationToken)
    {
        var processing = buffer.Plan.Processing;
        // Partition buffers hold records their intake buffer already processed.
        if (processing is not { Enabled: true } || buffer.IsPartitionBuffer)
            return new TransformedBuffer(buffer, [.. buffer.Records], []);
        var failed = new List<FailedRecord>();
        IReadOnlyList<BufferedRecord> records = RecordProcessors.ProcessesBeforeTransformation(processing)
            ? RecordProcessors.BeforeTransformation(buffer.Records, processing, failed)
            : buffer.Records;
        var output = processing.LambdaArn is null
            ? new List<BufferedRecord>(records)
            : await LambdaAsync(buffer, records, processing, failed, runtime, log, cancellationToken).ConfigureAwait(false);
        RecordProcessors.AppendDelimiter(output, processing);
        return new TransformedBuffer(buffer, output, failed);
    }

    /// <summary>The Lambda processor over <paramref name="records"/>: what it returns Ok, and its failures in <paramref name="failed"/>.</summary>
    private static async Task<List<BufferedRecord>> LambdaAsync(DeliveryBuffer buffer, IReadOnlyList<BufferedRecord> records, ProcessingConfiguration processing,
        List<FailedRecord> failed, FirehoseRuntime runtime, ILoggingAdapter log, CancellationToken cancellationToken)
    {
        var output = new List<BufferedRecord>(records.Count);

        var transformation = HttpTransformation.IsEndpoint(processing.LambdaArn)
            ? HttpTransformation.Create(runtime.Http, processing.LambdaArn!, buffer.Plan.StreamArn, runtime.Region)
            : runtime.FindTransformation(processing.LambdaArn);
        if (transformation is null)
        {
            var notFound = $"No transformation is registered as {processing.LambdaArn} (FirehoseClient.RegisterTransformation).";
            buffer.Plan.Recorder?.OtherFailure(DeliveryRecorder.Transformation, "Lambda.FunctionNotFound", notFound);
            foreach (var r in records)
                failed.Add(new FailedRecord(r, ObjectNaming.ProcessingFailed, "Lambda.FunctionNotFound", notFound, 1));
            return output;
        }

        var inputs = new TransformationInputRecord[records.Count];
        var ids = new Dictionary<string, int>(inputs.Length, StringComparer.Ordinal);
        for (var i = 0; i < inputs.Length; i++)
        {
            var id = $"{buffer.BufferId:N}{i:D8}";
            ids[id] = i;
            inputs[i] = new TransformationInputRecord(id, records[i].Data, DateTimeOffset.FromUnixTimeMilliseconds(records[i].ArrivalMs));
        }

        IReadOnlyList<TransformationOutputRecord>? results = null;
        Exception? last = null;
        var attempts = 0;
        while (results is null && attempts < runtime.Settings.TransformationAttempts)
        {
            attempts++;
            try
            {
                results = await transformation(inputs, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                last = e;
                log.Warning("Transformation {0} of delivery stream {1} failed (attempt {2}): {3}", processing.LambdaArn, buffer.Plan.StreamName, attempts, e.Message);
                buffer.Plan.Recorder?.OtherFailure(DeliveryRecorder.Transformation, "Lambda.FunctionError", $"{processing.LambdaArn}: {e.Message}");
            }
        }
        if (results is null)
        {
            foreach (var r in records)
                failed.Add(new FailedRecord(r, ObjectNaming.ProcessingFailed, "Lambda.FunctionError", last?.Message ?? "The transformation failed.", attempts));
            return output;
        }

        var answered = new bool[inputs.Length];
        foreach (var result in results)
        {
            if (result is null || !ids.TryGetValue(result.RecordId ?? "", out var index) || answered[index]) continue;
            answered[index] = true;
            var source = records[index];
            switch (result.Result)
            {
                case TransformationResult.Ok when result.Data.Length > FirehoseLimits.MaxRecordBytes:
                    failed.Add(new FailedRecord(source, ObjectNaming.ProcessingFailed, "Lambda.ProcessingFailed",
                        $"The transformation returned {result.Data.Length} bytes for the record; at most {FirehoseLimits.MaxRecordBytes} are allowed.", attempts));
                    break;
                case TransformationResult.Ok:
                    output.Add(new BufferedRecord(source.ArrivalMs, result.Data.ToArray(), result.PartitionKeys));
                    break;
                case TransformationResult.Dropped:
                    break;
                default:
                    failed.Add(new FailedRecord(source, ObjectNaming.ProcessingFailed, "Lambda.ProcessingFailed", "The transformation marked the record ProcessingFailed.", attempts));
                    break;
            }
        }
        for (var i = 0; i < answered.Length; i++)
        {
            if (!answered[i])
                failed.Add(new FailedRecord(records[i], ObjectNaming.ProcessingFailed, "Lambda.MissingRecordId",
                    $"The transformation returned no record with id {inputs[i].RecordId}.", attempts));
        }
        return output;
    }

    // ---------------- prepare ----------------

    internal static PreparedBuffer Prepare(TransformedBuffer transformed)
    {
        // An intake buffer of a partitioned delivery stream is not delivered itself; an overflow buffer goes to the error output.
        if (transformed.Buffer.IsIntakeOfPartitioning || transformed.Buffer.Overflow) return new PreparedBuffer(transformed, null);
        var sink = transformed.Buffer.Plan.Sink;
        try
        {
            // A copy: a Prepare that throws may have added some of the records already.
            var failed = new List<FailedRecord>(transformed.Failed);
            var ready = sink.Prepare(transformed.Buffer, transformed.Output, failed);
            return new PreparedBuffer(transformed with { Failed = failed }, ready);
        }
        catch (Exception)
        {
            return PrepareAroundFailure(transformed);
        }
    }

    /// <summary>
    /// Preparing is pure work on the records, so a failure is theirs, not the destination's, and trying again cannot
    /// help: each record is prepared alone to find those that fail (they go to the error output), then the others are
    /// prepared together and delivered. Only when that fails too does the whole buffer go to the error output.
    /// </summary>
    private static PreparedBuffer PrepareAroundFailure(TransformedBuffer transformed)
    {
        var buffer = transformed.Buffer;
        var sink = buffer.Plan.Sink;
        var failed = new List<FailedRecord>(transformed.Failed);
        var good = new List<BufferedRecord>(transformed.Output.Count);
        foreach (var record in transformed.Output)
        {
            try
            {
                sink.Prepare(buffer, [record], []);
                good.Add(record);
            }
            catch (Exception e)
            {
                failed.Add(new FailedRecord(record, PrepareFailureType(sink), PrepareFailedCode, $"The record cannot be prepared for the destination: {e.Message}", 1));
            }
        }
        var retried = transformed with { Output = good, Failed = failed };
        try
        {
            return new PreparedBuffer(retried, good.Count == 0 ? null : sink.Prepare(buffer, good, failed));
        }
        catch (Exception e)
        {
            var all = new List<FailedRecord>(transformed.Failed);
            all.AddRange(transformed.Output.Select(r =>
                new FailedRecord(r, PrepareFailureType(sink), PrepareFailedCode, $"The buffer cannot be prepared for the destination: {e.Message}", 1)));
            return new PreparedBuffer(transformed with { Output = [], Failed = all }, null);
        }
    }

    /// <summary>The error code of records that could not be converted or encoded for their destination.</summary>
    internal const string PrepareFailedCode = "DataFormatConversion.InvalidInput";

    private static string PrepareFailureType(DestinationSink sink) =>
        sink is ObjectStoreSink ? ObjectNaming.FormatConversionFailed : sink.FailureOutputType;

    // ---------------- delivery ----------------

    internal static async Task<DeliveryOutcome> DeliverAsync(PreparedBuffer prepared, FirehoseRuntime runtime, ILoggingAdapter log,
        CancellationToken cancellationToken)
    {
        var buffer = prepared.Transformed.Buffer;
        if (buffer.IsIntakeOfPartitioning) return await PartitionAsync(prepared.Transformed, runtime, log, cancellationToken).ConfigureAwait(false);
        var sink = buffer.Plan.Sink;
        var failed = new List<FailedRecord>(prepared.Transformed.Failed);
        if (buffer.Overflow)
        {
            foreach (var r in prepared.Transformed.Output)
                failed.Add(new FailedRecord(r, ObjectNaming.PartitioningFailed, Partitioning.ActivePartitionsExceededCode,
                    $"The delivery stream had {runtime.Settings.MaxActivePartitions} active partitions (actorstreams.firehose.max-active-partitions); the record's partition could not be opened.", 0));
        }
        var delivered = 0;
        var toDeliver = prepared.Prepared;
        // Retry timing runs on the runtime's clock (a FakeTimeProvider in tests), not the wall clock.
        var started = runtime.Clock.GetTimestamp();
        var attempt = 0;
        while (toDeliver is not null)
        {
            attempt++;
            Exception error;
            var permanent = false;
            try
            {
                await sink.DeliverAsync(buffer, toDeliver!, cancellationToken).ConfigureAwait(false);
                var refused = sink.RefusedRecords(toDeliver!);
                failed.AddRange(refused);
                delivered = toDeliver!.RecordCount - refused.Count;
                toDeliver = null;
                buffer.Plan.Recorder?.Delivered(delivered, DeliveredBytes(prepared.Transformed.Output, failed));
                await RetryForeverAsync(() => sink.AfterDeliveryAsync(buffer, cancellationToken), "backing up", buffer, runtime, log, cancellationToken, giveUpOnRefusal: true)
                    .ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                error = e;
                permanent = e is DeliveryException { Permanent: true };
            }

            var code = error is DeliveryException de ? de.ErrorCode : "InternalFailure";
            buffer.Plan.Recorder?.AttemptFailed(code, error.Message);
            var elapsed = runtime.Clock.GetElapsedTime(started);
            if (permanent || (sink.RetryDuration is { } limit && elapsed >= limit))
            {
                log.Warning("Delivery stream {0} gives up on buffer {1} after {2} attempts ({3}): {4}", buffer.Plan.StreamName, buffer.BufferId, attempt, code, error.Message);
                var already = failed.Select(f => (object)f.Record.Data).ToHashSet(ReferenceEqualityComparer.Instance);
                foreach (var r in sink.Undelivered(toDeliver, prepared.Transformed.Output).Where(r => !already.Contains(r.Data))) failed.Add(new FailedRecord(r, sink.FailureOutputType, code, error.Message, attempt));
                break;
            }
            var delay = Backoff(runtime, attempt);
            if (sink.RetryDuration is { } max && elapsed + delay > max) delay = max - elapsed;
            log.Info("Delivery stream {0}: buffer {1} attempt {2} failed, retrying in {3}: {4}", buffer.Plan.StreamName, buffer.BufferId, attempt, delay, error.Message);
            await Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, runtime.Clock, cancellationToken).ConfigureAwait(false);
        }

        if (failed.Count > 0)
        {
            await RetryForeverAsync(() => ErrorOutput.WriteAsync(runtime.ObjectStore, buffer, failed, runtime.NowMs, cancellationToken),
                "writing the error output of", buffer, runtime, log, cancellationToken).ConfigureAwait(false);
            buffer.Plan.Recorder?.SentToErrorOutput(failed);
        }
        return new DeliveryOutcome(buffer.BufferId, delivered, failed.Count);
    }

    /// <summary>The bytes of the records that reached the destination: the buffer's output less those that failed.</summary>
    private static long DeliveredBytes(IReadOnlyList<BufferedRecord> output, List<FailedRecord> failed)
    {
        var failedData = failed.Count == 0 ? null : failed.Select(f => (object)f.Record.Data).ToHashSet(ReferenceEqualityComparer.Instance);
        long bytes = 0;
        foreach (var r in output)
        {
            if (failedData is null || !failedData.Contains(r.Data)) bytes += r.Data.Length;
        }
        return bytes;
    }

    /// <summary>
    /// Dynamic partitioning, first stage: the transformed records of an intake buffer get their partition keys; those
    /// that have none go to <c>partitioning-failed</c> (with the transformation's failures), the others go back to the
    /// entity grouped by partition (in arrival order), to be journaled and buffered per partition.
    /// </summary>
    private static async Task<DeliveryOutcome> PartitionAsync(TransformedBuffer transformed, FirehoseRuntime runtime, ILoggingAdapter log,
        CancellationToken cancellationToken)
    {
        var buffer = transformed.Buffer;
        var partitioning = buffer.Plan.Partitioning!;
        var failed = new List<FailedRecord>(transformed.Failed);
        var groups = new Dictionary<string, (ImmutableSortedDictionary<string, string> Keys, List<BufferedRecord> Records)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var record in transformed.Output)
        {
            ImmutableSortedDictionary<string, string> keys;
            string? error;
            try
            {
                if (!partitioning.TryKeys(record, out keys, out error)) keys = null!;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Whatever a record holds, it is that record's failure, never the buffer's.
                (keys, error) = (null!, $"The record's partition keys cannot be extracted: {e.Message}");
            }
            if (keys is null)
            {
                failed.Add(new FailedRecord(record, ObjectNaming.PartitioningFailed, Partitioning.ErrorCode, error!, 1));
                continue;
            }
            var partition = Partitioning.Canonical(keys);
            if (!groups.TryGetValue(partition, out var group))
            {
                group = (keys, new List<BufferedRecord>());
                groups[partition] = group;
                order.Add(partition);
            }
            group.Records.Add(record with { LambdaKeys = null });
        }
        if (failed.Count > 0)
        {
            await RetryForeverAsync(() => ErrorOutput.WriteAsync(runtime.ObjectStore, buffer, failed, runtime.NowMs, cancellationToken),
                "writing the error output of", buffer, runtime, log, cancellationToken).ConfigureAwait(false);
        }
        var partitioned = order.Select(p => new PartitionGroup(groups[p].Keys, groups[p].Records.ToArray())).ToList();
        return new DeliveryOutcome(buffer.BufferId, 0, failed.Count) { Partitioned = partitioned };
    }

    /// <summary>
    /// Backup and error output have nowhere else to go: they are retried until they succeed (or the entity stops), a
    /// store that is down being the one thing worth waiting for. A backup whose key the store refuses for good
    /// (<paramref name="giveUpOnRefusal"/>) is given up, the records having reached the destination already.
    /// </summary>
    private static async Task RetryForeverAsync(Func<Task> action, string what, DeliveryBuffer buffer, FirehoseRuntime runtime, ILoggingAdapter log,
        CancellationToken cancellationToken, bool giveUpOnRefusal = false)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await action().ConfigureAwait(false);
                return;
            }
            catch (DeliveryException e) when (e.Permanent && giveUpOnRefusal && !cancellationToken.IsCancellationRequested)
            {
                log.Warning("Delivery stream {0}: {1} buffer {2} was refused for good ({3}); not retried: {4}", buffer.Plan.StreamName, what, buffer.BufferId, e.ErrorCode, e.Message);
                buffer.Plan.Recorder?.OtherFailure(DeliveryRecorder.ObjectStore, e.ErrorCode, $"{what} buffer {buffer.BufferId} was refused (not retried): {e.Message}");
                return;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                var delay = Backoff(runtime, attempt);
                log.Warning("Delivery stream {0}: {1} buffer {2} failed (attempt {3}), retrying in {4}: {5}", buffer.Plan.StreamName, what, buffer.BufferId, attempt, delay, e.Message);
                buffer.Plan.Recorder?.StoreRetry(e is DeliveryException de ? de.ErrorCode : "InternalFailure",
                    $"{what} buffer {buffer.BufferId} failed (retrying): {e.Message}");
                await Task.Delay(delay, runtime.Clock, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>base * 2^(attempt-1), capped.</summary>
    internal static TimeSpan Backoff(FirehoseRuntime runtime, int attempt)
    {
        var settings = runtime.Settings;
        var factor = Math.Pow(2, Math.Min(attempt - 1, 30));
        var ticks = Math.Min(settings.RetryBaseDelay.Ticks * factor, settings.RetryMaxDelay.Ticks);
        return TimeSpan.FromTicks((long)ticks);
    }
}
