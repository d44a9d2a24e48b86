#!/usr/bin/env bash
# The hub benchmark of docs/performance.md ("Hub"), one command per part:
#
#   scripts/bench-hub.sh sqlite [devices]          # embedded SQLite hub (default 1,000 devices)
#   scripts/bench-hub.sh postgres [devices]        # PostgreSQL hub, one node then two
#   scripts/bench-hub.sh automerge-repo [devices]  # the automerge-repo sync server, same load
#   scripts/bench-hub.sh samod [devices]           # the samod sync server, same clients and load
#   scripts/bench-hub.sh all [devices]             # the four, one after the other
#
# Builds linkwork-hub and linkwork-bench (release) and runs `linkwork-bench hub`; for
# `postgres`, inside a throwaway PostgreSQL cluster (scripts/postgres.sh). The automerge-repo
# side installs the npm packages of bench/automerge-repo/package.json into a cache outside the
# repository (LINKWORK_BENCH_NPM_CACHE, default ~/.cache/linkwork-bench-automerge-repo) and
# runs bench/automerge-repo/bench.mjs there. The samod side builds bench/samod (a crate of its
# own, samod from crates.io; release) and runs the same bench.mjs clients against it.
# Everything listens on loopback only.
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

npm_cache() {
  local cache=${LINKWORK_BENCH_NPM_CACHE:-$HOME/.cache/linkwork-bench-automerge-repo}
  mkdir -p "$cache"
  cp bench/automerge-repo/package.json bench/automerge-repo/*.mjs "$cache/"
  (cd "$cache" && npm install --no-audit --no-fund --silent >&2)
  echo "$cache"
}

automerge_repo() {
  local cache
  cache=$(npm_cache)
  echo "## automerge-repo sync server, $devices devices"
  node "$cache/bench.mjs" "$devices"
}

samod() {
  local cache
  cache=$(npm_cache)
  cargo build --release -q --manifest-path bench/samod/Cargo.toml
  echo "## samod sync server, $devices devices"
  LINKWORK_BENCH_SAMOD="$target/release/linkwork-bench-samod" node "$cache/bench.mjs" "$devices"
}

case $what in
  sqlite) sqlite ;;
  postgres) postgres ;;
  automerge-repo) automerge_repo ;;
  samod) samod ;;
  all) sqlite; postgres; automerge_repo; samod ;;
  *) echo "usage: $0 [sqlite|postgres|automerge-repo|samod|all] [devices]" >&2; exit 2 ;;
esac
