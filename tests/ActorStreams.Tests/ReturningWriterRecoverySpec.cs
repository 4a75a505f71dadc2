using ActorStreams.Settings;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// A StreamShard that ran on node A, moved to node B and came back to A leaves events by writer A, then B, then A
/// again in the journal (the SQL journal stores one writer id per node). Recovery must replay all of them: Akka's
/// replay filter, in its default repair mode, would drop A's newer events as those of an "old writer".
/// </summary>
public sealed class ReturningWriterRecoverySpec(ITestOutputHelper output) : ActorStreamsSpec(output)
{
    [Theory]
    [InlineData(null, 6)] // ActorStreams' configuration: the filter is off, every record comes back
    [InlineData("repair-by-discard-old", 3)] // Akka's default, shown to drop the returning writer's events
    public async Task Events_of_a_writer_that_came_back_must_all_be_recovered(string? replayFilter, int expected)
    {
        var stream = UniqueName("writers");
        await Client.CreateStreamAsync(stream, 1);
        for (var i = 0; i < 6; i++) await Client.PutRecordAsync(stream, Bytes($"r{i}"), "k"); // events 2..7, one record each
        await Sys.Terminate();

        // Events 2-3 by node A, 4 by node B, 5-7 by node A again (event 1 is the shard's creation, snapshotted).
        var file = ActorStreamsConfig.SqliteFile(SpecConfig.WithFallback(ActorStreamsConfig.Default));
        await using (var connection = new SqliteConnection($"Data Source={file};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                UPDATE journal SET writer_uuid = CASE WHEN sequence_number = 4 THEN 'node-b' ELSE 'node-a' END
                WHERE persistence_id LIKE 'streamshard-%'
                """;
            Assert.Equal(7, await command.ExecuteNonQueryAsync());
        }

        var config = replayFilter is null
            ? SpecConfig
            : ConfigurationFactory.ParseString($"akka.persistence.journal.sql.replay-filter.mode = {replayFilter}").WithFallback(SpecConfig);
        var system = StartAnotherSystem("actorstreams-recovered", config);
        try
        {
            var records = await ReadAllAsync(stream, Shard0, client: ActorStreamsExtension.Get(system).Client);
            Assert.Equal(Enumerable.Range(0, 6).Select(i => $"r{i}").Take(expected), records.Select(r => Text(r.Data)));
        }
        finally
        {
            await system.Terminate();
        }
    }
}
