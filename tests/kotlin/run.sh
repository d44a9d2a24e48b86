#!/usr/bin/env bash
# Kotlin/JVM tests of the uniffi bindings: cargo build -> uniffi-bindgen (kotlin) ->
# kotlinc (generated code + test sources) -> java <main class>. No Gradle/Android SDK;
# JNA loads lib$LIBNAME.so. Recipe: shared/recipes/kotlin-jvm.md.
#
#   bash tests/kotlin/run.sh          # exit code = non-zero if any main class failed
#
# Env (all optional):
#   KOTLIN_MAIN_CLASSES   space-separated main classes to run, in order
#                         (default org.linkwork.tests.LinkWorkTestsKt)
#   KOTLIN_SRC_DIRS       space-separated source dirs, relative to the repo or absolute,
#                         compiled together with the generated bindings (default tests/kotlin/src)
#   KOTLIN_EXTRA_CP       extra classpath entries (':'-separated) for compile and run
#   KOTLINC_FLAGS         extra kotlinc flags, e.g. "-Werror"
#   LINKWORK_SKIP_BUILD=1 skip `cargo build` (use the .so/uniffi-bindgen already in the target dir)
#   LINKWORK_BUILD_WORKSPACE=1 build the whole workspace as `cargo test --workspace` does (set by scripts/test.sh)
#   LINKWORK_PROFILE      cargo profile dir, debug (default) or release
#   LINKWORK_REPO         workspace root (default: two levels above this script)
#   CARGO_TARGET_DIR      honoured like cargo does (default <repo>/target)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "${LINKWORK_REPO:-$here/../..}" && pwd)
TARGET_DIR=${CARGO_TARGET_DIR:-$REPO/target}
[[ $TARGET_DIR == /* ]] || TARGET_DIR=$PWD/$TARGET_DIR
export CARGO_TARGET_DIR=$TARGET_DIR          # so cargo (run from $REPO) uses the same dir
PROFILE=${LINKWORK_PROFILE:-debug}
FFI_PKG=linkwork-ffi
BINDGEN_PKG=uniffi-bindgen
LIBNAME=linkwork_ffi
MAIN_CLASSES=${KOTLIN_MAIN_CLASSES:-org.linkwork.tests.LinkWorkTestsKt}
SRC_DIRS=${KOTLIN_SRC_DIRS:-tests/kotlin/src}
OUT=$TARGET_DIR/kotlin
GEN=$OUT/gen
JAR=$OUT/linkwork-kotlin-tests.jar
LIBDIR=$TARGET_DIR/$PROFILE

start=$SECONDS
step() { printf '[kotlin-tests +%3ds] %s\n' $((SECONDS - start)) "$*" >&2; }

KOTLIN_HOME=$(bash "$here/../../scripts/ci/install-kotlin.sh")

if [[ ${LINKWORK_SKIP_BUILD:-0} != 1 ]]; then
  step "cargo build --locked ($PROFILE)"
  release=(); [[ $PROFILE == release ]] && release=(--release)
  # Inside scripts/test.sh the workspace was just built by `cargo test`: building it the same
  # way (same feature resolution) reuses every artifact instead of rebuilding dependencies.
  if [[ ${LINKWORK_BUILD_WORKSPACE:-0} == 1 ]]; then
    pkgs=(--workspace --all-targets)
  else
    pkgs=(-p "$FFI_PKG" -p "$BINDGEN_PKG")
  fi
  (cd "$REPO" && cargo build --locked "${release[@]}" "${pkgs[@]}")
fi

# Always regenerate from the .so just built: stale bindings can crash the JVM (recipe pitfall 1).
step "uniffi-bindgen generate --language kotlin -> $GEN"
rm -rf "$GEN"
# run inside the workspace: the generator calls `cargo metadata` to find bindings/uniffi.toml
(cd "$REPO" && "$LIBDIR/uniffi-bindgen" generate --no-format \
  "$LIBDIR/lib$LIBNAME.so" --language kotlin --out-dir "$GEN")

KCP=/usr/share/java/jna.jar:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar:$KOTLIN_HOME/lib/kotlin-test.jar
[[ -n ${KOTLIN_EXTRA_CP:-} ]] && KCP=$KCP:$KOTLIN_EXTRA_CP
RCP=$KCP:$KOTLIN_HOME/lib/kotlin-stdlib.jar

srcs=("$GEN")
for d in $SRC_DIRS; do
  [[ $d == /* ]] || d=$REPO/$d
  [[ -d $d ]] || { echo "kotlin source dir not found: $d" >&2; exit 1; }
  srcs+=("$d")
done

# Skip kotlinc (~7-15 s) when no input changed since the last successful compile.
inputs_hash=$( { echo "$KOTLIN_HOME $KCP ${KOTLINC_FLAGS:-}"
                 find "${srcs[@]}" -type f \( -name '*.kt' -o -name '*.java' \) -print0 | sort -z |
                   xargs -0r sha256sum; } | sha256sum | cut -d' ' -f1)
if [[ -f $JAR && -f $JAR.inputs && $(cat "$JAR.inputs") == "$inputs_hash" ]]; then
  step "kotlinc skipped (inputs unchanged)"
else
  step "kotlinc ${srcs[*]#"$REPO"/}"
  rm -f "$JAR" "$JAR.inputs"
  # C1-only JIT for the compiler JVM: about half the CPU on 2 cores (recipe section 5)
  # shellcheck disable=SC2086  # KOTLINC_FLAGS is a word list
  JAVA_OPTS="-Xmx1G -Xms256M -XX:TieredStopAtLevel=1" \
    "$KOTLIN_HOME/bin/kotlinc" "${srcs[@]}" -cp "$KCP" ${KOTLINC_FLAGS:-} -d "$JAR"
  echo "$inputs_hash" >"$JAR.inputs"
fi

rc=0
for cls in $MAIN_CLASSES; do
  step "java $cls"
  java -Djna.library.path="$LIBDIR" -cp "$JAR:$RCP" "$cls" || { r=$?; echo "$cls exited with $r" >&2; rc=1; }
done
step "done, exit code $rc"
exit $rc
