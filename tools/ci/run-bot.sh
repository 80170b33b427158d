#!/usr/bin/env bash
# Runs uapi-guard's ABI review on a kernel change from any CI: writes the Markdown comment,
# the JSON and the SARIF next to each other, and exits with the check's status (0 nothing,
# 4 compatible changes only, 12 a break, 1 error). Posting the comment is left to the CI system
# (see tools/ci/uapi-guard-bot.yml for GitHub).
#
# Usage: run-bot.sh REPO BASE_REF HEAD_REF [OUT_DIR]        review BASE..HEAD
#        run-bot.sh --patch MBOX REPO BASE_REF [OUT_DIR]    review a patch mail on BASE
# Environment: UAPI_GUARD (the binary; default: build it from this checkout),
#              UAPI_GUARD_FAIL_ON (break, api, ...; default break), UAPI_GUARD_WAIVERS (a file).
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${1:-}" = "--patch" ]; then
  mbox=$2 repo=$3 base=$4 out=${5:-uapi-guard-review}
  change=(--patch "$mbox")
else
  repo=${1:?REPO} base=${2:?BASE_REF} head=${3:?HEAD_REF} out=${4:-uapi-guard-review}
  change=(--head "$head")
fi
guard=${UAPI_GUARD:-}
if [ -z "$guard" ]; then
  "$top/tools/scripts/setup.sh"
  cargo build --release -q --manifest-path "$top/Cargo.toml" -p uapi-guard
  guard="$top/target/release/uapi-guard"
fi
mkdir -p "$out"
common=(bot --repo "$repo" --base "$base" "${change[@]}" --fail-on "${UAPI_GUARD_FAIL_ON:-break}")
[ -n "${UAPI_GUARD_WAIVERS:-}" ] && common+=(--waivers "$UAPI_GUARD_WAIVERS")
set +e
"$guard" "${common[@]}" --format json --output "$out/review.json"
"$guard" "${common[@]}" --format sarif --output "$out/review.sarif"
"$guard" "${common[@]}" --format markdown --output "$out/comment.md"
status=$?
set -e
echo "uapi-guard: review in $out/ (comment.md, review.json, review.sarif), exit $status"
exit "$status"
