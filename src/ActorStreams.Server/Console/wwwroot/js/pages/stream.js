// Stream detail: summary, shard map with lineage, per-shard throughput, consumers with their lag per shard, and the
// resharding, retention, mode and delete actions (each behind a confirmation dialog).
import { kinesis, metrics, consumerLag, shardTimes, all } from "../api.js";
import { h, rate, mb, average, time, errorText, MAX_HASH } from "../util.js";
import { confirmAction } from "../app.js";
import { shardMap, sparkline } from "./shardmap.js";

const REFRESH_MS = 2000;

/** A lag in milliseconds as people read it: ms below 10 s, then seconds, minutes, hours. */
export function lagText(ms) {
  if (ms === undefined || ms === null) return "-";
  if (ms < 10000) return `${ms.toLocaleString("en-US")} ms`;
  if (ms < 600000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 36000000) return `${(ms / 60000).toFixed(1)} min`;
  return `${(ms / 3600000).toFixed(1)} h`;
}

const KIND_LABELS = { ENHANCED_FAN_OUT: "Enhanced fan-out", CONSUMER_APPLICATION: "Consumer application", GET_RECORDS: "GetRecords (polling)" };

const isOpen = (shard) => !(shard.SequenceNumberRange && shard.SequenceNumberRange.EndingSequenceNumber);
const percent = (text) => (Number((BigInt(text) * 10000n) / (MAX_HASH + 1n)) / 100).toFixed(2) + "%";

