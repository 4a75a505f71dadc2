#!/usr/bin/env bash
# A local three-node ActorStreams cluster on one PostgreSQL journal.
#
#   ops/cluster.sh start        start PostgreSQL (ops/postgres.sh) and every node not running; return when all answer
#   ops/cluster.sh stop         stop every node gracefully (SIGTERM; SIGKILL after 60 s); PostgreSQL too if start started it
#   ops/cluster.sh kill N       kill node N (1-3) with SIGKILL
#   ops/cluster.sh leave N      stop node N gracefully (SIGTERM: it leaves the cluster and hands its shards over)
#   ops/cluster.sh restart N    start node N again (after kill or leave) and wait until it answers
#   ops/cluster.sh pause N      SIGSTOP node N (frozen, sockets open: a zombie once resumed)
#   ops/cluster.sh resume N     SIGCONT node N
#   ops/cluster.sh status       one line per node: pid, HTTP and remoting ports, ready or not
#
# Node N serves HTTP on 127.0.0.1:457N and talks to the other nodes on 127.0.0.1:458N; its log is
# $ACTORSTREAMS_CLUSTER_DIR/nodeN/server.log. The nodes run the Release build of ActorStreams.Server (built when
# missing) with config/cluster-node.conf.
#
# Settings (environment):
#   ACTORSTREAMS_CLUSTER_DIR         pid files, logs and data dirs (default /tmp/actorstreams-cluster)
#   ACTORSTREAMS_CLUSTER_HTTP_PORTS  the three HTTP ports (default "4571 4572 4573")
#   ACTORSTREAMS_CLUSTER_REMOTE_PORTS the three remoting ports (default "4581 4582 4583")
#   ACTORSTREAMS_CLUSTER_PG          Npgsql connection string of the journal; unset: ops/postgres.sh start, and its env
#   ACTORSTREAMS_CLUSTER_SERVER_DLL  the server to run (default src/ActorStreams.Server/bin/Release/net10.0/...)
#   ACTORSTREAMS_CLUSTER_CONFIG      HOCON file of every node (default config/cluster-node.conf)
#   ACTORSTREAMS_CLUSTER_READY_TIMEOUT seconds to wait for a node to answer (default 120)
#   ACTORSTREAMS_CLUSTER_TLS         on (default): the nodes talk over mutual TLS with one shared certificate, made on
#                                    the first start in $ACTORSTREAMS_CLUSTER_DIR/tls (cluster.pfx, its password in
#                                    cluster.pass, both mode 600); off: plain TCP between the nodes
#   ACTORSTREAMS_PG_DIR / ACTORSTREAMS_PG_PORT   see ops/postgres.sh
# Extra server flags for every node can follow the command: ops/cluster.sh start --config my.conf
# The logs are text, which the cluster tests read; `ops/cluster.sh start --log-format json` writes JSON lines instead.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${ACTORSTREAMS_CLUSTER_DIR:-/tmp/actorstreams-cluster}"
read -r -a HTTP_PORTS <<< "${ACTORSTREAMS_CLUSTER_HTTP_PORTS:-4571 4572 4573}"
read -r -a REMOTE_PORTS <<< "${ACTORSTREAMS_CLUSTER_REMOTE_PORTS:-4581 4582 4583}"
SERVER_DLL="${ACTORSTREAMS_CLUSTER_SERVER_DLL:-$REPO_ROOT/src/ActorStreams.Server/bin/Release/net10.0/ActorStreams.Server.dll}"
CONFIG="${ACTORSTREAMS_CLUSTER_CONFIG:-$REPO_ROOT/config/cluster-node.conf}"
READY_TIMEOUT="${ACTORSTREAMS_CLUSTER_READY_TIMEOUT:-120}"
TLS="${ACTORSTREAMS_CLUSTER_TLS:-on}"
NODES=3

log() { echo "cluster.sh: $*" >&2; }
die() { log "$*"; exit 1; }

