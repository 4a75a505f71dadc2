#!/usr/bin/env bash
# The ActorStreams benchmark suite (issue 7) in one command; prints one table of every number with its target.
#
#   ops/bench/run.sh            full sizes: 8 s warm-up, 10 s measured, recovery at 1M and 10M records (~10-15 min)
#   ops/bench/run.sh --quick    2 s warm-up, 4 s measured, recovery at 100k and 1M records (a few minutes)
# Both end with the BenchmarkDotNet micro-benchmarks (tests/ActorStreams.MicroBenchmarks --quick, about 1.5 minutes).
#   ops/bench/run.sh --idle SHARDS
#                               only the idle cost (issue 19): one Release server with nothing in it, then one with
#                               SHARDS open shards (tests/js/idle-shards.mjs: streams of 500 shards, one record each),
#                               each left alone 60 s and then measured for 60 s: CPU time (share of one core, from
#                               /proc) and RSS.
#   ops/bench/run.sh --large SECONDS
#                               only large records (issues 17 and 19): one Release server (throttles lifted), a
#                               4-shard stream taking 10 MiB records, 16 PutRecord calls of 10 MiB in flight for
#                               SECONDS, then everything read back and checked (tests/js/large-records.mjs); the
#                               server's RSS before, its peak (VmHWM) and after, and the throughput both ways.
#   ops/bench/run.sh --churn MINUTES
#                               only the churn soak (issue 16): one Release server, then for MINUTES create a 4-shard
#                               stream, put 5,000 records, read, scrape /metrics, delete, over and over
#                               (tests/js/churn.mjs). After a 30 s warm-up: the server's RSS every 10 s; at 1/3, 2/3
#                               and the end its RSS, /metrics scrape (lines, series of churned streams) and managed
#                               heap after a full GC (dotnet-gcdump, installed from NuGet into $ACTORSTREAMS_TOOLS,
#                               default /tmp/actorstreams-tools). Verdict "growing" when the last third's mean RSS is
#                               more than 3 % above the middle third's, the heap at the end more than 10 % above the
#                               heap at 1/3 (one heap sample varies by about 6 %, so two thirds of the run apart), the
#                               scrape longer at the end than at 2/3, or a cycle's live stream missing from the
#                               scrape; "flat" otherwise. Measured runs: docs/benchmarks.md and ops/bench/RUNLOG.md.
#
# Options: --no-pg (skip PostgreSQL), --out DIR (keep logs and results there; default a temp dir, printed).
# PostgreSQL: uses $ACTORSTREAMS_TEST_POSTGRES when set; otherwise starts its own throwaway instance with
# ops/postgres.sh in $ACTORSTREAMS_PG_DIR (default /tmp/actorstreams-pg-bench) on $ACTORSTREAMS_PG_PORT (default
# 55491) and stops that instance at the end.
#
# Every workload prints "RESULT key=value" lines (tests/ActorStreams.Benchmarks, tests/js/bench.mjs,
# tests/js/bench-latency.mjs, tests/ActorStreams.MicroBenchmarks); they are collected in DIR/results.txt and ops/bench/table.py renders the table.
# Needs the .NET 10 SDK, node >= 20 and python3.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
log() { echo "bench: $(date -u +%H:%M:%S) $*" >&2; }

QUICK=0; PG=1; OUT=""; CHURN=0; IDLE=0; LARGE=0
while [[ $# -gt 0 ]]; do
    case "$1" in
        --quick) QUICK=1 ;;
        --no-pg) PG=0 ;;
        --out) OUT="$2"; shift ;;
        --churn) CHURN="$2"; shift ;;
        --idle) IDLE="$2"; shift ;;
        --large) LARGE="$2"; shift ;;
        *) echo "usage: ops/bench/run.sh [--quick] [--no-pg] [--out DIR] [--churn MINUTES | --idle SHARDS]" >&2; exit 2 ;;
    esac
    shift
done
if [[ $QUICK == 1 ]]; then
    WARMUP=2; SECONDS_=4; REC_SMALL=100000; REC_LARGE=1000000; LABEL_SMALL=100k; LABEL_LARGE=1M
else
    WARMUP=8; SECONDS_=10; REC_SMALL=1000000; REC_LARGE=10000000; LABEL_SMALL=1M; LABEL_LARGE=10M
