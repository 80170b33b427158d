# The verbs people and CI use. Every target installs what it needs first (see tools/scripts/setup.sh);
# the tasks themselves are `cargo xtask <verb>` (tools/xtask; `cargo xtask --help`).
SHELL := /bin/bash
CARGO ?= cargo

FUZZ_SECONDS ?= 60
TARGET ?= invalidate_ops
MUTANTS_SHARD ?=
HUNT_RUNS ?= 3
HUNT_FIXED_SECONDS ?= $(FUZZ_SECONDS)

.PHONY: setup setup-fuzz run test check snapshot check-snapshots frontend-equivalence bench ci replay corpora \
	fuzz fuzz-smoke fuzz-nightly fuzz-speed fuzz-coverage fuzz-mutant hunt oss-fuzz-test mutants

setup:
	tools/scripts/setup.sh

setup-fuzz:
	tools/scripts/setup.sh --fuzz

## The main job: the machine's /usr/include vfio headers against the committed snapshot they
## descend from, then what the newest committed snapshot would change for this machine.
## The exit status is the first part's: 4 (compatible changes only) is success here; 12 (a break)
## and 1/2 (errors) fail.
run: setup
	$(CARGO) run --release -q -p uapi-guard || [ $$? -eq 4 ]

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
	$(CARGO) xtask snapshot

## Fail if any committed snapshot differs from a fresh regeneration.
check-snapshots: setup
	$(CARGO) build --release -q -p uapi-guard
	$(CARGO) xtask snapshot --check

## The direct libclang front end against bindgen and the probe on every header of Debian's four
## trees, all seven architectures (fetched into .cache/ when missing); fails on any difference no
## known class of the bindgen path's errors explains, and on any number the probe disagrees with.
frontend-equivalence: setup
	suites=$$($(CARGO) xtask list suites) || exit 1; \
	for s in $$suites; do \
		[ -d .cache/kernel-headers/$$s/usr/include/linux ] || tools/scripts/fetch-kernel-headers.sh $$s; \
	done; \
	$(CARGO) build --release -q -p uapi-frontend --example frontend_equivalence && \
	target/release/examples/frontend_equivalence --verify \
		$$(for s in $$suites; do echo .cache/kernel-headers/$$s/usr/include; done)

## Extraction speed (release build) and the IOMMU model's throughput under the oracle.
bench:
	tools/scripts/setup.sh --bench
	$(CARGO) build --release -q -p uapi-guard
	$(CARGO) xtask bench
	$(CARGO) bench -q -p soft-iommu

## Replay every corpus file (also part of `make test`), on stable.
replay:
	$(CARGO) test -q -p soft-iommu --test corpus_replay
	$(CARGO) test -q -p uapi-abi --test corpus_replay

## Regenerate the seed corpora from meaningful inputs (see corpora/README.md).
corpora:
	$(CARGO) run -q -p soft-iommu --example make_seeds -- corpora

## Fuzz one target: make fuzz TARGET=ioctl_bytes FUZZ_SECONDS=60
fuzz: setup-fuzz
	$(CARGO) xtask fuzz run $(TARGET) $(FUZZ_SECONDS)

## Every target briefly from its corpus (CI).
fuzz-smoke: setup-fuzz
	$(CARGO) xtask fuzz smoke 10

## The nightly job: every target FUZZ_SECONDS, merge corpora, minimise crashes, table.
fuzz-nightly: setup-fuzz
	$(CARGO) xtask fuzz nightly $(FUZZ_SECONDS)

## Fuzzing throughput (exec/s) of every target beside the engine's ceiling (an empty target) and the
## target with its oracle off, with AddressSanitizer where nightly is installed;
## FUZZ_SANITIZER=none for the uninstrumented figure. Corpora are not changed.
fuzz-speed: setup-fuzz
	$(CARGO) xtask fuzz speed 20

## Source coverage of the committed corpora (nightly; report under fuzz/coverage/report/).
fuzz-coverage: setup-fuzz
	$(CARGO) xtask fuzz coverage

## Does fuzzing kill one cargo-mutants mutant? make fuzz-mutant MUTANT='<name from cargo mutants
## --list>' FUZZ_SECONDS=60 (exit 0 killed, 1 survived, 2 unknown or unviable). The name is read
## from the environment, so quotes in it pass unchanged.
fuzz-mutant: setup-fuzz
	$(CARGO) xtask fuzz mutant "$$MUTANT" $(FUZZ_SECONDS)

## Time to rediscover each review hazard by fuzzing the v1 profile (HUNT_RUNS runs each, default 3),
## then the fixed profiles HUNT_FIXED_SECONDS each without a violation.
hunt: setup-fuzz
	$(CARGO) xtask fuzz hunt $(FUZZ_SECONDS) $(HUNT_RUNS) $(HUNT_FIXED_SECONDS)

## Mutation testing of tools/soft-iommu's modelled kernel side and oracle against that package's
## tests (.cargo/mutants.toml). One part of a sharded run: make mutants MUTANTS_SHARD=0/8.
## Results in mutants.out/.
mutants:
	tools/scripts/setup.sh --mutants
	$(CARGO) mutants $(if $(MUTANTS_SHARD),--shard $(MUTANTS_SHARD))

## Run tools/oss-fuzz/build.sh without Docker and each binary over its seed corpus.
oss-fuzz-test: setup-fuzz
	$(CARGO) xtask oss-fuzz-test

ci: check test check-snapshots fuzz-smoke
