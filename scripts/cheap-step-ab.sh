#!/usr/bin/env bash
# Cheap-step cost, two builds of the CLI side by side in one sitting (issue 13's before/after figure).
#   scripts/cheap-step-ab.sh [--runs N] [--threads N] [--model NAME] CLI_A CLI_B OUT.tsv
# Runs `generate --accel jano --compare` with A and B alternately N times each (order swapped every pair) and records,
# from each report.json, the median seconds of a level-1 step, of a full step (the baseline run's) and their ratio,
# with the share of tokens a level-1 step computes (the active fraction). Prints the medians per build. Needs python3.
set -euo pipefail
runs=5; threads=2; model=fmnist-video
while [ $# -gt 3 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --model) model="$2"; shift 2 ;;
    *) echo "cheap-step-ab.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 3 ] || { echo "usage: cheap-step-ab.sh [--runs N] [--threads N] [--model NAME] CLI_A CLI_B OUT.tsv" >&2; exit 2; }
a="$1"; b="$2"; out="$3"; tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
printf 'build\trun\tl1_ms\tfull_ms\tl1_over_full\tactive_share\n' >"$out"
one() { # label cli run
  local dir="$tmp/$1-$3"
  $2 generate --model "$model" --prompt sneaker --accel jano --compare --threads "$threads" --out "$dir" >/dev/null 2>&1
  python3 - "$dir/report.json" "$1" "$3" >>"$out" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))
levels, secs = r["step_levels"], r["step_seconds"]
l1 = statistics.median(s for l, s in zip(levels, secs) if l == "L1")
rel = r["relative_step_time"]
full = l1 / rel["L1"]
print(f"{sys.argv[2]}\t{sys.argv[3]}\t{1000 * l1:.3f}\t{1000 * full:.3f}\t{rel['L1']:.4f}\t{r['level_fractions']['active']:.4f}")
PY
}
one A "$a" 0; one B "$b" 0   # untimed warm-up of both (file cache, JIT)
sed -i '/\t0\t/d' "$out"
for i in $(seq 1 "$runs"); do
  if [ $((i % 2)) -eq 1 ]; then one A "$a" "$i"; one B "$b" "$i"; else one B "$b" "$i"; one A "$a" "$i"; fi
done
python3 - "$out" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter="\t"))
for build in ("A", "B"):
    rs = [r for r in rows if r["build"] == build]
    m = lambda k: statistics.median(float(r[k]) for r in rs)
    print(f"{build}: level-1 step {m('l1_ms'):.2f} ms, full step {m('full_ms'):.2f} ms, ratio {m('l1_over_full'):.3f} (active share {m('active_share'):.3f})")
PY