fi
OUT="${OUT:-$(mktemp -d /tmp/actorstreams-bench.XXXXXX)}"
mkdir -p "$OUT"
RESULTS="$OUT/results.txt"
: >"$RESULTS"
result() { echo "$1=$2" >>"$RESULTS"; }
log "logs and results in $OUT"

# Runs a step, keeps its log, collects its RESULT lines; a failed step is recorded, not fatal.
step() {
    local name="$1"; shift
    log "$name: $*"
    if "$@" >"$OUT/$name.log" 2>&1; then :; else result "failed.$name" "exit $? (see $OUT/$name.log)"; log "$name FAILED (see $OUT/$name.log)"; fi
    grep '^RESULT ' "$OUT/$name.log" | sed 's/^RESULT //' >>"$RESULTS" || true
}

# ---- idle cost alone (--idle SHARDS) ----
if [[ $IDLE != 0 ]]; then
    result meta.mode "idle $IDLE shards"
    result meta.started "$(date -u '+%Y-%m-%d %H:%M UTC')"
    result meta.load-before "$(cut -d' ' -f1-3 /proc/loadavg)"
    log "building the server (Release)"
    dotnet build src/ActorStreams.Server -c Release -nologo -v quiet >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
    [[ -f tests/js/node_modules/@aws-sdk/client-kinesis/package.json ]] || (cd tests/js && npm ci --no-audit --no-fund >/dev/null)
    printf 'actorstreams {\n  throttling.enabled = off\n  limits.max-shards = %d\n}\nakka.loglevel = WARNING\n' "$((IDLE + 1000))" >"$OUT/idle.conf"
    cpu_ticks() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $12 + $13}'; }
    # $1: label, $2: shards (0: none). Prints RESULT lines into $RESULTS.
    idle_server() {
        local label=$1 shards=$2 port dir pid t0 t1
        port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
        dir="$(mktemp -d /tmp/actorstreams-idle-server.XXXXXX)"
        dotnet src/ActorStreams.Server/bin/Release/net10.0/ActorStreams.Server.dll --port "$port" --data-dir "$dir" \
            --config "$OUT/idle.conf" --Logging:LogLevel:Default Warning >"$OUT/server-$label.log" 2>&1 &
        pid=$!
        for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
        if (( shards > 0 )); then
            step "idle-setup-$label" node tests/js/idle-shards.mjs "http://127.0.0.1:$port" --shards "$shards"
        fi
        log "idle: $label settles 60 s, then 60 s measured"
        sleep 60
        t0="$(cpu_ticks "$pid")"; sleep 60; t1="$(cpu_ticks "$pid")"
        result "idle.$label.cpu-core-pct" "$(python3 -c "print(round(($t1 - $t0) / $(getconf CLK_TCK) / 60 * 100, 2))")"
        result "idle.$label.rss-mib" "$(awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$pid/status")"
        kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$dir"
    }
    idle_server empty 0
    idle_server shards "$IDLE"
    result meta.load-after "$(cut -d' ' -f1-3 /proc/loadavg)"
    grep '^idle\.\|^meta\.\|^failed\.' "$RESULTS" | tee "$OUT/idle.txt"
    exit 0
fi

# ---- large records alone (--large SECONDS) ----
if [[ $LARGE != 0 ]]; then
    result meta.mode "large records, $LARGE s"
    result meta.started "$(date -u '+%Y-%m-%d %H:%M UTC')"
    result meta.load-before "$(cut -d' ' -f1-3 /proc/loadavg)"
    log "building the server (Release)"
    dotnet build src/ActorStreams.Server -c Release -nologo -v quiet >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
    [[ -f tests/js/node_modules/@aws-sdk/client-kinesis/package.json ]] || (cd tests/js && npm ci --no-audit --no-fund >/dev/null)
    PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    SERVER_DIR="$(mktemp -d /tmp/actorstreams-large-server.XXXXXX)"
    dotnet src/ActorStreams.Server/bin/Release/net10.0/ActorStreams.Server.dll --port "$PORT" --data-dir "$SERVER_DIR" \
        --config "$REPO_ROOT/config/benchmark.conf" --Logging:LogLevel:Default Warning >"$OUT/server.log" 2>&1 &
    SERVER_PID=$!
    trap 'kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null; rm -rf "$SERVER_DIR"' EXIT
    for _ in $(seq 1 240); do curl -fs "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
    status_mib() { awk -v k="$1:" '$1 == k {printf "%.0f", $2/1024}' "/proc/$SERVER_PID/status"; }
    result large.rss-before-mib "$(status_mib VmRSS)"
    step large node tests/js/large-records.mjs "http://127.0.0.1:$PORT" --seconds "$LARGE" --inflight 16 --shards 4
    result large.rss-peak-mib "$(status_mib VmHWM)"
    result large.rss-after-mib "$(status_mib VmRSS)"
    result meta.load-after "$(cut -d' ' -f1-3 /proc/loadavg)"
    grep '^large\.\|^meta\.\|^failed\.' "$RESULTS" | tee "$OUT/large.txt"
    exit 0
