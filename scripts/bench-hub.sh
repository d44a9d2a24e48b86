#!/usr/bin/env bash
# The hub benchmark of docs/performance.md ("Hub"), one command per part:
#
#   scripts/bench-hub.sh sqlite [devices]          # embedded SQLite hub (default 1,000 devices)
#   scripts/bench-hub.sh postgres [devices]        # PostgreSQL hub, one node then two
#   scripts/bench-hub.sh automerge-repo [devices]  # the automerge-repo sync server, same load
#   scripts/bench-hub.sh all [devices]             # the three, one after the other
#
# Builds linkwork-hub and linkwork-bench (release) and runs `linkwork-bench hub`; for
# `postgres`, inside a throwaway PostgreSQL cluster (scripts/postgres.sh). The automerge-repo
# side installs the npm packages of bench/automerge-repo/package.json into a cache outside the
# repository (LINKWORK_BENCH_NPM_CACHE, default ~/.cache/linkwork-bench-automerge-repo) and
# runs bench/automerge-repo/bench.mjs there. Everything listens on loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
what=${1:-all}
devices=${2:-1000}
target=${CARGO_TARGET_DIR:-target}

build() { cargo build --release -q -p linkwork-hub -p linkwork-bench; }

sqlite() {
  build
  env -u LINKWORK_BENCH_POSTGRES_URL "$target/release/linkwork-bench" hub "$devices"
}

postgres() {
  build
  # shellcheck source=postgres.sh
  source scripts/postgres.sh
  postgres_start
  LINKWORK_BENCH_HUB_SKIP_SQLITE=1 LINKWORK_BENCH_POSTGRES_URL=$LINKWORK_TEST_POSTGRES_URL \
    "$target/release/linkwork-bench" hub "$devices"
  postgres_stop
}

automerge_repo() {
  local cache=${LINKWORK_BENCH_NPM_CACHE:-$HOME/.cache/linkwork-bench-automerge-repo}
  mkdir -p "$cache"
  cp bench/automerge-repo/package.json bench/automerge-repo/*.mjs "$cache/"
  (cd "$cache" && npm install --no-audit --no-fund --silent)
  echo "## automerge-repo sync server, $devices devices"
  node "$cache/bench.mjs" "$devices"
}

case $what in
  sqlite) sqlite ;;
  postgres) postgres ;;
  automerge-repo) automerge_repo ;;
  all) sqlite; postgres; automerge_repo ;;
  *) echo "usage: $0 [sqlite|postgres|automerge-repo|all] [devices]" >&2; exit 2 ;;
esac
