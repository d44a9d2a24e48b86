#!/usr/bin/env bash
# Runs every check linkwork has, installing what it needs on a fresh Debian machine (as root):
# formatting, clippy, the Rust unit/integration/property tests, then the Kotlin and Swift
# binding suites against the real native library. Exit code is non-zero if anything failed.
#
#   bash scripts/test.sh
#
# Env: CARGO_TARGET_DIR (cargo's; CI points it outside the clone so builds are cached),
#      LINKWORK_SKIP_KOTLIN=1 / LINKWORK_SKIP_SWIFT=1 to leave a platform suite out locally.
#      LINKWORK_SKIP_FUZZ=1 to leave the fuzz stage out; LINKWORK_FUZZ_SECONDS per target (12).
# The hub's tests run against a throwaway PostgreSQL cluster (scripts/postgres.sh) started for
# the cargo test stage and removed after it, even when a test fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/postgres.sh

start=$SECONDS
section() { printf '\n==> [%4ds] %s\n' $((SECONDS - start)) "$*"; }
# A stage left out is said so, loudly, so that a green run never hides it.
skipped() { printf '\n==> [%4ds] SKIPPED %s (%s=1)\n' $((SECONDS - start)) "$1" "$2"; }

section "toolchain"
command -v cargo >/dev/null || { echo "cargo is required (rustup)" >&2; exit 1; }
rustup component add rustfmt clippy >/dev/null 2>&1 || true
cargo --version

section "cargo fmt --check"
cargo fmt --all -- --check

section "cargo clippy (workspace, all targets, -D warnings)"
cargo clippy --locked --workspace --all-targets -- -D warnings

section "PostgreSQL for the hub's tests (scripts/postgres.sh)"
postgres_start

section "cargo test (workspace)"
cargo test --locked --workspace
ran=$(postgres_tests_ran)
postgres_stop
if [[ $ran -lt 1 ]]; then
  echo "the hub's PostgreSQL tests did not run (LINKWORK_TEST_POSTGRES_URL was set)" >&2
  exit 1
fi
echo "hub tests on PostgreSQL: $ran"

if [[ ${LINKWORK_SKIP_FUZZ:-0} != 1 ]]; then
  # Hostile input: every decoder fuzzed for a bounded time from the committed seed corpus
  # (stable toolchain, libFuzzer; build cached beside CARGO_TARGET_DIR).
  section "fuzz targets (bounded, scripts/fuzz.sh)"
  bash scripts/fuzz.sh
else
  skipped "fuzz targets" LINKWORK_SKIP_FUZZ
fi

# The binding suites build the workspace exactly as `cargo test` just did, reusing its artifacts.
export LINKWORK_BUILD_WORKSPACE=1

section "FHIR export against an independent validator (fhir.resources)"
bash tests/fhir/run.sh

if [[ ${LINKWORK_SKIP_KOTLIN:-0} != 1 ]]; then
  section "Kotlin binding tests (JVM)"
  bash tests/kotlin/run.sh
else
  skipped "Kotlin binding tests" LINKWORK_SKIP_KOTLIN
fi

if [[ ${LINKWORK_SKIP_SWIFT:-0} != 1 ]]; then
  # Last, so that the closing line of the run is XCTest's summary.
  section "Swift binding tests (Linux, trixie chroot)"
  bash tests/swift/run.sh
else
  skipped "Swift binding tests" LINKWORK_SKIP_SWIFT
fi
