# shellcheck shell=bash
# A throwaway team hub for the Kotlin and Swift suites (sourced by tests/kotlin/run.sh and
# tests/swift/run.sh): the embedded SQLite `linkwork-hub` serving plain WebSocket on a free
# loopback port (`serve` without --tls-cert/--tls-key is refused off loopback), with an
# organisation, users and one-time invite codes. The suites read:
#
#   LINKWORK_TEST_HUB_URL           ws://127.0.0.1:PORT
#   LINKWORK_TEST_HUB_CODE_ANN      an invite code for link worker "Ann" (team North)
#   LINKWORK_TEST_HUB_CODE_LENA     an invite code for team lead "Lena" (team North)
#   LINKWORK_TEST_HUB_CODE_REVOKED  an invite code for link worker "Rex", whose device the suite
#                                   revokes with the admin command
#   LINKWORK_TEST_HUB_CODE_SAM      link worker "Sam" (team South), for the Android demo's tests
#   LINKWORK_TEST_HUB_CODE_TESS     team lead "Tess" (team South), for the Android demo's tests
#   LINKWORK_TEST_HUB_CODE_GIL      link worker "Gil" (team Guide, alone), for the getting-started
#                                   samples (docs/getting-started-*.md)
#   LINKWORK_TEST_HUB_ADMIN         the admin command prefix (`linkwork-hub --database FILE`),
#                                   space-separated; the suite appends `device revoke KEY`
#
#   test_hub_start BIN [PARENT]  # BIN: the linkwork-hub binary; exports the variables above.
#                        # With PARENT, the hub's directory is made there and BIN copied into
#                        # it, so that a chroot seeing PARENT at the same path can run the admin
#                        # command (tests/swift/with-test-hub.sh)
#   test_hub_stop        # stops the hub and removes its directory (also on EXIT: trap)

test_hub_start() {
  local bin=$1 parent=${2:-${TMPDIR:-/tmp}} role user team
  mkdir -p "$parent"
  TEST_HUB_DIR=$(mktemp -d "$parent/linkwork-test-hub.XXXXXX")
  if [[ -n ${2:-} ]]; then
    ln "$bin" "$TEST_HUB_DIR/linkwork-hub" 2>/dev/null || cp "$bin" "$TEST_HUB_DIR/linkwork-hub"
    bin=$TEST_HUB_DIR/linkwork-hub
  fi
  local db=$TEST_HUB_DIR/hub.db
  "$bin" --database "$db" init --org Northside >/dev/null
  for user in "Ann link-worker North" "Lena team-lead North" "Rex link-worker North" \
    "Sam link-worker South" "Tess team-lead South" "Gil link-worker Guide"; do
    read -r user role team <<<"$user"
    "$bin" --database "$db" user add "$user" --role "$role" --team "$team" >/dev/null
  done
  "$bin" --database "$db" serve --listen 127.0.0.1:0 >"$TEST_HUB_DIR/serve.log" 2>&1 &
  TEST_HUB_PID=$!
  trap test_hub_stop EXIT
  local i addr=
  for i in $(seq 1 100); do
    addr=$(sed -n 's|^listening on \(ws://[0-9.:]*\)$|\1|p' "$TEST_HUB_DIR/serve.log")
    [[ -n $addr ]] && break
    kill -0 "$TEST_HUB_PID" 2>/dev/null || break
    sleep 0.1
  done
  if [[ -z $addr ]]; then
    echo "the test hub did not start:" >&2
    cat "$TEST_HUB_DIR/serve.log" >&2
    return 1
  fi
  export LINKWORK_TEST_HUB_URL=$addr
  LINKWORK_TEST_HUB_CODE_ANN=$("$bin" --database "$db" invite Ann 2>/dev/null)
  LINKWORK_TEST_HUB_CODE_LENA=$("$bin" --database "$db" invite Lena 2>/dev/null)
  LINKWORK_TEST_HUB_CODE_REVOKED=$("$bin" --database "$db" invite Rex 2>/dev/null)
  LINKWORK_TEST_HUB_CODE_SAM=$("$bin" --database "$db" invite Sam 2>/dev/null)
  LINKWORK_TEST_HUB_CODE_TESS=$("$bin" --database "$db" invite Tess 2>/dev/null)
  LINKWORK_TEST_HUB_CODE_GIL=$("$bin" --database "$db" invite Gil 2>/dev/null)
  export LINKWORK_TEST_HUB_CODE_ANN LINKWORK_TEST_HUB_CODE_LENA LINKWORK_TEST_HUB_CODE_REVOKED \
    LINKWORK_TEST_HUB_CODE_SAM LINKWORK_TEST_HUB_CODE_TESS LINKWORK_TEST_HUB_CODE_GIL
  export LINKWORK_TEST_HUB_ADMIN="$bin --database $db"
}

test_hub_stop() {
  if [[ -n ${TEST_HUB_PID:-} ]]; then
    kill "$TEST_HUB_PID" 2>/dev/null || true
    wait "$TEST_HUB_PID" 2>/dev/null || true
    TEST_HUB_PID=
  fi
  if [[ -n ${TEST_HUB_DIR:-} ]]; then
    rm -rf "$TEST_HUB_DIR"
    TEST_HUB_DIR=
  fi
}
