using System.Text.Json;
using ActorStreams.Firehose;

namespace ActorStreams.Server.Protocol;

// ActorStreams' delivery statistics on the wire: the DeliveryStatistics member of DescribeDeliveryStream's
// DeliveryStreamDescription. It is not in the AWS API; the AWS CLI reads only the members its model has and passes
// over it, so it is there for the web console and for clients that look for it.
internal sealed partial class FirehoseOperations
{
    /// <summary>The member name of the extension inside <c>DeliveryStreamDescription</c>.</summary>
    public const string StatisticsMember = "DeliveryStatistics";

    private static void WriteStatistics(Utf8JsonWriter w, DeliveryStreamStatistics s)
    {
        w.WriteStartObject(StatisticsMember);
        w.WriteString("Destination", s.Destination);
        WriteTimestamp(w, "CountingSince", s.CountingSince);
        w.WriteNumber("DeliveredRecords", s.DeliveredRecords);
        w.WriteNumber("DeliveredBytes", s.DeliveredBytes);
        w.WriteNumber("RateWindowSeconds", DeliveryStreamStatistics.RateWindowSeconds);
        w.WriteNumber("DeliveredRecordsPerSecond", Math.Round(s.DeliveredRecordsPerSecond, 3));
        w.WriteNumber("DeliveredBytesPerSecond", Math.Round(s.DeliveredBytesPerSecond, 3));
        w.WriteNumber("FailedDeliveryAttempts", s.FailedDeliveryAttempts);
        w.WriteStartArray("ErrorOutput");
        foreach (var (type, output) in s.ErrorOutput.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject();
            w.WriteString("ErrorOutputType", type);
            w.WriteNumber("Buffers", output.Buffers);
            w.WriteNumber("Records", output.Records);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (s.BacklogRecords is { } records) w.WriteNumber("BacklogRecords", records);
        if (s.BacklogBytes is { } bytes) w.WriteNumber("BacklogBytes", bytes);
        // Seconds, as Firehose's DeliveryToS3.DataFreshness metric.
        if (s.DataFreshness is { } age) w.WriteNumber("DataFreshnessSeconds", Math.Round(age.TotalSeconds, 3));
        w.WriteStartArray("RecentErrors");
        foreach (var e in s.RecentErrors)
        {
            w.WriteStartObject();
            WriteTimestamp(w, "Timestamp", e.Timestamp);
            w.WriteString("Destination", e.Destination);
            w.WriteString("ErrorCode", e.ErrorCode);
            w.WriteString("Message", e.Message);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
