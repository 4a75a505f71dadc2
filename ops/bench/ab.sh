#!/usr/bin/env bash
# Before/after of one setting with one binary, alternating, on a shared machine where only ratios of the same run mean
# anything: runs the benchmark with --hocon "$A" and --hocon "$B" in turns (A B A B ...), prints every RESULT line
# of each run, the mean of each key per side and the ratio B/A, and the load average before and after.
#
#   ops/bench/ab.sh --rounds 3 --a 'actorstreams.journal.direct-reads = off' --b '' -- --recovery-read --data-dir D --read-all 1000000
#
# Everything after -- goes to tests/ActorStreams.Benchmarks (built Release beforehand; ops/bench/run.sh builds it).
# A code change without a setting: --dll-a and --dll-b run two builds of the benchmark (e.g. the commit before, copied
# elsewhere) in the same alternation, with the same --a/--b HOCON.
set -uo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$REPO_ROOT"
ROUNDS=2; A=""; B=""; DLL_A=""; DLL_B=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        --rounds) ROUNDS="$2"; shift ;;
        --a) A="$2"; shift ;;
        --b) B="$2"; shift ;;
        --dll-a) DLL_A="$2"; shift ;;
        --dll-b) DLL_B="$2"; shift ;;
        --) shift; break ;;
        *) echo "usage: ops/bench/ab.sh [--rounds N] [--a HOCON] [--b HOCON] [--dll-a DLL] [--dll-b DLL] -- BENCHMARK-ARGS" >&2; exit 2 ;;
    esac
    shift
done
DEFAULT_DLL=tests/ActorStreams.Benchmarks/bin/Release/net10.0/ActorStreams.Benchmarks.dll
DLL_A="${DLL_A:-$DEFAULT_DLL}"; DLL_B="${DLL_B:-$DEFAULT_DLL}"
OUT="$(mktemp -d /tmp/actorstreams-ab.XXXXXX)"
echo "ab: load average before $(cut -d' ' -f1-3 /proc/loadavg); logs in $OUT"
echo "ab: A = '$A'"
echo "ab: B = '$B'"
echo "ab: A runs $DLL_A, B runs $DLL_B"
for round in $(seq 1 "$ROUNDS"); do
    for side in A B; do
        hocon="$A"; dll="$DLL_A"
        [[ $side == B ]] && { hocon="$B"; dll="$DLL_B"; }
        log="$OUT/$round-$side.log"
        dotnet "$dll" "$@" --hocon "$hocon" >"$log" 2>&1 || echo "ab: round $round $side exited $? (see $log)"
        grep '^RESULT ' "$log" | sed "s/^RESULT /$side /" | tee -a "$OUT/results.txt"
    done
done
echo "ab: load average after $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$OUT/results.txt" <<'EOF'
import collections, sys
values = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(sys.argv[1]):
    side, kv = line.split(' ', 1)
    key, _, value = kv.strip().partition('=')
    try:
        values[key][side].append(float(value))
    except ValueError:
        pass
for key, sides in sorted(values.items()):
    a, b = sides.get('A', []), sides.get('B', [])
    if not a or not b:
        continue
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    ratio = f"{mb / ma:.2f}x" if ma else "n/a"
    print(f"ab: {key}: A {' '.join(f'{v:,.0f}' for v in a)} (mean {ma:,.0f}); B {' '.join(f'{v:,.0f}' for v in b)} (mean {mb:,.0f}); B/A {ratio}")
EOF
