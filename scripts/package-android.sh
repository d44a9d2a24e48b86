#!/usr/bin/env bash
# Packages linkwork-ffi as an Android library: the layout of a library module and the .aar
# made from it, with a Maven .pom declaring what the generated Kotlin needs.
#
#   bash scripts/package-android.sh [out-dir]        # default $CARGO_TARGET_DIR/bindings/aar
#
#   <out>/linkwork-ffi/                       the library layout
#     AndroidManifest.xml
#     consumer-rules.pro                      R8/ProGuard keep rules for JNA and uniffi
#     jniLibs/<abi>/liblinkwork_ffi.so        one folder per ABI
#     kotlin/org/linkwork/linkwork_ffi.kt     generated with bindings/uniffi-android.toml
#     kotlin/org/linkwork/core/linkwork_core.kt  core's own types (ADR 0009), from the same library
#     kotlin/org/linkwork/Flows.kt            hand-written Flows (bindings/kotlin), beside them
#     classes.jar                             both, compiled (kotlinc, against stubs of the
#                                             Android classes it references: bindings/android/stubs)
#     dependencies.txt                        group:artifact:version[@type], one per line
#   <out>/linkwork-ffi-<version>.aar          AndroidManifest.xml, classes.jar, jni/<abi>/*.so,
#                                             proguard.txt (= consumer-rules.pro), R.txt
#   <out>/linkwork-ffi-<version>.pom          the same dependencies, for a Maven repository
#
# ABIs: with the Android NDK (ANDROID_NDK_HOME, r27+) and cargo-ndk, arm64-v8a, armeabi-v7a and
# x86_64 are cross-compiled (scripts/bindings/build-android.sh: 16 KB pages, API 24). Without
# them (this CI machine) only the host's ABI is built, from the host's library: the layout,
# Kotlin, rules and dependencies are the real thing, the .so is not loadable on a device. For
# an app, build on a machine with the NDK:
#   export ANDROID_NDK_HOME=/path/to/ndk/r27; cargo install cargo-ndk
#   bash scripts/package-android.sh
#
# Env: LINKWORK_SKIP_BUILD=1 (use the host library and uniffi-bindgen already built),
#      LINKWORK_PROFILE (debug, default, or release; host build only), CARGO_TARGET_DIR,
#      KOTLIN_HOME (default: scripts/ci/install-kotlin.sh installs kotlinc).
set -euo pipefail

die() { echo "package-android.sh: $*" >&2; exit 1; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$here/.." && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$PWD/$TARGET_DIR
export CARGO_TARGET_DIR=$TARGET_DIR
OUT=${1:-$TARGET_DIR/bindings/aar}
[[ $OUT == /* ]] || OUT=$PWD/$OUT
PROFILE=${LINKWORK_PROFILE:-debug}
LIBNAME=linkwork_ffi
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' "$REPO/Cargo.toml" | head -1)
[[ -n $VERSION ]] || die "no workspace version in Cargo.toml"
# Versions of the declared dependencies (what the generated Kotlin imports).
JNA=net.java.dev.jna:jna:5.14.0@aar
ANNOTATION=androidx.annotation:annotation:1.8.2
COROUTINES=org.jetbrains.kotlinx:kotlinx-coroutines-android:1.8.1

KOTLIN_HOME=${KOTLIN_HOME:-$(bash "$REPO/scripts/ci/install-kotlin.sh")}
KOTLIN_VERSION=$("$KOTLIN_HOME/bin/kotlinc" -version 2>&1 | sed -n 's/.*kotlinc-jvm \([0-9.]*\).*/\1/p')
[[ -n $KOTLIN_VERSION ]] || die "cannot read the kotlinc version"
command -v zip >/dev/null || die "zip not found (apt-get install zip)"

LIB=$OUT/linkwork-ffi
work=$OUT/.work
rm -rf "$LIB" "$work"
mkdir -p "$LIB/jniLibs" "$LIB/kotlin" "$work"

# --- native libraries, one folder per ABI ---
if [[ -n ${ANDROID_NDK_HOME:-} ]] && cargo ndk --version >/dev/null 2>&1; then
  bash "$REPO/scripts/bindings/build-android.sh" "$work/ndk" >/dev/null
  cp -R "$work/ndk/jniLibs/." "$LIB/jniLibs/"
  bindgen_profile=release
else
  case $(uname -m) in
    x86_64) abi=x86_64 ;;
    aarch64 | arm64) abi=arm64-v8a ;;
    *) die "no Android ABI for host $(uname -m)" ;;
  esac
  if [[ ${LINKWORK_SKIP_BUILD:-0} != 1 ]]; then
    release=(); [[ $PROFILE == release ]] && release=(--release)
    (cd "$REPO" && cargo build --locked "${release[@]}" -p linkwork-ffi -p uniffi-bindgen)
  fi
  mkdir -p "$LIB/jniLibs/$abi"
  cp "$TARGET_DIR/$PROFILE/lib$LIBNAME.so" "$LIB/jniLibs/$abi/"
  bindgen_profile=$PROFILE
  echo "package-android.sh: no Android NDK: host ABI $abi only (a layout check, not for devices)" >&2
