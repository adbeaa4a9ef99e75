#!/usr/bin/env bash
# Installs the built tree into a temporary prefix, builds the README example against it with
# find_package(txgraph), runs it and checks what it prints.
set -euo pipefail
build_dir=$1
source_dir=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
cmake -S "$source_dir/tests/install" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" \
  -DEXAMPLE_SOURCE="$source_dir/examples/quickstart.cc" >/dev/null
cmake --build "$work/build" >/dev/null
out=$("$work/build/quickstart" "$work/db")
echo "$out"
grep -q "^committed tx 1$" <<<"$out"
grep -q "^Ann knows Bob (n:2)$" <<<"$out"
grep -q "^change n:1 c$" <<<"$out"
grep -q "^change r:1 c$" <<<"$out"
