using System.Globalization;
using ActorStreams.Internal;
using ActorStreams.Kinesis.Internal.Catalog;
using ActorStreams.Settings;

namespace ActorStreams.Kinesis.Internal;

/// <summary>Stream and consumer ARNs, and a catalog's consumer entries as the client shows them: shared by the consumer operations and SubscribeToShard.</summary>
internal static class ConsumerArns
{
    /// <summary>What follows the account in a stream ARN.</summary>
    public const string StreamArnMarker = ":stream/";

    /// <summary>What separates the stream ARN and the consumer name in a consumer ARN.</summary>
    public const string ConsumerArnMarker = "/consumer/";

    /// <summary>A stream name, or the name in a stream ARN (<c>arn:aws:kinesis:&lt;region&gt;:&lt;account&gt;:stream/&lt;name&gt;</c>).</summary>
    public static string StreamNameOf(string streamNameOrArn)
    {
        if (streamNameOrArn is null || !streamNameOrArn.StartsWith("arn:", StringComparison.Ordinal))
        {
            Validate.StreamName(streamNameOrArn);
            return streamNameOrArn!;
        }
        var marker = streamNameOrArn.IndexOf(StreamArnMarker, StringComparison.Ordinal);
        var name = marker < 0 ? "" : streamNameOrArn[(marker + StreamArnMarker.Length)..];
        if (!streamNameOrArn.StartsWith("arn:aws", StringComparison.Ordinal) || !streamNameOrArn.Contains(":kinesis:", StringComparison.Ordinal) || name.Length == 0)
            throw new ValidationException(
                $"1 validation error detected: Value '{streamNameOrArn}' at 'streamARN' failed to satisfy constraint: Member must satisfy regular expression pattern: arn:aws.*:kinesis:.*:\\d{{12}}:stream/\\S+");
        Validate.StreamName(name, "streamARN");
        return name;
    }

    /// <summary>The stream, consumer name and registration time (seconds) in a consumer ARN.</summary>
    public static (string StreamName, string ConsumerName, long CreatedSeconds) Parse(string consumerArn)
    {
        var marker = consumerArn?.LastIndexOf(ConsumerArnMarker, StringComparison.Ordinal) ?? -1;
        var colon = consumerArn?.LastIndexOf(':') ?? -1;
        if (marker < 0 || colon < marker
            || !long.TryParse(consumerArn.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            throw new ValidationException(
                $"1 validation error detected: Value '{consumerArn}' at 'consumerARN' failed to satisfy constraint: Member must satisfy regular expression pattern: ^(arn):aws.*:kinesis:.*:\\d{{12}}:.*stream\\/[a-zA-Z0-9_.-]+\\/consumer\\/[a-zA-Z0-9_.-]+:[0-9]+");
        var streamName = StreamNameOf(consumerArn![..marker]);
        var consumerName = consumerArn[(marker + ConsumerArnMarker.Length)..colon];
        Validate.ConsumerName(consumerName, "consumerARN");
        return (streamName, consumerName, seconds);
    }

    /// <summary>A catalog consumer entry as the client describes it, with its ARN.</summary>
    public static StreamConsumer ToConsumer(ActorStreamsSettings settings, string streamName, ConsumerEntry c)
    {
        var streamArn = settings.StreamArn(streamName);
        var created = DateTimeOffset.FromUnixTimeMilliseconds(c.CreatedAtMs);
        var arn = string.Create(CultureInfo.InvariantCulture, $"{streamArn}{ConsumerArnMarker}{c.Name}:{created.ToUnixTimeSeconds()}");
        return new StreamConsumer(c.Name, arn, c.Status, created, streamArn);
    }

    /// <summary>The registration of a consumer (of that registration time, when given), or <see cref="ResourceNotFoundException"/>.</summary>
    public static ConsumerEntry Find(ActorStreamsSettings settings, StreamEntry entry, string consumerName, long? createdSeconds) =>
        entry.Consumers.FirstOrDefault(c => c.Name == consumerName && c.IsRegistration(createdSeconds))
        ?? throw new ResourceNotFoundException($"Consumer {consumerName} under stream {settings.StreamArn(entry.Name)} not found.");
}
