using System.Globalization;
using System.Text;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Catalog;

namespace ActorStreams.Kinesis;

public sealed partial class ActorStreamsClient
{
    private const string ListConsumersTokenPrefix = "lc1:";

    /// <summary>
    /// Registers an enhanced fan-out consumer on a stream (by name or ARN). Kinesis answers CREATING and turns it
    /// ACTIVE seconds later; ActorStreams registers it at once, so the reply is already ACTIVE.
    /// </summary>
    /// <exception cref="ResourceInUseException">A consumer of that name is registered, or the stream is not ACTIVE.</exception>
    /// <exception cref="LimitExceededException">The stream has <see cref="KinesisLimits.MaxConsumersPerStream"/> consumers.</exception>
    public Task<StreamConsumer> RegisterStreamConsumerAsync(string streamNameOrArn, string consumerName, CancellationToken cancellationToken = default) =>
        RegisterStreamConsumerAsync(streamNameOrArn, consumerName, null, cancellationToken);

    /// <summary>
    /// Registers a consumer and tags it (RegisterStreamConsumer's <c>Tags</c>): the tags are checked first, then added
    /// right after the registration.
    /// </summary>
    public async Task<StreamConsumer> RegisterStreamConsumerAsync(string streamNameOrArn, string consumerName, IReadOnlyDictionary<string, string>? tags,
        CancellationToken cancellationToken = default)
    {
        var streamName = ConsumerArns.StreamNameOf(streamNameOrArn);
        Validate.ConsumerName(consumerName);
        if (tags is { Count: > 0 }) Validate.Tags(tags);
        var consumer = await AskAsync<ConsumerEntry>(_catalog, new RegisterConsumer(streamName, consumerName), cancellationToken).ConfigureAwait(false);
        var registered = ConsumerArns.ToConsumer(_settings, streamName, consumer);
        if (tags is { Count: > 0 }) await TagResourceAsync(registered.ConsumerArn, tags, cancellationToken).ConfigureAwait(false);
        return registered;
    }

    /// <summary>Describes a consumer by its ARN.</summary>
    /// <exception cref="ResourceNotFoundException">No consumer has that ARN (a consumer registered again under the same name has a new one).</exception>
    public async Task<StreamConsumer> DescribeStreamConsumerAsync(string consumerArn, CancellationToken cancellationToken = default)
    {
        var (streamName, consumerName, createdSeconds) = ConsumerArns.Parse(consumerArn);
        var entry = await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        return ConsumerArns.ToConsumer(_settings, streamName, ConsumerArns.Find(_settings, entry, consumerName, createdSeconds));
    }

    /// <summary>Describes a consumer by the stream (name or ARN) it is registered on and its name.</summary>
    public async Task<StreamConsumer> DescribeStreamConsumerAsync(string streamNameOrArn, string consumerName, CancellationToken cancellationToken = default)
    {
        var streamName = ConsumerArns.StreamNameOf(streamNameOrArn);
        Validate.ConsumerName(consumerName);
        var entry = await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        return ConsumerArns.ToConsumer(_settings, streamName, ConsumerArns.Find(_settings, entry, consumerName, null));
    }

    /// <summary>
    /// A page of a stream's consumers in name order: at most <paramref name="maxResults"/> (1 to
    /// <see cref="KinesisLimits.MaxListStreamConsumersResults"/>, default 100), continuing after the page that
    /// returned <paramref name="nextToken"/>.
    /// </summary>
    public Task<ListStreamConsumersResult> ListStreamConsumersAsync(string streamNameOrArn, int? maxResults = null, string? nextToken = null,
        CancellationToken cancellationToken = default) =>
        ListStreamConsumersAsync(streamNameOrArn, maxResults, nextToken, null, cancellationToken);

    /// <summary>
    /// A page of the consumers of the stream of that name created at <paramref name="streamCreationTimestamp"/>
    /// (compared in whole seconds, as the AWS CLI sends it), which tells a stream from an earlier one of the same name.
    /// </summary>
    /// <exception cref="ResourceNotFoundException">The stream of that name was created at another time: the one meant is gone.</exception>
    /// <exception cref="InvalidArgumentException">Both <paramref name="nextToken"/> and <paramref name="streamCreationTimestamp"/> are given.</exception>
    public async Task<ListStreamConsumersResult> ListStreamConsumersAsync(string streamNameOrArn, int? maxResults, string? nextToken,
        DateTimeOffset? streamCreationTimestamp, CancellationToken cancellationToken = default)
    {
        var streamName = ConsumerArns.StreamNameOf(streamNameOrArn);
        Validate.Limit(maxResults, KinesisLimits.MaxListStreamConsumersResults, "maxResults");
        if (nextToken is not null && streamCreationTimestamp is not null)
            throw new InvalidArgumentException("NextToken and StreamCreationTimestamp cannot be provided together; the token already names the stream.");
        var after = nextToken is null ? null : DecodeListConsumersToken(nextToken, streamName);
        var entry = await GetEntryAsync(streamName, cancellationToken).ConfigureAwait(false);
        CheckCreationTimestamp(entry, streamCreationTimestamp);
        var limit = maxResults ?? KinesisLimits.DefaultListStreamConsumersResults;
        var candidates = entry.Consumers
            .Where(c => after is null || string.CompareOrdinal(c.Name, after) > 0)
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();
        var page = candidates.Take(limit).Select(c => ConsumerArns.ToConsumer(_settings, streamName, c)).ToList();
        var token = candidates.Count > limit ? EncodeListConsumersToken(streamName, page[^1].ConsumerName) : null;
        return new ListStreamConsumersResult(page, token);
    }

    /// <summary>Deregisters a consumer by its ARN.</summary>
    public async Task DeregisterStreamConsumerAsync(string consumerArn, CancellationToken cancellationToken = default)
    {
        // The ARN names one registration; an ARN of an earlier registration under the same name is not found.
        var (streamName, consumerName, createdSeconds) = ConsumerArns.Parse(consumerArn);
        await AskAsync<ConsumerEntry>(_catalog, new DeregisterConsumer(streamName, consumerName, createdSeconds), cancellationToken).ConfigureAwait(false);
        _lag.ForgetConsumer(streamName, consumerName);
    }

    /// <summary>Deregisters a consumer by the stream (name or ARN) it is registered on and its name.</summary>
    public async Task DeregisterStreamConsumerAsync(string streamNameOrArn, string consumerName, CancellationToken cancellationToken = default)
    {
        var streamName = ConsumerArns.StreamNameOf(streamNameOrArn);
        Validate.ConsumerName(consumerName);
        await AskAsync<ConsumerEntry>(_catalog, new DeregisterConsumer(streamName, consumerName, null), cancellationToken).ConfigureAwait(false);
        _lag.ForgetConsumer(streamName, consumerName);
    }

    private static string EncodeListConsumersToken(string streamName, string lastConsumerName) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ListConsumersTokenPrefix}{streamName}/{lastConsumerName}"));

    private static string DecodeListConsumersToken(string token, string streamName)
    {
        try
        {
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            var prefix = $"{ListConsumersTokenPrefix}{streamName}/";
            if (text.StartsWith(prefix, StringComparison.Ordinal)) return text[prefix.Length..];
        }
        catch (FormatException)
        {
        }
        throw new InvalidArgumentException("NextToken is not a token returned by ListStreamConsumers for this stream.");
    }
}
