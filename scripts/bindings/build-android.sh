#!/usr/bin/env bash
# Builds linkwork-ffi for Android and lays it out for an app module:
#   <out>/jniLibs/{arm64-v8a,armeabi-v7a,x86_64}/liblinkwork_ffi.so   (16 KB page aligned)
#   <out>/kotlin/org/linkwork/linkwork_ffi.kt                          (android = true,
#                                                                        android_cleaner = true)
#
#   bash scripts/bindings/build-android.sh [out-dir]      # default target/bindings/android
#
# Needs the Android NDK (r27 or newer; ANDROID_NDK_HOME) and cargo-ndk (`cargo install
# cargo-ndk`). NOT TESTED on the CI machine, which has no NDK. Env: ANDROID_PLATFORM (minimum
# API level, default 24).
set -euo pipefail

die() { echo "build-android.sh: $*" >&2; exit 1; }

[[ -n ${ANDROID_NDK_HOME:-} ]] || die "ANDROID_NDK_HOME is not set: install the Android NDK (r27+) and point ANDROID_NDK_HOME at it"
[[ -d $ANDROID_NDK_HOME ]] || die "ANDROID_NDK_HOME=$ANDROID_NDK_HOME does not exist"
command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"
cargo ndk --version >/dev/null 2>&1 || die "cargo-ndk not found: cargo install cargo-ndk"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$here/../.." && pwd)
OUT=${1:-${CARGO_TARGET_DIR:-$REPO/target}/bindings/android}
[[ $OUT == /* ]] || OUT=$PWD/$OUT
PLATFORM=${ANDROID_PLATFORM:-24}

if command -v rustup >/dev/null; then
  rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android
fi

# 16 KB page alignment (required for Android 15+ devices with 16 KB pages). Per target, so the
# host build used for generating the Kotlin is not rebuilt with these flags.
page="-C link-arg=-Wl,-z,max-page-size=16384"
export CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS=$page
export CARGO_TARGET_ARMV7_LINUX_ANDROIDEABI_RUSTFLAGS=$page
export CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS=$page

rm -rf "$OUT"
mkdir -p "$OUT/jniLibs"
(cd "$REPO" && cargo ndk --platform "$PLATFORM" -t arm64-v8a -t armeabi-v7a -t x86_64 \
  -o "$OUT/jniLibs" build --release --locked -p linkwork-ffi)

# Kotlin for Android: the desktop-safe bindings/uniffi.toml plus the Android overrides.
LINKWORK_BINDGEN_CONFIG=bindings/uniffi-android.toml LINKWORK_BINDINGS_OUT="$OUT/kotlin" \
  bash "$here/generate.sh" kotlin --release >/dev/null

echo "Android build in $OUT:"
find "$OUT" -type f | sed "s|^$OUT/|  |"
