#!/usr/bin/env bash
# Measures extraction speed with the release build (wall time, median of N runs), the way `check`
# and the bot read header trees (the direct libclang front end):
#   - the vfio set of /usr/include for all seven architectures (target: under 0.5 s)
#   - the all set of /usr/include (every UAPI folder and asm/) for x86_64 (target: under 2 s)
# and, for comparison, the bindgen-and-probe path that writes committed snapshots (vfio set).
# Usage: bench.sh [RUNS] [ALL_RUNS]   (default 5 runs of the vfio set, 3 of the all set)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
guard="$top/target/release/uapi-guard"
runs="${1:-5}"
all_runs="${2:-3}"

median() { sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }
time_once() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" 'BEGIN {printf "%.2f\n", b - a}'
}

vfio_headers=()
for h in $("$guard" headers --set vfio); do vfio_headers+=(--header "$h"); done
vfio=$(for _ in $(seq "$runs"); do time_once "$guard" snapshot "${vfio_headers[@]}" --arch all --kernel-version bench; done | median)
all=$(for _ in $(seq "$all_runs"); do time_once "$guard" snapshot --set all --arch x86_64 --kernel-version bench; done | median)
headers=$("$guard" headers --set all --arch x86_64 | wc -l)
probe=$(for _ in $(seq "$all_runs"); do time_once "$guard" snapshot --set vfio --arch all --kernel-version bench; done | median)
printf '%-52s %8s s  (median of %s; target < 0.5 s)\n' "vfio set, 7 architectures" "$vfio" "$runs"
printf '%-52s %8s s  (median of %s; target < 2 s)\n' "all set ($headers headers), x86_64" "$all" "$all_runs"
printf '%-52s %8s s  (median of %s)\n' "vfio set, 7 architectures, bindgen and the probe" "$probe" "$all_runs"
