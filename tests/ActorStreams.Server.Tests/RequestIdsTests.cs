using ActorStreams.Server.Protocol;

namespace ActorStreams.Server.Tests;

/// <summary>Request ids are UUIDs, and no two requests of a process share one.</summary>
public sealed class RequestIdsTests
{
    [Fact]
    public void Request_ids_must_be_distinct_uuids()
    {
        var ids = Enumerable.Range(0, 100_000).Select(_ => RequestIds.Next()).ToList();

        Assert.All(ids.Take(100), id => Assert.True(Guid.TryParse(id, out _), id));
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(36, ids[0].Length);
    }
}
