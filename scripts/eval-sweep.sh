#!/usr/bin/env bash
# Fix a model's sampling defaults on full-compute quality alone (no accelerator runs): `jano eval --full-only` over a
# grid of guidance x shift x steps, one table of class accuracy, Fréchet distance over its floor and the background
# measure. Issue 13 fixes the scenes model's steps, shift and guidance this way.
#   scripts/eval-sweep.sh [--model NAME] [--samples N] [--threads N] [--guidance "G ..."] [--shift "S ..."] [--steps "N ..."] OUT_DIR
# CLI: the command that runs jano (default ./jano). Needs python3. Writes OUT_DIR/sweep.tsv and one eval folder per point.
set -euo pipefail
model=scenes-video; samples=3; threads=2; guidance="2 3 4.5"; shifts="1 3"; steps="30"; cli="${CLI:-./jano}"
while [ $# -gt 1 ]; do
  case "$1" in
    --model) model="$2"; shift 2 ;;
    --samples) samples="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --guidance) guidance="$2"; shift 2 ;;
    --shift) shifts="$2"; shift 2 ;;
    --steps) steps="$2"; shift 2 ;;
    *) echo "eval-sweep.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 1 ] || { echo "usage: eval-sweep.sh [options] OUT_DIR" >&2; exit 2; }
out="$1"; mkdir -p "$out"
printf 'steps\tguidance\tshift\tclass_acc\tfrechet\tfloor\tfrechet_over_floor\tbackground_psnr\tbackground_heldout\tseconds\n' >"$out/sweep.tsv"
for n in $steps; do for g in $guidance; do for s in $shifts; do
  dir="$out/n$n-g$g-s$s"
  $cli eval --model "$model" --full-only --samples "$samples" --ceiling-clips 10 --steps "$n" --guidance "$g" --shift "$s" --threads "$threads" --out "$dir" >"$dir.log" 2>&1 \
    || { echo "eval-sweep.sh: eval failed for steps $n guidance $g shift $s (see $dir.log)" >&2; exit 1; }
  python3 - "$dir/eval.json" >>"$out/sweep.tsv" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
f = lambda v: "nan" if v is None else f"{v:.3f}"
print("\t".join([str(r["Steps"]), f"{r['Guidance']:g}", f"{r['Shift']:g}", f(r["ClassAccuracyFull"]), f(r["FrechetFull"]), f(r["FrechetFloor"]),
                 f(r["FrechetFull"] / r["FrechetFloor"]), f(r.get("BackgroundPsnrFull")), f(r.get("BackgroundPsnrHeldOut")), f"{r['Seconds']:.0f}"]))
PY
  tail -1 "$out/sweep.tsv"
done; done; done
column -t -s $'\t' "$out/sweep.tsv"
