# The verbs people and CI use. Every target installs what it needs first (see tools/scripts/setup.sh).
SHELL := /bin/bash
CARGO ?= cargo

.PHONY: setup run test check snapshot check-snapshots bench ci

setup:
	tools/scripts/setup.sh

## The main job: snapshot the machine's /usr/include vfio headers for every architecture, print a summary.
run: setup
	$(CARGO) run --release -q -p uapi-guard

## All tests, on the stable toolchain.
test: setup
	$(CARGO) test --workspace

## Formatting and lints.
check: setup
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

## Regenerate every committed snapshot (downloads Debian's headers into .cache/ when missing).
snapshot: setup
	$(CARGO) build --release -q -p uapi-guard
	tools/scripts/snapshot-all.sh

## Fail if any committed snapshot differs from a fresh regeneration.
check-snapshots: setup
	$(CARGO) build --release -q -p uapi-guard
	tools/scripts/snapshot-all.sh --check

## Extraction speed (release build).
bench: setup
	$(CARGO) build --release -q -p uapi-guard
	tools/scripts/bench.sh

ci: check test check-snapshots