fi

# ---- churn soak alone (--churn MINUTES) ----
if [[ $CHURN != 0 ]]; then
    result meta.mode "churn $CHURN min"
    result meta.started "$(date -u '+%Y-%m-%d %H:%M UTC')"
    result meta.load-before "$(cut -d' ' -f1-3 /proc/loadavg)"
    log "building the server (Release)"
    dotnet build src/ActorStreams.Server -c Release -nologo -v quiet >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
    [[ -f tests/js/node_modules/@aws-sdk/client-kinesis/package.json ]] || (cd tests/js && npm ci --no-audit --no-fund >/dev/null)
    PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
    SERVER_DIR="$(mktemp -d /tmp/actorstreams-churn-server.XXXXXX)"
    dotnet src/ActorStreams.Server/bin/Release/net10.0/ActorStreams.Server.dll --port "$PORT" --data-dir "$SERVER_DIR" \
        --config "$REPO_ROOT/config/benchmark.conf" --Logging:LogLevel:Default Warning >"$OUT/server.log" 2>&1 &
    SERVER_PID=$!
    trap 'kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null; rm -rf "$SERVER_DIR"' EXIT
    ENDPOINT="http://127.0.0.1:$PORT"
    for _ in $(seq 1 240); do curl -fs "$ENDPOINT/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
    TOOLS="${ACTORSTREAMS_TOOLS:-/tmp/actorstreams-tools}"
    GCDUMP="$(command -v dotnet-gcdump || echo "$TOOLS/dotnet-gcdump")"
    [[ -x $GCDUMP ]] || dotnet tool install --tool-path "$TOOLS" dotnet-gcdump >"$OUT/gcdump-install.log" 2>&1 || true
    rss_mib() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$SERVER_PID/status"; }
    # RSS (MiB) of the server, the scrape's lines, its series naming a churned stream, and the managed heap (MiB) of
    # live objects after the full GC that dotnet-gcdump induces ("n/a" without the tool).
    sample() {
        local scrape heap="n/a"
        scrape="$(curl -fs "$ENDPOINT/metrics")"
        result "churn.$1.rss-mib" "$(rss_mib)"
        result "churn.$1.scrape-lines" "$(printf '%s\n' "$scrape" | wc -l)"
        result "churn.$1.deleted-stream-series" "$(printf '%s\n' "$scrape" | grep -c 'stream="churn-')"
        if [[ -x $GCDUMP ]] && "$GCDUMP" collect -p "$SERVER_PID" -o "$OUT/$1.gcdump" >"$OUT/$1.gcdump.log" 2>&1; then
            heap="$("$GCDUMP" report "$OUT/$1.gcdump" 2>/dev/null | awk '/GC Heap bytes/ {gsub(",", "", $1); printf "%.1f", $1/1048576; exit}')"
        fi
        result "churn.$1.heap-mib" "${heap:-n/a}"
    }
    step churn-warmup node tests/js/churn.mjs "$ENDPOINT" --seconds 30 --label churn-warmup
    sample start
    log "churn: node tests/js/churn.mjs $ENDPOINT --seconds $((CHURN * 60))"
    node tests/js/churn.mjs "$ENDPOINT" --seconds "$((CHURN * 60))" >"$OUT/churn.log" 2>&1 &
    CHURN_PID=$!
    # RSS every 10 s (elapsed seconds and MiB in DIR/rss.txt); the thirds' samples at the first tick past each third.
    : >"$OUT/rss.txt"
    THIRD=$((CHURN * 20)); ELAPSED=0; NEXT=1
    while kill -0 "$CHURN_PID" 2>/dev/null; do
        sleep 10; ELAPSED=$((ELAPSED + 10))
        kill -0 "$SERVER_PID" 2>/dev/null || break
        echo "$ELAPSED $(rss_mib)" >>"$OUT/rss.txt"
        if [[ $NEXT -le 2 && $ELAPSED -ge $((NEXT * THIRD)) ]]; then sample "third$NEXT"; NEXT=$((NEXT + 1)); fi
    done
    wait "$CHURN_PID" || result failed.churn "exit $? (see $OUT/churn.log)"
    grep '^RESULT ' "$OUT/churn.log" | sed 's/^RESULT //' >>"$RESULTS" || true
    sample end
    python3 - "$OUT/rss.txt" "$RESULTS" "$THIRD" >>"$RESULTS" <<'PY'
