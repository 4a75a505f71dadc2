#!/usr/bin/env python3
"""Renders ops/bench/run.sh's results.txt (key=value lines) as one Markdown table, each number next to the target
of issue 7 and whether it is met. Missing numbers print as n/a; nothing is filled in that was not measured."""
import sys

results = {}
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if "=" in line:
        key, value = line.split("=", 1)
        results[key] = value


def num(key):
    try:
        return float(results[key])
    except (KeyError, ValueError):
        return None


def fmt(value, digits=0, unit=""):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{unit}"


def met(condition):
    if condition is None:
        return "n/a"
    return "yes" if condition else "**no**"


def ratio(a, b):
    return a / b if a is not None and b not in (None, 0) else None


rows = []


def row(workload, measured, target, ok):
    rows.append(f"| {workload} | {measured} | {target} | {met(ok)} |")


# (1) and (2)
for journal, shards, size in [("sqlite", 4, 100), ("sqlite", 4, 1024), ("sqlite", 16, 100), ("sqlite", 16, 1024), ("postgresql", 4, 100)]:
    rps = num(f"ingest.{journal}.{shards}.{size}.rps")
    mbps = num(f"ingest.{journal}.{shards}.{size}.mbps")
    name = "SQLite" if journal == "sqlite" else "PostgreSQL"
    label = "100 B" if size == 100 else "1 KiB"
    if size == 100:
        target, ok = ("600,000 rec/s", rps >= 600_000 if rps is not None else None) if journal == "sqlite" else \
            ("200,000 rec/s", rps >= 200_000 if rps is not None else None)
    else:
        target, ok = "85 MB/s", (mbps >= 85 if mbps is not None else None)
    row(f"1 sink ingest, {name}, {shards} shards, {label}", f"{fmt(rps)} rec/s, {fmt(mbps, 1)} MB/s", target, ok)
for journal, shards, size in [("sqlite", 4, 100), ("sqlite", 4, 1024), ("sqlite", 16, 100), ("sqlite", 16, 1024), ("postgresql", 4, 100)]:
    rps = num(f"readback.{journal}.{shards}.{size}.rps")
    name = "SQLite" if journal == "sqlite" else "PostgreSQL"
    label = "100 B" if size == 100 else "1 KiB"
    raw = results.get(f"readback.{journal}.{shards}.{size}.rps")
    row(f"2 whole-stream read-back from TRIM_HORIZON, {name}, {shards} shards, {label}",
        f"{fmt(rps)} rec/s" if rps is not None else (raw or "n/a"), "1,500,000 rec/s", rps >= 1_500_000 if rps is not None else None)

small_label = (results.get("meta.recovery-labels") or "1M,10M").split(",")[0]
retained = num(f"readback.retained.{small_label}.rps")
row(f"2 whole-stream read-back of {small_label} retained records after a restart, SQLite, 4 shards, 100 B", f"{fmt(retained)} rec/s",
    "1,500,000 rec/s", retained >= 1_500_000 if retained is not None else None)

# (3)
for reader, name, p99_target in [("latency.embedded", "embedded SubscribeToShard source", 5.0),
                                 ("http.subscribe", "HTTP SubscribeToShard (JS SDK)", 20.0),
                                 ("http.getrecords", "HTTP GetRecords polling (JS SDK)", None)]:
    idle = [num(f"{reader}.idle.{p}") for p in ("p50", "p99", "p999")]
    load = [num(f"{reader}.load.{p}") for p in ("p50", "p99", "p999")]
    samples_idle = results.get(f"{reader}.idle.samples", "n/a")
    samples_load = results.get(f"{reader}.load.samples", "n/a")
    row(f"3 put-to-read latency, {name}, idle (p50 / p99 / p99.9)",
        f"{fmt(idle[0], 1)} / {fmt(idle[1], 1)} / {fmt(idle[2], 1)} ms ({samples_idle} probes)",
        f"p99 < {p99_target:g} ms" if p99_target else "-",
        (idle[1] < p99_target if idle[1] is not None else None) if p99_target else None)
    load_ratio = ratio(load[1], idle[1])
    row(f"3 put-to-read latency, {name}, at load (p50 / p99 / p99.9)",
        f"{fmt(load[0], 1)} / {fmt(load[1], 1)} / {fmt(load[2], 1)} ms ({samples_load} probes); p99 {fmt(load_ratio, 1)}x idle",
        "p99 at load <= 3x idle", load_ratio <= 3 if load_ratio is not None else None)
