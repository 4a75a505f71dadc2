#!/usr/bin/env bash
# Fail-over time of a local three-node cluster under load: the time from the last write acknowledged before a node
# is killed with SIGKILL to the first write acknowledged by a shard that had to move to a surviving node.
#
#   ops/failover-benchmark.sh [N]   kill node N (default 1, the oldest node, which also runs the shard coordinator;
#                                   2 or 3 measure the loss of a node that runs only entities)
#
# It runs the cluster test (tests/ActorStreams.Cluster.Tests: real processes through ops/cluster.sh, PostgreSQL from
# ops/postgres.sh unless ACTORSTREAMS_TEST_POSTGRES is set), which also checks that nothing acknowledged was lost,
# and prints its measurements. Full output: $TMPDIR/actorstreams-failover.log.
set -euo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ACTORSTREAMS_FAILOVER_KILL_NODE="${1:-1}"
[[ "$ACTORSTREAMS_FAILOVER_KILL_NODE" =~ ^[1-3]$ ]] || { echo "usage: $0 [1|2|3]" >&2; exit 2; }
if [[ -z "${ACTORSTREAMS_TEST_POSTGRES:-}" ]]; then
    bash "$REPO_ROOT/ops/postgres.sh" start
    ACTORSTREAMS_TEST_POSTGRES="$(bash "$REPO_ROOT/ops/postgres.sh" env)"
    export ACTORSTREAMS_TEST_POSTGRES
fi
LOG="${TMPDIR:-/tmp}/actorstreams-failover.log"
status=0
dotnet test "$REPO_ROOT/tests/ActorStreams.Cluster.Tests" -c Release --logger "console;verbosity=detailed" > "$LOG" 2>&1 || status=$?
grep -E '^ \[ *[0-9.]+ s\] (shard [0-9]: longest|FAIL-OVER|rolling restart|node [0-9] killed)' "$LOG" | sed 's/^ //' || true
grep -E '^(Passed!|Failed!)|Total tests|  (Passed|Failed) ' "$LOG" | head -3 || true
exit "$status"
