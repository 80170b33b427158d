#!/usr/bin/env bash
# Compares uapi-guard's full check with the kernel's own method (scripts/check-uapi.sh: compile each
# header with -g, abidw, abidiff) on the same pair of include trees and the same headers: every
# header of the `all` set (`uapi-guard headers`: every UAPI folder and x86_64's asm/). The kernel's
# method checks x86_64 only; uapi-guard runs twice, for x86_64 and for all seven architectures.
# Prints the wall times, both ratios, and what each reported, and leaves the per-header details
# in the work directory it names.
#
# Usage: bench-abidiff.sh [OLD_INCLUDE_ROOT] [NEW_INCLUDE_ROOT]
# Default: Debian's 6.1 (bookworm) and 6.12 (trixie) trees from tools/scripts/fetch-kernel-headers.sh.
# Needs abigail-tools (tools/scripts/setup.sh --bench) and a release build of uapi-guard.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
guard="$top/target/release/uapi-guard"
old=$(realpath "${1:-$top/.cache/kernel-headers/bookworm/usr/include}")
new=$(realpath "${2:-$top/.cache/kernel-headers/trixie/usr/include}")
for d in "$old" "$new"; do
  [ -d "$d/linux" ] || { echo "bench-abidiff: $d/linux missing (run tools/scripts/fetch-kernel-headers.sh)" >&2; exit 1; }
done
command -v abidw >/dev/null || { echo "bench-abidiff: abidw missing (tools/scripts/setup.sh --bench)" >&2; exit 1; }
work=$(mktemp -d /tmp/bench-abidiff.XXXXXX)
jobs=$(nproc)
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.1f", b - a}'; }

# uapi-guard: both sides read from headers, all rules, one command.
t0=$(now)
set +e
"$guard" check "$old" "$new" --set all --arch x86_64 --format json --output "$work/uapi-guard.json" 2>"$work/uapi-guard.err"
ours_rc=$?
t1=$(now)
"$guard" check "$old" "$new" --set all --arch all --format json --output "$work/uapi-guard-all.json" 2>"$work/uapi-guard-all.err"
all_rc=$?
set -e
t1b=$(now)
ours=$(elapsed "$t0" "$t1")
ours_all=$(elapsed "$t1" "$t1b")

# The kernel's method, header by header, on every core: compile with -g keeping unused types
# (plus one symbol, without which abidw refuses an object), abidw with every type, abidiff each
# pair present on both sides, non-reachable types included.
dump_side() { # side root
  local side=$1 root=$2
  mkdir -p "$work/$side"
  "$guard" headers "$root" --set all --arch x86_64 |
    xargs -P "$jobs" -I{} sh -c '
      h={}; out="$0/$(echo "$h" | tr / _)"
      printf "#include <%s>\nint uapi_guard_anchor;\n" "$h" | gcc -x c - -c -g -fno-eliminate-unused-debug-types \
        -I "$1" -I "$1/x86_64-linux-gnu" -o "$out.o" 2>/dev/null || exit 0
      abidw --load-all-types --no-corpus-path --no-comp-dir-path --type-id-style hash --out-file "$out.xml" "$out.o" 2>/dev/null || rm -f "$out.xml"
    ' "$work/$side" "$root"
}
t2=$(now)
dump_side old "$old"
dump_side new "$new"
(cd "$work/old" && ls *.xml) | xargs -P "$jobs" -I{} sh -c '
  [ -f "$0/new/{}" ] || { echo "{} removed" >> "$0/abidiff.removed"; exit 0; }
  abidiff --non-reachable-types "$0/old/{}" "$0/new/{}" > "$0/old/{}.diff" 2>&1
  echo "{} $?" >> "$0/abidiff.codes"
' "$work"
t3=$(now)
theirs=$(elapsed "$t2" "$t3")

compiled_old=$(ls "$work/old" | grep -c '\.xml$' || true)
changed=$(awk '$2 != 0' "$work/abidiff.codes" | wc -l)
incompatible=$(awk '$2 >= 8' "$work/abidiff.codes" | wc -l)
lines=$(cat "$work"/old/*.diff 2>/dev/null | wc -l)
cat > "$work/summary.py" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s = r["summary"]
heads = {f["header"] for f in r["findings"] if f["severity"] == "break"}
print("%d break findings in %d headers, %d api, %d warning, %d compatible, %d note"
      % (s["break"], len(heads), s["api"], s["warning"], s["compatible"], s["note"]))
PY
ours_summary=$(python3 "$work/summary.py" "$work/uapi-guard.json" 2>/dev/null || echo "no report (exit $ours_rc, see $work/uapi-guard.err)")

ours_all_summary=$(python3 "$work/summary.py" "$work/uapi-guard-all.json" 2>/dev/null || echo "no report (exit $all_rc, see $work/uapi-guard-all.err)")
printf '%-34s %8s s  exit %s: %s\n' "uapi-guard check (all, x86_64)" "$ours" "$ours_rc" "$ours_summary"
printf '%-34s %8s s  exit %s: %s\n' "uapi-guard check (all, 7 arches)" "$ours_all" "$all_rc" "$ours_all_summary"
printf '%-34s %8s s  %s headers dumped; abidiff: %s headers changed, %s incompatible, %s report lines\n' \
  "gcc -g + abidw + abidiff" "$theirs" "$compiled_old" "$changed" "$incompatible" "$lines"
awk -v a="$theirs" -v b="$ours" 'BEGIN {printf "ratio (abidiff method, x86_64 / uapi-guard, x86_64): %.2fx (target >= 10)\n", a / b}'
awk -v a="$theirs" -v b="$ours_all" 'BEGIN {printf "ratio (abidiff method, x86_64 / uapi-guard, 7 architectures): %.2fx (target > 1)\n", a / b}'
echo "details: $work (uapi-guard.json, abidiff.codes, old/*.diff)"
