#!/usr/bin/env bash
# Swift tests of the uniffi bindings: cargo build (host) -> uniffi-bindgen (swift) ->
# stage into this SwiftPM package -> `swift build` + `swift test` (XCTest) inside a
# Debian trixie chroot with Debian's swiftlang (bookworm has none).
# Then the iOS demo's logic (ios-demo/, package PatientDemo) against the same generated
# bindings and library: `swift build --build-tests`, its command line `patient-demo`, and its
# XCTest suite PatientKitTests. The bindings suite's tests run last; they include the samples of
# docs/getting-started-ios.md, extracted into the target GettingStarted.
# Recipe: shared/recipes/swift-linux.md. Needs root (debootstrap, chroot, mount, unshare).
#
#   bash tests/swift/run.sh          # exit code: non-zero if any build, test or the CLI failed
#
# Env (all optional):
#   LINKWORK_SKIP_BUILD=1 skip `cargo build` (use the .so/uniffi-bindgen already in the target dir)
#   LINKWORK_BUILD_WORKSPACE=1 build the whole workspace as `cargo test --workspace` does (set by scripts/test.sh)
#   LINKWORK_PROFILE      cargo profile dir, debug (default) or release
#   LINKWORK_REPO         workspace root (default: two levels above this script)
#   CARGO_TARGET_DIR      honoured like cargo does (default <repo>/target)
#   SWIFT_CHROOT          chroot dir (default /var/cache/swift-chroot/trixie)
#   SWIFT_OFFLINE=0       run swift with the host network (default: empty netns via unshare --net)
#   SWIFT_TEST_ARGS       extra args for `swift test`, e.g. "--filter LinkWorkTests.testFoo"
#   LINKWORK_SUITE_TIMEOUT seconds one `swift test` may run before it is stopped (900)
#   LINKWORK_SKIP_IOS_DEMO=1 skip the ios-demo package (build, CLI and tests)
#   PATIENTKIT_TEST_ARGS  extra args for the ios-demo's `swift test`, e.g. "--filter NetworkSyncTests"
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CI_SCRIPTS=$(cd "$here/../../scripts/ci" && pwd)
REPO=$(cd "${LINKWORK_REPO:-$here/../..}" && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$PWD/$TARGET_DIR
export CARGO_TARGET_DIR=$TARGET_DIR          # so cargo (run from $REPO) uses the same dir
PROFILE=${LINKWORK_PROFILE:-debug}
FFI_PKG=linkwork-ffi
BINDGEN_PKG=uniffi-bindgen
LIBNAME=linkwork_ffi                         # -> lib$LIBNAME.so, $LIBNAME.swift, ${LIBNAME}FFI.h
SWIFT_MODULE=LinkWork                        # module_name in bindings/uniffi.toml: LinkWork.swift
FFI_MODULE=${SWIFT_MODULE}FFI                # its C module: LinkWorkFFI.h, LinkWorkFFI.modulemap
SWIFT_PKG=$REPO/tests/swift
DEMO_PKG=$REPO/ios-demo                      # the iOS demo's Swift package (PatientKit, patient-demo)
CHROOT=${SWIFT_CHROOT:-/var/cache/swift-chroot/trixie}
export SWIFT_CHROOT=$CHROOT
LIBDIR=$TARGET_DIR/$PROFILE
GEN=$TARGET_DIR/swift/gen

start=$SECONDS
step() { printf '[swift-tests +%3ds] %s\n' $((SECONDS - start)) "$*" >&2; }

[[ $(id -u) == 0 ]] || { echo "tests/swift/run.sh needs root (chroot, mount)" >&2; exit 1; }
# with-test-hub.sh brings up loopback in the suite's network namespace with iproute2's `ip`.
if ! command -v ip >/dev/null; then
  apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null &&
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
      --no-install-recommends iproute2 >/dev/null
fi

bg_pid='' locked=0
# shellcheck disable=SC2317  # invoked by the EXIT trap
cleanup() {
  local m
  if [[ $locked == 1 ]]; then   # the mounts belong to whoever holds the lock
    for m in "$CHROOT$REPO" "$CHROOT/proc"; do
      while mountpoint -q "$m" 2>/dev/null; do umount "$m" 2>/dev/null || umount -l "$m" || break; done
    done
  fi
  # let a chroot bootstrap started below finish (it is resumable, but a kill wastes it)
  if [[ -n $bg_pid ]]; then wait "$bg_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Cold machine: bootstrap the chroot (~1 min, mostly network/dpkg) while cargo builds.
if [[ ! -f $CHROOT/.swiftlang-ready ]]; then
  step "chroot not ready: bootstrapping it in the background"
  bash "$CI_SCRIPTS/swift-chroot.sh" >/dev/null &
  bg_pid=$!
fi

if [[ ${LINKWORK_SKIP_BUILD:-0} != 1 ]]; then
  step "cargo build --locked ($PROFILE)"
  release=(); [[ $PROFILE == release ]] && release=(--release)
  # Inside scripts/test.sh the workspace was just built by `cargo test`: building it the same
  # way (same feature resolution) reuses every artifact instead of rebuilding dependencies.
  if [[ ${LINKWORK_BUILD_WORKSPACE:-0} == 1 ]]; then
    pkgs=(--workspace --all-targets)
  else
    pkgs=(-p "$FFI_PKG" -p "$BINDGEN_PKG" -p linkwork-hub)  # the hub HubTests.swift uses
    # the reference server the demo's tests sync with once (`linkwork sync serve`)
    [[ ${LINKWORK_SKIP_IOS_DEMO:-0} == 1 ]] || pkgs+=(-p linkwork-cli)
  fi
  (cd "$REPO" && cargo build --locked "${release[@]}" "${pkgs[@]}")
fi

# Always regenerate from the .so just built (stale bindings = checksum errors or crashes).
step "uniffi-bindgen generate --language swift -> $GEN"
rm -rf "$GEN"
# run inside the workspace: the generator calls `cargo metadata` to find bindings/uniffi.toml
(cd "$REPO" && "$LIBDIR/uniffi-bindgen" generate --no-format \
  "$LIBDIR/lib$LIBNAME.so" --language swift --out-dir "$GEN")
# One C module for both generated headers (linkwork-ffi's and linkwork-core's, ADR 0009).
bash "$REPO/scripts/bindings/swift-modulemap.sh" "$GEN"

# Stage into the SwiftPM packages (all git-ignored). Sources are copied only when they changed,
# so an incremental `swift build` does not recompile the large generated LinkWork.swift every
# run. The .so is copied (a new file each time), so the package links and runs against
# tests/swift/lib and the cargo target dir need not be visible inside the chroot, wherever
# CARGO_TARGET_DIR points; the demo package gets a hard link to it (a copy when linking fails).
stage_changed() { cmp -s "$1" "$2" || cp "$1" "$2"; }
stage_sources() {  # stage_sources PACKAGE_DIR
  mkdir -p "$1/Sources/$FFI_MODULE" "$1/Sources/$SWIFT_MODULE" "$1/lib"
  stage_changed "$GEN/$FFI_MODULE.h" "$1/Sources/$FFI_MODULE/$FFI_MODULE.h"
  stage_changed "$GEN/${SWIFT_MODULE}CoreFFI.h" "$1/Sources/$FFI_MODULE/${SWIFT_MODULE}CoreFFI.h"
  stage_changed "$GEN/$FFI_MODULE.modulemap" "$1/Sources/$FFI_MODULE/module.modulemap"  # systemLibrary needs this name
  stage_changed "$GEN/$SWIFT_MODULE.swift" "$1/Sources/$SWIFT_MODULE/$SWIFT_MODULE.swift"
  stage_changed "$GEN/${SWIFT_MODULE}Core.swift" "$1/Sources/$SWIFT_MODULE/${SWIFT_MODULE}Core.swift"
  # hand-written, shipped beside the generated code (AsyncStreams over subscribe)
  stage_changed "$REPO/bindings/swift/Sources/$SWIFT_MODULE/${SWIFT_MODULE}Streams.swift" \
    "$1/Sources/$SWIFT_MODULE/${SWIFT_MODULE}Streams.swift"
  rm -f "$1/lib/lib$LIBNAME.so"
}
step "staging into ${SWIFT_PKG#"$REPO"/}"
stage_sources "$SWIFT_PKG"
cp "$LIBDIR/lib$LIBNAME.so" "$SWIFT_PKG/lib/"
# The getting-started guide's samples (```swift sample blocks of docs/getting-started-ios.md)
# become the target GettingStarted, which GettingStartedTests.swift runs. A guide without
# samples fails the run.
samples_tmp=$(mktemp -d)
samples=$(bash "$REPO/scripts/extract-doc-samples.sh" swift "$REPO/docs/getting-started-ios.md" "$samples_tmp")
mkdir -p "$SWIFT_PKG/Sources/GettingStarted"
find "$SWIFT_PKG/Sources/GettingStarted" -name '*.swift' | while read -r f; do
  [[ -f $samples_tmp/${f##*/} ]] || rm -f "$f"
done
for f in "$samples_tmp"/*.swift; do stage_changed "$f" "$SWIFT_PKG/Sources/GettingStarted/${f##*/}"; done
rm -rf "$samples_tmp"
step "extracted $samples samples of docs/getting-started-ios.md"

demo=0; [[ ${LINKWORK_SKIP_IOS_DEMO:-0} != 1 && -f $DEMO_PKG/Package.swift ]] && demo=1
if [[ $demo == 1 ]]; then
  step "staging into ${DEMO_PKG#"$REPO"/}"
  stage_sources "$DEMO_PKG"
  ln "$SWIFT_PKG/lib/lib$LIBNAME.so" "$DEMO_PKG/lib/" 2>/dev/null || cp "$SWIFT_PKG/lib/lib$LIBNAME.so" "$DEMO_PKG/lib/"
  # The command line, for the test that syncs with `linkwork sync serve` (skipped without it).
  rm -f "$DEMO_PKG/lib/linkwork"
  if [[ -x $LIBDIR/linkwork ]]; then cp "$LIBDIR/linkwork" "$DEMO_PKG/lib/"; fi
fi

if [[ -n $bg_pid ]]; then
  step "waiting for the chroot bootstrap"
  wait "$bg_pid" || { bg_pid=; echo "chroot bootstrap failed" >&2; exit 1; }
  bg_pid=
fi

# One user of the chroot's mounts at a time (same lock as swift-chroot.sh).
exec 9>"$CHROOT.lock"
flock 9
locked=1
SWIFT_CHROOT_LOCK_HELD=1 bash "$CI_SCRIPTS/swift-chroot.sh" >/dev/null

mountpoint -q "$CHROOT/proc" || mount -t proc proc "$CHROOT/proc"  # swift's $ORIGIN rpath needs /proc
mkdir -p "$CHROOT$REPO"
# A leftover mount here (a killed run) may show an older, deleted clone at the same path:
# always bind the current one afresh. We hold the lock, so nobody else is using it.
while mountpoint -q "$CHROOT$REPO"; do umount "$CHROOT$REPO" 2>/dev/null || umount -l "$CHROOT$REPO"; done
# same path inside as outside, so the rpath baked in at link time is valid at run time
mount --bind "$REPO" "$CHROOT$REPO"

ns=(); [[ ${SWIFT_OFFLINE:-1} == 1 ]] && ns=(unshare --net)
# in_chroot DIR COMMAND: run COMMAND in DIR (a package path, same inside as outside)
in_chroot() {
  "${ns[@]}" chroot "$CHROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c "cd '$1' && $2"
}

# in_chroot_net DIR COMMAND: in_chroot with the loopback interface up (the demo's patient app
# syncs over TCP on 127.0.0.1, as the app does on the local network) and LINKWORK_CLI set.
in_chroot_net() {
  # shellcheck disable=SC2016  # $@ is expanded by the inner bash
  "${ns[@]}" bash -c 'ip -o link show lo | grep -q "state UNKNOWN\|UP" || ip link set lo up; exec "$@"' lo-up \
    chroot "$CHROOT" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LINKWORK_CLI="$DEMO_PKG/lib/linkwork" \
    bash -c "cd '$1' && $2"
}

step "swift build --build-tests (in chroot)"
in_chroot "$SWIFT_PKG" "swift build --build-tests"

# The shipped Swift package (bindings/swift/Package.swift): its manifest must evaluate in both
# modes, with the XCFramework as a binary target (a local path, or a released URL + checksum).
step "bindings/swift: swift package dump-package (local and released)"
SHIP_PKG=$REPO/bindings/swift
local_json=$(in_chroot "$SHIP_PKG" "swift package dump-package")
released_json=$(in_chroot "$SHIP_PKG" "LINKWORK_XCFRAMEWORK_URL=https://example.org/LinkWorkFFI.xcframework.zip \
  LINKWORK_XCFRAMEWORK_CHECKSUM=0000000000000000000000000000000000000000000000000000000000000000 \
  swift package dump-package")
check_manifest() {  # check_manifest JSON PATTERN WHAT
  grep -q "$2" <<<"$1" || { echo "[swift-tests] bindings/swift/Package.swift: $3" >&2; exit 1; }
}
check_manifest "$local_json" '"type" *: *"binary"' "no binary target"
check_manifest "$local_json" '"path" *: *"LinkWorkFFI.xcframework"' "the local build is not the binary target"
check_manifest "$local_json" '"name" *: *"LinkWork"' "no LinkWork target"
check_manifest "$released_json" '"url" *: *"https:[\\/]*example.org[\\/]*LinkWorkFFI.xcframework.zip"' "the released URL is not used"
check_manifest "$released_json" '"checksum" *: *"0\{64\}"' "the released checksum is not used"

# The iOS demo's logic: build, run the patient's flow on the command line, run its tests.
# A failure here is reported but does not stop the bindings suite below.
demo_failed=''
if [[ $demo == 1 ]]; then
  step "ios-demo: swift build --build-tests (in chroot)"
  if in_chroot "$DEMO_PKG" "swift build --build-tests"; then
    step "ios-demo: patient-demo (the patient's flow on the command line)"
    in_chroot_net "$DEMO_PKG" ".build/debug/patient-demo" || demo_failed+=' patient-demo'
    step "ios-demo: swift test (PatientKitTests)"
    in_chroot_net "$DEMO_PKG" "timeout --kill-after=30 ${LINKWORK_SUITE_TIMEOUT:-900} swift test --skip-build --disable-swift-testing ${PATIENTKIT_TEST_ARGS:-}" || demo_failed+=' PatientKitTests'
  else
    demo_failed+=' build'
  fi
fi

step "swift test (in chroot)"
rc=0
log=$(mktemp)
# HubTests.swift enrols and syncs with a real hub: with-test-hub.sh starts one in the same
# network namespace (its directory under lib/, which the chroot sees) and stops it afterwards.
"${ns[@]}" bash "$here/with-test-hub.sh" "$LIBDIR/linkwork-hub" "$SWIFT_PKG/lib" "$CHROOT" "$SWIFT_PKG" \
  "timeout --kill-after=30 ${LINKWORK_SUITE_TIMEOUT:-900} swift test --skip-build --disable-swift-testing ${SWIFT_TEST_ARGS:-}" \
  2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
# XCTest exits 0 when it ran nothing (a filter that matches no test, a suite that lost its
# tests): that proves nothing, so it fails here.
if ((rc == 0)) && ! grep -Eq 'Executed [1-9][0-9]* tests?' "$log"; then
  echo "[swift-tests] XCTest ran no test" >&2
  rc=1
fi
rm -f "$log"
if [[ -n $demo_failed ]]; then
  echo "[swift-tests] ios-demo FAILED:$demo_failed (see above)" >&2
  exit 1
fi
# On success no line follows XCTest's "Executed N tests, with M failures": it closes the run
# (scripts/test.sh runs this suite last for that reason); the exit code carries the result.
exit $rc