idle = num("latency.embedded.rate100000-idle.p99")
rate = [num(f"latency.embedded.rate100000.{p}") for p in ("p50", "p99", "p999")]
rate_ratio = ratio(rate[1], idle)
row("3 put-to-read latency, embedded SubscribeToShard source, load held at 100,000 rec/s (p50 / p99 / p99.9)",
    f"{fmt(rate[0], 1)} / {fmt(rate[1], 1)} / {fmt(rate[2], 1)} ms ({results.get('latency.embedded.rate100000.samples', 'n/a')} probes); "
    f"p99 {fmt(rate_ratio, 1)}x idle ({fmt(idle, 1)} ms, same process); sink {fmt(num('latency.embedded.rate100000.sink-records-per-s'))} rec/s",
    "p99 at load <= 3x idle", rate_ratio <= 3 if rate_ratio is not None else None)
row("3 load during the latency runs", f"embedded sink {fmt(num('latency.embedded.load.sink-records-per-s'))} rec/s; "
    f"HTTP PutRecords {fmt(num('http.load.put-rps'))} rec/s", "-", None)

# (4)
for size in (100, 1024):
    label = "100 B" if size == 100 else "1 KiB"
    row(f"4 JS SDK PutRecords + GetRecords, {label}, 8 x 500",
        f"put {fmt(num(f'js.full.{size}.put-rps'))} rec/s ({fmt(num(f'js.full.{size}.put-mbps'), 1)} MB/s), "
        f"get {fmt(num(f'js.full.{size}.get-rps'))} rec/s, put-to-get p50/p99/p99.9 {fmt(num(f'js.full.{size}.p50'))}/"
        f"{fmt(num(f'js.full.{size}.p99'))}/{fmt(num(f'js.full.{size}.p999'))} ms, read-back {fmt(num(f'js.full.{size}.readback-rps'))} rec/s",
        "-", None)
    server = num(f"js.put-only.{size}.put-rps")
    noop = num(f"js.noop.{size}.put-rps")
    client_cpu = num(f"js.put-only.{size}.client-cpu")
    row(f"4 JS SDK PutRecords only, {label}: server vs do-nothing endpoint",
        f"{fmt(server)} vs {fmt(noop)} rec/s = {fmt(ratio(server, noop), 2)}; client CPU {fmt(client_cpu, 2)} cores "
        f"(do-nothing run {fmt(num(f'js.noop.{size}.client-cpu'), 2)})",
        "limited by the client: ratio >= 0.8", ratio(server, noop) >= 0.8 if ratio(server, noop) is not None else None)
    server = num(f"js.pinned-server.{size}.put-rps")
    noop = num(f"js.pinned-noop.{size}.put-rps")
    row(f"4 JS SDK PutRecords only, {label}, CPUs split (endpoint on CPU 0, client on CPU 1): server vs do-nothing endpoint",
        f"{fmt(server)} vs {fmt(noop)} rec/s = {fmt(ratio(server, noop), 2)}; client CPU {fmt(num(f'js.pinned-server.{size}.client-cpu'), 2)} cores "
        f"(do-nothing run {fmt(num(f'js.pinned-noop.{size}.client-cpu'), 2)})",
        "limited by the client: ratio >= 0.8", ratio(server, noop) >= 0.8 if ratio(server, noop) is not None else None)
row("4 server CPU share during the JS runs (cores, of nproc)",
    f"full {fmt(num('js.full.server-cpu'), 2)}, put-only {fmt(num('js.put-only.server-cpu'), 2)}, "
    f"do-nothing endpoint {fmt(num('js.noop.server-cpu'), 2)}; CPUs split: server {fmt(num('js.pinned-server.server-cpu'), 2)}, "
    f"do-nothing endpoint {fmt(num('js.pinned-noop.server-cpu'), 2)}", "-", None)

# (5) and (6)
small, large = (results.get("meta.recovery-labels") or "1M,10M").split(",")
first_small, first_large = num(f"recovery.{small}.first-read-ms"), num(f"recovery.{large}.first-read-ms")
all_small, all_large = num(f"recovery.{small}.all-shards-ms"), num(f"recovery.{large}.all-shards-ms")
row(f"5 recovery: process start to first served read, {small} retained", f"{fmt(first_small)} ms (all 4 shards {fmt(all_small)} ms)", "-", None)
row(f"5 recovery: process start to first served read, {large} retained", f"{fmt(first_large)} ms (all 4 shards {fmt(all_large)} ms)",
    "< 3,000 ms at 10M", (all_large < 3000 if all_large is not None else None) if large == "10M" else None)
steps = [num(f"recovery.{large}.{k}-ms") for k in ("member-up", "catalog", "iterators")]
row(f"5 recovery steps, {large} retained: node Up / catalog answered / every shard's iterator (from process start)",
    " / ".join(fmt(v) for v in steps) + " ms", "-", None)
