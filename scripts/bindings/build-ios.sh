#!/usr/bin/env bash
# Builds linkwork-ffi for iOS as an XCFramework plus the Swift source:
#   <out>/LinkWorkFFI.xcframework   static libraries (device arm64; simulator arm64 + x86_64)
#                                    with LinkWorkFFI.h, LinkWorkCoreFFI.h and module.modulemap
#   <out>/LinkWork*.swift            the Swift API: LinkWork.swift (linkwork-ffi),
#                                    LinkWorkCore.swift (core's own types, ADR 0009) and the
#                                    hand-written LinkWorkStreams.swift; add all three
#                                    to one target named LinkWork
# and stages both into the Swift package bindings/swift (Package.swift, local-build mode).
#
#   bash scripts/bindings/build-ios.sh [out-dir]          # default target/bindings/ios
#
# Needs macOS with Xcode (xcodebuild, lipo) and rustup. NOT TESTED on the CI machine (Linux).
set -euo pipefail

die() { echo "build-ios.sh: $*" >&2; exit 1; }

[[ $(uname -s) == Darwin ]] || die "needs macOS with Xcode (this is $(uname -s))"
command -v xcodebuild >/dev/null || die "xcodebuild not found: install Xcode and run xcode-select"
command -v lipo >/dev/null || die "lipo not found: install the Xcode command line tools"
command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$here/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
OUT=${1:-$TARGET_DIR/bindings/ios}
[[ $OUT == /* ]] || OUT=$PWD/$OUT
targets=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios)

if command -v rustup >/dev/null; then rustup target add "${targets[@]}"; fi
for t in "${targets[@]}"; do
  (cd "$REPO" && cargo build --release --locked -p linkwork-ffi --target "$t")
done

# Swift source, header and modulemap, generated from the host build.
gen=$TARGET_DIR/bindings/swift
LINKWORK_BINDINGS_OUT=$gen bash "$here/generate.sh" swift --release >/dev/null

rm -rf "$OUT"
mkdir -p "$OUT/headers" "$OUT/sim"
cp "$gen/LinkWorkFFI.h" "$gen/LinkWorkCoreFFI.h" "$OUT/headers/"
cp "$gen/LinkWorkFFI.modulemap" "$OUT/headers/module.modulemap"
lipo -create \
  "$TARGET_DIR/aarch64-apple-ios-sim/release/liblinkwork_ffi.a" \
  "$TARGET_DIR/x86_64-apple-ios/release/liblinkwork_ffi.a" \
  -output "$OUT/sim/liblinkwork_ffi.a"
xcodebuild -create-xcframework \
  -library "$TARGET_DIR/aarch64-apple-ios/release/liblinkwork_ffi.a" -headers "$OUT/headers" \
  -library "$OUT/sim/liblinkwork_ffi.a" -headers "$OUT/headers" \
  -output "$OUT/LinkWorkFFI.xcframework"
cp "$gen"/LinkWork*.swift "$REPO/bindings/swift/Sources/LinkWork/LinkWorkStreams.swift" "$OUT/"
rm -rf "$OUT/headers" "$OUT/sim"

echo "iOS build in $OUT: LinkWorkFFI.xcframework, LinkWork.swift, LinkWorkCore.swift"

# Stage both into the Swift package (bindings/swift/Package.swift, local-build mode).
PKG=$REPO/bindings/swift
# Sources/LinkWork/LinkWorkStreams.swift is hand-written and stays; only generated files go.
rm -rf "$PKG/LinkWorkFFI.xcframework" "$PKG/Sources/LinkWork/LinkWork.swift" "$PKG/Sources/LinkWork/LinkWorkCore.swift"
cp -R "$OUT/LinkWorkFFI.xcframework" "$PKG/"
cp "$OUT/LinkWork.swift" "$OUT/LinkWorkCore.swift" "$PKG/Sources/LinkWork/"
echo "Swift package staged in $PKG (add it to the app as a local package)"
