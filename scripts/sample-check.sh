#!/usr/bin/env bash
# The packages as a consumer sees them: packs every Jano package (from the Release build) into a local folder feed
# under a unique version, copies samples/Jano.Sample to an empty folder outside the repository, restores the Jano
# packages from that feed (their dependencies from the configured NuGet sources), builds, runs the sample with no
# arguments and checks the file it writes: a PNG whose bytes equal `jano generate --model fmnist-video`'s output.png for the same request
# (so the package carried the trained model and the same engine), made with the model from the assets package.
#   scripts/sample-check.sh        (after `dotnet build Jano.slnx -c Release`; scripts/test.sh runs it)
# Prints "sample: ..." lines and ends with "sample: ok" (exit 0) or "sample: FAILED: reason" (exit 1).
set -uo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

fail() { echo "sample: FAILED: $*"; exit 1; }
work="$(mktemp -d "${TMPDIR:-/tmp}/jano-sample.XXXXXX")" || fail "cannot create a temporary folder"
trap 'rm -rf "$work"' EXIT
log="$root/TestResults/sample.log"
mkdir -p "$root/TestResults"
: >"$log"

base="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props | head -n 1)"
[ -n "$base" ] || fail "no <Version> in Directory.Build.props"
version="$base-ci.$(date -u +%Y%m%d%H%M%S).$$"
start=$SECONDS

# 1. pack (no build: the Release build of Jano.slnx is what the tests ran against)
dotnet pack Jano.slnx -c Release --no-build -nologo -p:PackageVersion="$version" -o "$work/feed" </dev/null >>"$log" 2>&1 \
  || fail "dotnet pack failed (TestResults/sample.log)"
echo "sample: packed $(ls "$work/feed" | wc -l) packages $version in $((SECONDS - start))s"

# 2. the sample alone in an empty folder; the Jano packages from the local feed. Restored packages go to a private
# folder, with the machine's global package folder as a read-only fallback, so TorchSharp is not extracted again and
# no Jano package lands in the global folder.
mkdir -p "$work/app" "$work/run"
cp samples/Jano.Sample/*.csproj samples/Jano.Sample/*.cs "$work/app/"
global="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')"
cat >"$work/app/nuget.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="jano-local" value="$work/feed" />
  </packageSources>
  <config>
    <add key="globalPackagesFolder" value="$work/packages" />
  </config>
  <fallbackPackageFolders>
    <add key="machine" value="${global%/}" />
  </fallbackPackageFolders>
</configuration>
CONFIG
start=$SECONDS
dotnet build "$work/app/Jano.Sample.csproj" -c Release -nologo -p:JanoVersion="$version" </dev/null >>"$log" 2>&1 \
  || fail "the sample did not build against the packages (TestResults/sample.log)"
echo "sample: restored and built outside the repository in $((SECONDS - start))s"
for f in "$work/packages/jano.engine/$version" "$work/packages/jano.assets.fashionmnist/$version"; do
  [ -d "$f" ] || fail "$f was not restored from the local feed"
done
app="$work/app/bin/Release/net10.0"
[ -f "$app/assets/models/fmnist-video/model.safetensors" ] || fail "the assets package did not copy assets/ to the output"

# 3. run with no arguments
start=$SECONDS
(cd "$work/run" && dotnet "$app/Jano.Sample.dll" </dev/null >"$work/run.out" 2>&1)
rc=$?
cat "$work/run.out" >>"$log"
sed 's/^/sample: | /' "$work/run.out"
[ $rc -eq 0 ] || fail "the sample exited $rc"
echo "sample: ran in $((SECONDS - start))s"
png="$work/run/sneaker.png"
[ -f "$png" ] || fail "the sample wrote no sneaker.png"
[ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "sneaker.png is not a PNG"
grep -q "weights $app/assets/models/fmnist-video/model.safetensors" "$work/run.out" \
  || fail "the sample did not load the model from the assets package"

# 4. the same request through the CLI of this checkout
cli="$root/src/Jano.Cli/bin/Release/net10.0/jano.dll"
[ -f "$cli" ] || fail "no Release build of the CLI at $cli"
dotnet "$cli" generate --model fmnist-video --prompt sneaker --accel jano --out "$work/cli" </dev/null >>"$log" 2>&1 || fail "jano generate failed (TestResults/sample.log)"
cmp -s "$png" "$work/cli/output.png" || fail "sneaker.png differs from jano generate's output.png for the same request"
echo "sample: sneaker.png ($(stat -c %s "$png") bytes) equals jano generate --prompt sneaker --accel jano's output.png"
echo "sample: ok"
