#!/usr/bin/env bash
# The project's one test command: ops/test.sh [extra dotnet test args, e.g. --filter X]
#
# Does its own set-up on a fresh Debian 12 machine with the .NET 10 SDK:
# installs missing apt packages, starts a throwaway PostgreSQL (ops/postgres.sh),
# runs `dotnet test` on the solution, the README quick start and the packaging checks
# (tests/packaging/run.sh), and ends with the line
# "N passed, N failed[, N skipped]" summed over the TRX result files.
#
# Environment:
#   RESULTS_DIR                    where TRX files go (default <repo>/TestResults; wiped first)
#                                  (the web console's screenshots go to <repo>/artifacts/console)
#   ACTORSTREAMS_KEEP_PG=1         leave PostgreSQL running afterwards
#   ACTORSTREAMS_TEST_HANG_TIMEOUT abort the run if one test runs longer (default 10m)
#   ACTORSTREAMS_PG_DIR / ACTORSTREAMS_PG_PORT   see ops/postgres.sh
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

RESULTS_DIR="${RESULTS_DIR:-$REPO_ROOT/TestResults}"
[[ "$RESULTS_DIR" = /* ]] || RESULTS_DIR="$REPO_ROOT/$RESULTS_DIR"
HANG_TIMEOUT="${ACTORSTREAMS_TEST_HANG_TIMEOUT:-10m}"

log() { echo "test.sh: $*" >&2; }

# CI may run with a sparse environment; dotnet/NuGet need a HOME.
export HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# ---- apt packages (apt-get is only called when something is missing) -------
required=()
optional=()
[[ -x /usr/lib/postgresql/15/bin/pg_ctl ]] || required+=(postgresql)
command -v python3 >/dev/null 2>&1 || required+=(python3)   # slim images lack it
command -v curl >/dev/null 2>&1 || required+=(curl)         # ops/cluster.sh polls the nodes with it (cluster test)
[[ -x /usr/bin/aws ]] || required+=(awscli)   # Debian's AWS CLI v2 drives the server's end-to-end tests (a pyenv v1 may shadow it on PATH)
command -v node >/dev/null 2>&1 || required+=(nodejs)        # ... and the AWS SDK for JavaScript v3 (tests/js)
command -v npm >/dev/null 2>&1 || required+=(npm)
[[ -x /usr/bin/chromium ]] || required+=(chromium)   # the web console's browser tests (tests/console: playwright-core drives it; no browser download)
command -v sqlite3 >/dev/null 2>&1 || optional+=(sqlite3)   # handy for poking at test DBs
# botocore drives the SubscribeToShard and presigned-request tests (tests/python); they are skipped without it.
python3 -c 'import botocore' >/dev/null 2>&1 || /usr/bin/python3 -c 'import botocore' >/dev/null 2>&1 || optional+=(python3-botocore)

if (( ${#required[@]} + ${#optional[@]} )); then
    sudo=()
    [[ $EUID -eq 0 ]] || sudo=(sudo)
    export DEBIAN_FRONTEND=noninteractive
    log "installing apt packages: ${required[*]} ${optional[*]}"
    if (( ${#required[@]} )); then
        "${sudo[@]}" apt-get update -qq >/dev/null
        "${sudo[@]}" apt-get install -y -qq "${required[@]}" >/dev/null
    fi
    if (( ${#optional[@]} )); then
        # Optional: a failure here must not stop the tests.
        if ! { (( ${#required[@]} )) || "${sudo[@]}" apt-get update -qq >/dev/null; } \
            || ! "${sudo[@]}" apt-get install -y -qq "${optional[@]}" >/dev/null; then
            log "warning: could not install optional packages: ${optional[*]}"
        fi
    fi
fi

command -v dotnet >/dev/null 2>&1 || { log "dotnet (the .NET 10 SDK) is not on PATH"; exit 1; }

# ---- npm packages of the JavaScript SDK test (tests/js, exact versions from package-lock.json) ----
# A failure stops the run: the JavaScript SDK test must not drop out of CI.
log "npm ci in tests/js (node $(node --version 2>/dev/null || echo missing))"
(cd "$REPO_ROOT/tests/js" && npm ci --no-audit --no-fund --loglevel=error) \
    || { log "npm ci in tests/js failed"; exit 1; }
# ... and of the web console's browser tests (tests/console: playwright-core, which uses /usr/bin/chromium).
log "npm ci in tests/console ($(/usr/bin/chromium --version 2>/dev/null || echo 'chromium missing'))"
(cd "$REPO_ROOT/tests/console" && npm ci --no-audit --no-fund --loglevel=error) \
    || { log "npm ci in tests/console failed"; exit 1; }

# ---- PostgreSQL -------------------------------------------------------------
stop_pg() {
    [[ "${ACTORSTREAMS_KEEP_PG:-0}" = 1 ]] && return 0
    bash "$REPO_ROOT/ops/postgres.sh" stop >/dev/null 2>&1 || true
}
# The trap covers early exits and Ctrl-C; on the normal path postgres is
# stopped explicitly before the summary so the summary stays the last line.
trap stop_pg EXIT

bash "$REPO_ROOT/ops/postgres.sh" start
ACTORSTREAMS_TEST_POSTGRES="$(bash "$REPO_ROOT/ops/postgres.sh" env)"
export ACTORSTREAMS_TEST_POSTGRES

# ---- dotnet test --------------------------------------------------------------
case "$RESULTS_DIR" in
    / | "$REPO_ROOT" | "$HOME") log "refusing to wipe RESULTS_DIR=$RESULTS_DIR"; exit 1 ;;
esac
rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"

# Plain `--logger trx` (no LogFileName): with a fixed LogFileName every test
# project writes the same file and each overwrites the previous one's results;
# the default names are unique per project.
# --blame-hang-timeout: a deadlocked actor test would otherwise burn the whole
# CI time budget; this kills the test host and names the hanging test instead.
set +e
dotnet test ActorStreams.sln -c Release \
    --logger trx \
    --logger "console;verbosity=normal" \
    --results-directory "$RESULTS_DIR" \
    --blame-hang-timeout "$HANG_TIMEOUT" --blame-hang-dump-type none \
    "$@"
test_rc=$?

# ---- README quick start ---------------------------------------------------------
# The README's embedding example is tests/ActorStreams.QuickStart/Program.cs verbatim: run it as a user
# would (fresh directory, default SQLite journal) and count it as one more test.
qs_dir="$(mktemp -d)"
qs_passed=0 qs_failed=0
# dotnet test builds only the test projects and what they reference: build the quick start itself.
if dotnet build "$REPO_ROOT/tests/ActorStreams.QuickStart" -c Release --nologo -v quiet >"$qs_dir/build.txt" 2>&1 \
    && (cd "$qs_dir" && timeout 300 dotnet "$REPO_ROOT/tests/ActorStreams.QuickStart/bin/Release/net10.0/ActorStreams.QuickStart.dll") >"$qs_dir/out.txt" 2>&1 \
    && grep -q "^read 1000 records$" "$qs_dir/out.txt"; then
    log "README quick start: passed"
    qs_passed=1
else
    log "README quick start: FAILED; its build and output:"
    cat "$qs_dir/build.txt" "$qs_dir/out.txt" >&2 2>/dev/null || true
    qs_failed=1
fi
rm -rf "$qs_dir"

# ---- the packages as a user gets them ------------------------------------------------------------------------------
# tests/packaging/run.sh packs every package, then a fresh console app on ActorStreams.Hosting runs the quick start,
# the server is installed as a .NET tool and driven by the AWS CLI, and a fresh test project on ActorStreams.TestKit
# runs the simulate-scaling test. Each of its checks counts as one test.
pk_out="$(mktemp)"
timeout 1200 bash "$REPO_ROOT/tests/packaging/run.sh" >"$pk_out" 2>&1
pk_rc=$?
pk_passed="$(grep -c '^PASS ' "$pk_out")"
pk_failed="$(grep -c '^FAIL ' "$pk_out")"
if (( pk_rc != 0 && pk_failed == 0 )); then pk_failed=1; fi   # killed or broke before a check could say so
if (( pk_failed == 0 )); then
    log "packaging: $pk_passed checks passed"
else
    log "packaging: FAILED; its output:"
    cat "$pk_out" >&2
fi
rm -f "$pk_out"
set -e

stop_pg
trap - EXIT

# ---- summary ------------------------------------------------------------------
# Sum <Counters> of ResultSummary over every TRX file.
# failed counts every non-pass outcome (failed, error, timeout, aborted);
# skipped = total - executed (xUnit skips show up that way, notExecuted stays 0).
counts="$(python3 - "$RESULTS_DIR" <<'PY'
import pathlib, sys, xml.etree.ElementTree as ET

passed = failed = skipped = executed = ntrx = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.trx")):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        print(f"test.sh: warning: cannot parse {path}: {e}", file=sys.stderr)
        continue
    # Ignore the XML namespace: match elements by local name.
    local = lambda e: e.tag.rsplit("}", 1)[-1]
    for summary in (e for e in root.iter() if local(e) == "ResultSummary"):
        for c in (e for e in summary.iter() if local(e) == "Counters"):
            n = lambda k: int(c.get(k, "0") or 0)
            ntrx += 1
            bad = n("failed") + n("error") + n("timeout") + n("aborted")
            passed += n("passed")
            failed += bad
            executed += n("executed")
            skipped += max(n("total") - n("executed"), 0)
            # A hung test killed by --blame-hang-timeout or a crashed test host
            # leaves outcome="Failed" with no failed test: say so.
            outcome = summary.get("outcome", "")
            if bad == 0 and outcome not in ("Completed", "Passed", ""):
                print(f"test.sh: {path.name}: run outcome {outcome} without a failed test"
                      " (test host crashed, hung or was aborted; see output above)", file=sys.stderr)
    # Name every test that did not pass, with the start of its message, so that the tail of a log says which.
    for r in (e for e in root.iter() if local(e) == "UnitTestResult"):
        if r.get("outcome") in ("Failed", "Error", "Timeout", "Aborted"):
            message = " ".join((e.text or "").strip() for e in r.iter() if local(e) == "Message")
            message = " | ".join(line.strip() for line in message.splitlines() if line.strip())[:800]
            print(f"test.sh: FAILED {r.get('testName')} ({path.name}): {message}", file=sys.stderr)
print(passed, failed, skipped, executed, ntrx)
PY
)" || counts="0 0 0 0 0"
read -r passed failed skipped executed ntrx <<<"$counts"
passed=$((passed + qs_passed + pk_passed))
failed=$((failed + qs_failed + pk_failed))
(( qs_failed == 0 && pk_failed == 0 )) || test_rc=1

rc=$test_rc
if (( ntrx == 0 )); then
    log "no TRX result files in $RESULTS_DIR"
    (( rc != 0 )) || rc=1
elif (( executed == 0 )); then
    log "no tests were executed"
    (( rc != 0 )) || rc=1
fi
(( test_rc == 0 )) || log "dotnet test exited with $test_rc"

summary="$passed passed, $failed failed"
(( skipped == 0 )) || summary+=", $skipped skipped"
echo "$summary"
exit "$rc"