export async function streamPage(name) {
  const summaryBox = h("dl.kv#stream-summary");
  const mapBox = h("div#shard-map");
  const shardBody = h("tbody");
  const consumerBody = h("tbody");
  const error = h("p.error#stream-error");
  const actionResult = h("div#action-result");
  let shards = [];
  let summary = null;

  // ---- actions ----
  const splitShard = h("select#split-shard");
  const splitKey = h("input#split-key", { placeholder: "midpoint of the shard" });
  const mergeShard = h("select#merge-shard");
  const mergeAdjacent = h("select#merge-adjacent");
  const target = h("input#rescale-target", { type: "number", min: "1", step: "1" });
  const retention = h("input#retention-hours", { type: "number", min: "24", max: "8760", step: "1" });
  const mode = h("select#mode-select", h("option", { value: "PROVISIONED" }, "PROVISIONED"), h("option", { value: "ON_DEMAND" }, "ON_DEMAND"));

  const midpoint = (shard) => ((BigInt(shard.HashKeyRange.StartingHashKey) + BigInt(shard.HashKeyRange.EndingHashKey) + 1n) / 2n).toString();
  splitShard.addEventListener("change", () => {
    const shard = shards.find((x) => x.ShardId === splitShard.value);
    splitKey.value = shard ? midpoint(shard) : "";
  });
  const fillAdjacent = () => {
    const shard = shards.find((x) => x.ShardId === mergeShard.value);
    const open = shards.filter(isOpen);
    const adjacent = shard ? open.filter((o) => BigInt(o.HashKeyRange.StartingHashKey) === BigInt(shard.HashKeyRange.EndingHashKey) + 1n
      || BigInt(o.HashKeyRange.EndingHashKey) + 1n === BigInt(shard.HashKeyRange.StartingHashKey)) : [];
    mergeAdjacent.replaceChildren(...adjacent.map((o) => h("option", { value: o.ShardId }, o.ShardId)));
  };
  mergeShard.addEventListener("change", fillAdjacent);

  async function act(title, text, operation, input) {
    if (!(await confirmAction(title, text))) return;
    actionResult.replaceChildren(h("div.notice", `${operation}...`));
    try {
      await kinesis(operation, input);
      const resharding = ["SplitShard", "MergeShards", "UpdateShardCount", "UpdateStreamMode"].includes(operation);
      actionResult.replaceChildren(h("div.notice.good", `${operation} accepted.` +
        (resharding ? " The stream is UPDATING until the change is done; the map follows." : "")));
      await refresh(true);
    } catch (e) {
      actionResult.replaceChildren(h("div.notice.bad", errorText(e)));
    }
  }

  const form = (id, title, hint, fields, button, onsubmit) => {
    // noValidate: out-of-range values go to the API, whose own message is shown.
    const f = h(`form#${id}`, { noValidate: true }, h("h2", title), hint ? h("p.hint", hint) : null, fields, button);
    f.addEventListener("submit", (e) => { e.preventDefault(); onsubmit(); });
    return f;
  };
  const actions = h("div.actions",
    form("split-form", "Split shard", "Two children take the parent's hash-key range, divided at the new starting hash key.",
      [h("label", "Shard", splitShard), h("label", "New starting hash key", splitKey)], h("button#split-submit", "Split"),
      () => act("Split shard", `Split ${splitShard.value} of ${name} at hash key ${splitKey.value}? The shard closes and two child shards open.`,
        "SplitShard", { StreamName: name, ShardToSplit: splitShard.value, NewStartingHashKey: splitKey.value })),
    form("merge-form", "Merge shards", "Two open shards with adjacent hash-key ranges become one child.",
      [h("label", "Shard", mergeShard), h("label", "Adjacent shard", mergeAdjacent)], h("button#merge-submit", "Merge"),
      () => act("Merge shards", `Merge ${mergeShard.value} and ${mergeAdjacent.value} of ${name}? Both close and one child shard opens.`,
        "MergeShards", { StreamName: name, ShardToMerge: mergeShard.value, AdjacentShardToMerge: mergeAdjacent.value })),
    form("rescale-form", "Rescale", "UpdateShardCount with uniform scaling: at most double or half the open shards per call.",
      [h("label", "Target open shards", target)], h("button#rescale-submit", "Rescale"),
      () => act("Rescale stream", `Change ${name} to ${target.value} open shards (uniform scaling)?`,
        "UpdateShardCount", { StreamName: name, TargetShardCount: Number(target.value), ScalingType: "UNIFORM_SCALING" })),
    form("retention-form", "Retention", "24 to 8,760 hours. Raising it does not bring back data that already expired.",
      [h("label", "Retention period (hours)", retention)], h("button#retention-submit", "Change retention"),
      () => {
        const hours = Number(retention.value);
        const current = summary ? summary.RetentionPeriodHours : 24;
        const op = hours >= current ? "IncreaseStreamRetentionPeriod" : "DecreaseStreamRetentionPeriod";
        return act("Change retention", `Change the retention of ${name} from ${current} to ${retention.value} hours?` +
          (hours < current ? " Records older than the new period become unreadable." : ""), op,
          { StreamName: name, RetentionPeriodHours: hours });
      }),
    form("mode-form", "Capacity mode", "Provisioned: you set the shards. On-demand: the stream scales by itself.",
      [h("label", "Mode", mode)], h("button#mode-submit", "Change mode"),
      () => act("Change capacity mode", `Switch ${name} to ${mode.value}?`, "UpdateStreamMode",
        { StreamARN: summary && summary.StreamARN, StreamModeDetails: { StreamMode: mode.value } })),
    form("delete-form", "Delete stream", "Deletes the stream and all its data.", [], h("button.danger#delete-submit", "Delete"),
      async () => {
        if (!(await confirmAction("Delete stream", `Delete ${name} and every record in it? This cannot be undone.`))) return;
        try {
          await kinesis("DeleteStream", { StreamName: name, EnforceConsumerDeletion: true });
          location.hash = "#/streams";
        } catch (e) {
          actionResult.replaceChildren(h("div.notice.bad", errorText(e)));
        }
      }));

  const element = h("div",
    h("h1", "Data stream ", h("span.mono#stream-title", name)),
    error,
    h("div.row",
      h("div.panel", h("h2", "Summary"), summaryBox,
        h("p", h("a#open-data-viewer", { href: `#/streams/${encodeURIComponent(name)}/data` }, h("button", "Data viewer"))))),
    h("div.panel", h("h2", "Shard map"),
      h("p.hint", "Hash-key ranges (top 0, bottom 2^128-1) over the stream's reshard steps, each labelled with the time (UTC) it completed; orange lines join children to parents."),
      mapBox),
    h("div.panel", h("h2", "Shards"),
      h("div.legend", h("span.in", "— incoming rec/s"), h("span.out", "— outgoing rec/s"), h("span.thr", "— throttled/s"), h("span", "(last 60 s, this node)")),
      h("table#shards-table",
        h("thead", h("tr", ["Shard", "State", "Hash range", "Parents", "In rec/s", "In MB/s", "Out rec/s", "Out MB/s",
          "Write throttled", "Read throttled", "MillisBehindLatest", "Last 60 s"].map((t, i) => h(i >= 4 && i < 11 ? "th.num" : "th", t)))),
        shardBody)),
    h("div.panel", h("h2", "Consumers and lag"),
      h("table#consumers-table", h("thead", h("tr", ["Consumer", "Type", "Shard", "MillisBehindLatest", "Position", "State", "Measured"]
        .map((t) => h(t === "MillisBehindLatest" ? "th.num" : "th", t)))), consumerBody),
      h("p.hint#consumers-hint", "Enhanced fan-out: what the last SubscribeToShard event said. Consumer application: age of the first " +
        "record after its checkpoint. GetRecords: pollers are anonymous, so the largest iterator age of the shard's reads in the last minute.")),
    h("div.panel", h("h2", "Actions"), actionResult, actions));

  let timer = null;
  let disposed = false;
  let shardKey = "";
  async function refresh(once = false) {
    try {
      const reply = await kinesis("DescribeStreamSummary", { StreamName: name });
      summary = reply.StreamDescriptionSummary;
      const [list, m, consumers, lag] = await Promise.all([
        all("ListShards", { StreamName: name }, "Shards"),
        metrics(name),
        all("ListStreamConsumers", { StreamARN: summary.StreamARN }, "Consumers").catch(() => []),
        consumerLag(name).catch((e) => ({ error: e })),
      ]);
      shards = list;
      summaryBox.replaceChildren(
        h("dt", "Status"), h("dd", h("span.status#summary-status", { class: summary.StreamStatus }, summary.StreamStatus)),
        h("dt", "Capacity mode"), h("dd#summary-mode", summary.StreamModeDetails.StreamMode),
        h("dt", "Open shards"), h("dd#summary-open-shards", String(summary.OpenShardCount)),
        h("dt", "Retention"), h("dd#summary-retention", `${summary.RetentionPeriodHours} hours`),
        h("dt", "Created"), h("dd", time(summary.StreamCreationTimestamp)),
        h("dt", "Consumers"), h("dd", String(summary.ConsumerCount ?? consumers.length)),
        h("dt", "Encryption"), h("dd", summary.EncryptionType || "NONE"),
        h("dt", "ARN"), h("dd.mono", summary.StreamARN));
      const key = shards.map((x) => x.ShardId + (isOpen(x) ? "o" : "c")).join(",");
      if (key !== shardKey) {
        shardKey = key;
        const times = await shardTimes(name).then((r) => r.Shards).catch(() => null);
        mapBox.replaceChildren(shardMap(shards, times));
        const open = shards.filter(isOpen);
        const keepSplit = splitShard.value, keepMerge = mergeShard.value;
        splitShard.replaceChildren(...open.map((x) => h("option", { value: x.ShardId }, x.ShardId)));
        mergeShard.replaceChildren(...open.map((x) => h("option", { value: x.ShardId }, x.ShardId)));
        if (open.some((x) => x.ShardId === keepSplit)) splitShard.value = keepSplit;
        if (open.some((x) => x.ShardId === keepMerge)) mergeShard.value = keepMerge;
        const chosen = shards.find((x) => x.ShardId === splitShard.value);
        splitKey.value = chosen ? midpoint(chosen) : "";
        fillAdjacent();
        target.value = String(open.length);
      }
      if (document.activeElement !== retention && !retention.value) retention.value = String(summary.RetentionPeriodHours);
      if (document.activeElement !== mode && !mode.dataset.touched) mode.value = summary.StreamModeDetails.StreamMode === "ON_DEMAND" ? "PROVISIONED" : "ON_DEMAND";

      const byShard = new Map(m.Shards.map((x) => [x.ShardId, x]));
      shardBody.replaceChildren(...shards.map((x) => {
        const c = byShard.get(x.ShardId);
        const p = c && c.PerSecond;
        return h("tr", { "data-shard": x.ShardId },
          h("td.mono", x.ShardId),
          h("td", h("span.status", { class: isOpen(x) ? "OPEN" : "CLOSED" }, isOpen(x) ? "OPEN" : "CLOSED")),
          h("td", { title: `${x.HashKeyRange.StartingHashKey} .. ${x.HashKeyRange.EndingHashKey}` },
            `${percent(x.HashKeyRange.StartingHashKey)} – ${percent((BigInt(x.HashKeyRange.EndingHashKey) + 1n).toString())}`),
          h("td.mono", [x.ParentShardId, x.AdjacentParentShardId].filter(Boolean).join(" + ") || "-"),
          h("td.num", rate(p ? average(p.IncomingRecords) : 0)), h("td.num", mb(p ? average(p.IncomingBytes) : 0)),
          h("td.num", rate(p ? average(p.OutgoingRecords) : 0)), h("td.num", mb(p ? average(p.OutgoingBytes) : 0)),
          h("td.num.write-throttled", String(c ? c.Totals.WriteThrottled : 0)),
          h("td.num.read-throttled", String(c ? c.Totals.ReadThrottled : 0)),
          h("td.num", c && c.LastMillisBehindLatest !== undefined ? String(c.LastMillisBehindLatest) : "-"),
          h("td", p ? sparkline(p) : ""));
      }));
      consumerBody.replaceChildren(...consumerRows(consumers, lag));
      error.textContent = "";
    } catch (e) {
      error.textContent = errorText(e);
    }
    if (!once && !disposed) timer = setTimeout(refresh, REFRESH_MS);
  }
  mode.addEventListener("change", () => { mode.dataset.touched = "1"; });
  await refresh();
  return { element, dispose() { disposed = true; clearTimeout(timer); } };
}