rec_ratio = ratio(all_large, all_small)
row(f"5 recovery ratio {large}/{small} (all shards)", fmt(rec_ratio, 2), "< 1.5", rec_ratio < 1.5 if rec_ratio is not None else None)
for n in (small, large):
    value = num(f"rss.write.{ {'100k': 100000, '1M': 1000000, '10M': 10000000}.get(n, 0) }.vmhwm-mib")
    row(f"6 peak RSS (VmHWM) of the process that wrote {n} records", fmt(value, 0, " MiB"), "< 1,024 MiB", value < 1024 if value is not None else None)
    value = num(f"rss.recovered.{n}.vmhwm-mib")
    row(f"6 peak RSS (VmHWM) recovering with {n} retained, to the first reads", fmt(value, 0, " MiB"), "< 1,024 MiB", value < 1024 if value is not None else None)
value = num("rss.lag.vmhwm-mib")
row(f"6 peak RSS with two consumers lagging (1,000 rec/s each) behind {fmt(num('rss.lag.written'))} written", fmt(value, 0, " MiB"),
    "< 1,024 MiB", value < 1024 if value is not None else None)

# (7)
if results.get("firehose.available") == "no":
    row("7 Firehose delivery to the directory store", "n/a (the benchmark has no --firehose mode on this branch)", "100 MB/s uncompressed", None)
else:
    plain, gz = num("firehose.plain.mbps"), num("firehose.gzip.mbps")
    row("7 Firehose delivery to the directory store", f"{fmt(plain, 1)} MB/s uncompressed, {fmt(gz, 1)} MB/s GZIP", "100 MB/s uncompressed",
        plain >= 100 if plain is not None else None)

# (8) micro-benchmarks (tests/ActorStreams.MicroBenchmarks): current code against its baseline in the same run
def micro(key):
    return num(f"micro.{key}.mean-ns"), num(f"micro.{key}.alloc-b")


def micro_pair(current, baseline, unit="ns"):
    (c, c_alloc), (b, b_alloc) = micro(current), micro(baseline)
    scale, digits = (1000, 2) if unit == "us" else (1, 1)
    return (f"{fmt(c / scale if c is not None else None, digits)} vs {fmt(b / scale if b is not None else None, digits)} {unit} "
            f"= {fmt(ratio(c, b), 2, 'x')}; allocated {fmt(c_alloc)} vs {fmt(b_alloc)} B")


for label, current, baseline in [("partition-key MD5: managed (Streams/Md5) vs System.Security.Cryptography.MD5", "ManagedMd5", "PlatformMd5"),
                                 ("HashKey.OfPartitionKey: current vs as before (platform MD5)", "OfPartitionKey", "OfPartitionKeyPlatformMd5")]:
    row(f"8 micro: {label}, 16-char / 256-char key",
        f"16: {micro_pair(f'hash.{current}.16', f'hash.{baseline}.16')}; 256: {micro_pair(f'hash.{current}.256', f'hash.{baseline}.256')}",
        "-", None)
row("8 micro: PutRecords reply of 500 entries over 4 shards: WritePutRecordsResult vs plain WriteString per property",
    micro_pair("reply.WritePutRecordsResult", "reply.PlainWriteString", "us"), "-", None)
row("8 micro: KPL de-aggregation, 500 user records of 100 B: one aggregate vs 500 plain records passed through",
    micro_pair("deagg.Aggregate", "deagg.PlainRecords", "us"), "-", None)
(write, write_alloc), (read, read_alloc) = micro("codec.Write"), micro("codec.Read")
row("8 micro: journal codec, RecordsAppended of 500 x 100 B (ActorStreamsSerializer ToBinary / FromBinary)",
    f"write {fmt(write / 1000 if write is not None else None, 2)} us ({fmt(num('micro.codec.Write.mbps'))} MB/s, {fmt(write_alloc)} B allocated), "
    f"read {fmt(read / 1000 if read is not None else None, 2)} us ({fmt(num('micro.codec.Read.mbps'))} MB/s, {fmt(read_alloc)} B allocated)",
    "-", None)

print(f"ActorStreams benchmarks, {results.get('meta.mode', '?')} run {results.get('meta.started', '?')} to {results.get('meta.finished', '?')}")
print(f"machine: {results.get('meta.machine', '?')}; load average before {results.get('meta.load-before', '?')}, after {results.get('meta.load-after', '?')}")
print(f"{results.get('meta.warmup', '')}")
print()
print("| workload | measured | target | met |")
print("|---|---|---|---|")
for r in rows:
    print(r)
failed = {k: v for k, v in results.items() if k.startswith("failed.")}
if failed:
    print()
    for k, v in failed.items():
        print(f"FAILED {k[7:]}: {v}")
