#!/usr/bin/env bash
# Where a cheap (level-1/2) step's time goes, on one shipped DiT, in one process (issue 13's cheap-step figures).
#   scripts/cheap-step-profile.sh [--model NAME] [--threads N] [--rounds N] [OUT.tsv]
# Builds scripts/cheap-step-profile/ into .build/cheap-step-profile and runs it: full forward, level 1 and level 2 at 3 %,
# 8 % and 17 % active tokens, and level 1 without each part of the blocks (the difference is that part's cost), all
# interleaved round by round; prints (and writes) medians in ms and as a share of the full forward. Run it on a quiet
# machine (no training or bench beside it).
set -euo pipefail
model=scenes-video; threads=2; rounds=20; out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    -*) echo "cheap-step-profile.sh: unknown option $1" >&2; exit 2 ;;
    *) out="$1"; shift ;;
  esac
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.build/cheap-step-profile"
dotnet build "$root/scripts/cheap-step-profile/CheapStepProfile.csproj" -c Release -nologo -o "$bin" </dev/null >"$root/.build/cheap-step-profile.log" 2>&1 \
  || { echo "cheap-step-profile.sh: build failed, see .build/cheap-step-profile.log" >&2; exit 1; }
if [ -n "$out" ]; then
  dotnet "$bin/CheapStepProfile.dll" "$model" "$threads" "$rounds" | tee "$out"
else
  dotnet "$bin/CheapStepProfile.dll" "$model" "$threads" "$rounds"
fi