import sys
rss = [tuple(map(float, line.split())) for line in open(sys.argv[1]) if line.strip()]
results = dict(line.rstrip("\n").split("=", 1) for line in open(sys.argv[2]) if "=" in line)
third = float(sys.argv[3])
middle = [m for t, m in rss if third < t <= 2 * third]
last = [m for t, m in rss if t > 2 * third]
reasons = []
if middle and last:
    growth = 100 * (sum(last) / len(last) / (sum(middle) / len(middle)) - 1)
    print(f"churn.rss-mean-mib.thirds={'/'.join(str(round(sum(x) / len(x))) for x in ([m for t, m in rss if t <= third], middle, last))}")
    print(f"churn.rss-growth-last-third-pct={growth:.1f}")
    if growth > 3: reasons.append(f"RSS +{growth:.1f} % in the last third")
try:
    heap_growth = 100 * (float(results["churn.end.heap-mib"]) / float(results["churn.third1.heap-mib"]) - 1)
    print(f"churn.heap-growth-after-first-third-pct={heap_growth:.1f}")
    if heap_growth > 10: reasons.append(f"managed heap +{heap_growth:.1f} % after the first third")
except (KeyError, ValueError):
    pass
if int(results.get("churn.end.scrape-lines", 0)) > int(results.get("churn.third2.scrape-lines", 0)):
    reasons.append("the scrape grew in the last third")
if int(results.get("churn.cycles-without-own-series", 0)) > 0:
    reasons.append(f"{results['churn.cycles-without-own-series']} cycles' streams missing from the scrape")
print("churn.verdict=" + ("growing: " + "; ".join(reasons) if reasons else "flat"))
PY
    result meta.load-after "$(cut -d' ' -f1-3 /proc/loadavg)"
    grep '^churn\.\|^meta\.\|^failed\.' "$RESULTS" | tee "$OUT/churn.txt"
    log "results in $RESULTS"
    exit 0
fi

result meta.mode "$([[ $QUICK == 1 ]] && echo quick || echo full)"
result meta.started "$(date -u '+%Y-%m-%d %H:%M UTC')"
result meta.machine "nproc $(nproc), $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
result meta.load-before "$(cut -d' ' -f1-3 /proc/loadavg)"
result meta.warmup "$WARMUP s warm-up, $SECONDS_ s measured"

# ---- build ----
log "building (Release)"
dotnet build tests/ActorStreams.Benchmarks -c Release -nologo -v quiet >"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
dotnet build src/ActorStreams.Server -c Release -nologo -v quiet >>"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
dotnet build tests/ActorStreams.MicroBenchmarks -c Release -nologo -v quiet >>"$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
if [[ ! -f tests/js/node_modules/@aws-sdk/client-kinesis/package.json ]]; then
    log "npm ci in tests/js"
    (cd tests/js && npm ci --no-audit --no-fund >/dev/null)
fi
BENCH=(dotnet tests/ActorStreams.Benchmarks/bin/Release/net10.0/ActorStreams.Benchmarks.dll)
SERVER_DLL=src/ActorStreams.Server/bin/Release/net10.0/ActorStreams.Server.dll


free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; } # utime + stime of a pid
CLK_TCK="$(getconf CLK_TCK)"

