#!/usr/bin/env bash
# cargo-fuzz verbs. Corpora live in corpora/<target> (seeds, kept small) and
# corpora/regressions/<target> (inputs that once failed; never removed).
#
#   fuzz.sh build                       build every target
#   fuzz.sh run TARGET [SECONDS]        fuzz one target (default 60 s) from its corpus
#   fuzz.sh nightly [SECONDS]           every target for SECONDS each (default 300): merge new
#                                       coverage into corpora/ and re-minimise it as cmin
#                                       does, minimise crashes into
#                                       corpora/regressions/, print a table, exit 1 on a crash
#   fuzz.sh hunt [SECONDS] [RUNS]       fuzz the v1 profile from an empty corpus once per hazard
#                                       of the seed review and run; report the time to the first
#                                       violation of that hazard (median, worst), then run the
#                                       fixed profiles as long and expect no violation
#   fuzz.sh smoke [SECONDS]             every target briefly from its corpus (CI)
#   fuzz.sh cmin                        minimise every corpora/<target>: keep the named seeds,
#                                       and of the merged inputs (SHA-1 names) only those that
#                                       reach coverage the seeds and the others do not
#   fuzz.sh speed [SECONDS]             throughput: every target for SECONDS (default 20) from a
#                                       copy of its corpus; prints executions per second and
#                                       leaves corpora/ untouched
#   fuzz.sh coverage [TARGET]           source coverage of the committed corpora (every target, or
#                                       one): a summary table, and HTML under
#                                       fuzz/coverage/report/<target>/ (needs nightly; installs
#                                       its llvm-tools component)
#
# With a nightly toolchain the targets are built with AddressSanitizer; without one (or with
# FUZZ_SANITIZER=none) they are built on stable with `-s none`, and the script says so.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top/fuzz"
targets=(ioctl_bytes copy_struct invalidate_ops snapshot_parse snapshot_trailer abi_check mbox_parse)
hazards=(over-read mode-check partial-failure unknown-flags trailing-bytes range-overflow sibling-leak)

if [ "${FUZZ_SANITIZER:-address}" != none ] && rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  fuzz=(cargo +nightly fuzz)
  flags=(-O)
  sanitizer=address
else
  fuzz=(cargo fuzz)
  flags=(-O -s none --target-dir "$top/fuzz/target-none")
  sanitizer=none
  echo "fuzz: no nightly toolchain (or FUZZ_SANITIZER=none): building on stable without sanitizers (-s none)" >&2
fi

build() { "${fuzz[@]}" build "${flags[@]}" >&2; }

# run TARGET SECONDS WORKDIR [extra corpus dirs...] -> prints the libFuzzer log path
run_target() {
  local t=$1 secs=$2 work=$3; shift 3
  local log; log=$(mktemp)
  mkdir -p "$top/fuzz/artifacts/$t"
  set +e
  "${fuzz[@]}" run "${flags[@]}" "$t" "$work" "$@" -- -max_total_time="$secs" -print_final_stats=1 \
    -artifact_prefix="$top/fuzz/artifacts/$t/" -rss_limit_mb=4096 ${FUZZ_EXTRA:-} > "$log" 2>&1
  echo $? > "$log.rc"
  set -e
  echo "$log"
}

