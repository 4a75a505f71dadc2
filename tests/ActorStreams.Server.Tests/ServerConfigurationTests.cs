namespace ActorStreams.Server.Tests;

/// <summary>A server started with <c>--config FILE</c>: the HOCON in the file wins over the runtime's defaults.</summary>
public sealed class ConfiguredServerFixture : ServerFixture
{
    protected override string[] ExtraArgs()
    {
        var file = Path.Combine(DataDir, "server.conf");
        File.WriteAllText(file, "actorstreams.limits.max-shards = 77\nactorstreams.throttling.enabled = off\n");
        return ["--config", file];
    }
}

public sealed class ServerConfigurationTests(ConfiguredServerFixture server) : IClassFixture<ConfiguredServerFixture>
{
    [Fact]
    public async Task A_config_file_given_with_config_is_merged_over_the_defaults()
    {
        var limits = await server.OkAsync("DescribeLimits", new { });

        Assert.Equal(77, limits.GetProperty("ShardLimit").GetInt32());
    }

    [Fact]
    public async Task The_data_dir_flag_puts_the_journal_there()
    {
        await server.CreateStreamAsync("datadir");

        Assert.True(File.Exists(Path.Combine(server.DataDir, "actorstreams.db")));
    }
}
