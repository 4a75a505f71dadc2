using System.Globalization;
using System.Text;
using Akka.Configuration;

namespace ActorStreams.Hosting;

/// <summary>
/// ActorStreams settings for Akka.Hosting. Every property left null keeps the default of the embedded
/// <c>reference.conf</c>; HOCON added elsewhere under <c>actorstreams</c> is overridden by what is set here.
/// </summary>
public sealed class ActorStreamsOptions
{
    /// <summary>Directory of the embedded SQLite journal (default <c>data</c>).</summary>
    public string? DataDirectory { get; set; }

    /// <summary><c>sqlite</c> (default), <c>postgresql</c>, <c>inmemory</c> (tests: nothing survives the system) or <c>custom</c> (the application configures Akka.Persistence).</summary>
    public string? JournalProvider { get; set; }

    /// <summary>Npgsql connection string when <see cref="JournalProvider"/> is <c>postgresql</c>.</summary>
    public string? PostgreSqlConnectionString { get; set; }

    /// <summary>SQLite <c>synchronous</c> level: NORMAL (default; a process crash loses nothing committed) or FULL (survives power loss too).</summary>
    public string? SqliteSynchronous { get; set; }

    /// <summary>Whether the per-shard throughput limits apply (default true).</summary>
    public bool? ThrottlingEnabled { get; set; }

    /// <summary>Region written into ARNs (default us-east-1).</summary>
    public string? Region { get; set; }

    /// <summary>Account id written into ARNs (default 000000000000).</summary>
    public string? AccountId { get; set; }

    /// <summary>
    /// A key file of the local key provider for encryption at rest (<c>actorstreams.encryption.key-file</c>): a JSON
    /// object of key id to base64 AES-256 key, or lines <c>id base64</c> (default none).
    /// </summary>
    public string? EncryptionKeyFile { get; set; }

    /// <summary>The clock of throttles, retention and iterators; tests pass a fake one (default the system clock).</summary>
    public TimeProvider? Clock { get; set; }

    /// <summary>
    /// Further HOCON (for example a configuration file an operator passes to the server). The properties set
    /// above win over it; it wins over the embedded defaults.
    /// </summary>
    public Config? Hocon { get; set; }

    /// <summary>The HOCON of the properties that are set, over <see cref="Hocon"/>.</summary>
    public Config ToConfig()
    {
        var sb = new StringBuilder();
        void Add(string key, string? value)
        {
            if (value is not null) sb.Append("actorstreams.").Append(key).Append(" = \"").Append(value.Replace("\\", "\\\\").Replace("\"", "\\\"")).AppendLine("\"");
        }
        Add("data-dir", DataDirectory);
        Add("journal.provider", JournalProvider);
        Add("journal.postgresql.connection-string", PostgreSqlConnectionString);
        Add("journal.sqlite.synchronous", SqliteSynchronous);
        Add("throttling.enabled", ThrottlingEnabled is null ? null : ThrottlingEnabled.Value ? "on" : "off");
        Add("region", Region);
        Add("account-id", AccountId);
        Add("encryption.key-file", EncryptionKeyFile);
        var own = ConfigurationFactory.ParseString(sb.ToString());
        return Hocon is null ? own : own.WithFallback(Hocon);
    }
}
