using System.Collections;
using System.Globalization;
using Akka.Event;

namespace ActorStreams.Server.Logging;

/// <summary>
/// One Akka log event as a Microsoft.Extensions.Logging state: a list of named values, which structured formatters
/// (the JSON console formatter, OpenTelemetry) write as fields, and the formatted message as its text.
/// </summary>
internal sealed class AkkaLogEntry : IReadOnlyList<KeyValuePair<string, object?>>
{
    private readonly List<KeyValuePair<string, object?>> _fields;

    private AkkaLogEntry(string message, List<KeyValuePair<string, object?>> fields)
    {
        Message = message;
        _fields = fields;
    }

    public string Message { get; }

    public static AkkaLogEntry From(LogEvent e)
    {
        var fields = new List<KeyValuePair<string, object?>>(8);
        var message = e.Message?.ToString() ?? "";
        fields.Add(new("LogSource", e.LogSource));
        fields.Add(new("Thread", e.Thread?.ManagedThreadId));
        if (e.Message is LogMessage template)
        {
            var index = 0;
            foreach (var argument in template.Parameters())
                fields.Add(new(ArgumentName(template.Format, index++), argument is IFormattable f ? f.ToString(null, CultureInfo.InvariantCulture) : argument?.ToString()));
        }
        if (EntityPath.FromLogSource(e.LogSource) is { } entity)
        {
            fields.Add(new("ActorPath", entity.ActorPath));
            foreach (var field in entity.Fields) fields.Add(field);
        }
        else if (e.LogSource?.StartsWith("akka", StringComparison.Ordinal) == true)
        {
            fields.Add(new("ActorPath", e.LogSource));
        }
        fields.Add(new("{OriginalFormat}", (e.Message as LogMessage)?.Format ?? message));
        return new AkkaLogEntry(message, fields);
    }

    /// <summary>
    /// The name of argument <paramref name="index"/>: the placeholder's own name in a named template (<c>{Stream}</c>),
    /// else <c>Arg0</c>, <c>Arg1</c>, ... for positional ones (<c>{0}</c>).
    /// </summary>
    internal static string ArgumentName(string format, int index)
    {
        var seen = 0;
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '{') continue;
            if (i + 1 < format.Length && format[i + 1] == '{')
            {
                i++;
                continue;
            }
            var end = format.IndexOf('}', i);
            if (end < 0) break;
            if (seen++ == index)
            {
                var name = format[(i + 1)..end].Split(':', ',')[0].TrimStart('@', '$');
                return name.Length == 0 || char.IsDigit(name[0]) ? "Arg" + index.ToString(CultureInfo.InvariantCulture) : name;
            }
            i = end;
        }
        return "Arg" + index.ToString(CultureInfo.InvariantCulture);
    }

    public KeyValuePair<string, object?> this[int index] => _fields[index];

    public int Count => _fields.Count;

    public IEnumerator<KeyValuePair<string, object?>> GetEnumerator() => _fields.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public override string ToString() => Message;
}
