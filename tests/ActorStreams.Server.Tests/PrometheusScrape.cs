using System.Globalization;

namespace ActorStreams.Server.Tests;

/// <summary>Reads a Prometheus scrape (<see cref="ServerFixture.ScrapeMetricsAsync"/>) the way a test asserts on it.</summary>
public static class PrometheusScrape
{
    /// <summary>The value of the one series of <paramref name="metric"/> whose labels contain every one of <paramref name="labels"/>.</summary>
    public static double Value(string text, string metric, params string[] labels)
    {
        var lines = text.Split('\n')
            .Where(l => l.StartsWith(metric + "{", StringComparison.Ordinal) && labels.All(l.Contains))
            .ToList();
        Assert.True(lines.Count == 1, $"{lines.Count} series of {metric} with {string.Join(", ", labels)}:\n{string.Join('\n', text.Split('\n').Where(l => l.StartsWith(metric, StringComparison.Ordinal)).Take(10))}");
        var line = lines[0];
        var value = line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0];
        return double.Parse(value, CultureInfo.InvariantCulture);
    }
}
