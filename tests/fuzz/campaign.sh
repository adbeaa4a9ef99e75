#!/usr/bin/env bash
# A fuzzing campaign over every libFuzzer target of a build (tools/dev fuzz):
#
#   tests/fuzz/campaign.sh BIN_DIR SEED_DIR SECONDS [PARALLEL] [RUNS]
#
# Each NAME_fuzz in BIN_DIR runs for SECONDS (or until RUNS executions, when given and reached
# first) on its own scratch corpus (BIN_DIR/corpus-NAME,
# kept between campaigns), started from SEED_DIR/NAME when there are seeds. Crash, leak and
# timeout inputs go to BIN_DIR/findings/NAME/. At the end a table gives, per target, the
# executions, the corpus size and what was found; the exit status is 1 if anything was.
set -euo pipefail

usage="usage: campaign.sh BIN_DIR SEED_DIR SECONDS [PARALLEL] [RUNS]"
bin=${1:?$usage}
seeds=${2:?$usage}
seconds=${3:?$usage}
parallel=${4:-2}
runs_cap=${5:--1}  # libFuzzer's -runs: -1 is no cap

targets=()
for f in "$bin"/*_fuzz; do
  [ -x "$f" ] && targets+=("$(basename "$f" _fuzz)")
done
if [ ${#targets[@]} -eq 0 ]; then
  echo "campaign.sh: no *_fuzz binaries in $bin (configure with clang and -DTXGRAPH_BUILD_FUZZ=ON)" >&2
  exit 2
fi

run_one() {  # name
  local name=$1
  local corpus="$bin/corpus-$name" findings="$bin/findings/$name"
  mkdir -p "$corpus" "$findings"
  local inputs=("$corpus")
  [ -d "$seeds/$name" ] && inputs+=("$seeds/$name")
  # Leak checks off: the targets keep one database open for the whole process on purpose.
  "$bin/${name}_fuzz" "${inputs[@]}" -max_total_time="$seconds" -runs="$runs_cap" -max_len=65536 -timeout=30 \
    -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$findings/" >"$bin/campaign-$name.log" 2>&1 || true
}

echo "fuzzing ${#targets[@]} targets for ${seconds}s each$([ "$runs_cap" -ge 0 ] && echo " or $runs_cap executions"), $parallel at a time"
running=0
for name in "${targets[@]}"; do
  run_one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait

found=0
printf '%-18s %14s %12s %8s  %s\n' target executions exec/s corpus findings
for name in "${targets[@]}"; do
  log="$bin/campaign-$name.log"
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1 || true)
  corpus=$(find "$bin/corpus-$name" -type f | wc -l)
  artifacts=$(find "$bin/findings/$name" -type f | wc -l)
  [ "$artifacts" -gt 0 ] && found=1
  [ -z "$runs" ] && { found=1; runs="(no stats: see $log)"; }
  printf '%-18s %14s %12s %8s  %s\n' "$name" "$runs" "${rate:-?}" "$corpus" \
    "$([ "$artifacts" -gt 0 ] && echo "$artifacts in $bin/findings/$name" || echo none)"
done
exit $found
