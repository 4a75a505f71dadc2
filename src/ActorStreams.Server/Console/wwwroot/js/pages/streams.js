// Data streams: every stream with status, mode, open shards, retention and this node's live throughput.
import { kinesis, metrics, all } from "../api.js";
import { h, rate, mb, average, errorText } from "../util.js";

const REFRESH_MS = 2000;

export async function streamsPage() {
  const body = h("tbody");
  const error = h("p.error");
  const element = h("div",
    h("h1", "Data streams"),
    h("div.panel",
      h("p.hint", "Live rates are this node's, averaged over the last 10 complete seconds."),
      error,
      h("table#streams-table",
        h("thead", h("tr", ["Name", "Status", "Capacity mode", "Open shards", "Retention (h)",
          "Incoming rec/s", "Incoming MB/s", "Outgoing rec/s", "Outgoing MB/s"].map((t, i) => h(i > 2 ? "th.num" : "th", t)))),
        body),
      h("p", h("a", { href: "#/create" }, h("button.primary", "Create data stream")))));

  let timer = null;
  let disposed = false;
  async function refresh() {
    try {
      const names = await all("ListStreams", {}, "StreamNames");
      const [summaries, m] = await Promise.all([
        Promise.all(names.map((n) => kinesis("DescribeStreamSummary", { StreamName: n })
          .then((r) => r.StreamDescriptionSummary).catch(() => null))),
        metrics(),
      ]);
      const byStream = new Map();
      for (const shard of m.Shards) {
        const t = byStream.get(shard.StreamName) || { inR: 0, inB: 0, outR: 0, outB: 0 };
        t.inR += average(shard.PerSecond.IncomingRecords);
        t.inB += average(shard.PerSecond.IncomingBytes);
        t.outR += average(shard.PerSecond.OutgoingRecords);
        t.outB += average(shard.PerSecond.OutgoingBytes);
        byStream.set(shard.StreamName, t);
      }
      const rows = names.map((name, i) => {
        const s = summaries[i];
        const t = byStream.get(name) || { inR: 0, inB: 0, outR: 0, outB: 0 };
        return h("tr", { "data-stream": name },
          h("td", h("a", { href: `#/streams/${encodeURIComponent(name)}` }, name)),
          h("td", h("span.status", { class: s ? s.StreamStatus : "" }, s ? s.StreamStatus : "(gone)")),
          h("td", s ? s.StreamModeDetails.StreamMode : "-"),
          h("td.num", s ? s.OpenShardCount : "-"),
          h("td.num", s ? s.RetentionPeriodHours : "-"),
          h("td.num", rate(t.inR)), h("td.num", mb(t.inB)), h("td.num", rate(t.outR)), h("td.num", mb(t.outB)));
      });
      body.replaceChildren(...(rows.length ? rows : [h("tr", h("td.empty", { colSpan: 9 }, "No data streams yet."))]));
      error.textContent = "";
    } catch (e) {
      error.textContent = errorText(e);
    }
    if (!disposed) timer = setTimeout(refresh, REFRESH_MS);
  }
  await refresh();
  return { element, dispose() { disposed = true; clearTimeout(timer); } };
}
