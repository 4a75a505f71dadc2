using System.Text.RegularExpressions;

namespace ActorStreams.Server.Protocol;

/// <summary>
/// The characters Kinesis allows in tag keys and values, checked before any tag is stored, with AWS's two messages:
/// a character outside Unicode letters, digits, white space (<c>\p{Z}</c>: a tab or a newline is not) and
/// <c>_ . / = + - % @</c> is refused at once; <c>%</c> passes that check and is refused by the stream afterwards.
/// Lengths and counts are the model's (<see cref="Model.RequestValidator"/>) and the runtime's; Firehose tags are
/// checked by the model's patterns alone.
/// </summary>
internal static partial class TagRules
{
    public const string InvalidCharacters =
        "Some tags contain invalid characters. Valid characters: Unicode letters, digits, white space, _ . / = + - % @.";

    private const string AllowedAfterPercent = "The allowed characters are Unicode letters, white-spaces, '_',',','/','=','+','-','@'.";

    [GeneratedRegex(@"\A[\p{L}\p{Z}\p{N}_./=+\-%@]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex Allowed();

    /// <summary>Refuses tags to be added to <paramref name="streamName"/> (null for a resource named by its ARN).</summary>
    public static void CheckAdd(IEnumerable<KeyValuePair<string, string>> tags, string? streamName, string accountId) =>
        Check(tags.SelectMany(t => new[] { t.Key, t.Value }), streamName is null ? null : $"Failed to add tags to stream {streamName} under account {accountId} because some tags contained illegal characters. {AllowedAfterPercent}");

    /// <summary>Refuses tag keys to be removed from <paramref name="streamName"/> (null for a resource named by its ARN).</summary>
    public static void CheckRemove(IEnumerable<string> keys, string? streamName, string accountId) =>
        Check(keys, streamName is null ? null : $"Failed to remove tags from stream {streamName} under account {accountId} because some tags contained illegal characters. {AllowedAfterPercent}");

    private static void Check(IEnumerable<string> texts, string? percentMessage)
    {
        var list = texts as IReadOnlyCollection<string> ?? texts.ToList();
        if (list.Any(t => !Allowed().IsMatch(t))) throw new InvalidArgumentException(InvalidCharacters);
        if (list.Any(t => t.Contains('%'))) throw new InvalidArgumentException(percentMessage ?? InvalidCharacters);
    }
}