# ---- (1)+(2) embedded sink ingest and whole-stream read-back ----
step ingest-sqlite-4 "${BENCH[@]}" --shards 4 --sizes 100,1024 --warmup "$WARMUP" --seconds "$SECONDS_" --no-getrecords
step ingest-sqlite-16 "${BENCH[@]}" --shards 16 --sizes 100,1024 --warmup "$WARMUP" --seconds "$SECONDS_" --no-getrecords
if [[ $PG == 1 ]]; then
    PG_STARTED=0
    if [[ -z "${ACTORSTREAMS_TEST_POSTGRES:-}" ]]; then
        export ACTORSTREAMS_PG_DIR="${ACTORSTREAMS_PG_DIR:-/tmp/actorstreams-pg-bench}" ACTORSTREAMS_PG_PORT="${ACTORSTREAMS_PG_PORT:-55491}"
        if bash ops/postgres.sh start >"$OUT/postgres.log" 2>&1; then
            PG_STARTED=1
            ACTORSTREAMS_TEST_POSTGRES="$(bash ops/postgres.sh env)"
        else
            result failed.postgres "could not start PostgreSQL (see $OUT/postgres.log)"
        fi
    fi
    if [[ -n "${ACTORSTREAMS_TEST_POSTGRES:-}" ]]; then
        step ingest-pg-4 "${BENCH[@]}" --journal postgresql --pg "$ACTORSTREAMS_TEST_POSTGRES" --shards 4 --sizes 100 \
            --warmup "$WARMUP" --seconds "$SECONDS_" --no-getrecords
    fi
    [[ $PG_STARTED == 1 ]] && bash ops/postgres.sh stop >>"$OUT/postgres.log" 2>&1
fi

# ---- (3) embedded push-source latency, idle and at load ----
step latency-embedded "${BENCH[@]}" --latency --shards 4 --warmup "$WARMUP" --seconds "$SECONDS_"
# The same with the load held at 100,000 records/s (a sustained load below what the journal takes here).
step latency-embedded-rate "${BENCH[@]}" --latency --load-rate 100000 --shards 4 --warmup "$WARMUP" --seconds "$SECONDS_"

# ---- (3)+(4) over HTTP: a Release server with throttles lifted ----
PORT="$(free_port)"
SERVER_DIR="$(mktemp -d /tmp/actorstreams-bench-server.XXXXXX)"
dotnet "$SERVER_DLL" --port "$PORT" --data-dir "$SERVER_DIR" --config "$REPO_ROOT/config/benchmark.conf" \
    --Logging:LogLevel:Default Warning >"$OUT/server.log" 2>&1 &
SERVER_PID=$!
NOOP_PID=""
cleanup() {
    kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [[ -n "$NOOP_PID" ]] && kill "$NOOP_PID" 2>/dev/null
    rm -rf "$SERVER_DIR" "$OUT/recovery-small" "$OUT/recovery-large"
}
trap cleanup EXIT
ENDPOINT="http://127.0.0.1:$PORT"
for _ in $(seq 1 240); do
    curl -fs "$ENDPOINT/health/ready" >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.5
