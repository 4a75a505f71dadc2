#!/usr/bin/env bash
# The JavaScript SDK benchmark: builds and starts the Release server with throttles lifted (config/benchmark.conf)
# on a free loopback port with a throwaway SQLite data directory, waits for /health/ready, runs tests/js/bench.mjs
# against it (4 shards; 100 B and 1 KiB records; PutRecords batches of 500, 8 requests in flight; GetRecords
# consumers while writing, then a read-back; 8 s warm-up, 10 s measured), and stops the server.
#
#   ops/bench-js.sh [bench.mjs options, e.g. --seconds 20 --sizes 1024]
#
# Needs the .NET 10 SDK and node >= 20 (npm ci runs in tests/js when the SDK is not installed yet).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"
log() { echo "bench-js.sh: $*" >&2; }

command -v node >/dev/null 2>&1 || { log "node is not on PATH (apt-get install nodejs npm)"; exit 1; }
if [[ ! -f tests/js/node_modules/@aws-sdk/client-kinesis/package.json ]]; then
    log "npm ci in tests/js"
    (cd tests/js && npm ci --no-audit --no-fund >/dev/null)
fi

log "building the Release server"
dotnet build src/ActorStreams.Server -c Release -nologo -v quiet >/dev/null

PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
DATA_DIR="$(mktemp -d /tmp/actorstreams-bench-js.XXXXXX)"
SERVER_LOG="$DATA_DIR/server.log"
dotnet src/ActorStreams.Server/bin/Release/net10.0/ActorStreams.Server.dll \
    --port "$PORT" --data-dir "$DATA_DIR" --config "$REPO_ROOT/config/benchmark.conf" \
    --Logging:LogLevel:Default Warning >"$SERVER_LOG" 2>&1 &
SERVER_PID=$!
cleanup() {
    kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
    rm -rf "$DATA_DIR"
}
trap cleanup EXIT

ENDPOINT="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do
    if curl -fs "$ENDPOINT/health/ready" >/dev/null 2>&1; then break; fi
    kill -0 "$SERVER_PID" 2>/dev/null || { log "the server exited:"; cat "$SERVER_LOG" >&2; exit 1; }
    sleep 0.5
done
curl -fs "$ENDPOINT/health/ready" >/dev/null || { log "the server did not become ready:"; cat "$SERVER_LOG" >&2; exit 1; }

log "server ready on $ENDPOINT (data in $DATA_DIR), running tests/js/bench.mjs"
cd tests/js
node bench.mjs "$ENDPOINT" "$@"
