using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ActorStreams.Firehose.Internal;

/// <summary>
/// The MetadataExtraction query of dynamic partitioning: the subset of jq ActorStreams evaluates. A query is one
/// object construction, <c>{KEY: PATH, ...}</c>, whose keys are identifiers or "strings" and whose values are paths:
/// <c>.</c>, <c>.a</c>, <c>.a.b</c>, <c>."a b"</c>, <c>.a["b"]</c>, <c>.a[0]</c>, <c>.a[-1]</c>. Everything else jq has (pipes,
/// functions, <c>[]</c> iteration, slices, <c>?</c>, arithmetic, literals) is refused when the query is parsed, with
/// an <see cref="InvalidArgumentException"/> that names the construct. A key's value must be a string, a number or a
/// boolean (numbers keep their JSON text); null, a missing member, an object or an array fail the record.
/// </summary>
internal sealed class MetadataQuery
{
    private readonly List<(string Key, Segment[] Path)> _members;

    private MetadataQuery(string text, List<(string Key, Segment[] Path)> members, long work)
    {
        Text = text;
        _members = members;
        Work = work;
    }

    public string Text { get; }

    /// <summary>Steps the parser took (characters looked at and keys compared): linear in the query's length.</summary>
    internal long Work { get; }

    /// <summary>The keys the query produces, in query order.</summary>
    public IEnumerable<string> Keys => _members.Select(m => m.Key);

    private readonly record struct Segment(string? Field, int Index);

