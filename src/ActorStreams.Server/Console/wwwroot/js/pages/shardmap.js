// The shard map: every shard as its hash-key range (vertical, 0 at the top to 2^128-1 at the bottom) over the
// reshard steps of the stream (horizontal, oldest left). The steps are ordered by shard creation (shard ids grow
// with time): each split, merge or scaling step that closed a shard starts a new column, and lines join each child
// to its parent and adjacent parent. Columns are evenly spaced (a stream days old and split a minute ago stays
// readable); each is labelled with the time its step completed, from /console/api/shard-times (ListShards gives no
// times), so the axis reads as time.
import { s, shortShard } from "../util.js";

const clock = (epochSeconds) => new Date(epochSeconds * 1000).toISOString().slice(11, 19);
const day = (epochSeconds) => new Date(epochSeconds * 1000).toISOString().slice(0, 10);

/** The time each step began: when the shards that start at it opened (the earliest of them); null when not known. */
export function stepTimes(shards, start, steps, times) {
  const opened = new Map((times || []).map((t) => [t.ShardId, t.OpenedAt]));
  const at = Array(steps).fill(null);
  for (const shard of shards) {
    const step = start.get(shard.ShardId);
    const t = opened.get(shard.ShardId);
    if (t === undefined || t === null) continue;
    if (at[step] === null || t < at[step]) at[step] = t;
  }
  return at;
}

const TWO_128 = 1n << 128n;
const fraction = (text) => Number((BigInt(text) * 1000000n) / TWO_128) / 1000000;

/** Start and end step of each shard, and the number of steps. */
export function layout(shards) {
  const byId = new Map(shards.map((x) => [x.ShardId, x]));
  const sorted = [...shards].sort((a, b) => a.ShardId.localeCompare(b.ShardId));
  const start = new Map();
  const end = new Map();
  let step = 0;
  for (const shard of sorted) {
    const parents = [shard.ParentShardId, shard.AdjacentParentShardId].filter((p) => p && byId.has(p));
    if (parents.length === 0) { start.set(shard.ShardId, 0); continue; }
    if (parents.every((p) => end.has(p))) {
      start.set(shard.ShardId, Math.max(...parents.map((p) => end.get(p))));
      continue;
    }
    step++;
    for (const p of parents) if (!end.has(p)) end.set(p, step);
    start.set(shard.ShardId, step);
  }
  const steps = step + 1;
  for (const shard of sorted) {
    if (end.has(shard.ShardId)) continue;
    // A closed shard whose children are gone from the list still ended; draw it one step long.
    const closed = shard.SequenceNumberRange && shard.SequenceNumberRange.EndingSequenceNumber;
    end.set(shard.ShardId, closed ? Math.min(start.get(shard.ShardId) + 1, steps) : steps);
  }
  return { start, end, steps };
}

export function shardMap(shards, times) {
  const width = 960, height = 360, left = 70, right = 20, top = 16, bottom = 34;
  const { start, end, steps } = layout(shards);
  const at = stepTimes(shards, start, steps, times);
  const x = (step) => left + (step / steps) * (width - left - right);
  const y = (f) => top + f * (height - top - bottom);
  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, width: "100%", class: "shard-map", role: "img",
    "aria-label": `Shard map: ${shards.length} shards over ${steps} reshard steps` });
  const rects = new Map();
  for (const shard of shards) {
    const open = !(shard.SequenceNumberRange && shard.SequenceNumberRange.EndingSequenceNumber);
    const y0 = y(fraction(shard.HashKeyRange.StartingHashKey));
    const y1 = y(fraction((BigInt(shard.HashKeyRange.EndingHashKey) + 1n).toString()));
    const x0 = x(start.get(shard.ShardId)), x1 = x(end.get(shard.ShardId));
    rects.set(shard.ShardId, { x0, x1, ym: (y0 + y1) / 2 });
    const g = s("g", { "data-shard": shard.ShardId, "data-state": open ? "OPEN" : "CLOSED" });
    g.append(s("rect", { x: x0 + 1, y: y0 + 0.5, width: Math.max(2, x1 - x0 - 2), height: Math.max(1, y1 - y0 - 1),
      rx: 3, class: open ? "open" : "closed" },
      s("title", {}, `${shard.ShardId} (${open ? "OPEN" : "CLOSED"})\nhash keys ${shard.HashKeyRange.StartingHashKey}\n .. ${shard.HashKeyRange.EndingHashKey}` +
        (shard.ParentShardId ? `\nparent ${shard.ParentShardId}` : "") + (shard.AdjacentParentShardId ? `\nadjacent parent ${shard.AdjacentParentShardId}` : ""))));
    if (y1 - y0 >= 14 && x1 - x0 >= 40) g.append(s("text", { x: x0 + 6, y: (y0 + y1) / 2 + 4 }, shortShard(shard.ShardId)));
    svg.append(g);
  }
  for (const shard of shards) {
    const child = rects.get(shard.ShardId);
    for (const p of [shard.ParentShardId, shard.AdjacentParentShardId]) {
      const parent = p && rects.get(p);
      if (!parent) continue;
      // From inside the parent to inside the child, so the link stays visible however close the steps are.
      const reach = Math.min(28, (parent.x1 - parent.x0) / 3, (child.x1 - child.x0) / 3);
      const from = [parent.x1 - reach, parent.ym], to = [child.x0 + reach, child.ym];
      svg.append(s("line", { x1: from[0], y1: from[1], x2: to[0], y2: to[1], class: "lineage",
        "data-parent": p, "data-child": shard.ShardId }));
      svg.append(s("circle", { cx: from[0], cy: from[1], r: 2.5, class: "lineage-end" }));
      svg.append(s("circle", { cx: to[0], cy: to[1], r: 2.5, class: "lineage-end" }));
    }
  }
  svg.append(s("text", { x: left - 6, y: top + 8, "text-anchor": "end", class: "axis" }, "hash 0"));
  svg.append(s("text", { x: left - 6, y: height - bottom, "text-anchor": "end", class: "axis" }, "2^128-1"));
  for (let i = 0; i <= steps; i++) {
    const when = i < steps ? at[i] : null;
    const label = i === steps ? "now" : when === null ? (i === 0 ? "created" : `step ${i}`)
      : i === 0 ? `created ${day(when)} ${clock(when)}` : clock(when);
    const text = s("text", { x: x(i), y: height - bottom + 16, "text-anchor": i === 0 ? "start" : i === steps ? "end" : "middle",
      class: "axis", "data-step": String(i) }, label);
    if (when !== null) text.setAttribute("data-time", String(when));
    svg.append(text);
  }
  return svg;
}

/** A 60-second sparkline of incoming, outgoing and throttled records per second. */
export function sparkline(perSecond) {
  const width = 160, height = 34;
  const series = [["in", perSecond.IncomingRecords], ["out", perSecond.OutgoingRecords],
    ["thr", perSecond.WriteThrottled.map((v, i) => v + perSecond.ReadThrottled[i])]];
  const max = Math.max(1, ...series.flatMap(([, values]) => values));
  const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, class: "spark" });
  for (const [cls, values] of series) {
    if (!values.some((v) => v > 0)) continue;
    const points = values.map((v, i) => `${(i / (values.length - 1)) * width},${height - 1 - (v / max) * (height - 2)}`).join(" ");
    svg.append(s("polyline", { points, class: cls }));
  }
  svg.append(s("title", {}, `last 60 s; peak ${max} records/s`));
  return svg;
}