(( ${#HTTP_PORTS[@]} == NODES && ${#REMOTE_PORTS[@]} == NODES )) || die "give $NODES HTTP and $NODES remoting ports"

node_dir() { echo "$DIR/node$1"; }
pid_of() { cat "$(node_dir "$1")/pid" 2>/dev/null || true; }
running() { local pid; pid="$(pid_of "$1")"; [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }
http_port() { echo "${HTTP_PORTS[$(($1 - 1))]}"; }
remote_port() { echo "${REMOTE_PORTS[$(($1 - 1))]}"; }

check_node() {
    [[ "${1:-}" =~ ^[1-3]$ ]] || die "node number must be 1, 2 or 3 (got '${1:-}')"
}

seeds() {
    local list=() port
    # host:port: the server completes each to akka.tcp:// or, with TLS, akka.ssl.tcp://.
    for port in "${REMOTE_PORTS[@]}"; do list+=("127.0.0.1:$port"); done
    (IFS=,; echo "${list[*]}")
}

# Ready: /health/ready answers 200; on a server without that endpoint (404), a ListStreams call succeeds
# (it needs the cluster, the catalog's shard and the journal).
ready() {
    local port code
    port="$(http_port "$1")"
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://127.0.0.1:$port/health/ready" || true)"
    [[ "$code" == 200 ]] && return 0
    [[ "$code" == 404 || "$code" == 405 ]] || return 1
    code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST "http://127.0.0.1:$port/" \
        -H 'X-Amz-Target: Kinesis_20131202.ListStreams' -H 'Content-Type: application/x-amz-json-1.1' -d '{}' || true)"
    [[ "$code" == 200 ]]
}

pg_connection() {
    if [[ -n "${ACTORSTREAMS_CLUSTER_PG:-}" ]]; then
        echo "$ACTORSTREAMS_CLUSTER_PG"
        return
    fi
    if ! bash "$REPO_ROOT/ops/postgres.sh" status >/dev/null 2>&1; then
        bash "$REPO_ROOT/ops/postgres.sh" start
        mkdir -p "$DIR"
        touch "$DIR/pg-started-by-cluster"
    fi
    bash "$REPO_ROOT/ops/postgres.sh" env
}

# The cluster's shared certificate (self-signed, made once per cluster directory): every node presents it and accepts
# only peers that present it too (see docs/cluster.md, "TLS between nodes"). The password goes to the nodes in a file,
# never on their command lines.
ensure_certificate() {
    local tls="$DIR/tls"
    [[ -s "$tls/cluster.pfx" && -s "$tls/cluster.pass" ]] && return 0
    command -v openssl >/dev/null || die "ACTORSTREAMS_CLUSTER_TLS=on needs openssl to make the cluster certificate"
    mkdir -p "$tls"
    chmod 700 "$tls"
    (
        umask 077
        openssl rand -hex 24 > "$tls/cluster.pass"
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 -subj "/CN=actorstreams-cluster" \
            -addext "extendedKeyUsage=serverAuth,clientAuth" -keyout "$tls/cluster.key" -out "$tls/cluster.crt" 2>/dev/null
        openssl pkcs12 -export -inkey "$tls/cluster.key" -in "$tls/cluster.crt" -out "$tls/cluster.pfx" \
            -passout "file:$tls/cluster.pass"
        rm -f "$tls/cluster.key"
    ) || die "could not make the cluster certificate in $tls"
    log "made the cluster certificate $tls/cluster.pfx"
}

tls_args() {
    [[ "$TLS" == on ]] || return 0
    printf '%s\0' --cluster-tls-cert "$DIR/tls/cluster.pfx" --cluster-tls-password-file "$DIR/tls/cluster.pass"
}

ensure_server() {
    [[ -f "$SERVER_DLL" ]] && return 0
    log "building the Release server ($SERVER_DLL is missing)"
    dotnet build "$REPO_ROOT/src/ActorStreams.Server" -c Release -v quiet -nologo >&2 || die "build failed"
    [[ -f "$SERVER_DLL" ]] || die "no $SERVER_DLL after the build"
}

start_node() {
    local n="$1" pg="$2"; shift 2
    if running "$n"; then
        log "node $n already running (pid $(pid_of "$n"))"
        return 0
    fi
    local dir; dir="$(node_dir "$n")"
    mkdir -p "$dir/data"
    # The extra flags and the connection string are remembered so that `restart N` starts the node as `start` did.
    printf '%s\0' "$@" > "$dir/extra-args"
    printf '%s' "$pg" > "$dir/pg"
    local tls=()
    mapfile -d '' tls < <(tls_args)
    (
        # The server's directory: its appsettings.json (log levels) is read from the working directory.
        cd "$(dirname "$SERVER_DLL")"
        exec setsid dotnet "$SERVER_DLL" --host 127.0.0.1 --port "$(http_port "$n")" \
            --cluster-host 127.0.0.1 --cluster-port "$(remote_port "$n")" --seeds "$(seeds)" \
            --config "$CONFIG" --pg "$pg" --data-dir "$dir/data" "${tls[@]}" "$@" \
            >> "$dir/server.log" 2>&1 < /dev/null
    ) &
    echo $! > "$dir/pid"
    log "node $n started (pid $!, http 127.0.0.1:$(http_port "$n"), remoting 127.0.0.1:$(remote_port "$n"), log $dir/server.log)"
}

wait_ready() {
    local deadline=$((SECONDS + READY_TIMEOUT)) n pending
    while :; do
        pending=()
        for n in "$@"; do
            if ! running "$n"; then
                log "node $n exited; last lines of $(node_dir "$n")/server.log:"
                tail -n 30 "$(node_dir "$n")/server.log" >&2 || true
                exit 1
            fi
            ready "$n" || pending+=("$n")
        done
        (( ${#pending[@]} == 0 )) && break
        if (( SECONDS >= deadline )); then
            log "node(s) ${pending[*]} not ready after ${READY_TIMEOUT}s; see $DIR/node*/server.log"
            exit 1
        fi
        sleep 1
    done
    log "ready: node(s) $*"
}

stop_node() {
    local n="$1" signal="$2" pid
    pid="$(pid_of "$n")"
    if ! running "$n"; then
        log "node $n not running"
        rm -f "$(node_dir "$n")/pid"
        return 0
    fi
    kill "-$signal" "$pid"
    if [[ "$signal" == KILL ]]; then
        log "node $n killed (pid $pid)"
    else
        local deadline=$((SECONDS + 60))
        while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
        if kill -0 "$pid" 2>/dev/null; then
            log "node $n did not stop within 60 s; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        else
            log "node $n stopped (pid $pid)"
        fi
    fi
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$(node_dir "$n")/pid"
}

cmd="${1:-}"
shift || true
case "$cmd" in
    start)
        ensure_server
        [[ "$TLS" == on ]] && ensure_certificate
        pg="$(pg_connection)"
        for n in 1 2 3; do start_node "$n" "$pg" "$@"; done
        wait_ready 1 2 3
        ;;
    restart)
        check_node "${1:-}"
        n="$1"
        shift
        ensure_server
        [[ "$TLS" == on ]] && ensure_certificate
        dir="$(node_dir "$n")"
        if [[ -f "$dir/pg" ]]; then pg="$(cat "$dir/pg")"; else pg="$(pg_connection)"; fi
        extra=()
        if (( $# == 0 )) && [[ -s "$dir/extra-args" ]]; then
            mapfile -d '' extra < "$dir/extra-args"
        else
            extra=("$@")
        fi
        start_node "$n" "$pg" "${extra[@]}"
        wait_ready "$n"
        ;;
    kill)
        check_node "${1:-}"
        stop_node "$1" KILL
        ;;
    leave)
        check_node "${1:-}"
        stop_node "$1" TERM
        ;;
    pause)
        # SIGSTOP: the process is frozen (a long GC pause, a stalled VM) and its sockets stay open.
        check_node "${1:-}"
        running "$1" || { log "node $1 not running"; exit 1; }
        kill -STOP "$(pid_of "$1")"
        log "node $1 paused (pid $(pid_of "$1"))"
        ;;
    resume)
        check_node "${1:-}"
        running "$1" || { log "node $1 not running"; exit 1; }
        kill -CONT "$(pid_of "$1")"
        log "node $1 resumed (pid $(pid_of "$1"))"
        ;;
    stop)
        # All at once: nodes leaving one by one would hand their shards to each other first.
        pids=()
        for n in 1 2 3; do
            if running "$n"; then
                pids+=("$(pid_of "$n")")
                kill -TERM "$(pid_of "$n")" 2>/dev/null || true
            fi
            rm -f "$(node_dir "$n")/pid"
        done
        deadline=$((SECONDS + 60))
        for pid in "${pids[@]}"; do
            while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do sleep 0.2; done
            kill -0 "$pid" 2>/dev/null && { log "pid $pid did not stop within 60 s; killing it"; kill -KILL "$pid" 2>/dev/null || true; }
        done
        log "stopped ${#pids[@]} node(s)"
        if [[ -f "$DIR/pg-started-by-cluster" ]]; then
            bash "$REPO_ROOT/ops/postgres.sh" stop
            rm -f "$DIR/pg-started-by-cluster"
        fi
        ;;
    status)
        for n in 1 2 3; do
            if running "$n"; then
                state="running"
                ready "$n" && state="ready"
                echo "node $n: $state, pid $(pid_of "$n"), http 127.0.0.1:$(http_port "$n"), remoting 127.0.0.1:$(remote_port "$n")"
            else
                echo "node $n: stopped, http 127.0.0.1:$(http_port "$n"), remoting 127.0.0.1:$(remote_port "$n")"
            fi
        done
        ;;
    *)
        echo "usage: $0 {start|stop|status|kill N|leave N|restart N} [server flags]" >&2
        exit 2
        ;;
esac