# Minimises corpora/TARGET without losing a named seed: the named files start a fresh corpus and
# libFuzzer's merge adds, smallest first, only the SHA-1-named inputs that reach new edges (hit
# counts are not counted as coverage here, which keeps the committed corpora small; a long-running
# fuzzing farm keeps its own full corpus).
minimise() {
  local t=$1 dir="$top/corpora/$1" fresh hashed before after
  fresh=$(mktemp -d); hashed=$(mktemp -d)
  for f in "$dir"/*; do
    [ -f "$f" ] || continue
    if [[ $(basename "$f") =~ ^[0-9a-f]{40}$ ]]; then cp "$f" "$hashed/"; else cp "$f" "$fresh/"; fi
  done
  before=$(find "$dir" -type f | wc -l)
  "${fuzz[@]}" run "${flags[@]}" "$t" "$fresh" "$hashed" -- -merge=1 -use_counters=0 >/dev/null 2>&1
  find "$dir" -type f -regextype posix-extended -regex '.*/[0-9a-f]{40}' -delete
  cp "$fresh"/* "$dir"/
  after=$(find "$dir" -type f | wc -l)
  echo "fuzz: corpora/$t: $before -> $after files ($(du -sh "$dir" | cut -f1))" >&2
  rm -rf "$fresh" "$hashed"
}

stat_of() { grep -m1 "stat::$2:" "$1" | awk '{print $2}'; }
cov_of() { grep -E '^#[0-9]+' "$1" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p'; }

cmd=${1:-}
case "$cmd" in
  build) build ;;
  run)
    t=${2:?target}; secs=${3:-60}
    build
    work=$(mktemp -d)
    log=$(run_target "$t" "$secs" "$work" "$top/corpora/$t" "$top/corpora/regressions/$t")
    tail -n 20 "$log"
    exit "$(cat "$log.rc")" ;;
  smoke|nightly)
    secs=${2:-$([ "$cmd" = smoke ] && echo 10 || echo 300)}
    # CI's smoke run is deterministic: a fixed seed and a fixed number of runs within the time.
    [ "$cmd" = smoke ] && export FUZZ_EXTRA="-seed=1 -runs=${FUZZ_SMOKE_RUNS:-20000}"
    build
    crashes_total=0
    printf '%-16s %10s %8s %8s %8s  (%s)\n' target exec/s cov new crashes "sanitizer: $sanitizer"
    for t in "${targets[@]}"; do
      mkdir -p "$top/corpora/$t" "$top/corpora/regressions/$t"
      rm -f "$top/fuzz/artifacts/$t"/crash-* "$top/fuzz/artifacts/$t"/timeout-* "$top/fuzz/artifacts/$t"/oom-*
      work=$(mktemp -d)
      log=$(run_target "$t" "$secs" "$work" "$top/corpora/$t" "$top/corpora/regressions/$t")
      new=$(find "$work" -type f | wc -l)
      crashes=0
      for a in "$top/fuzz/artifacts/$t"/crash-* "$top/fuzz/artifacts/$t"/timeout-* "$top/fuzz/artifacts/$t"/oom-*; do
        [ -f "$a" ] || continue
        crashes=$((crashes + 1))
        echo "fuzz: $t: $(grep -m1 -E 'panicked|ERROR' "$log" || true)" >&2
        if [ "$cmd" = nightly ]; then
          "${fuzz[@]}" tmin "${flags[@]}" "$t" "$a" -r 2000 >/dev/null 2>&1 || true
          min=$(ls -t "$top/fuzz/artifacts/$t"/minimized-from-* 2>/dev/null | head -1)
          keep=${min:-$a}
          cp "$keep" "$top/corpora/regressions/$t/$(sha1sum "$keep" | cut -c1-16)"
          echo "fuzz: minimised into corpora/regressions/$t/; add a named unit test for it" >&2
        fi
      done
      if [ "$cmd" = nightly ] && [ "$crashes" = 0 ]; then
        # libFuzzer's merge keeps every file already in corpora/<target> (the named seeds) and
        # adds only the new inputs that reach coverage those do not.
        "${fuzz[@]}" run "${flags[@]}" "$t" "$top/corpora/$t" "$work" -- -merge=1 >/dev/null 2>&1
        minimise "$t"
      fi
      crashes_total=$((crashes_total + crashes))
      printf '%-16s %10s %8s %8s %8s\n' "$t" "$(stat_of "$log" average_exec_per_sec)" "$(cov_of "$log")" "$new" "$crashes"
    done
    [ "$crashes_total" = 0 ] ;;
  cmin)
    build
    for t in "${targets[@]}"; do minimise "$t"; done ;;
  coverage)
    rustup toolchain list 2>/dev/null | grep -q '^nightly' ||
      { echo "fuzz: coverage needs a nightly toolchain (rustup toolchain install nightly)" >&2; exit 1; }
    sysroot=$(rustc +nightly --print sysroot)
    llvm_cov=$(ls "$sysroot"/lib/rustlib/*/bin/llvm-cov 2>/dev/null | head -1)
    if [ -z "$llvm_cov" ]; then
      rustup component add --toolchain nightly llvm-tools-preview >&2
      llvm_cov=$(ls "$sysroot"/lib/rustlib/*/bin/llvm-cov | head -1)
    fi
    host=$(rustc +nightly -vV | sed -n 's/^host: //p')
    report="$top/fuzz/coverage/report"
    mkdir -p "$report"
    # Our code only: the soft-iommu model and the ABI checker, not dependencies or std.
    ignore='/\.cargo/|/rustc/|/fuzz_targets/'
    printf '%-16s %10s %10s %10s\n' target regions functions lines
    for t in ${2:-${targets[@]}}; do
      cargo +nightly fuzz coverage "$t" "$top/corpora/$t" "$top/corpora/regressions/$t" >/dev/null 2>&1
      bin="$top/fuzz/target/$host/coverage/$host/release/$t"
      prof="$top/fuzz/coverage/$t/coverage.profdata"
      "$llvm_cov" report "$bin" -instr-profile="$prof" -ignore-filename-regex="$ignore" > "$report/$t.txt"
      "$llvm_cov" show "$bin" -instr-profile="$prof" -ignore-filename-regex="$ignore" \
        -format=html -output-dir="$report/$t" >/dev/null
      # TOTAL line: regions, missed, cover, functions, missed, executed, lines, missed, cover, ...
      awk -v t="$t" '/^TOTAL/ {printf "%-16s %10s %10s %10s\n", t, $4, $7, $10}' "$report/$t.txt"
    done
    echo "per-file tables: $report/<target>.txt; HTML: $report/<target>/index.html" ;;
  speed)
    secs=${2:-20}
    build
    printf '%-16s %10s  (sanitizer: %s, %s s each)\n' target exec/s "$sanitizer" "$secs"
    for t in "${targets[@]}"; do
      work=$(mktemp -d)
      cp "$top/corpora/$t"/* "$work"/ 2>/dev/null || true
      log=$(run_target "$t" "$secs" "$work")
      printf '%-16s %10s\n' "$t" "$(stat_of "$log" average_exec_per_sec)"
      rm -rf "$work"
    done ;;
  hunt)
    secs=${2:-60}; runs=${3:-3}
    build
    printf '%-16s %8s %8s  %s\n' hazard median worst "runs (s; '>N' = not found within N s)"
    for h in "${hazards[@]}"; do
      times=()
      for r in $(seq "$runs"); do
        work=$(mktemp -d)
        start=$(date +%s.%N)
        log=$(UAPI_GUARD_PROFILES=v1 UAPI_GUARD_HUNT=$h FUZZ_EXTRA="-seed=$r" run_target invalidate_ops "$secs" "$work")
        end=$(date +%s.%N)
        if [ "$(cat "$log.rc")" != 0 ] && grep -q 'oracle violation' "$log"; then
          times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {printf "%.1f", b - a}')")
        else
          times+=(">$secs")
        fi
      done
      sorted=$(printf '%s\n' "${times[@]}" | sed 's/^>/9999/' | sort -n)
      median=$(echo "$sorted" | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}' | sed "s/^9999.*/>$secs/")
      worst=$(echo "$sorted" | tail -1 | sed "s/^9999.*/>$secs/")
      printf '%-16s %8s %8s  %s\n' "$h" "$median" "$worst" "${times[*]}"
    done
    rm -f "$top/fuzz/artifacts/invalidate_ops"/crash-*
    echo "fixed profiles, invalidate_ops and ioctl_bytes, $secs s each:"
    for t in invalidate_ops ioctl_bytes; do
      work=$(mktemp -d)
      log=$(run_target "$t" "$secs" "$work")
      if [ "$(cat "$log.rc")" = 0 ]; then echo "  $t: no violation"; else echo "  $t: VIOLATION"; grep -m3 'oracle violation' "$log"; exit 1; fi
    done ;;
  *) sed -n '2,30p' "$0"; exit 2 ;;
esac
