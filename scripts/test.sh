#!/usr/bin/env bash
# The project's test command (README, CI): installs base packages, builds Jano.slnx in Release,
# runs tests/Jano.Tests, then (full runs only) the packaged-sample check scripts/sample-check.sh, counted as one test,
# and ends with one line "N passed, N failed[, N skipped]".
#   scripts/test.sh [extra dotnet test arguments, e.g. --filter "FullyQualifiedName~Native"]
# Environment: JANO_SKIP_SETUP=1 skips scripts/setup.sh; JANO_SKIP_SAMPLE=1 skips the sample check (so do extra arguments).
# Exit status: 0 when the build succeeded and no test failed.
set -uo pipefail

root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"
cd "$root"
export DOTNET_NOLOGO=1 DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if [ "${JANO_SKIP_SETUP:-0}" != 1 ]; then
  bash "$root/scripts/setup.sh" || { echo "test.sh: setup failed (set JANO_SKIP_SETUP=1 to skip it)" >&2; exit 1; }
fi

results="$root/TestResults"
mkdir -p "$results"
rm -f "$results"/*.trx "$results/build.log"

echo "build: dotnet build Jano.slnx -c Release"
start=$SECONDS
if ! dotnet build Jano.slnx -c Release -nologo </dev/null >"$results/build.log" 2>&1; then
  grep -E ': (error|warning) ' "$results/build.log" | sort -u | head -n 50
  tail -n 5 "$results/build.log"
  echo "test.sh: build failed (full log: TestResults/build.log)" >&2
  exit 1
fi
warnings="$(grep -E ': warning ' "$results/build.log" | sort -u | wc -l)"
echo "build: ok in $((SECONDS - start))s, $warnings distinct warning(s) (TestResults/build.log)"

# Without arguments the soak test (scripts/soak.sh, outside CI) is left out.
if [ $# -eq 0 ]; then test_args=(--filter "Category!=Soak"); else test_args=("$@"); fi
echo "test: dotnet test tests/Jano.Tests -c Release --no-build ${test_args[*]}"
dotnet test tests/Jano.Tests -c Release --no-build --nologo \
  --logger "trx;LogFileName=jano-tests.trx" --results-directory "$results" "${test_args[@]}" </dev/null
rc=$?

shopt -s nullglob
trx=("$results"/*.trx)
if [ ${#trx[@]} -eq 0 ]; then
  echo "test.sh: dotnet test wrote no results (exit $rc)" >&2
  exit 1
fi

# Sums one attribute of <Counters .../> over all result files.
counter() {
  local name="$1" sum=0 v f
  for f in "${trx[@]}"; do
    v="$(grep -o "<Counters [^>]*" "$f" | grep -o " $name=\"[0-9]*\"" | grep -o '[0-9]\+' | head -n 1)"
    sum=$((sum + ${v:-0}))
  done
  echo "$sum"
}
passed="$(counter passed)"
failed=$(( $(counter failed) + $(counter error) + $(counter timeout) + $(counter aborted) ))
skipped="$(counter notExecuted)"

# The packages as a consumer sees them (DEVELOPERS.md, "Packages and the sample"): one more test in the count.
sample_rc=0
if [ $# -eq 0 ] && [ "${JANO_SKIP_SAMPLE:-0}" != 1 ]; then
  echo "sample: scripts/sample-check.sh"
  start=$SECONDS
  bash "$root/scripts/sample-check.sh"
  sample_rc=$?
  if [ "$sample_rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  echo "sample: $((SECONDS - start))s"
fi

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test.sh: dotnet test exited $rc although no test failed (aborted run?)" >&2
fi
echo "$summary"
[ "$rc" -eq 0 ] && [ "$sample_rc" -eq 0 ] && [ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
