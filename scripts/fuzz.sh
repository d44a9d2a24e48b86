#!/usr/bin/env bash
# Builds linkwork's fuzz targets (fuzz/) with libFuzzer's coverage instrumentation on the pinned
# stable toolchain, then runs each target for a bounded time from the seed corpus kept in the repo
# (fuzz/corpus/<target>/). Fails if any target crashes, times out or runs out of memory.
#
#   bash scripts/fuzz.sh                 # every target, LINKWORK_FUZZ_SECONDS (12) each
#   bash scripts/fuzz.sh sync_session    # one target
#
# The flags are those `cargo fuzz build --sanitizer none` passes (coverage counters, compare
# tracing, --cfg fuzzing, debug assertions and overflow checks), so no nightly and no cargo-fuzz
# install is needed here; developers can still run `cargo fuzz run <target>` in fuzz/ (with
# `--sanitizer none` on stable, or any sanitizer on nightly).
#
# Env: LINKWORK_FUZZ_SECONDS   seconds per target (default 12)
#      LINKWORK_FUZZ_RSS_MB / LINKWORK_FUZZ_MALLOC_MB  memory limits (default 384 / 96 MB)
#      LINKWORK_FUZZ_TARGET_DIR  build dir (default: beside CARGO_TARGET_DIR when that is set,
#                                as in CI, else fuzz/target)
# New inputs libFuzzer finds go to a scratch directory, never into fuzz/corpus; a crashing input
# is kept in fuzz/artifacts/<target>/ (ignored by git) and its path printed. To keep one as a
# regression, copy it into fuzz/regressions/<target>/: `cargo test` replays that folder.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

seconds=${LINKWORK_FUZZ_SECONDS:-12}
if [[ -n ${LINKWORK_FUZZ_TARGET_DIR:-} ]]; then
  target_dir=$LINKWORK_FUZZ_TARGET_DIR
elif [[ -n ${CARGO_TARGET_DIR:-} ]]; then
  target_dir=$(dirname "$CARGO_TARGET_DIR")/fuzz-target
else
  target_dir=$root/fuzz/target
fi

all_targets=(sync_envelope sync_session import_document text_inputs directory_feed hub_messages)
targets=("${@:-${all_targets[@]}}")

# Memory limits (issue 13). libFuzzer's default (2 GB) let a 256 KiB input inflate to 260 MB
# unnoticed; these are close to what a phone tolerates. Inputs are bounded before automerge
# inflates them (core/src/sync/expansion.rs: 16 MiB per document), and the store, SQLite and
# libFuzzer's own corpus stay under 100 MB; anything that allocates more in one piece, or in all,
# is a bug and is reported as a crash (the input kept under fuzz/artifacts/).
rss_mb=${LINKWORK_FUZZ_RSS_MB:-384}
malloc_mb=${LINKWORK_FUZZ_MALLOC_MB:-96}

# Longest input per target: envelopes and documents of a few people fit; more only slows it.
max_len() {
  case $1 in
    text_inputs) echo 4096 ;;
    *) echo 262144 ;;
  esac
}

# libfuzzer-sys compiles libFuzzer (C++).
if ! command -v c++ >/dev/null; then
  echo "installing g++ (libFuzzer is C++)"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q g++ >/dev/null
fi

host=$(rustc -vV | sed -n 's/^host: //p')
# --target keeps the flags off build scripts and proc macros, as cargo-fuzz does. Not --locked:
# fuzz/Cargo.lock pins what it lists, and a dependency newly added to core is resolved rather
# than failing the stage.
flags=(
  -Cpasses=sancov-module
  -Cllvm-args=-sanitizer-coverage-level=4
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters
  -Cllvm-args=-sanitizer-coverage-pc-table
  -Cllvm-args=-sanitizer-coverage-trace-compares
  --cfg fuzzing
  -Cdebug-assertions
  -Coverflow-checks
)
echo "building fuzz targets (${targets[*]}) into $target_dir"
build_start=$SECONDS
(
  cd fuzz
  RUSTFLAGS="${flags[*]}" CARGO_TARGET_DIR=$target_dir \
    cargo build --release --target "$host" $(printf -- '--bin %s ' "${targets[@]}")
)
echo "built in $((SECONDS - build_start)) s"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
summary=()
failed=0
for t in "${targets[@]}"; do
  seeds=$root/fuzz/corpus/$t
  [[ -d $seeds ]] || { echo "no seed corpus at fuzz/corpus/$t" >&2; exit 1; }
  mkdir -p "$scratch/$t" "$root/fuzz/artifacts/$t"
  log=$scratch/$t.log
  echo "--- $t: ${seconds}s from $(find "$seeds" -type f | wc -l) seeds"
  # The first corpus dir receives new inputs (scratch); the committed seeds are only read.
  if "$target_dir/$host/release/$t" \
      -max_total_time="$seconds" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$malloc_mb" \
      -max_len="$(max_len "$t")" -timeout=20 \
      -print_final_stats=1 -artifact_prefix="$root/fuzz/artifacts/$t/" \
      "$scratch/$t" "$seeds" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
    summary+=("ok    $t: ${runs:-?} runs, ${cov:-cov: ?}")
  else
    failed=1
    tail -n 60 "$log"
    summary+=("CRASH $t: see the log above; input saved under fuzz/artifacts/$t/")
  fi
done

echo
echo "fuzzing summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
exit $failed
