#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the hub's tests, sourced by scripts/test.sh:
#
#   source scripts/postgres.sh; postgres_start; ...; postgres_stop
#
# postgres_start installs PostgreSQL from Debian's packages if it is missing (as root), creates
# a cluster in a temporary directory owned by the `postgres` user (or the current user when not
# root), starts it on a free loopback port with trust authentication on loopback only, and
# exports LINKWORK_TEST_POSTGRES_URL (the hub's tests create one database each in it) and
# LINKWORK_TEST_POSTGRES_MARKER (a file the tests that used it append their names to, so the
# caller can prove they ran), and LINKWORK_TEST_POSTGRES_BIN / _USER (for a test that runs a
# cluster of its own, to restart it mid-sync). postgres_stop stops the cluster and deletes the directory; it is
# also registered on EXIT, so a failing run cleans up too.

# The newest server's bin directory (one with initdb: a client-only install has the directory too).
postgres_bin() {
  local initdb
  initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)
  [[ -n $initdb ]] && dirname "$initdb"
  return 0
}

postgres_start() {
  local bin
  bin=$(postgres_bin)
  if [[ -z $bin ]]; then
    if [[ $(id -u) != 0 ]]; then
      echo "PostgreSQL is not installed and this is not root: apt-get install postgresql" >&2
      return 1
    fi
    echo "installing PostgreSQL from Debian's packages"
    apt-get -o DPkg::Lock::Timeout=300 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq postgresql \
      >/dev/null
    bin=$(postgres_bin)
    [[ -n $bin ]] || { echo "PostgreSQL did not install" >&2; return 1; }
  fi

  # A free loopback port: the first in a range that nothing answers on.
  local port
  for port in $(seq 55432 55532); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  done

  POSTGRES_DIR=$(mktemp -d /tmp/linkwork-postgres.XXXXXX)
  local as=()
  if [[ $(id -u) == 0 ]]; then
    chown postgres: "$POSTGRES_DIR"
    as=(runuser -u postgres --)
  fi
  POSTGRES_AS=("${as[@]}")
  POSTGRES_PG_CTL="$bin/pg_ctl"
  trap postgres_stop EXIT

  "${as[@]}" "$bin/initdb" -D "$POSTGRES_DIR/data" -U linkwork --auth=trust -E UTF8 \
    --no-sync >"$POSTGRES_DIR/initdb.log" 2>&1 \
    || { cat "$POSTGRES_DIR/initdb.log" >&2; return 1; }
  "${as[@]}" "$POSTGRES_PG_CTL" -D "$POSTGRES_DIR/data" -l "$POSTGRES_DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $POSTGRES_DIR -c fsync=off -c max_connections=200" \
    start >/dev/null \
    || { cat "$POSTGRES_DIR/server.log" >&2; return 1; }

  export LINKWORK_TEST_POSTGRES_URL="postgres://linkwork@127.0.0.1:$port/postgres"
  # For a test that needs a cluster of its own (one it stops and starts mid-sync): the server's
  # bin directory, and the user to run it as ("" for the current user).
  export LINKWORK_TEST_POSTGRES_BIN="$bin"
  export LINKWORK_TEST_POSTGRES_USER="${as:+postgres}"
  export LINKWORK_TEST_POSTGRES_MARKER="$POSTGRES_DIR/ran"
  : >"$LINKWORK_TEST_POSTGRES_MARKER"
  chmod 666 "$LINKWORK_TEST_POSTGRES_MARKER"
  echo "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($POSTGRES_DIR)"
}

postgres_stop() {
  if [[ -n ${POSTGRES_DIR:-} && -d $POSTGRES_DIR ]]; then
    "${POSTGRES_AS[@]}" "$POSTGRES_PG_CTL" -D "$POSTGRES_DIR/data" -m immediate stop \
      >/dev/null 2>&1 || true
    rm -rf "$POSTGRES_DIR"
  fi
  POSTGRES_DIR=
}

# How many tests used the cluster (0 means the PostgreSQL tests did not run).
postgres_tests_ran() {
  [[ -n ${LINKWORK_TEST_POSTGRES_MARKER:-} && -f $LINKWORK_TEST_POSTGRES_MARKER ]] \
    && wc -l <"$LINKWORK_TEST_POSTGRES_MARKER" || echo 0
}
