#!/usr/bin/env bash
# ops/pack.sh [OUT_DIR] [extra dotnet pack args, e.g. --no-build]
#
# Writes every ActorStreams NuGet package (ActorStreams, ActorStreams.Hosting, ActorStreams.Firehose,
# ActorStreams.TestKit, and the server as the .NET tool ActorStreams.Server) with its symbols (.snupkg) into
# OUT_DIR (default <repo>/artifacts/packages), Release configuration. The version is VersionPrefix in
# Directory.Build.props; CHANGELOG.md says what each version holds.
#
#   dotnet add package ActorStreams.Hosting --source OUT_DIR
#   dotnet tool install ActorStreams.Server --add-source OUT_DIR --tool-path ./tools   # then ./tools/actorstreams
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$REPO_ROOT/artifacts/packages}"
[[ $# -gt 0 ]] && shift
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

projects=(ActorStreams ActorStreams.Hosting ActorStreams.Firehose ActorStreams.TestKit ActorStreams.Server)
for project in "${projects[@]}"; do
    dotnet pack "$REPO_ROOT/src/$project/$project.csproj" -c Release -o "$OUT" --nologo -v quiet "$@"
done
ls -1 "$OUT"/*.nupkg "$OUT"/*.snupkg
