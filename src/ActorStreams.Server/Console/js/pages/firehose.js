// Firehose: delivery streams with source, destinations, buffering and the last failure, from the Firehose API
// (Firehose_20150804.ListDeliveryStreams / DescribeDeliveryStream). A server without Firehose says so.
import { firehose } from "../api.js";
import { h, time, errorText } from "../util.js";

const REFRESH_MS = 5000;

function destinationRows(d) {
  const rows = [];
  for (const [key, value] of Object.entries(d)) {
    if (key === "DestinationId" || !value || typeof value !== "object") continue;
    const type = key.replace(/DestinationDescription$/, "");
    const hints = value.BufferingHints || {};
    const where = value.BucketARN || value.DomainARN || value.ClusterJDBCURL || value.HECEndpoint
      || (value.EndpointConfiguration && value.EndpointConfiguration.Url) || value.ClusterEndpoint || "";
    rows.push({ type, where, hints, compression: value.CompressionFormat, prefix: value.Prefix, errorPrefix: value.ErrorOutputPrefix });
  }
  return rows;
}

function counter(description, name) {
  // Delivery counts and backlog are not part of the AWS DescribeDeliveryStream shape: shown only when the server
  // adds them to the description (as DeliveryStatistics.<name>), never guessed.
  const v = description.DeliveryStatistics && description.DeliveryStatistics[name];
  return v === undefined || v === null ? "not reported by this server" : Number(v).toLocaleString("en-US");
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
        content.replaceChildren(...descriptions.map((d) => {
          if (d.error) return h("div.panel", h("h2", d.DeliveryStreamName), h("p.error", errorText(d.error)));
          const source = d.Source && d.Source.KinesisStreamSourceDescription
            ? `Kinesis stream ${d.Source.KinesisStreamSourceDescription.KinesisStreamARN}` : d.DeliveryStreamType || "DirectPut";
          const failure = d.FailureDescription ? `${d.FailureDescription.Type}: ${d.FailureDescription.Details}` : "none";
          return h("div.panel.delivery-stream", { "data-delivery-stream": d.DeliveryStreamName },
            h("h2", d.DeliveryStreamName, " ", h("span.status", { class: d.DeliveryStreamStatus }, d.DeliveryStreamStatus)),
            h("dl.kv",
              h("dt", "Source"), h("dd", source),
              h("dt", "Created"), h("dd", time(d.CreateTimestamp)),
              h("dt", "Backlog"), h("dd", counter(d, "BacklogRecords")),
              h("dt", "Delivered"), h("dd", counter(d, "DeliveredRecords")),
              h("dt", "Failed"), h("dd", counter(d, "FailedRecords")),
              h("dt", "Last error"), h("dd", failure)),
            h("table",
              h("thead", h("tr", h("th", "Destination"), h("th", "Where"), h("th", "Buffering"), h("th", "Compression"), h("th", "Prefix / error prefix"))),
              h("tbody", ...(d.Destinations || []).flatMap(destinationRows).map((r) => h("tr",
                h("td", r.type), h("td.mono", r.where),
                h("td", [r.hints.SizeInMBs !== undefined ? `${r.hints.SizeInMBs} MB` : null,
                  r.hints.IntervalInSeconds !== undefined ? `${r.hints.IntervalInSeconds} s` : null].filter(Boolean).join(", ") || "-"),
                h("td", r.compression || "-"), h("td.mono", [r.prefix, r.errorPrefix].filter(Boolean).join(" / ") || "-"))))));
        }));
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
