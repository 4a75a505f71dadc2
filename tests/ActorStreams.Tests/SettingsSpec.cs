using ActorStreams.Firehose.Settings;
using ActorStreams.Kinesis;
using ActorStreams.Settings;
using Akka.Configuration;
using Xunit;

namespace ActorStreams.Tests;

/// <summary>Defaults live in reference.conf only: the code reads them from there and names a key that is missing.</summary>
public sealed class SettingsSpec
{
    [Fact]
    public void The_throttling_defaults_of_reference_conf_must_be_Kinesis_limits()
    {
        var throttling = ActorStreamsSettings.Create(Config.Empty).Throttling;
        Assert.Equal(ThrottlingSettings.Kinesis with { SubscriptionBytesPerSecond = throttling.SubscriptionBytesPerSecond }, throttling);
        Assert.Equal(KinesisLimits.ConsumerReadBytesPerSecond, throttling.SubscriptionBytesPerSecond);
    }

    [Fact]
    public void Settings_read_from_an_application_section_must_fall_back_to_reference_conf_for_the_rest()
    {
        var settings = ActorStreamsSettings.Create(ConfigurationFactory.ParseString("resend-after = 7s\nthrottling.read-calls-per-second = 9"));
        Assert.Equal(TimeSpan.FromSeconds(7), settings.ResendAfter);
        Assert.Equal(9, settings.Throttling.ReadCallsPerSecond);
        Assert.Equal(KinesisLimits.ShardWriteRecordsPerSecond, settings.Throttling.WriteRecordsPerSecond);
        Assert.Equal(8L * 1024 * 1024, settings.StreamShard.HotTailBytes);
        Assert.Equal(500, FirehoseSettings.Create(Config.Empty).MaxActivePartitions);
    }

    [Fact]
    public void A_section_without_the_reference_defaults_must_name_the_missing_key()
    {
        // ThrottlingSettings.Create reads the section it is given, without a fallback: a whole section replaced by an
        // application that forgot a key must fail on that key, not run on a default hidden in the code.
        var e = Assert.Throws<ConfigurationException>(() => ThrottlingSettings.Create(ConfigurationFactory.ParseString("enabled = off")));
        Assert.Contains("write-bytes-per-second", e.Message);
    }

    [Fact]
    public void The_PostgreSQL_journal_must_end_sessions_idle_in_a_transaction_unless_told_otherwise()
    {
        const string cs = "Host=db;Username=u;Password=p;Database=d";
        var set = new Npgsql.NpgsqlConnectionStringBuilder(ActorStreams.Settings.ActorStreamsConfig.WithIdleInTransactionTimeout(cs, TimeSpan.FromSeconds(5)));
        Assert.Equal("-c idle_in_transaction_session_timeout=5000", set.Options);
        Assert.Equal("db", set.Host);

        var own = "Host=db;Options=-c idle_in_transaction_session_timeout=60000";
        Assert.Equal(own, ActorStreams.Settings.ActorStreamsConfig.WithIdleInTransactionTimeout(own, TimeSpan.FromSeconds(5)));
        var other = new Npgsql.NpgsqlConnectionStringBuilder(
            ActorStreams.Settings.ActorStreamsConfig.WithIdleInTransactionTimeout("Host=db;Options=-c search_path=x", TimeSpan.FromSeconds(2)));
        Assert.Equal("-c search_path=x -c idle_in_transaction_session_timeout=2000", other.Options);
        Assert.Equal(cs, ActorStreams.Settings.ActorStreamsConfig.WithIdleInTransactionTimeout(cs, TimeSpan.Zero));
    }
}