/** One row per consumer and shard it read; a consumer with no shard read yet gets one row; then the GetRecords iterator ages. */
function consumerRows(registered, lag) {
  if (lag.error) return [h("tr", h("td.empty.error", { colSpan: 7 }, `Consumer lag unavailable: ${errorText(lag.error)}`))];
  const status = new Map(registered.map((c) => [c.ConsumerName, c.ConsumerStatus]));
  const rows = [];
  const row = (name, kind, shard, ms, position, state, at) => h("tr", { "data-consumer": name, "data-kind": kind, "data-lag-shard": shard || "" },
    h("td", name), h("td", KIND_LABELS[kind] || kind), h("td.mono", shard || "-"),
    h("td.num.lag", { "data-ms": ms === undefined ? "" : String(ms), title: ms === undefined ? "" : `${ms} ms` }, lagText(ms)),
    h("td.mono.position", { title: position || "" }, position ? (position.length > 14 ? "…" + position.slice(-12) : position) : "-"),
    h("td", state), h("td", at ? time(at) : "-"));
  for (const c of lag.Consumers) {
    const registration = c.Kind === "ENHANCED_FAN_OUT" ? (status.get(c.Name) || "ACTIVE") : "";
    if (!c.Shards.length) {
      rows.push(row(c.Name, c.Kind, null, undefined, null, c.Kind === "ENHANCED_FAN_OUT" ? `${registration}, not subscribed` : "no checkpoint", null));
      continue;
    }
    for (const s of c.Shards) {
      const state = c.Kind === "ENHANCED_FAN_OUT"
        ? (s.Active ? "subscribed" : "subscription ended")
        : (s.SequenceNumber === "SHARD_END" ? "shard finished" : s.Active ? "leased" : "not leased");
      rows.push(row(c.Name, c.Kind, s.ShardId, s.MillisBehindLatest, s.SequenceNumber, state + (s.Approximate ? " (approx.)" : ""), s.ObservedAt));
    }
  }
  for (const a of lag.IteratorAges) {
    rows.push(row("GetRecords", "GET_RECORDS", a.ShardId, a.MaxMillisBehindLatest, null, `last read ${lagText(a.LastMillisBehindLatest)} behind`, a.LastReadAt));
  }
  if (lag.NodesAnswered < lag.NodesAsked) {
    rows.push(h("tr", h("td.empty", { colSpan: 7 }, `${lag.NodesAsked - lag.NodesAnswered} of ${lag.NodesAsked} nodes did not answer; consumers they serve are missing.`)));
  }
  return rows.length ? rows : [h("tr", h("td.empty", { colSpan: 7 }, "No consumers: no registered consumer, running consumer application or GetRecords reader in the last minute."))];
}
