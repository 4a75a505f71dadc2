using System.Security.Cryptography;
using System.Text;
using ActorStreams.Kinesis;
using ActorStreams.Settings;
using Akka.Actor;
using Akka.Configuration;
using Microsoft.Data.Sqlite;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests;

/// <summary>
/// Encryption at rest on a real journal: records written while a stream is encrypted are sealed with AES-256-GCM in
/// the journal rows (checked by opening the SQLite file and the PostgreSQL schema directly), read back decrypted,
/// and fail with the KMS error codes when the key is missing or wrong. Keys come from a key file, rewritten between
/// restarts; a 1-byte hot tail sends every read of an older event to the journal, so the decrypting read path runs.
/// </summary>
public abstract class EncryptionSpec : ActorStreamsSpec
{
    private const string Alias = "alias/spec-key";
    private const string KeyUuid = "1234abcd-12ab-34cd-56ef-1234567890ab";
    private readonly string _keyFile;

    protected EncryptionSpec(ITestOutputHelper output, SpecJournal journal, string keyFile)
        : base(output, journal, $$"""
            actorstreams.stream-shard.hot-tail-bytes = 1
            actorstreams.stream-shard.snapshot-every-events = 3
            actorstreams.encryption.key-file = "{{keyFile}}"
            actorstreams.encryption.disabled-keys = ["alias/disabled-key"]
            """)
    {
        _keyFile = keyFile;
    }

    /// <summary>A fresh key file with three keys, written before the spec's system starts.</summary>
    protected static string NewKeyFilePath()
    {
        var path = Path.Combine(Path.GetTempPath(), "actorstreams-tests", $"keys-{Guid.NewGuid():N}.txt").Replace("\\", "/");
        WriteKeyFile(path, (Alias, NewKey()), (KeyUuid, NewKey()), ("alias/disabled-key", NewKey()));
        return path;
    }

    private static string NewKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    private void WriteKeyFile(params (string Id, string Key)[] keys) => WriteKeyFile(_keyFile, keys);

