using Microsoft.Extensions.Configuration;
using System.Text.RegularExpressions;

namespace ActorStreams.Server.Tests;

/// <summary><c>--help</c>, <c>--version</c> and the flags: what the help lists is what the server takes, and the docs name every flag.</summary>
public sealed class ServerCommandLineTests
{
    /// <summary>The one version of the repository (<c>VersionPrefix</c> in Directory.Build.props).</summary>
    public static string RepositoryVersion { get; } = Regex.Match(
        File.ReadAllText(Path.Combine(DocsAwsCliTests.RepositoryRoot, "Directory.Build.props")),
        "<VersionPrefix>([^<]+)</VersionPrefix>").Groups[1].Value;

    [Fact]
    public void Version_is_the_repository_version()
    {
        Assert.Matches(@"^\d+\.\d+\.\d+", RepositoryVersion);
        var output = new StringWriter();
        Assert.True(ServerCommandLine.TryAnswer(["--port", "4567", "--version"], output));
        Assert.Equal($"actorstreams {RepositoryVersion}", output.ToString().TrimEnd());
        Assert.Equal(RepositoryVersion, ServerCommandLine.Version);
    }

    [Fact]
    public void Help_lists_every_flag_the_server_maps_and_nothing_else_answers_early()
    {
        var output = new StringWriter();
        Assert.True(ServerCommandLine.TryAnswer(["--help"], output));
        var help = output.ToString();
        var listed = Regex.Matches(help, @"^  (--[a-z-]+)", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToHashSet();
        foreach (var flag in ServerCommandLine.SwitchMappings.Keys)
            Assert.Contains(flag, listed);
        Assert.Equal(ServerCommandLine.SwitchMappings.Count + 2, listed.Count); // and --help, --version
        Assert.Contains("--help", listed);
        Assert.Contains("--version", listed);

        Assert.False(ServerCommandLine.TryAnswer(["--port", "4567", "--data-dir", "data"], new StringWriter()));
    }

    [Fact]
    public void Every_flag_sets_the_option_it_names()
    {
        // Each flag with a value that option takes; binding the resulting configuration must land it where the help says.
        var values = new Dictionary<string, string>
        {
            ["--port"] = "4599", ["--host"] = "127.0.0.2", ["--data-dir"] = "d", ["--config"] = "c.conf", ["--journal"] = "sqlite",
            ["--pg"] = "Host=h", ["--pg-file"] = "pg.txt", ["--encryption-key-file"] = "k", ["--allow-anonymous"] = "true",
            ["--allowed-hosts"] = "a.example", ["--credentials-file"] = "cred", ["--tls-cert"] = "t.pfx", ["--tls-key"] = "t.key",
            ["--tls-password"] = "pw", ["--tls-password-file"] = "pwf", ["--cluster-host"] = "127.0.0.3", ["--cluster-port"] = "2552",
            ["--public-host"] = "node-1", ["--seeds"] = "a:1", ["--cluster-tls-cert"] = "c.pfx", ["--cluster-tls-password-file"] = "cpw",
            ["--log-format"] = "json",
        };
        Assert.Equal(ServerCommandLine.SwitchMappings.Keys.Order(), values.Keys.Order());
        var config = new ConfigurationBuilder()
            .AddCommandLine(values.SelectMany(v => new[] { v.Key, v.Value }).ToArray(), ServerCommandLine.SwitchMappings).Build();
        var options = new ActorStreamsServerOptions();
        config.GetSection(ActorStreamsServerOptions.Section).Bind(options);

        Assert.Equal(4599, options.Port);
        Assert.Equal("127.0.0.2", options.Host);
        Assert.Equal("d", options.DataDir);
        Assert.Equal("c.conf", options.Config);
        Assert.Equal("sqlite", options.JournalProvider);
        Assert.Equal("Host=h", options.PostgreSqlConnectionString);
        Assert.Equal("pg.txt", options.PostgreSqlConnectionStringFile);
        Assert.Equal("k", options.EncryptionKeyFile);
        Assert.True(options.AllowAnonymous);
        Assert.Equal("a.example", options.AllowedHosts);
        Assert.Equal("cred", options.Auth.CredentialsFile);
        Assert.Equal("t.pfx", options.Tls.CertificatePath);
        Assert.Equal("t.key", options.Tls.KeyPath);
        Assert.Equal("pw", options.Tls.CertificatePassword);
        Assert.Equal("pwf", options.Tls.CertificatePasswordFile);
        Assert.Equal("127.0.0.3", options.Cluster.Host);
        Assert.Equal(2552, options.Cluster.Port);
        Assert.Equal("node-1", options.Cluster.PublicHost);
        Assert.Equal("a:1", options.Cluster.Seeds);
        Assert.Equal("c.pfx", options.Cluster.TlsCertificatePath);
        Assert.Equal("cpw", options.Cluster.TlsCertificatePasswordFile);
        Assert.Equal("json", options.LogFormat);
    }

    [Fact]
    public async Task The_flags_table_of_the_server_docs_is_the_help()
    {
        var docs = await File.ReadAllTextAsync(Path.Combine(DocsAwsCliTests.RepositoryRoot, "docs", "server.md"));
        var rows = Regex.Matches(docs, @"^\| `(--[a-z-]+)(?: ([^`]+))?` \| (.+) \|$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => (Value: m.Groups[2].Value, Help: m.Groups[3].Value));
        foreach (var flag in ServerCommandLine.Flags)
        {
            Assert.True(rows.TryGetValue(flag.Switch, out var row), $"{flag.Switch} is not in docs/server.md's flags table");
            Assert.Equal(flag.Value, row.Value);
            Assert.Equal(flag.Help, row.Help);
        }
        Assert.Equal(ServerCommandLine.Flags.Count, rows.Count);
    }
}
