#!/usr/bin/env bash
# tests/packaging/run.sh: the packages as a user gets them (issue 21). ops/test.sh runs it after `dotnet test` and
# counts its checks with the other tests; it also runs alone.
#
# 1. ops/pack.sh writes every package into a temporary folder.
# 2. "embedding": a fresh `dotnet new console` outside the repository adds ActorStreams.Hosting from that folder only
#    (NuGet package source mapping: ActorStreams* from the folder, everything else from the machine's usual sources),
#    gets the README's embedding quick start as its Program.cs, and must print "read 1000 records".
# 3. "tool": `dotnet tool install ActorStreams.Server` from the folder into a temporary tool path; `actorstreams
#    --version` and `--help` answer; `actorstreams --port P --data-dir D` serves, and the AWS CLI creates a stream,
#    puts a record and gets it back.
# 4. "testkit": a fresh test project references ActorStreams.TestKit from the folder and runs docs/embedding.md's
#    "simulate scaling" test.
#
# Prints "PASS <check>" or "FAIL <check>" per check (with the failing step's output), exits 1 if any failed.
# ACTORSTREAMS_PACKAGING_KEEP=1 keeps the temporary directory.
set -uo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export HOME="${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}"

WORK="$(mktemp -d /tmp/actorstreams-packaging.XXXXXX)"
SERVER_PID=""
cleanup() {
    [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    [[ "${ACTORSTREAMS_PACKAGING_KEEP:-0}" = 1 ]] || rm -rf "$WORK"
}
trap cleanup EXIT

failed=0
pass() { echo "PASS $1"; }
fail() {
    echo "FAIL $1: $2"
    [[ -f "$WORK/step.log" ]] && sed 's/^/    /' "$WORK/step.log" | tail -60
    failed=$((failed + 1))
}
# Runs a step with its output in $WORK/step.log; a step that hangs is killed.
step() { local limit="$1"; shift; timeout "$limit" "$@" >"$WORK/step.log" 2>&1; }

version="$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' "$REPO_ROOT/Directory.Build.props")"
pkgver() { sed -n "s:.*<PackageVersion Include=\"$1\" Version=\"\([^\"]*\)\".*:\1:p" "$REPO_ROOT/Directory.Packages.props"; }

# ---- 1. the packages -----------------------------------------------------------------------------------------------
PACKAGES="$WORK/packages"
if ! step 600 bash "$REPO_ROOT/ops/pack.sh" "$PACKAGES"; then
    fail pack "ops/pack.sh failed"
    echo "packaging: $failed failed"
    exit 1
fi
for id in ActorStreams ActorStreams.Hosting ActorStreams.Firehose ActorStreams.TestKit ActorStreams.Server; do
    for ext in nupkg snupkg; do
        [[ -f "$PACKAGES/$id.$version.$ext" ]] || { fail pack "no $id.$version.$ext in $(ls "$PACKAGES")"; exit 1; }
    done
done
pass pack

# NuGet as a user outside the repository has it, except: ActorStreams* come from the folder only, and packages are
# extracted into a scratch folder (the machine's own package folder serves what it has, read-only) so nothing of an
# earlier run is taken for the new packages.
sources="$(cd "$WORK" && dotnet nuget list source --format short 2>/dev/null | awk '$1 ~ /^E/ {print $2}')"
{
    echo '<?xml version="1.0" encoding="utf-8"?>'
    echo '<configuration>'
    echo '  <packageSources>'
    echo '    <clear />'
    echo "    <add key=\"actorstreams-local\" value=\"$PACKAGES\" />"
    i=0; for s in $sources; do echo "    <add key=\"upstream$i\" value=\"$s\" />"; i=$((i + 1)); done
    echo '  </packageSources>'
    echo '  <packageSourceMapping>'
    echo '    <packageSource key="actorstreams-local"><package pattern="ActorStreams" /><package pattern="ActorStreams.*" /></packageSource>'
    i=0; for s in $sources; do echo "    <packageSource key=\"upstream$i\"><package pattern=\"*\" /></packageSource>"; i=$((i + 1)); done
    echo '  </packageSourceMapping>'
    [[ -d "$HOME/.nuget/packages" ]] && echo "  <fallbackPackageFolders><add key=\"machine\" value=\"$HOME/.nuget/packages\" /></fallbackPackageFolders>"
    echo '</configuration>'
} >"$WORK/nuget.config"
export NUGET_PACKAGES="$WORK/nuget-packages"

# The fenced C# block of a Markdown file that follows the first line matching a pattern.
csharp_after() {
    awk -v pattern="$2" 'found == 0 && $0 ~ pattern {found = 1; next}
        found == 1 && /^```csharp/ {found = 2; next}
        found == 2 && /^```/ {exit}
        found == 2 {print}' "$1"
}

# ---- 2. the README's embedding quick start on the ActorStreams.Hosting package ----------------------------------------
embed() {
    local app="$WORK/apps/embedding"
    step 120 dotnet new console -o "$app" -n Embedding || { fail embedding "dotnet new console failed"; return; }
    csharp_after "$REPO_ROOT/README.md" '^\*\*4\. Embed it' >"$app/Program.cs"
    grep -q 'WithActorStreams' "$app/Program.cs" || { fail embedding "no quick start found in README.md"; return; }
    (cd "$app" && step 300 dotnet add package ActorStreams.Hosting --version "$version") \
        || { fail embedding "dotnet add package ActorStreams.Hosting failed"; return; }
    (cd "$app" && step 300 dotnet add package Microsoft.Extensions.Hosting --version "$(pkgver Microsoft.Extensions.Hosting)") \
        || { fail embedding "dotnet add package Microsoft.Extensions.Hosting failed"; return; }
    # The package must have come from the folder: its files are the ones just packed.
    cmp -s "$NUGET_PACKAGES/actorstreams.hosting/$version/actorstreams.hosting.$version.nupkg" "$PACKAGES/ActorStreams.Hosting.$version.nupkg" \
        || { fail embedding "ActorStreams.Hosting was not restored from $PACKAGES"; return; }
    (cd "$app" && step 300 dotnet build -c Release --nologo) || { fail embedding "the quick start did not build"; return; }
    (cd "$app" && step 300 dotnet bin/Release/net10.0/Embedding.dll) || { fail embedding "the quick start failed"; return; }
    grep -q '^read 1000 records$' "$WORK/step.log" || { fail embedding "no 'read 1000 records' in its output"; return; }
    pass embedding
}

# ---- 3. the server as a .NET tool, driven by the AWS CLI ----------------------------------------------------------------
tool() {
    local tools="$WORK/tools" data="$WORK/tool-data"
    (cd "$WORK" && step 300 dotnet tool install ActorStreams.Server --version "$version" --tool-path "$tools" --configfile "$WORK/nuget.config") \
        || { fail tool "dotnet tool install failed"; return; }
    step 60 "$tools/actorstreams" --version || { fail tool "actorstreams --version failed"; return; }
    [[ "$(cat "$WORK/step.log")" = "actorstreams $version" ]] || { fail tool "--version printed '$(cat "$WORK/step.log")'"; return; }
    step 60 "$tools/actorstreams" --help || { fail tool "actorstreams --help failed"; return; }
    for flag in --port --host --data-dir --config --version; do
        grep -q -- "^  $flag " "$WORK/step.log" || { fail tool "--help does not list $flag"; return; }
    done

    local port
    port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    "$tools/actorstreams" --port "$port" --data-dir "$data" >"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    local endpoint="http://127.0.0.1:$port" ready=0
    for _ in $(seq 1 120); do
        curl -fsS "$endpoint/health/ready" >/dev/null 2>&1 && { ready=1; break; }
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.5
    done
    if (( ! ready )); then cp "$WORK/server.log" "$WORK/step.log"; fail tool "actorstreams did not become ready on port $port"; return; fi
    curl -fsS "$endpoint/health/live" >"$WORK/live.json" && grep -q "\"version\":\"$version\"" "$WORK/live.json" \
        || { cp "$WORK/live.json" "$WORK/step.log"; fail tool "/health/live does not name version $version"; return; }
    grep -q "ActorStreams $version serving" "$WORK/server.log" \
        || { cp "$WORK/server.log" "$WORK/step.log"; fail tool "no startup line naming version $version"; return; }

    local aws=(env -u AWS_PROFILE -u AWS_SESSION_TOKEN AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
        AWS_PAGER="" AWS_CONFIG_FILE="$WORK/aws-config" AWS_SHARED_CREDENTIALS_FILE="$WORK/aws-credentials" AWS_EC2_METADATA_DISABLED=true
        /usr/bin/aws --endpoint-url "$endpoint")
    step 60 "${aws[@]}" kinesis create-stream --stream-name packaged --shard-count 1 || { fail tool "create-stream failed"; return; }
    step 120 "${aws[@]}" kinesis wait stream-exists --stream-name packaged || { fail tool "wait stream-exists failed"; return; }
    step 60 "${aws[@]}" kinesis put-record --stream-name packaged --partition-key k1 --cli-binary-format raw-in-base64-out \
        --data 'hello from the tool' || { fail tool "put-record failed"; return; }
    step 60 "${aws[@]}" kinesis get-shard-iterator --stream-name packaged --shard-id shardId-000000000000 \
        --shard-iterator-type TRIM_HORIZON --query ShardIterator --output text || { fail tool "get-shard-iterator failed"; return; }
    local iterator
    iterator="$(cat "$WORK/step.log")"
    step 60 "${aws[@]}" kinesis get-records --shard-iterator "$iterator" --query 'Records[0].Data' --output text \
        || { fail tool "get-records failed"; return; }
    [[ "$(base64 -d <"$WORK/step.log")" = "hello from the tool" ]] || { fail tool "get-records returned '$(cat "$WORK/step.log")'"; return; }
    [[ -f "$data/actorstreams.db" ]] || { ls -la "$data" >"$WORK/step.log" 2>&1; fail tool "no SQLite journal under --data-dir"; return; }
    kill "$SERVER_PID" && wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=""
    pass tool
}

# ---- 4. docs/embedding.md's "simulate scaling" test on the ActorStreams.TestKit package --------------------------------
testkit() {
    local app="$WORK/apps/scaling"
    mkdir -p "$app"
    cat >"$app/Scaling.Tests.csproj" <<'CSPROJ'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
    <IsPackable>false</IsPackable>
    <IsTestProject>true</IsTestProject>
  </PropertyGroup>
</Project>
CSPROJ
    csharp_after "$REPO_ROOT/docs/embedding.md" '^"Simulate scaling"' >"$app/SimulateScalingTests.cs"
    grep -q 'RescaleAsync' "$app/SimulateScalingTests.cs" || { fail testkit "no simulate-scaling test found in docs/embedding.md"; return; }
    for p in Microsoft.NET.Test.Sdk xunit xunit.runner.visualstudio; do
        (cd "$app" && step 300 dotnet add package "$p" --version "$(pkgver "$p")") || { fail testkit "dotnet add package $p failed"; return; }
    done
    (cd "$app" && step 300 dotnet add package ActorStreams.TestKit --version "$version") \
        || { fail testkit "dotnet add package ActorStreams.TestKit failed"; return; }
    (cd "$app" && step 600 dotnet test -c Release --nologo --logger "console;verbosity=normal") \
        || { fail testkit "the simulate-scaling test failed"; return; }
    grep -Eq 'Passed!? *-? *Failed: *0, Passed: *1|Total tests: 1' "$WORK/step.log" && grep -q 'Passed.*Simulate_scaling' "$WORK/step.log" \
        || { fail testkit "dotnet test did not report the test as passed"; return; }
    pass testkit
}

embed
tool
testkit
echo "packaging: $failed failed"
(( failed == 0 ))
