#!/usr/bin/env bash
# Fails when the generated Kotlin bindings expose an unsigned integer (issue 14: every integer
# that crosses the FFI is signed, Kotlin Int/Long, Swift Int32/Int64).
#
#   bash scripts/ci/check-signed-kotlin.sh GENERATED_KOTLIN_DIR
#
# uniffi generates an `FfiConverterUInt` (UByte, UShort, ULong) object exactly when some record
# field, enum variant field, argument or result of the interface has that type, and names the
# type `kotlin.UInt` (...) in the declaration; both are looked for. The FfiConverter interface's
# own `allocationSize(...): ULong` is uniffi's plumbing, never the API, and is not matched.
set -euo pipefail

dir=${1:?usage: check-signed-kotlin.sh GENERATED_KOTLIN_DIR}
[[ -d $dir ]] || { echo "check-signed-kotlin: no directory $dir" >&2; exit 2; }
files=$(find "$dir" -name '*.kt' | sort)
[[ -n $files ]] || { echo "check-signed-kotlin: no .kt files under $dir" >&2; exit 2; }

# shellcheck disable=SC2086  # one path per word
found=$(grep -nE 'object FfiConverterU(Byte|Short|Int|Long)\b|`[A-Za-z0-9_]+`: ([A-Za-z.]+<)*(kotlin\.)?U(Byte|Short|Int|Long)\b|\): (kotlin\.)?U(Byte|Short|Int|Long)\??( |\{|$)' $files |
  grep -vE 'fun allocationSize\(' || true)
if [[ -n $found ]]; then
  echo "Unsigned integers in the generated Kotlin (make the Rust type i32/i64; convert at the boundary):" >&2
  echo "$found" | sed "s|^$dir/||" >&2
  exit 1
fi
echo "check-signed-kotlin: no unsigned integers in $(echo "$files" | wc -l) generated Kotlin file(s)" >&2
