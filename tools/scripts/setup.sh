#!/usr/bin/env bash
# Installs what uapi-guard needs on a Debian machine: libclang for bindgen, clang for the per-arch
# probes, gcc-multilib for the `gcc -m32` agreement test, the linux-libc-dev-<arch>-cross
# packages whose asm/ headers the probes and bindgen use, git for the diff bot and
# python3-jsonschema for the SARIF schema test. `--fuzz` adds cargo-fuzz; `--mutants` adds
# cargo-mutants at the pinned version below; `--bench` adds abigail-tools (abidiff) for the
# comparison benchmark. As root it installs what is missing; otherwise it prints the exact
# command to run and fails.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)

# install PACKAGE...: installs those not yet installed (as root), or prints the command and fails.
install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
  done
  [ ${#missing[@]} -gt 0 ] || return 0
  if [ "$(id -u)" = 0 ]; then
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
  else
    echo "setup: missing Debian packages; run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
}

pkgs=(libclang-dev clang gcc gcc-multilib make git python3 python3-jsonschema)
[ "${1:-}" = "--bench" ] && pkgs+=(abigail-tools)
install "${pkgs[@]}"
# The other architectures' asm/ headers: the list is the model's (`cargo xtask list
# cross-arches`, which builds without libclang), read once the compiler above is there.
cross=$(cd "$top" && cargo xtask list cross-arches) && [ -n "$cross" ] ||
  { echo "setup: cannot list the architectures (cargo xtask list cross-arches)" >&2; exit 1; }
cross_pkgs=()
for a in $cross; do cross_pkgs+=("linux-libc-dev-$a-cross"); done
install "${cross_pkgs[@]}"
if [ "${1:-}" = "--fuzz" ] && ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
MUTANTS_VERSION=27.1.0
if [ "${1:-}" = "--mutants" ] \
  && [ "$(cargo mutants --version 2>/dev/null)" != "cargo-mutants $MUTANTS_VERSION" ]; then
  cargo install --locked cargo-mutants --version "$MUTANTS_VERSION"
fi
