#!/usr/bin/env bash
# Interleaved A/B timing of the README main command with two builds of the CLI, in one sitting.
#   scripts/ab-time.sh [--runs N] [--threads N] CLI_A CLI_B OUT.tsv
# CLI_A / CLI_B: commands that run a jano build (e.g. "dotnet .build/baseline-cli/jano.dll" and "./jano").
# Runs A and B alternately N times each (order swapped every pair), records wall seconds of the whole command and
# the report's latency_s (accelerated) and baseline_latency_s (full), and prints the medians and B/A ratios.
set -euo pipefail
runs=7; threads=2
while [ $# -gt 3 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    *) echo "ab-time.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ $# -eq 3 ] || { echo "usage: ab-time.sh [--runs N] [--threads N] CLI_A CLI_B OUT.tsv" >&2; exit 2; }
a="$1"; b="$2"; out="$3"; tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
printf 'build\trun\twall_s\tlatency_s\tbaseline_latency_s\n' >"$out"
one() { # label cli run
  local t0 t1 dir="$tmp/$1-$3"
  t0=$(date +%s.%N)
  $2 generate --prompt sneaker --accel jano --compare --threads "$threads" --out "$dir" >/dev/null 2>&1
  t1=$(date +%s.%N)
  local lat base
  lat=$(grep -o '"latency_s": *[0-9.e-]*' "$dir/report.json" | head -n1 | grep -o '[0-9.e-]*$')
  base=$(grep -o '"baseline_latency_s": *[0-9.e-]*' "$dir/report.json" | head -n1 | grep -o '[0-9.e-]*$')
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$3" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}')" "$lat" "$base" >>"$out"
}
one A "$a" 0; one B "$b" 0   # untimed warm-up of both (file cache, JIT)
sed -i '/\t0\t/d' "$out"
for i in $(seq 1 "$runs"); do
  if [ $((i % 2)) -eq 1 ]; then one A "$a" "$i"; one B "$b" "$i"; else one B "$b" "$i"; one A "$a" "$i"; fi
done
awk -F'\t' 'NR>1 { w[$1]=w[$1] " " $3; l[$1]=l[$1] " " $4; f[$1]=f[$1] " " $5 }
  function med(s,  n,a,i,j,t) { n=split(s,a," "); for(i=1;i<=n;i++)for(j=i+1;j<=n;j++)if(a[j]<a[i]){t=a[i];a[i]=a[j];a[j]=t}
    return n%2 ? a[(n+1)/2] : (a[n/2]+a[n/2+1])/2 }
  END { printf "median wall_s A %.3f B %.3f ratio B/A %.3f\n", med(w["A"]), med(w["B"]), med(w["B"])/med(w["A"]);
        printf "median latency_s (jano) A %.4f B %.4f ratio B/A %.3f\n", med(l["A"]), med(l["B"]), med(l["B"])/med(l["A"]);
        printf "median baseline_latency_s (full) A %.4f B %.4f ratio B/A %.3f\n", med(f["A"]), med(f["B"]), med(f["B"])/med(f["A"]) }' "$out"
