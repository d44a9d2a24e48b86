#!/usr/bin/env bash
# Merges the two C headers uniffi-bindgen writes for Swift into the one C module `LinkWorkFFI`:
# LinkWorkFFI.h (linkwork-ffi's calls) and LinkWorkCoreFFI.h (linkwork-core's own types,
# ADR 0009; core/uniffi.toml names its module LinkWorkFFI too). Rewrites GEN/LinkWorkFFI.modulemap
# to list both headers and removes GEN/LinkWorkCoreFFI.modulemap, which would declare the same
# module a second time.
#
#   bash scripts/bindings/swift-modulemap.sh GEN_DIR
set -euo pipefail
gen=${1:?usage: swift-modulemap.sh GEN_DIR}
map=$gen/LinkWorkFFI.modulemap
for f in "$map" "$gen/LinkWorkFFI.h" "$gen/LinkWorkCoreFFI.h"; do
  [[ -f $f ]] || { echo "swift-modulemap.sh: missing $f" >&2; exit 1; }
done
grep -q 'header "LinkWorkCoreFFI.h"' "$map" ||
  sed -i.bak 's|^\( *\)header "LinkWorkFFI.h"|&\n\1header "LinkWorkCoreFFI.h"|' "$map"
rm -f "$map.bak" "$gen/LinkWorkCoreFFI.modulemap"
grep -q 'header "LinkWorkCoreFFI.h"' "$map" || { echo "swift-modulemap.sh: could not merge $map" >&2; exit 1; }
