#!/usr/bin/env bash
# Runs the Swift suite's command in the chroot with a team hub beside it (scripts/test-hub.sh),
# both in this process's network namespace: tests/swift/run.sh starts this under
# `unshare --net` (offline), where only the loopback interface exists, brought up here.
#
#   with-test-hub.sh HUB_BIN PARENT CHROOT PKG COMMAND
#
# PARENT must be visible at the same path inside CHROOT (the suite runs the hub's admin
# command from there). The hub is stopped and its directory removed on exit.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
hub_bin=$1 parent=$2 chroot_dir=$3 pkg=$4 command=$5

# In a fresh network namespace the loopback interface is down.
if ! ip -o link show lo | grep -q 'state UNKNOWN\|UP'; then ip link set lo up; fi

# shellcheck source=../../scripts/test-hub.sh
source "$here/../../scripts/test-hub.sh"
test_hub_start "$hub_bin" "$parent"
rc=0
chroot "$chroot_dir" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LINKWORK_TEST_HUB_URL="$LINKWORK_TEST_HUB_URL" \
  LINKWORK_TEST_HUB_CODE_ANN="$LINKWORK_TEST_HUB_CODE_ANN" \
  LINKWORK_TEST_HUB_CODE_LENA="$LINKWORK_TEST_HUB_CODE_LENA" \
  LINKWORK_TEST_HUB_CODE_REVOKED="$LINKWORK_TEST_HUB_CODE_REVOKED" \
  LINKWORK_TEST_HUB_CODE_GIL="$LINKWORK_TEST_HUB_CODE_GIL" \
  LINKWORK_TEST_HUB_ADMIN="$LINKWORK_TEST_HUB_ADMIN" \
  bash -c "cd '$pkg' && $command" || rc=$?
test_hub_stop
exit $rc
