#!/usr/bin/env bash
# Downloads Debian's linux-libc-dev (and the linux-libc-dev-<arch>-cross packages) of several
# suites and unpacks each into a cache that is not committed:
#
#   .cache/kernel-headers/<suite>/usr/include              linux/, asm-generic/, <triple>/asm
#   .cache/kernel-headers/<suite>/usr/<triple>/include     the cross packages' asm/
#   .cache/kernel-headers/<suite>/PACKAGES                 package=version lines (provenance)
#
# apt is pointed at the machine's own configured Debian source with only the suite switched,
# through a private configuration (sources, lists, caches and an empty dpkg status under the
# cache), so the machine's apt state is never touched. Usage: fetch-kernel-headers.sh [SUITE...]
# The suites (default) and the cross architectures are xtask's lists (`cargo xtask list suites`,
# `cargo xtask list cross-arches`: tools/xtask and uapi-abi's Arch::ALL). This stays a script: it is
# an installation step (apt downloads), called by `cargo xtask snapshot` for missing suites.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cache="${UAPI_GUARD_CACHE:-$top/.cache}/kernel-headers"
xtask_list() { (cd "$top" && cargo xtask list "$1"); }
suites=("$@")
[ ${#suites[@]} -gt 0 ] || mapfile -t suites < <(xtask_list suites)
[ ${#suites[@]} -gt 0 ] || { echo "fetch-kernel-headers: cargo xtask list suites failed" >&2; exit 1; }
mapfile -t cross_arches < <(xtask_list cross-arches)
[ ${#cross_arches[@]} -gt 0 ] || { echo "fetch-kernel-headers: cargo xtask list cross-arches failed" >&2; exit 1; }

# The configured Debian archive: the first URIs of a deb822 source naming a "debian" suite, or the
# first `deb` line of a classic sources.list.
mirror=""
for f in /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] || continue
  mirror=$(awk '/^URIs:/ {u=$2} /^Suites:/ && u != "" && $0 !~ /security/ {print u; exit}' "$f")
  [ -n "$mirror" ] && break
done
if [ -z "$mirror" ]; then
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    mirror=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) {print $i; exit}}' "$f")
    [ -n "$mirror" ] && break
  done
fi
if [ -z "$mirror" ]; then
  echo "fetch-kernel-headers: no Debian source configured in /etc/apt; cannot fetch" >&2
  exit 1
fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

for suite in "${suites[@]}"; do
  work="$cache/$suite"
  state="$cache/.apt-$suite"
  rm -rf "$state"
  mkdir -p "$state/lists/partial" "$state/archives/partial" "$state/debs"
  : > "$state/status"
  echo "deb [signed-by=$keyring] $mirror $suite main" > "$state/sources.list"
  apt_opts=(-q -o "Dir::Etc::SourceList=$state/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$state/lists" -o "Dir::State::Status=$state/status"
    -o "Dir::Cache=$state" -o "Dir::Cache::Archives=$state/archives" -o APT::Architecture=amd64
    -o APT::Architectures=amd64 -o APT::Sandbox::User=root)
  echo "== $suite: updating package lists"
  apt-get "${apt_opts[@]}" update >/dev/null
  pkgs=(linux-libc-dev)
  for a in "${cross_arches[@]}"; do
    if apt-cache "${apt_opts[@]}" show "linux-libc-dev-$a-cross" >/dev/null 2>&1; then
      pkgs+=("linux-libc-dev-$a-cross")
    else
      echo "   $suite has no linux-libc-dev-$a-cross"
    fi
  done
  (cd "$state/debs" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" >/dev/null)
  rm -rf "$work.tmp"
  mkdir -p "$work.tmp"
  for deb in "$state/debs"/*.deb; do
    dpkg-deb -x "$deb" "$work.tmp"
    dpkg-deb -f "$deb" Package Version | paste -sd= | sed 's/^Package: //; s/=Version: /=/' >> "$work.tmp/PACKAGES"
  done
  sort -o "$work.tmp/PACKAGES" "$work.tmp/PACKAGES"
  rm -rf "$work"
  mv "$work.tmp" "$work"
  rm -rf "$state"
  echo "   $(tr '\n' ' ' < "$work/PACKAGES")"
done
