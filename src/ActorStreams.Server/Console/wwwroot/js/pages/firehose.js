// Firehose: delivery streams with source, destination, buffering, and how deliveries go (delivered, failed attempts,
// error output, backlog, data freshness, last errors), from the Firehose API (Firehose_20150804.ListDeliveryStreams /
// DescribeDeliveryStream). The delivery figures are ActorStreams' DeliveryStatistics extension of the description,
// counted by the node that runs the delivery stream. A server without Firehose says so.
import { firehose } from "../api.js";
import { h, time, rate, errorText } from "../util.js";

const REFRESH_MS = 5000;

function destinationRows(d) {
  const rows = [];
  for (const [key, value] of Object.entries(d)) {
    if (key === "DestinationId" || !value || typeof value !== "object") continue;
    const type = key.replace(/DestinationDescription$/, "");
    // Redshift, HTTP endpoint, Splunk and OpenSearch describe their backup bucket inside; S3 itself is listed twice
    // (S3 and ExtendedS3): show the extended one.
    if (type === "S3" && d.ExtendedS3DestinationDescription) continue;
    const hints = value.BufferingHints || {};
    const where = value.BucketARN || value.DomainARN || value.ClusterJDBCURL || value.HECEndpoint
      || (value.EndpointConfiguration && value.EndpointConfiguration.Url) || value.ClusterEndpoint || "";
    rows.push({ type, where, hints, compression: value.CompressionFormat, prefix: value.Prefix, errorPrefix: value.ErrorOutputPrefix });
  }
  return rows;
}

const count = (n) => Number(n).toLocaleString("en-US");

function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
  return `${value.toFixed(value >= 100 ? 0 : 1)} ${units[unit]}`;
}