    /// <summary>Parses a query; <paramref name="member"/> names it in the error.</summary>
    public static MetadataQuery Parse(string? text, string member)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new InvalidArgumentException($"{member} is empty; give a jq object construction such as {{customer_id: .customer_id}}.");
        // Firehose's bound of a processor parameter value; the parser's work is linear in it.
        if (text.Length > FirehoseLimits.MaxProcessorParameterValueLength)
            throw new ValidationException(
                $"1 validation error detected: Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {FirehoseLimits.MaxProcessorParameterValueLength}");
        try
        {
            var parser = new Parser(text);
            var members = parser.Query();
            return new MetadataQuery(text, members, parser.Work);
        }
        catch (FormatException e)
        {
            throw new InvalidArgumentException($"{member} '{text}' is not supported: {e.Message} ActorStreams evaluates a subset of jq: "
                                               + "{KEY: PATH, ...} with paths .a, .a.b, .\"a b\", .a[\"b\"], .a[0].");
        }
    }

    /// <summary>Evaluates the query on one record; false with the reason when the record is not JSON or a key has no usable value.</summary>
    public bool TryEvaluate(ReadOnlySpan<byte> json, Dictionary<string, string> keys, out string? error)
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            error = $"The record is not JSON: {e.Message}";
            return false;
        }
        using (doc)
        {
            foreach (var (key, path) in _members)
            {
                var value = doc.RootElement;
                var found = true;
                foreach (var segment in path)
                {
                    if (segment.Field is { } field)
                    {
                        if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty(field, out var child)) value = child;
                        else if (value.ValueKind is JsonValueKind.Object or JsonValueKind.Null) { found = false; break; }
                        else { error = $"Key {key}: cannot index {Kind(value)} with \"{field}\"."; return false; }
                    }
                    else
                    {
                        if (value.ValueKind == JsonValueKind.Array)
                        {
                            var length = value.GetArrayLength();
                            var index = segment.Index < 0 ? length + segment.Index : segment.Index;
                            if (index < 0 || index >= length) { found = false; break; }
                            value = value[index];
                        }
                        else if (value.ValueKind == JsonValueKind.Null) { found = false; break; }
                        else { error = $"Key {key}: cannot index {Kind(value)} with a number."; return false; }
                    }
                }
                if (!found || value.ValueKind == JsonValueKind.Null)
                {
                    error = $"The record has no value for partition key {key} ({Describe(path)}).";
                    return false;
                }
                var text = value.ValueKind switch
                {
                    JsonValueKind.String => value.GetString()!,
                    JsonValueKind.Number => value.GetRawText(),
                    JsonValueKind.True => "true",
                    JsonValueKind.False => "false",
                    _ => null,
                };
                if (text is null)
                {
                    error = $"Partition key {key} ({Describe(path)}) is {Kind(value)}; it must be a string, a number or a boolean.";
                    return false;
                }
                keys[key] = text;
            }
        }
        error = null;
        return true;
    }

    private static string Kind(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        _ => "a boolean",
    };

    private static string Describe(Segment[] path)
    {
        if (path.Length == 0) return ".";
        var sb = new StringBuilder();
        foreach (var s in path)
        {
            if (s.Field is { } f) sb.Append('.').Append(f);
            else sb.Append('[').Append(s.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
        }
        return sb.ToString();
    }

    private sealed class Parser(string text)
    {
        private int _at;
        private readonly HashSet<string> _keys = new(StringComparer.Ordinal);

        private long _work;

        /// <summary>Characters consumed, looked at and keys compared so far.</summary>
        public long Work => _work + _at;

        public List<(string Key, Segment[] Path)> Query()
        {
            SkipSpace();
            if (!Take('{')) throw Unsupported("the query must be an object construction {KEY: PATH, ...}");
            var members = new List<(string, Segment[])>();
            SkipSpace();
            if (Take('}')) throw new FormatException("the object construction has no members, so it produces no partition keys.");
            while (true)
            {
                SkipSpace();
                var key = Key();
                SkipSpace();
                if (!Take(':'))
                    throw Unsupported(Peek() is ',' or '}' ? $"the shorthand {{{key}}} (write {key}: .{key})" : "a key must be followed by ':'");
                SkipSpace();
                var path = Path();
                _work++;
                if (!_keys.Add(key)) throw new FormatException($"key {key} is given twice.");
                members.Add((key, path));
                SkipSpace();
                if (Take(',')) continue;
                if (Take('}')) break;
                throw Unsupported("expected ',' or '}' after a path");
            }
            SkipSpace();
            if (_at < text.Length) throw Unsupported("text after the object construction");
            return members;
        }

        private string Key()
        {
            if (Peek() == '"') return StringLiteral();
            var start = _at;
            while (_at < text.Length && (char.IsAsciiLetterOrDigit(text[_at]) || text[_at] == '_')) _at++;
            if (_at == start || char.IsAsciiDigit(text[start]))
                throw Unsupported(Peek() is '(' or '$' or '@' ? "computed keys" : "a key must be an identifier or a \"string\"");
            return text[start.._at];
        }

        private Segment[] Path()
        {
            var segments = new List<Segment>();
            if (!Take('.')) throw Unsupported(PathStartProblem());
            // Right after the leading dot: a field name, a quoted field or a bracket (or nothing: the identity).
            if (Peek() is { } c && (char.IsAsciiLetter(c) || c == '_')) segments.Add(new Segment(Identifier(), 0));
            else if (Peek() == '"') segments.Add(new Segment(StringLiteral(), 0));
            while (_at < text.Length)
            {
                if (Peek() == '.')
                {
                    _at++;
                    if (Peek() is { } d && (char.IsAsciiLetter(d) || d == '_')) segments.Add(new Segment(Identifier(), 0));
                    else if (Peek() == '"') segments.Add(new Segment(StringLiteral(), 0));
                    else if (Peek() == '[') continue;
                    else throw Unsupported("'.' must be followed by a field name");
                }
                else if (Peek() == '[')
                {
                    _at++;
                    SkipSpace();
                    if (Peek() == ']') throw Unsupported("the iterator []");
                    if (Peek() == '"')
                    {
                        segments.Add(new Segment(StringLiteral(), 0));
                    }
                    else
                    {
                        var start = _at;
                        if (Peek() == '-') _at++;
                        while (_at < text.Length && char.IsAsciiDigit(text[_at])) _at++;
                        if (_at == start || (text[start] == '-' && _at == start + 1))
                            throw Unsupported("only \"string\" and integer indexes are supported inside [ ]");
                        if (!int.TryParse(text.AsSpan(start, _at - start), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var index))
                            throw new FormatException($"index {text[start.._at]} is out of range.");
                        segments.Add(new Segment(null, index));
                    }
                    SkipSpace();
                    if (Peek() == ':') throw Unsupported("slices [a:b]");
                    if (!Take(']')) throw Unsupported("expected ']'");
                }
                else
                {
                    break;
                }
            }
            SkipSpace();
            if (Peek() is { } next && next is not (',' or '}')) throw Unsupported(Construct(next));
            return segments.ToArray();
        }

        private string PathStartProblem()
        {
            var c = Peek();
            if (c is null) return "a path is missing";
            if (c == '"' || char.IsAsciiDigit(c.Value) || c == '-') return "literals (a value must be a path such as .field)";
            if (char.IsAsciiLetter(c.Value))
            {
                var start = _at;
                while (_at < text.Length && (char.IsAsciiLetterOrDigit(text[_at]) || text[_at] == '_')) _at++;
                var word = text[start.._at];
                _at = start;
                return $"the function or keyword '{word}'";
            }
            return Construct(c.Value);
        }

        private static string Construct(char c) => c switch
        {
            '|' => "pipes '|'",
            '?' => "the optional operator '?'",
            '(' or ')' => "parentheses",
            '+' or '-' or '*' or '/' or '%' => $"the arithmetic operator '{c}'",
            '=' or '<' or '>' or '!' => "comparisons",
            '$' => "variables",
            '@' => "formats such as @base64",
            '{' => "nested object constructions",
            '[' => "array constructions",
            _ => $"'{c}'",
        };

        private string Identifier()
        {
            var start = _at;
            while (_at < text.Length && (char.IsAsciiLetterOrDigit(text[_at]) || text[_at] == '_')) _at++;
            return text[start.._at];
        }

        private string StringLiteral()
        {
            var start = _at;
            _at++;
            while (_at < text.Length && text[_at] != '"')
            {
                if (text[_at] == '\\')
                {
                    if (_at + 1 < text.Length && text[_at + 1] == '(') throw Unsupported("string interpolation \\(...)");
                    _at++;
                }
                _at++;
            }
            if (_at >= text.Length) throw new FormatException($"the string at position {start} is not closed.");
            _at++;
            try
            {
                return JsonSerializer.Deserialize<string>(text.AsSpan(start, _at - start)) ?? "";
            }
            catch (JsonException)
            {
                throw new FormatException($"the string {text[start.._at]} has an invalid escape.");
            }
        }

        private char? Peek()
        {
            _work++;
            return _at < text.Length ? text[_at] : null;
        }

        private bool Take(char c)
        {
            if (Peek() != c) return false;
            _at++;
            return true;
        }

        private void SkipSpace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at])) _at++;
        }

        private FormatException Unsupported(string what) => new($"{what} (at position {_at}) is not supported.");
    }
}