    private static void WriteKeyFile(string path, params (string Id, string Key)[] keys)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllLines(path, keys.Select(k => $"{k.Id} {k.Key}").Prepend("# spec keys"));
    }

    private string ReadKey(string id) =>
        File.ReadAllLines(_keyFile).Select(l => l.Split(' ')).First(p => p[0] == id)[1];

    private async Task WithNewSystemAsync(Func<ActorStreamsClient, Task> body)
    {
        var system = StartAnotherSystem("actorstreams-encryption-" + Guid.NewGuid().ToString("N")[..6]);
        try
        {
            await body(ActorStreamsExtension.Get(system).Client);
        }
        finally
        {
            await system.Terminate();
        }
    }

    private async Task PutAsync(string stream, string prefix, int count, ActorStreamsClient? client = null)
    {
        client ??= Client;
        for (var i = 0; i < count; i++)
        {
            Clock.Advance(TimeSpan.FromMilliseconds(50));
            await client.PutRecordAsync(stream, Bytes($"{prefix}-{i}"), $"{prefix}-key-{i}");
        }
    }

    [JournalFact]
    public async Task Records_written_while_encryption_is_on_must_be_sealed_in_the_journal_and_read_back_in_clear()
    {
        var stream = UniqueName("enc");
        var tag = Guid.NewGuid().ToString("N")[..10];
        await Client.CreateStreamAsync(stream);
        await PutAsync(stream, $"plain{tag}", 4);

        await Client.StartStreamEncryptionAsync(stream, $"arn:aws:kms:us-east-1:000000000000:{Alias}");
        var described = await Client.DescribeStreamSummaryAsync(stream);
        Assert.Equal(("KMS", $"arn:aws:kms:us-east-1:000000000000:{Alias}"), (described.EncryptionType, described.KeyId));
        await PutAsync(stream, $"secret{tag}", 6);
        // A key named by the ARN of its key id, then a stop: later records are plaintext again.
        await Client.StartStreamEncryptionAsync(stream, $"arn:aws:kms:us-east-1:000000000000:key/{KeyUuid}");
        await PutAsync(stream, $"hidden{tag}", 3);
        await Client.StopStreamEncryptionAsync(stream, KeyUuid);
        Assert.Equal(("NONE", (string?)null), ((await Client.DescribeStreamAsync(stream)).EncryptionType, (await Client.DescribeStreamAsync(stream)).KeyId));
        await PutAsync(stream, $"after{tag}", 2);

        var expected = Enumerable.Range(0, 4).Select(i => $"plain{tag}-{i}")
            .Concat(Enumerable.Range(0, 6).Select(i => $"secret{tag}-{i}"))
            .Concat(Enumerable.Range(0, 3).Select(i => $"hidden{tag}-{i}"))
            .Concat(Enumerable.Range(0, 2).Select(i => $"after{tag}-{i}")).ToList();
        var read = await ReadAllAsync(stream, Shard0);
        Assert.Equal(expected, read.Select(r => Text(r.Data)));
        Assert.Equal(expected.Select(e => e.Replace("-", "-key-", StringComparison.Ordinal)), read.Select(r => r.PartitionKey));

        await Sys.Terminate();
        var journal = await JournalTextAsync();
        for (var i = 0; i < 6; i++)
        {
            Assert.DoesNotContain($"secret{tag}-{i}", journal);
            Assert.DoesNotContain($"secret{tag}-key-{i}", journal);
        }
        for (var i = 0; i < 3; i++) Assert.DoesNotContain($"hidden{tag}-{i}", journal);
        // The check can fail: records written without encryption are there in clear.
        for (var i = 0; i < 4; i++) Assert.Contains($"plain{tag}-{i}", journal);
        for (var i = 0; i < 2; i++) Assert.Contains($"after{tag}-{i}", journal);
        if (Journal == SpecJournal.Sqlite)
        {
            // The whole file, free pages and the write-ahead log included.
            var raw = SqliteFileText();
            Assert.DoesNotContain($"secret{tag}-0", raw);
            Assert.Contains($"plain{tag}-0", raw);
        }

        // A new system recovers the shard (decrypting into its tail) and reads older events through the journal.
        await WithNewSystemAsync(async client =>
        {
            var again = await ReadAllAsync(stream, Shard0, client: client);
            Assert.Equal(expected, again.Select(r => Text(r.Data)));
            Assert.Equal(read.Select(r => r.SequenceNumber), again.Select(r => r.SequenceNumber));
            Assert.Equal("NONE", (await client.DescribeStreamSummaryAsync(stream)).EncryptionType);
        });
    }

    [JournalFact]
    public async Task Reads_must_fail_with_KMS_errors_when_the_key_is_missing_or_wrong()
    {
        var stream = UniqueName("enckey");
        await Client.CreateStreamAsync(stream);
        await PutAsync(stream, "before", 2);
        await Client.StartStreamEncryptionAsync(stream, Alias);
        await PutAsync(stream, "sealed", 3);
        await Sys.Terminate();
        var uuidKey = ReadKey(KeyUuid);

        // The alias is gone from the key provider: reads of sealed events and writes under it fail with KMSNotFoundException.
        WriteKeyFile((KeyUuid, uuidKey));
        await WithNewSystemAsync(async client =>
        {
            Assert.Equal(KmsNotFoundException.Code, (await Assert.ThrowsAsync<KmsNotFoundException>(() => ReadAllAsync(stream, Shard0, client: client))).ErrorCode);
            await Assert.ThrowsAsync<KmsNotFoundException>(() => client.PutRecordAsync(stream, Bytes("refused"), "k"));
            // The events written before encryption still read.
            var page = await client.GetRecordsAsync(await client.GetShardIteratorAsync(stream, Shard0, ShardIteratorType.TrimHorizon), 2);
            Assert.Equal(["before-0", "before-1"], page.Records.Select(r => Text(r.Data)));
        });

        // Other key material under the same alias: the GCM tag does not match, KMSAccessDeniedException.
        WriteKeyFile((Alias, NewKey()), (KeyUuid, uuidKey));
        await WithNewSystemAsync(async client =>
        {
            await Assert.ThrowsAsync<KmsAccessDeniedException>(() => ReadAllAsync(stream, Shard0, client: client));
        });
    }

    [JournalFact]
    public async Task StartStreamEncryption_must_refuse_unknown_disabled_and_malformed_keys()
    {
        var stream = UniqueName("encbad");
        await Client.CreateStreamAsync(stream);
        await Assert.ThrowsAsync<KmsNotFoundException>(() => Client.StartStreamEncryptionAsync(stream, "alias/no-such-key"));
        await Assert.ThrowsAsync<KmsDisabledException>(() => Client.StartStreamEncryptionAsync(stream, "alias/disabled-key"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.StartStreamEncryptionAsync(stream, "arn:aws:kms:us-east-1:000000000000:bogus"));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => Client.StartStreamEncryptionAsync(stream, new string('k', KinesisLimits.MaxKeyIdLength + 1)));
        await Assert.ThrowsAsync<ResourceNotFoundException>(() => Client.StartStreamEncryptionAsync(UniqueName("missing"), Alias));
        var summary = await Client.DescribeStreamSummaryAsync(stream);
        Assert.Equal(("NONE", (string?)null), (summary.EncryptionType, summary.KeyId));
    }

    [JournalFact]
    public async Task Children_of_a_split_must_encrypt_when_their_stream_is_encrypted()
    {
        var stream = UniqueName("encsplit");
        var tag = Guid.NewGuid().ToString("N")[..10];
        await Client.CreateStreamAsync(stream);
        await Client.StartStreamEncryptionAsync(stream, Alias);
        await Client.SplitShardAsync(stream, Shard0, (UInt128.MaxValue / 2).ToString());
        await AwaitAssertAsync(async () => Assert.Equal(StreamStatus.Active, (await Client.DescribeStreamSummaryAsync(stream)).StreamStatus),
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        await PutAsync(stream, $"child{tag}", 8);
        var read = await ReadStreamAsync(stream);
        Assert.Equal(8, read.Count(r => Text(r.Data).StartsWith($"child{tag}", StringComparison.Ordinal)));
        await Sys.Terminate();
        var journal = await JournalTextAsync();
        for (var i = 0; i < 8; i++) Assert.DoesNotContain($"child{tag}-{i}", journal);
    }

    private string SqliteFileText()
    {
        var file = ActorStreamsConfig.SqliteFile(SpecConfig);
        var text = new StringBuilder();
        foreach (var path in new[] { file, file + "-wal" })
        {
            if (!File.Exists(path)) continue;
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            text.Append(Encoding.Latin1.GetString(memory.ToArray()));
        }
        return text.ToString();
    }
}

public sealed class EncryptionSqliteSpec(ITestOutputHelper output) : EncryptionSpec(output, SpecJournal.Sqlite, NewKeyFilePath());

[PostgreSqlSpec]
public sealed class EncryptionPostgreSqlSpec(ITestOutputHelper output) : EncryptionSpec(output, SpecJournal.PostgreSql, NewKeyFilePath());
