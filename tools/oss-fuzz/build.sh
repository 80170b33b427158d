#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build script: builds every cargo-fuzz target with `cargo fuzz build -O`
# and places each binary and its <target>_seed_corpus.zip (corpora/<target> plus
# corpora/regressions/<target>) in $OUT. Tested outside Docker by `cargo xtask oss-fuzz-test` (`make oss-fuzz-test`).
cd "$SRC/uapi-guard"
CARGO_FUZZ=${CARGO_FUZZ:-cargo fuzz}
$CARGO_FUZZ build -O --fuzz-dir fuzz
release=fuzz/target/x86_64-unknown-linux-gnu/release
for target in $($CARGO_FUZZ list --fuzz-dir fuzz); do
  # `empty` only measures the engine's ceiling (cargo xtask fuzz speed); it tests nothing.
  [ "$target" = empty ] && continue
  cp "$release/$target" "$OUT/$target"
  seeds=$(mktemp -d)
  for dir in "corpora/$target" "corpora/regressions/$target"; do
    if [ -d "$dir" ]; then
      for f in "$dir"/*; do
        [ -f "$f" ] && cp "$f" "$seeds/$(basename "$dir")-$(basename "$f")"
      done
    fi
  done
  rm -f "$OUT/${target}_seed_corpus.zip"
  (cd "$seeds" && zip -q -r "$OUT/${target}_seed_corpus.zip" .)
  rm -rf "$seeds"
done
