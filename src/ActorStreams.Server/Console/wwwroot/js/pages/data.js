// Data viewer: pick a shard and a starting position, then page through its records with GetShardIterator and
// GetRecords (NextShardIterator), showing each record's data as text or hex.
import { kinesis, all } from "../api.js";
import { h, time, base64ToBytes, bytesToText, bytesToHex, errorText } from "../util.js";

const TYPES = ["TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER", "AT_TIMESTAMP"];

export async function dataPage(name) {
  const shards = await all("ListShards", { StreamName: name }, "Shards");
  const shard = h("select#viewer-shard", shards.map((x) => h("option", { value: x.ShardId },
    x.ShardId + (x.SequenceNumberRange.EndingSequenceNumber ? " (closed)" : ""))));
  const type = h("select#viewer-type", TYPES.map((t) => h("option", { value: t }, t)));
  const sequence = h("input#viewer-sequence", { placeholder: "sequence number", disabled: true });
  const timestamp = h("input#viewer-timestamp", { type: "datetime-local", step: "1", disabled: true });
  const limit = h("input#viewer-limit", { type: "number", min: "1", max: "10000", value: "25" });
  const asText = h("input#viewer-text", { type: "radio", name: "format", value: "text", checked: true });
  const asHex = h("input#viewer-hex", { type: "radio", name: "format", value: "hex" });
  const error = h("p.error#viewer-error", { role: "alert" });
  const status = h("span.hint#viewer-status");
  const body = h("tbody");
  const next = h("button#viewer-next", { type: "button", disabled: true }, "Next page");
  let iterator = null;
  let page = 0;
  let records = [];

  type.addEventListener("change", () => {
    sequence.disabled = !type.value.includes("SEQUENCE");
    timestamp.disabled = type.value !== "AT_TIMESTAMP";
  });

  function render() {
    const hex = asHex.checked;
    body.replaceChildren(...(records.length ? records.map((r) => {
      const bytes = base64ToBytes(r.Data);
      return h("tr.record",
        h("td.mono", r.SequenceNumber),
        h("td", time(r.ApproximateArrivalTimestamp)),
        h("td.mono", r.PartitionKey),
        h("td.num", String(bytes.length)),
        h("td", h("pre.mono.record-data", hex ? bytesToHex(bytes) : bytesToText(bytes))));
    }) : [h("tr", h("td.empty", { colSpan: 5 }, iterator === null && page === 0 ? "Choose a shard and a starting position." : "No records on this page."))]));
  }
  asText.addEventListener("change", render);
  asHex.addEventListener("change", render);

  async function fetchPage() {
    error.textContent = "";
    try {
      const reply = await kinesis("GetRecords", { ShardIterator: iterator, Limit: Number(limit.value) || 25 });
      records = reply.Records;
      iterator = reply.NextShardIterator || null;
      page++;
      const children = reply.ChildShards && reply.ChildShards.length ? ` End of a closed shard; children: ${reply.ChildShards.map((c) => c.ShardId).join(", ")}.` : "";
      status.textContent = `Page ${page}: ${records.length} records, MillisBehindLatest ${reply.MillisBehindLatest}.${children}`;
      next.disabled = iterator === null;
    } catch (e) {
      error.textContent = errorText(e);
    }
    render();
  }

  const form = h("form#viewer-form",
    h("div.row",
      h("label", "Shard", shard), h("label", "Starting position", type), h("label", "Sequence number", sequence),
      h("label", "Timestamp (UTC)", timestamp), h("label", "Records per page", limit)),
    h("div.pager", h("button.primary#viewer-start", { type: "submit" }, "Get records"), next, status),
    h("div.radio", h("label", asText, "Text (UTF-8)"), h("label", asHex, "Hex")),
    error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const input = { StreamName: name, ShardId: shard.value, ShardIteratorType: type.value };
    if (!sequence.disabled) input.StartingSequenceNumber = sequence.value;
    if (!timestamp.disabled) input.Timestamp = timestamp.value ? Date.parse(timestamp.value + "Z") / 1000 : undefined;
    try {
      iterator = (await kinesis("GetShardIterator", input)).ShardIterator;
      page = 0;
      await fetchPage();
    } catch (e) {
      error.textContent = errorText(e);
    }
  });
  next.addEventListener("click", fetchPage);

  render();
  const element = h("div",
    h("h1", "Data viewer: ", h("a.mono", { href: `#/streams/${encodeURIComponent(name)}` }, name)),
    h("div.panel", form),
    h("div.panel", h("table#records-table",
      h("thead", h("tr", h("th", "Sequence number"), h("th", "Arrival"), h("th", "Partition key"), h("th.num", "Bytes"), h("th", "Data"))),
      body)));
  return { element };
}
