#!/usr/bin/env bash
# Throwaway PostgreSQL 15 server for ActorStreams tests.
#
#   ops/postgres.sh start    install (if missing), init (if new) and start the server
#   ops/postgres.sh stop     stop it (no error if it is not running)
#   ops/postgres.sh status   say whether it is running
#   ops/postgres.sh env      print the Npgsql connection string
#
# Settings (environment):
#   ACTORSTREAMS_PG_DIR   cluster directory, default /tmp/actorstreams-pg
#                         (must be reachable by the `postgres` OS user when run as root,
#                         so not somewhere under /root)
#   ACTORSTREAMS_PG_PORT  TCP port on 127.0.0.1, default 55432
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR="${ACTORSTREAMS_PG_DIR:-/tmp/actorstreams-pg}"
PG_PORT="${ACTORSTREAMS_PG_PORT:-55432}"
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/server.log"
APP_USER=actorstreams
APP_PASSWORD=actorstreams
APP_DB=actorstreams

log() { echo "postgres.sh: $*" >&2; }

conn_string() {
    echo "Host=127.0.0.1;Port=$PG_PORT;Username=$APP_USER;Password=$APP_PASSWORD;Database=$APP_DB"
}

# PostgreSQL refuses to run as root, so when we are root every server-side
# command runs as the `postgres` OS user (created by the Debian package).
# `cd /` avoids "could not change directory to /root" warnings from that user.
as_pg() {
    if [[ $EUID -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# Superuser psql over the unix socket (which lives inside the data dir).
pg_psql() {
    as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_DATA" -p "$PG_PORT" -U postgres -d postgres "$@"
}

# True when the app role can log in to the app database over TCP.
app_reachable() {
    PGCONNECT_TIMEOUT=3 "$PG_BIN/psql" -X -q -At \
        "host=127.0.0.1 port=$PG_PORT user=$APP_USER password=$APP_PASSWORD dbname=$APP_DB" \
        -c 'select 1' >/dev/null 2>&1
}

# True when our own cluster (in $PG_DATA) has a live postmaster.
cluster_running() {
    [[ -f "$PG_DATA/PG_VERSION" ]] && as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

ensure_installed() {
    [[ -x "$PG_BIN/pg_ctl" && -x "$PG_BIN/initdb" && -x "$PG_BIN/psql" ]] && return 0
    log "installing PostgreSQL 15 (Debian package 'postgresql')"
    local sudo=()
    [[ $EUID -eq 0 ]] || sudo=(sudo)
    # Installing the package also creates and tries to start Debian's default
    # cluster on port 5432; harmless, we never use it.
    "${sudo[@]}" apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq postgresql >/dev/null
    [[ -x "$PG_BIN/pg_ctl" ]] || { log "PostgreSQL 15 binaries still missing in $PG_BIN"; exit 1; }
}

init_cluster() {
    mkdir -p "$PG_DIR"
    if [[ $EUID -eq 0 ]]; then
        chown postgres:postgres "$PG_DIR"
    fi
    chmod 700 "$PG_DIR"
    log "initdb in $PG_DATA"
    # --locale=C: the container's LANG may name a locale that is not generated,
    # which makes initdb fail; C with UTF8 encoding always works.
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 --locale=C >/dev/null
}

ensure_app_role_and_db() {
    pg_psql -f - <<SQL
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_USER') THEN
        CREATE ROLE $APP_USER LOGIN SUPERUSER PASSWORD '$APP_PASSWORD';
    END IF;
END
\$\$;
SELECT 'CREATE DATABASE $APP_DB OWNER $APP_USER'
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$APP_DB') \gexec
SQL
}

cmd_start() {
    ensure_installed

    if app_reachable; then
        log "already running on 127.0.0.1:$PG_PORT"
        return 0
    fi

    if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
        if [[ -e "$PG_DATA" ]]; then
            # Leftover of a failed initdb: it refuses a non-empty directory.
            log "removing incomplete data directory $PG_DATA"
            rm -rf "$PG_DATA"
        fi
        init_cluster
    fi

    if cluster_running; then
        # Running but not reachable as configured (e.g. started with another
        # ACTORSTREAMS_PG_PORT): restart it with the current settings.
        log "cluster is running with other settings; restarting"
        as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w >/dev/null
    fi

    # Port, address and socket dir are given on the command line rather than in
    # postgresql.conf, so a changed ACTORSTREAMS_PG_PORT takes effect on restart.
    log "starting on 127.0.0.1:$PG_PORT (data $PG_DATA, log $PG_LOG)"
    if ! as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$PG_LOG" -w -t 60 \
            -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_DATA" >/dev/null; then
        log "server failed to start; last lines of $PG_LOG:"
        tail -n 30 "$PG_LOG" >&2 || true
        exit 1
    fi

    ensure_app_role_and_db

    if ! app_reachable; then
        log "server started but $APP_USER cannot connect to 127.0.0.1:$PG_PORT/$APP_DB"
        exit 1
    fi
    log "ready: $(conn_string)"
}

cmd_stop() {
    if cluster_running; then
        as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w >/dev/null
        log "stopped"
    else
        log "not running"
    fi
}

cmd_status() {
    if cluster_running; then
        echo "running ($PG_DATA, 127.0.0.1:$PG_PORT)"
    else
        echo "not running ($PG_DATA)"
        return 3
    fi
}

case "${1:-}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    status) cmd_status ;;
    env)    conn_string ;;
    *)
        echo "usage: $0 {start|stop|status|env}" >&2
        exit 2
        ;;
esac