done
if curl -fs "$ENDPOINT/health/ready" >/dev/null 2>&1; then
    step latency-http node tests/js/bench-latency.mjs "$ENDPOINT" --warmup "$WARMUP" --seconds "$SECONDS_"

    # A JS run against a pid, with that pid's CPU share (cores) over the run.
    js_with_cpu() {
        local name="$1" pid="$2" key="$3"; shift 3
        local before t0 after t1
        before="$(cpu_ticks "$pid")"; t0="$(date +%s.%N)"
        step "$name" "$@"
        after="$(cpu_ticks "$pid")"; t1="$(date +%s.%N)"
        result "$key" "$(python3 -c "print(f'{($after - $before) / $CLK_TCK / ($t1 - $t0):.2f}')")"
    }
    js_with_cpu js-full "$SERVER_PID" js.full.server-cpu node tests/js/bench.mjs "$ENDPOINT" --warmup "$WARMUP" --seconds "$SECONDS_"
    js_with_cpu js-put-server "$SERVER_PID" js.put-only.server-cpu node tests/js/bench.mjs "$ENDPOINT" --put-only --warmup "$WARMUP" --seconds "$SECONDS_"
    NOOP_PORT="$(free_port)"
    node tests/js/noop-server.mjs "$NOOP_PORT" >"$OUT/noop-server.log" 2>&1 &
    NOOP_PID=$!
    for _ in $(seq 1 50); do grep -q listening "$OUT/noop-server.log" && break; sleep 0.2; done
    js_with_cpu js-put-noop "$NOOP_PID" js.noop.server-cpu node tests/js/bench.mjs "http://127.0.0.1:$NOOP_PORT" --put-only --label noop \
        --warmup "$WARMUP" --seconds "$SECONDS_"
    kill "$NOOP_PID" 2>/dev/null; NOOP_PID=""

    # The same PutRecords-only comparison with the CPUs split: the endpoint (server, then the do-nothing endpoint)
    # on CPU 0 and the client on CPU 1, so the two do not compete for the same core (on 2 cores they otherwise do).
    if command -v taskset >/dev/null && [[ "$(nproc)" -ge 2 ]]; then
        taskset -a -pc 0 "$SERVER_PID" >/dev/null
        js_with_cpu js-pinned-server "$SERVER_PID" js.pinned-server.server-cpu taskset -c 1 node tests/js/bench.mjs "$ENDPOINT" --put-only \
            --label pinned-server --warmup "$WARMUP" --seconds "$SECONDS_"
        taskset -a -pc "0-$(($(nproc) - 1))" "$SERVER_PID" >/dev/null
        NOOP_PORT="$(free_port)"
        taskset -c 0 node tests/js/noop-server.mjs "$NOOP_PORT" >"$OUT/noop-server-pinned.log" 2>&1 &
        NOOP_PID=$!
        for _ in $(seq 1 50); do grep -q listening "$OUT/noop-server-pinned.log" && break; sleep 0.2; done
        js_with_cpu js-pinned-noop "$NOOP_PID" js.pinned-noop.server-cpu taskset -c 1 node tests/js/bench.mjs "http://127.0.0.1:$NOOP_PORT" --put-only \
            --label pinned-noop --warmup "$WARMUP" --seconds "$SECONDS_"
        kill "$NOOP_PID" 2>/dev/null; NOOP_PID=""
    fi
else
    result failed.server "the server did not become ready (see $OUT/server.log)"
fi
kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null

# ---- (5)+(6) recovery and peak RSS with the data retained ----
for which in small large; do
    if [[ $which == small ]]; then n=$REC_SMALL; label=$LABEL_SMALL; else n=$REC_LARGE; label=$LABEL_LARGE; fi
    dir="$OUT/recovery-$which"
    rm -rf "$dir"
    step "recovery-write-$label" "${BENCH[@]}" --recovery-write "$n" --data-dir "$dir"
    # The smaller data set is then read back whole after the restart (every page from the journal, none from a hot tail).
    read_all=(); [[ $which == small ]] && read_all=(--read-all "$n")
    step "recovery-read-$label" "${BENCH[@]}" --recovery-read --data-dir "$dir" --label "$label" "${read_all[@]}"
    rm -rf "$dir"
done
result meta.recovery-labels "$LABEL_SMALL,$LABEL_LARGE"
step lag "${BENCH[@]}" --lag --warmup "$WARMUP" --seconds "$SECONDS_"

# ---- (7) Firehose delivery, when the benchmark has it ----
if "${BENCH[@]}" --help 2>/dev/null | grep -q -- '--firehose'; then
    step firehose "${BENCH[@]}" --firehose --warmup "$WARMUP" --seconds "$SECONDS_"
else
    result firehose.available no
fi

# ---- (8) micro-benchmarks of the per-record paths (BenchmarkDotNet, each against its baseline in the same run) ----
# Always BenchmarkDotNet's short job in this process (about 1.5 minutes); the summary tables are in micro.log.
step micro dotnet tests/ActorStreams.MicroBenchmarks/bin/Release/net10.0/ActorStreams.MicroBenchmarks.dll --quick --filter '*' \
    --artifacts "$OUT/micro-artifacts"

result meta.load-after "$(cut -d' ' -f1-3 /proc/loadavg)"
result meta.finished "$(date -u '+%Y-%m-%d %H:%M UTC')"
python3 ops/bench/table.py "$RESULTS" | tee "$OUT/table.md"
log "table in $OUT/table.md, raw results in $RESULTS"
