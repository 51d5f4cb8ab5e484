#!/usr/bin/env bash
# Output hashes of `jano generate` for every accelerator at its default settings x both shipped models x 2 seeds.
# Used to prove a refactor changes no output: run it with the old and the new build and diff the two files.
#   scripts/output-hashes.sh [--cli "CMD"] [--threads N] [--accels "a b c"] OUT_FILE
# CMD defaults to ./jano (the checkout's CLI). Lines: model accel seed sha256(output.png) sha256(levels.png or -).
set -euo pipefail
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cli="$root/jano"; threads=2
accels="none jano jano+teacache teacache magcache easycache pab toca ras"
while [ $# -gt 1 ]; do
  case "$1" in
    --cli) cli="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --accels) accels="$2"; shift 2 ;;
    *) echo "output-hashes.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: output-hashes.sh [--cli CMD] [--threads N] [--accels LIST] OUT_FILE" >&2; exit 2; }
out="$1"; tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
: >"$out.tmp"
for model in fmnist-image fmnist-video; do
  for accel in $accels; do
    for seed in 1 2; do
      dir="$tmp/$model-$accel-$seed"
      $cli generate --model "$model" --prompt sneaker --accel "$accel" --seed "$seed" --threads "$threads" --out "$dir" >/dev/null 2>"$tmp/err" \
        || { echo "output-hashes.sh: $model $accel $seed failed: $(tail -n 1 "$tmp/err")" >&2; exit 1; }
      png="$(sha256sum "$dir/output.png" | cut -d' ' -f1)"
      lv="-"; [ -f "$dir/levels.png" ] && lv="$(sha256sum "$dir/levels.png" | cut -d' ' -f1)"
      echo "$model $accel $seed $png $lv" >>"$out.tmp"
    done
  done
done
mv -f "$out.tmp" "$out"
echo "wrote $(wc -l <"$out") hashes to $out"
