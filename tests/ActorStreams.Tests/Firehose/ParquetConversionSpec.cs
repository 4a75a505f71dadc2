using System.Text;
using ActorStreams.Firehose;
using Parquet;
using Parquet.Schema;
using Xunit;
using Xunit.Abstractions;

namespace ActorStreams.Tests.Firehose;

/// <summary>JSON records converted to Parquet by a declared schema, read back with Parquet.Net.</summary>
public sealed class ParquetConversionSpec(ITestOutputHelper output) : FirehoseSpec(output)
{
    [Fact]
    public async Task JSON_records_must_become_one_Parquet_object_per_buffer_and_misfits_go_to_format_conversion_failed()
    {
        var name = UniqueName("pq");
        var bucket = UniqueBucket("bucket");
        await CreateAsync(name, S3(bucket, intervalSeconds: 1) with
        {
            DataFormatConversion = new DataFormatConversion
            {
                Enabled = true,
                Columns = [new ParquetColumn("id", "bigint"), new ParquetColumn("name", "string"), new ParquetColumn("score", "double"),
                    new ParquetColumn("ok", "boolean"), new ParquetColumn("at", "timestamp")],
            },
        });
        await Firehose.PutRecordBatchAsync(name, new[]
        {
            "{\"id\":1,\"name\":\"one\",\"score\":1.5,\"ok\":true,\"at\":\"2026-11-26T10:00:00Z\"}",
            "{\"ID\":2,\"Name\":\"two\",\"extra\":[1]}",
            "{\"id\":\"not a number\"}",
            "not json",
        }.Select(t => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes(t)).ToList());

        var objects = await WaitForObjectsAsync(bucket, o => o.Count == 2);
        var (key, data) = objects.Single(o => !o.Key.StartsWith("format-conversion-failed/"));
        Assert.EndsWith(".parquet", key);
        await using var reader = await ParquetReader.CreateAsync(new MemoryStream(data));
        var fields = reader.Schema.GetDataFields();
        Assert.Equal(["id", "name", "score", "ok", "at"], fields.Select(f => f.Name).ToArray());
        using var group = reader.OpenRowGroupReader(0);
        Assert.Equal(2, group.RowCount);
        var ids = new long?[2];
        await group.ReadAsync<long>(fields[0], ids.AsMemory());
        var names = new string?[2];
        await group.ReadAsync(fields[1], names.AsMemory());
        var scores = new double?[2];
        await group.ReadAsync<double>(fields[2], scores.AsMemory());
        var at = new DateTime?[2];
        await group.ReadAsync<DateTime>(fields[4], at.AsMemory());
        Assert.Equal([1L, 2L], ids);
        Assert.Equal(["one", "two"], names.Select(n => n!).ToArray());
        Assert.Equal([1.5, null], scores);
        Assert.Equal(new DateTime(2026, 11, 26, 10, 0, 0, DateTimeKind.Utc), at[0]!.Value.ToUniversalTime());

        var failed = Encoding.UTF8.GetString(objects.Single(o => o.Key.StartsWith("format-conversion-failed/")).Value)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, failed.Length);
        Assert.All(failed, l => Assert.Contains("DataFormatConversion.InvalidInput", l));
    }

    [Fact]
    public async Task Conversion_must_be_refused_with_a_compressed_destination_or_an_unknown_type()
    {
        var conversion = new DataFormatConversion { Enabled = true, Columns = [new ParquetColumn("id", "bigint")] };
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(UniqueName("pq"),
            S3("bucket-a", compression: CompressionFormat.Gzip) with { DataFormatConversion = conversion }));
        await Assert.ThrowsAsync<InvalidArgumentException>(() => CreateAsync(UniqueName("pq"),
            S3("bucket-a") with { DataFormatConversion = conversion with { Columns = [new ParquetColumn("id", "decimal(10,2)")] } }));
    }
}
