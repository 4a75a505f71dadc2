using System.Globalization;
using System.Text;
using Akka.Configuration;

namespace ActorStreams.Firehose.Hosting;

/// <summary>
/// Firehose settings for Akka.Hosting. Every property left null keeps the default of the embedded
/// <c>reference.conf</c> (<c>actorstreams.firehose</c>); HOCON added elsewhere is overridden by what is set here.
/// Region, account, data directory and journal are the ActorStreams runtime's (<c>WithActorStreams</c>).
/// </summary>
public sealed class FirehoseOptions
{
    /// <summary>Most bytes of accepted, undelivered records per delivery stream before puts are refused (default 256 MiB).</summary>
    public long? MaxBacklogBytes { get; set; }

    /// <summary>Most delivery streams of the account (default 5000).</summary>
    public int? MaxDeliveryStreams { get; set; }

    /// <summary>First back-off of a failed delivery; it doubles per attempt (default 1 s).</summary>
    public TimeSpan? RetryBaseDelay { get; set; }

    /// <summary>Cap of the delivery back-off (default 120 s).</summary>
    public TimeSpan? RetryMaxDelay { get; set; }

    /// <summary>An S3-compatible endpoint for every object store destination (default none: the directory store under the data directory).</summary>
    public string? S3Endpoint { get; set; }

    /// <summary>The region the S3 endpoint signs with (default us-east-1).</summary>
    public string? S3Region { get; set; }

    /// <summary>The S3 endpoint's access key id.</summary>
    public string? S3AccessKeyId { get; set; }

    /// <summary>The S3 endpoint's secret access key.</summary>
    public string? S3SecretAccessKey { get; set; }

    /// <summary>A JSON file of the local schema registry, <c>{"DATABASE": {"TABLE": [{"name": ..., "type": ...}]}}</c> (default none).</summary>
    public string? SchemaFile { get; set; }

    /// <summary>Further HOCON. The properties set above win over it; it wins over the embedded defaults.</summary>
    public Config? Hocon { get; set; }

    /// <summary>The HOCON of the properties that are set, over <see cref="Hocon"/>.</summary>
    public Config ToConfig()
    {
        var sb = new StringBuilder();
        void Add(string key, string? value)
        {
            if (value is not null) sb.Append("actorstreams.firehose.").Append(key).Append(" = \"").Append(value.Replace("\\", "\\\\").Replace("\"", "\\\"")).AppendLine("\"");
        }
        static string? Milliseconds(TimeSpan? value) => value is { } v ? ((long)v.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms" : null;
        Add("max-backlog-bytes", MaxBacklogBytes?.ToString(CultureInfo.InvariantCulture));
        Add("max-delivery-streams", MaxDeliveryStreams?.ToString(CultureInfo.InvariantCulture));
        Add("retry-base-delay", Milliseconds(RetryBaseDelay));
        Add("retry-max-delay", Milliseconds(RetryMaxDelay));
        Add("s3.endpoint", S3Endpoint);
        Add("s3.region", S3Region);
        Add("s3.access-key-id", S3AccessKeyId);
        Add("s3.secret-access-key", S3SecretAccessKey);
        Add("schema-file", SchemaFile);
        var own = ConfigurationFactory.ParseString(sb.ToString());
        return Hocon is null ? own : own.WithFallback(Hocon);
    }
}
