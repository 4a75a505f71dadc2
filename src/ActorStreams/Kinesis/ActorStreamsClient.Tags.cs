using System.Collections.Immutable;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal;
using ActorStreams.Kinesis.Internal.Catalog;

namespace ActorStreams.Kinesis;

// TagResource, UntagResource and ListTagsForResource: tags by ARN, on a stream or on an enhanced fan-out consumer.
public sealed partial class ActorStreamsClient
{
    /// <summary>
    /// Adds or overwrites up to 10 tags on the stream or consumer a Kinesis ARN names (at most 50 per resource).
    /// A consumer's tags are kept with its registration and go when it is deregistered.
    /// </summary>
    /// <exception cref="ValidationException">The ARN is not a Kinesis stream or consumer ARN, or a tag is malformed.</exception>
    /// <exception cref="ResourceNotFoundException">No such stream, or no such registration of the consumer.</exception>
    /// <exception cref="InvalidArgumentException">A stream would have more than 50 tags.</exception>
    /// <exception cref="LimitExceededException">A consumer would have more than 50 tags.</exception>
    public async Task TagResourceAsync(string resourceArn, IReadOnlyDictionary<string, string> tags, CancellationToken cancellationToken = default)
    {
        Validate.Tags(tags);
        var sorted = tags.ToImmutableSortedDictionary(StringComparer.Ordinal);
        if (TryParseConsumerResource(resourceArn, out var consumer))
            await AskAsync<ConsumerEntry>(_catalog, new AddConsumerTags(consumer.StreamName, consumer.ConsumerName, consumer.CreatedSeconds, sorted),
                cancellationToken).ConfigureAwait(false);
        else
            await AskAsync<StreamEntry>(_catalog, new AddTags(ConsumerArns.StreamNameOf(resourceArn), sorted), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Removes tags by key from the stream or consumer a Kinesis ARN names; unknown keys are ignored.</summary>
    /// <exception cref="ResourceNotFoundException">No such stream, or no such registration of the consumer.</exception>
    public async Task UntagResourceAsync(string resourceArn, IEnumerable<string> tagKeys, CancellationToken cancellationToken = default)
    {
        var keys = TagKeysOf(tagKeys);
        if (TryParseConsumerResource(resourceArn, out var consumer))
            await AskAsync<ConsumerEntry>(_catalog, new RemoveConsumerTags(consumer.StreamName, consumer.ConsumerName, consumer.CreatedSeconds, keys),
                cancellationToken).ConfigureAwait(false);
        else
            await AskAsync<StreamEntry>(_catalog, new RemoveTags(ConsumerArns.StreamNameOf(resourceArn), keys), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The tags of the stream or consumer a Kinesis ARN names, ordered by key.</summary>
    /// <exception cref="ResourceNotFoundException">No such stream, or no such registration of the consumer.</exception>
    public async Task<IReadOnlyDictionary<string, string>> ListTagsForResourceAsync(string resourceArn, CancellationToken cancellationToken = default)
    {
        if (!TryParseConsumerResource(resourceArn, out var consumer))
            return (await GetEntryAsync(ConsumerArns.StreamNameOf(resourceArn), cancellationToken).ConfigureAwait(false)).Tags;
        var entry = await GetEntryAsync(consumer.StreamName, cancellationToken).ConfigureAwait(false);
        return ConsumerArns.Find(_settings, entry, consumer.ConsumerName, consumer.CreatedSeconds).Tags;
    }

    private static ImmutableArray<string> TagKeysOf(IEnumerable<string> tagKeys)
    {
        var keys = tagKeys.ToImmutableArray();
        if (keys.Length is 0 or > KinesisLimits.MaxTagsPerRequest)
            throw new ValidationException("1 validation error detected: " +
                Validate.LengthViolation("[" + string.Join(", ", keys) + "]", "tagKeys", keys.Length, KinesisLimits.MaxTagsPerRequest));
        foreach (var key in keys) Validate.TagKey(key);
        return keys;
    }

    private static bool TryParseConsumerResource(string resourceArn, out (string StreamName, string ConsumerName, long CreatedSeconds) consumer)
    {
        RequireArn(resourceArn);
        consumer = default;
        if (!resourceArn.Contains(ConsumerArns.ConsumerArnMarker, StringComparison.Ordinal)) return false;
        consumer = ConsumerArns.Parse(resourceArn);
        return true;
    }

    private static void RequireArn(string? resourceArn)
    {
        if (resourceArn is null || !resourceArn.StartsWith("arn:", StringComparison.Ordinal))
            throw new ValidationException(
                $"1 validation error detected: Value '{resourceArn}' at 'resourceARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{{12}}:.+");
    }
}
