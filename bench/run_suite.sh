#!/usr/bin/env bash
# bench/run_suite.sh — runs every benchmark of the suite from one build's bench/ folder and
# writes all their results into one folder: a JSON file per program, CSV tables, markdown
# summaries and gnuplot plots, then run.json, the whole run in one file. bench_report makes
# run.json and fails when an output is missing or does not parse; bench/summary.py then makes
# SUMMARY.md from run.json (every headline figure and the headline table), and the suite fails
# if it was not written.
#
#   bench/run_suite.sh [--quick] BIN_DIR OUT_DIR
#
# `tools/dev bench [--quick]` calls this with the Release build; the ctest bench.quick_suite
# calls it with --quick on the test build. Only a full run into the repository's own
# bench/results/ also puts the headline table into README.md.
set -euo pipefail

quick=()
if [ "${1:-}" = --quick ]; then
  quick=(--quick)
  shift
fi
if [ $# -ne 2 ]; then
  echo "usage: bench/run_suite.sh [--quick] BIN_DIR OUT_DIR" >&2
  exit 2
fi
bin=$1
out=$2
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mkdir -p "$out"
rm -f "$out/SUMMARY.md"
suite="$out/suite.csv"
echo "program,seconds,json" >"$suite"

run() {  # program, its JSON file (in OUT_DIR), arguments...
  local program=$1 json=$2
  shift 2
  echo "== $program"
  local start
  start=$(date +%s%N)
  "$bin/$program" "$@"
  local ms=$((($(date +%s%N) - start) / 1000000))
  printf '%s,%d.%03d,%s\n' "$program" $((ms / 1000)) $((ms % 1000)) "$json" >>"$suite"
}

run commit_bench commit.json "${quick[@]}" --json "$out/commit.json"
run log_volume_bench log_volume.json "${quick[@]}" --json "$out/log_volume.json"
run cdc_bench cdc.json "${quick[@]}" --json "$out/cdc.json"
run import_bench import.json "${quick[@]}" --json "$out/import.json"
run replication_bench replication.json "${quick[@]}" --results "$out/replication.json"
run snapshot_bench snapshot.json "${quick[@]}" --json "$out/snapshot.json"
run kafka_bench kafka.json "${quick[@]}" --results "$out/kafka.json"
if [ -x "$bin/peers_bench" ]; then
  run peers_bench peers.json "${quick[@]}" --out "$out"
else
  echo "== peers_bench not built (it needs libsqlite3-dev and librocksdb-dev): skipped"
fi
run retention_bench retention.json "${quick[@]}" --out "$out"
"$bin/bench_report" "${quick[@]}" "$out"

# Every headline figure in one file, and, for a full run into bench/results/, the README's
# table from it.
readme=()
if [ ${#quick[@]} -eq 0 ] && [ "$(cd "$out" && pwd -P)" = "$(cd "$root/bench/results" 2>/dev/null && pwd -P)" ]; then
  readme=(--readme "$root/README.md")
fi
python3 "$root/bench/summary.py" "${readme[@]}" "$out"
if ! grep -q '<!-- summary-table:end -->' "$out/SUMMARY.md" 2>/dev/null; then
  echo "bench/run_suite.sh: $out/SUMMARY.md was not written" >&2
  exit 1
fi