fi

# --- the Android-flavoured Kotlin ---
BINDGEN=$TARGET_DIR/$bindgen_profile/uniffi-bindgen
HOSTLIB=$TARGET_DIR/$bindgen_profile/lib$LIBNAME.so
[[ -x $BINDGEN && -f $HOSTLIB ]] || die "missing $BINDGEN or $HOSTLIB (build them, or unset LINKWORK_SKIP_BUILD)"
(cd "$REPO" && "$BINDGEN" generate --no-format --config bindings/uniffi-android.toml \
  "$HOSTLIB" --language kotlin --out-dir "$LIB/kotlin")
KT=$LIB/kotlin/org/linkwork/$LIBNAME.kt
CORE_KT=$LIB/kotlin/org/linkwork/core/linkwork_core.kt
for f in "$KT" "$CORE_KT"; do
  [[ -f $f ]] || die "uniffi-bindgen wrote no $f"
done
# Only linkwork-ffi's file holds objects (and so the cleaner); core's holds records and enums.
grep -q 'android.system.SystemCleaner' "$KT" || die "the generated $KT is not Android-flavoured"
# The hand-written Kotlin shipped beside the generated code (Flows over subscribe).
cp -R "$REPO/bindings/kotlin/." "$LIB/kotlin/"

# --- compile it against the stubs (the check that catches a breaking change without the SDK) ---
KCP=/usr/share/java/jna.jar:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar
JAVA_OPTS="-Xmx1G -Xms256M -XX:TieredStopAtLevel=1" \
  "$KOTLIN_HOME/bin/kotlinc" "$REPO/bindings/android/stubs" -cp "$KCP" -d "$work/stubs"
JAVA_OPTS="-Xmx1G -Xms256M -XX:TieredStopAtLevel=1" \
  "$KOTLIN_HOME/bin/kotlinc" "$LIB/kotlin" -cp "$KCP:$work/stubs" -d "$work/classes"
# Only the library's own classes ship: never the stubs (the device has the real ones).
[[ -d $work/classes/org/linkwork ]] || die "kotlinc produced no org.linkwork classes"
(cd "$work/classes" && zip -qr "$LIB/classes.jar" org META-INF)

# --- rules, manifest, dependencies (from what the generated code imports) ---
cp "$REPO/bindings/android/consumer-rules.pro" "$REPO/bindings/android/AndroidManifest.xml" "$LIB/"
deps=("org.jetbrains.kotlin:kotlin-stdlib:$KOTLIN_VERSION")
grep -q '^import com.sun.jna' "$KT" "$CORE_KT" && deps+=("$JNA")
grep -q '^import androidx.annotation' "$KT" "$CORE_KT" && deps+=("$ANNOTATION")
grep -rq '^import kotlinx.coroutines' "$LIB/kotlin" && deps+=("$COROUTINES")
printf '%s\n' "${deps[@]}" >"$LIB/dependencies.txt"

# --- the .aar: a zip in the layout the Android Gradle plugin reads ---
stage=$work/aar
mkdir -p "$stage/jni"
cp "$LIB/AndroidManifest.xml" "$LIB/classes.jar" "$stage/"
cp "$LIB/consumer-rules.pro" "$stage/proguard.txt"
cp -R "$LIB/jniLibs/." "$stage/jni/"
: >"$stage/R.txt"
AAR=$OUT/linkwork-ffi-$VERSION.aar
rm -f "$AAR"
(cd "$stage" && zip -qr "$AAR" AndroidManifest.xml classes.jar proguard.txt R.txt jni)

# --- the .pom ---
POM=$OUT/linkwork-ffi-$VERSION.pom
{
  cat <<POM
<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>org.linkwork</groupId>
  <artifactId>linkwork-ffi</artifactId>
  <version>$VERSION</version>
  <packaging>aar</packaging>
  <dependencies>
POM
  for d in "${deps[@]}"; do
    coords=${d%@*} type=jar
    [[ $d == *@* ]] && type=${d#*@}
    IFS=: read -r g a v <<<"$coords"
    printf '    <dependency>\n      <groupId>%s</groupId>\n      <artifactId>%s</artifactId>\n      <version>%s</version>\n' "$g" "$a" "$v"
    [[ $type != jar ]] && printf '      <type>%s</type>\n' "$type"
    printf '      <scope>compile</scope>\n    </dependency>\n'
  done
  printf '  </dependencies>\n</project>\n'
} >"$POM"

rm -rf "$work"
echo "Android library in $OUT:"
find "$OUT" -maxdepth 1 -type f -name 'linkwork-ffi-*' | sed "s|^$OUT/|  |"
find "$LIB" -type f | sed "s|^$OUT/|  |"
