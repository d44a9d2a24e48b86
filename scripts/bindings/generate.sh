#!/usr/bin/env bash
# Generates the Kotlin or Swift bindings of linkwork-ffi from a freshly built host library.
#
#   bash scripts/bindings/generate.sh kotlin|swift [--release]
#     -> target/bindings/kotlin/org/linkwork/linkwork_ffi.kt
#     -> target/bindings/kotlin/org/linkwork/core/linkwork_core.kt   (core's own types, ADR 0009)
#     -> target/bindings/swift/{LinkWork.swift, LinkWorkCore.swift, LinkWorkFFI.h,
#                               LinkWorkCoreFFI.h, LinkWorkFFI.modulemap (both headers)}
#
# Env (optional):
#   LINKWORK_BINDGEN_CONFIG  extra uniffi-bindgen --config file (global format, merged over
#                            bindings/uniffi.toml), e.g. bindings/uniffi-android.toml
#   LINKWORK_BINDINGS_OUT    output directory (default target/bindings/<lang>)
#   CARGO_TARGET_DIR         honoured like cargo does
# Generated code is never committed: regenerate it from the library you ship.
set -euo pipefail

die() { echo "generate.sh: $*" >&2; exit 1; }

lang=${1:-}
[[ $lang == kotlin || $lang == swift ]] || die "usage: generate.sh kotlin|swift [--release]"
profile=debug release=()
if [[ ${2:-} == --release ]]; then profile=release release=(--release); fi
command -v cargo >/dev/null || die "cargo not found (install Rust with rustup)"

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$here/../.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$PWD/$TARGET_DIR
export CARGO_TARGET_DIR=$TARGET_DIR
OUT=${LINKWORK_BINDINGS_OUT:-$TARGET_DIR/bindings/$lang}
case $(uname -s) in Darwin) ext=dylib ;; *) ext=so ;; esac
LIB=$TARGET_DIR/$profile/liblinkwork_ffi.$ext

config=()
if [[ -n ${LINKWORK_BINDGEN_CONFIG:-} ]]; then
  cfg=$LINKWORK_BINDGEN_CONFIG
  [[ $cfg == /* ]] || cfg=$REPO/$cfg
  [[ -f $cfg ]] || die "config file not found: $cfg"
  config=(--config "$cfg")
fi

(cd "$REPO" && cargo build --locked "${release[@]}" -p linkwork-ffi -p uniffi-bindgen)
[[ -f $LIB ]] || die "library not built: $LIB"
rm -rf "$OUT"
# Run inside the workspace: uniffi-bindgen calls `cargo metadata` to find bindings/uniffi.toml.
(cd "$REPO" && "$TARGET_DIR/$profile/uniffi-bindgen" generate --no-format "${config[@]}" \
  "$LIB" --language "$lang" --out-dir "$OUT")
# Swift: one C module `LinkWorkFFI` over both headers.
[[ $lang != swift ]] || bash "$here/swift-modulemap.sh" "$OUT"
echo "$OUT"
