#!/usr/bin/env bash
# Peak RSS of `jano generate` on a Wan2.1-T2V-1.3B folder with random weights at the real dimensions (never run in CI).
# Usage: bash scripts/wan-t5-peak.sh [DIR] [OUT]
#   DIR: the random checkpoint folder (written first when it has no config.json; ~17 GB on disk: umT5-XXL bf16 .pth
#        11.4 GB, DiT bf16 2.8 GB, VAE fp32 0.5 GB); OUT: the generate output folder.
# Prints the RSS timeline (one sample per second) and the peak ("Maximum resident set size" from /usr/bin/time).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-/tmp/wan-1.3b-random}"
out="${2:-/tmp/wan-1.3b-random-out}"
cd "$root"
if [ ! -f "$dir/config.json" ]; then
  JANO_WAN_RANDOM_CHECKPOINT="$dir" JANO_WAN_TEXT_LEN="${JANO_WAN_TEXT_LEN:-16}" \
    dotnet test tests/Jano.Tests -c Release --filter "FullyQualifiedName~WanRandomCheckpointTests" >/dev/null
fi
./jano --help >/dev/null   # builds .build/cli when needed
rm -rf "$out"
/usr/bin/time -v -o "$out.time" dotnet .build/cli/jano.dll generate --model "$dir" --prompt "a red fox running through snow" \
  --size 64x64 --frames 1 --steps 1 --threads 1 --out "$out" > "$out.log" 2>&1 &
tpid=$!
start=$(date +%s)
while kill -0 "$tpid" 2>/dev/null; do
  pid=$(pgrep -P "$tpid" | head -1 || true)
  if [ -n "$pid" ] && [ -r "/proc/$pid/status" ]; then
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "t=$(( $(date +%s) - start ))s rss=$(( rss / 1024 )) MiB"
  fi
  sleep 1
done
wait "$tpid" || { cat "$out.log"; exit 1; }
grep -E "Maximum resident set size|Elapsed \(wall" "$out.time"