function age(seconds) {
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** The delivery figures, or one line saying the server does not report them. */
function statisticsPanel(s) {
  if (!s) return h("p.hint", "This server does not report delivery statistics (DeliveryStatistics is missing from DescribeDeliveryStream).");
  // data-value holds the number behind the text, for scripts and tests.
  const stat = (name, value, text) => h("dd", { "data-stat": name, "data-value": value }, text);
  const errorOutput = s.ErrorOutput.length
    ? s.ErrorOutput.map((o) => `${o.ErrorOutputType}: ${count(o.Records)} records in ${count(o.Buffers)} buffer${o.Buffers === 1 ? "" : "s"}`).join("; ")
    : "none";
  const errorRecords = s.ErrorOutput.reduce((sum, o) => sum + o.Records, 0);
  const backlog = s.BacklogRecords === undefined
    ? "in the source stream (see its iterator age)"
    : `${count(s.BacklogRecords)} records, ${size(s.BacklogBytes)}`;
  return h("dl.kv.delivery-statistics",
    h("dt", "Delivered"), stat("delivered", s.DeliveredRecords,
      `${count(s.DeliveredRecords)} records, ${size(s.DeliveredBytes)} (${rate(s.DeliveredRecordsPerSecond, 2)} records/s over the last ${s.RateWindowSeconds} s)`),
    h("dt", "Failed attempts"), stat("failed", s.FailedDeliveryAttempts, count(s.FailedDeliveryAttempts)),
    h("dt", "Error output"), stat("error-output", errorRecords, errorOutput),
    h("dt", "Backlog"), stat("backlog", s.BacklogRecords, backlog),
    h("dt", "Data freshness"), stat("freshness", s.DataFreshnessSeconds, s.DataFreshnessSeconds === undefined ? "-" : age(s.DataFreshnessSeconds)),
    h("dt", "Counting since"), h("dd", time(s.CountingSince)));
}

function errorsTable(s) {
  if (!s) return null;
  if (!s.RecentErrors.length) return h("p.empty.no-errors", "No delivery errors.");
  return h("table.recent-errors",
    h("thead", h("tr", h("th", "Time"), h("th", "Destination"), h("th", "Error code"), h("th", "Message"))),
    h("tbody", ...[...s.RecentErrors].reverse().map((e) => h("tr.recent-error",
      h("td", time(e.Timestamp)), h("td", e.Destination), h("td.mono", e.ErrorCode), h("td.mono", e.Message)))));
}

function streamPanel(d) {
  if (d.error) return h("div.panel", { "data-delivery-stream": d.DeliveryStreamName }, h("h2", d.DeliveryStreamName), h("p.error", errorText(d.error)));
  const source = d.Source && d.Source.KinesisStreamSourceDescription
    ? `Kinesis stream ${d.Source.KinesisStreamSourceDescription.KinesisStreamARN}` : d.DeliveryStreamType || "DirectPut";
  const s = d.DeliveryStatistics;
  return h("div.panel.delivery-stream", { "data-delivery-stream": d.DeliveryStreamName },
    h("h2", d.DeliveryStreamName, " ", h("span.status", { class: d.DeliveryStreamStatus }, d.DeliveryStreamStatus)),
    h("div.row",
      h("dl.kv",
        h("dt", "Source"), h("dd", source),
        h("dt", "Destination"), h("dd", { "data-stat": "destination" }, s ? s.Destination : "-"),
        h("dt", "Version"), h("dd", d.VersionId),
        h("dt", "Created"), h("dd", time(d.CreateTimestamp)),
        // AWS's FailureDescription (a delivery stream that could not be created or encrypted), when a server sends one.
        d.FailureDescription ? [h("dt", "Failure"), h("dd", `${d.FailureDescription.Type}: ${d.FailureDescription.Details}`)] : null),
      statisticsPanel(s)),
    h("table.destinations",
      h("thead", h("tr", h("th", "Destination"), h("th", "Where"), h("th", "Buffering"), h("th", "Compression"), h("th", "Prefix / error prefix"))),
      h("tbody", ...(d.Destinations || []).flatMap(destinationRows).map((r) => h("tr",
        h("td", r.type), h("td.mono", r.where),
        h("td", [r.hints.SizeInMBs !== undefined ? `${r.hints.SizeInMBs} MB` : null,
          r.hints.IntervalInSeconds !== undefined ? `${r.hints.IntervalInSeconds} s` : null].filter(Boolean).join(", ") || "-"),
        h("td", r.compression || "-"), h("td.mono", [r.prefix, r.errorPrefix].filter(Boolean).join(" / ") || "-"))))),
    h("h3", "Last errors"),
    errorsTable(s));
}

export async function firehosePage() {
  const content = h("div#firehose-content");
  const element = h("div", h("h1", "Firehose delivery streams"), content);
  let timer = null;
  let disposed = false;

  async function refresh() {
    try {
      const names = [];
      let start;
      for (let i = 0; i < 100; i++) {
        const reply = await firehose("ListDeliveryStreams", start ? { Limit: 100, ExclusiveStartDeliveryStreamName: start } : { Limit: 100 });
        names.push(...reply.DeliveryStreamNames);
        if (!reply.HasMoreDeliveryStreams || reply.DeliveryStreamNames.length === 0) break;
        start = reply.DeliveryStreamNames[reply.DeliveryStreamNames.length - 1];
      }
      const descriptions = await Promise.all(names.map((n) => firehose("DescribeDeliveryStream", { DeliveryStreamName: n })
        .then((r) => r.DeliveryStreamDescription).catch((e) => ({ DeliveryStreamName: n, error: e }))));
      if (!descriptions.length) {
        content.replaceChildren(h("div.panel", h("p.empty", "No delivery streams yet. Create one with the AWS CLI: aws firehose create-delivery-stream ...")));
      } else {
        content.replaceChildren(...descriptions.map(streamPanel));
      }
    } catch (e) {
      if (e.type === "UnknownOperationException") {
        content.replaceChildren(h("div.panel", h("div.notice#firehose-unavailable", "Firehose is not available on this server."),
          h("p.hint", `The server answered: ${errorText(e)}`)));
        return; // nothing to poll for until the server changes
      }
      content.replaceChildren(h("div.notice.bad", errorText(e)));
    }
    if (!disposed) timer = setTimeout(refresh, REFRESH_MS);
  }
  await refresh();
  return { element, dispose() { disposed = true; clearTimeout(timer); } };
}
