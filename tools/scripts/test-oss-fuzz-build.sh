#!/usr/bin/env bash
# Runs tools/oss-fuzz/build.sh as OSS-Fuzz would, but without Docker: a temporary $SRC holding this
# checkout and a temporary $OUT; then runs every built binary over its seed corpus zip.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src" "$tmp/out"
ln -s "$top" "$tmp/src/uapi-guard"
if rustup toolchain list | grep -q '^nightly'; then cargo_fuzz="cargo +nightly fuzz"; else cargo_fuzz="cargo fuzz"; fi
SRC="$tmp/src" OUT="$tmp/out" CARGO_FUZZ="$cargo_fuzz" bash "$top/tools/oss-fuzz/build.sh"
status=0
for zip in "$tmp/out"/*_seed_corpus.zip; do
  target=$(basename "$zip" _seed_corpus.zip)
  [ -x "$tmp/out/$target" ] || { echo "missing binary for $target"; status=1; continue; }
  corpus="$tmp/corpus-$target"
  mkdir -p "$corpus"
  unzip -q "$zip" -d "$corpus"
  n=$(find "$corpus" -type f | wc -l)
  if "$tmp/out/$target" -runs=0 "$corpus" > "$tmp/$target.log" 2>&1; then
    echo "oss-fuzz build: $target ran its $n seed inputs"
  else
    echo "oss-fuzz build: $target FAILED on its seed corpus"; tail -20 "$tmp/$target.log"; status=1
  fi
done
exit $status
