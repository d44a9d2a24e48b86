#!/usr/bin/env bash
# Kotlin/JVM tests of the uniffi bindings: cargo build -> uniffi-bindgen (kotlin) ->
# kotlinc (generated code, then test sources against it) -> java <main class>. No Gradle/Android
# SDK; JNA loads lib$LIBNAME.so. Recipe: shared/recipes/kotlin-jvm.md.
# Also compiles the samples of docs/getting-started-android.md with the suite, which runs them.
# Also compiles and runs the Android demo's plain-Kotlin logic (android-demo/logic: its tests,
# then its command-line entry point), which CI cannot build with Gradle.
#
#   bash tests/kotlin/run.sh          # exit code = non-zero if any main class failed
#
# Three jars in target/kotlin, each rebuilt only when its inputs change: the generated bindings
# (linkwork-bindings.jar), the binding suite (linkwork-kotlin-tests.jar) and the demo logic
# (android-demo-logic.jar); the last two are compiled in parallel against the first.
#
# Env (all optional):
#   KOTLIN_MAIN_CLASSES   space-separated main classes to run, in order
#                         (default org.linkwork.tests.LinkWorkTestsKt)
#   KOTLIN_SRC_DIRS       space-separated source dirs, relative to the repo or absolute,
#                         compiled against the generated bindings (default tests/kotlin/src)
#   ANDROID_DEMO_MAIN_CLASSES  main classes run from the demo logic jar (default: its tests,
#                         org.linkwork.demo.tests.DemoTestsKt, then org.linkwork.demo.cli.DemoMainKt)
#   LINKWORK_SKIP_ANDROID_DEMO=1  leave the Android demo's logic out
#   LINKWORK_SKIP_ANDROID_AAR=1   leave out the Android library (scripts/package-android.sh:
#                         the Android-flavoured Kotlin compiled against stubs, .aar and .pom)
#   KOTLIN_EXTRA_CP       extra classpath entries (':'-separated) for compile and run
#   KOTLINC_FLAGS         extra kotlinc flags, e.g. "-Werror"
# The binding suite runs against a team hub started for it (scripts/test-hub.sh, the
# linkwork-hub binary built here) and stopped afterwards.
#   LINKWORK_SKIP_BUILD=1 skip `cargo build` (use the .so/uniffi-bindgen/linkwork already in the target dir)
#   LINKWORK_BUILD_WORKSPACE=1 build the whole workspace as `cargo test --workspace` does (set by scripts/test.sh)
#   LINKWORK_PROFILE      cargo profile dir, debug (default) or release
#   LINKWORK_SUITE_TIMEOUT seconds one test program may run before it is stopped (900)
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
BINDINGS_JAR=$OUT/linkwork-bindings.jar
JAR=$OUT/linkwork-kotlin-tests.jar
DEMO_JAR=$OUT/android-demo-logic.jar
DEMO_SRC_DIRS="android-demo/logic/src/main/kotlin android-demo/logic/src/test/kotlin"
DEMO_MAIN_CLASSES=${ANDROID_DEMO_MAIN_CLASSES:-org.linkwork.demo.tests.DemoTestsKt org.linkwork.demo.cli.DemoMainKt}
SKIP_DEMO=${LINKWORK_SKIP_ANDROID_DEMO:-0}
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
    # and the team hub the suite enrols and syncs with (scripts/test-hub.sh)
    pkgs=(-p "$FFI_PKG" -p "$BINDGEN_PKG" -p linkwork-hub)
    # the reference hub the demo's logic syncs with once
    [[ ${LINKWORK_SKIP_ANDROID_DEMO:-0} == 1 ]] || pkgs+=(-p linkwork-cli)
  fi
  (cd "$REPO" && cargo build --locked "${release[@]}" "${pkgs[@]}")
fi

# Always regenerate from the .so just built: stale bindings can crash the JVM (recipe pitfall 1).
step "uniffi-bindgen generate --language kotlin -> $GEN"
rm -rf "$GEN"
# run inside the workspace: the generator calls `cargo metadata` to find bindings/uniffi.toml
(cd "$REPO" && "$LIBDIR/uniffi-bindgen" generate --no-format \
  "$LIBDIR/lib$LIBNAME.so" --language kotlin --out-dir "$GEN")
# Every integer that crosses the FFI is signed: no UInt/ULong in what apps compile against.
bash "$here/../../scripts/ci/check-signed-kotlin.sh" "$GEN"

KCP=/usr/share/java/jna.jar:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar:$KOTLIN_HOME/lib/kotlin-test.jar
[[ -n ${KOTLIN_EXTRA_CP:-} ]] && KCP=$KCP:$KOTLIN_EXTRA_CP
RCP=$KCP:$KOTLIN_HOME/lib/kotlin-stdlib.jar

# source_dirs LIST: the space-separated dirs of LIST, made absolute, into the array `dirs`.
source_dirs() {
  local d
  dirs=()
  for d in $1; do
    [[ $d == /* ]] || d=$REPO/$d
    [[ -d $d ]] || { echo "kotlin source dir not found: $d" >&2; exit 1; }
    dirs+=("$d")
  done
}

# compile_jar JAR CLASSPATH SRC... : kotlinc SRC... into JAR, skipped (~10-40 s saved) when no
# input changed since the last successful compile (hash of the sources, classpath jars, flags).
compile_jar() {
  local jar=$1 cp=$2; shift 2
  local hash
  hash=$( { echo "$KOTLIN_HOME $cp ${KOTLINC_FLAGS:-}"
            tr ':' '\n' <<<"$cp" | { grep "^$OUT/" || true; } | xargs -r sha256sum
            find "$@" -type f \( -name '*.kt' -o -name '*.java' \) -print0 | sort -z |
              xargs -0r sha256sum; } | sha256sum | cut -d' ' -f1)
  if [[ -f $jar && -f $jar.inputs && $(cat "$jar.inputs") == "$hash" ]]; then
    step "kotlinc skipped for ${jar##*/} (inputs unchanged)"
    return 0
  fi
  step "kotlinc -> ${jar##*/}: ${*#"$REPO"/}"
  rm -f "$jar.inputs"
  # Written aside and moved into place, so a concurrent run never reads a half-written jar.
  local tmp=${jar%.jar}.$$.jar
  # C1-only JIT for the compiler JVM: about half the CPU on 2 cores (recipe section 5)
  # shellcheck disable=SC2086  # KOTLINC_FLAGS is a word list
  JAVA_OPTS="-Xmx1G -Xms256M -XX:TieredStopAtLevel=1" \
    "$KOTLIN_HOME/bin/kotlinc" "$@" -cp "$cp" ${KOTLINC_FLAGS:-} -d "$tmp" || { rm -f "$tmp"; return 1; }
  mv -f "$tmp" "$jar"
  echo "$hash" >"$jar.inputs"
  step "kotlinc done for ${jar##*/}"
}

source_dirs "$SRC_DIRS"; test_srcs=("${dirs[@]}")
# The getting-started guide's samples (```kotlin sample blocks of docs/getting-started-android.md):
# extracted into package org.linkwork.samples and compiled with the suite, against the stand-ins
# of the Android Keystore classes (bindings/android/stubs); GettingStartedTests.kt runs them. A
# guide without samples fails the run.
SAMPLES=$OUT/samples
samples=$(bash "$REPO/scripts/extract-doc-samples.sh" kotlin "$REPO/docs/getting-started-android.md" "$SAMPLES")
step "extracted $samples samples of docs/getting-started-android.md"
test_srcs+=("$SAMPLES" "$REPO/bindings/android/stubs")
if [[ $SKIP_DEMO != 1 ]]; then source_dirs "$DEMO_SRC_DIRS"; demo_srcs=("${dirs[@]}"); fi
# the generated Kotlin and the hand-written Flows shipped beside it (bindings/kotlin)
compile_jar "$BINDINGS_JAR" "$KCP" "$GEN" "$REPO/bindings/kotlin"

# The suite and the demo logic only need the bindings: compile them side by side (2 cores).
pids=() names=()
compile_jar "$JAR" "$BINDINGS_JAR:$KCP" "${test_srcs[@]}" & pids+=($!) names+=("binding suite")
if [[ $SKIP_DEMO != 1 ]]; then
  compile_jar "$DEMO_JAR" "$BINDINGS_JAR:$KCP" "${demo_srcs[@]}" & pids+=($!) names+=("android-demo logic")
fi

# The Android library (scripts/package-android.sh): generates the Android-flavoured Kotlin,
# compiles it against stubs of the Android classes it references (a change that breaks the
# Android code path fails here, without the Android SDK), and assembles the .aar and .pom from
# the library just built. Skipped when none of its inputs changed since it last passed.
AAR_OUT=$OUT/aar
aar_inputs=$( { sha256sum "$LIBDIR/lib$LIBNAME.so" "$LIBDIR/uniffi-bindgen" \
                  "$REPO/scripts/package-android.sh" "$REPO/bindings/uniffi.toml" "$REPO/bindings/uniffi-android.toml" "$REPO/core/uniffi.toml"
                find "$REPO/bindings/android" "$REPO/bindings/kotlin" -type f -print0 | sort -z | xargs -0r sha256sum; } |
              sha256sum | cut -d' ' -f1)
if [[ ${LINKWORK_SKIP_ANDROID_AAR:-0} == 1 ]]; then
  step "SKIPPED the Android library (LINKWORK_SKIP_ANDROID_AAR=1)"
elif [[ -f $AAR_OUT/.inputs && $(cat "$AAR_OUT/.inputs") == "$aar_inputs" ]]; then
  step "Android library skipped (inputs unchanged)"
else
  rm -f "$AAR_OUT/.inputs"
  ( LINKWORK_SKIP_BUILD=1 LINKWORK_PROFILE=$PROFILE KOTLIN_HOME=$KOTLIN_HOME \
      bash "$REPO/scripts/package-android.sh" "$AAR_OUT" >/dev/null ) & pids+=($!) names+=("android library")
fi

rc=0
built=()
for i in "${!pids[@]}"; do
  if wait "${pids[$i]}"; then built+=("${names[$i]}"); else echo "kotlinc failed: ${names[$i]}" >&2; rc=1; fi
done

if [[ " ${built[*]} " == *" android library "* ]]; then
  step "checking the .aar and .pom"
  aar=$(ls "$AAR_OUT"/linkwork-ffi-*.aar)
  listing=$(unzip -Z1 "$aar")
  for entry in AndroidManifest.xml classes.jar proguard.txt R.txt "jni/[a-z0-9_-]*/lib$LIBNAME.so"; do
    grep -qx "$entry" <<<"$listing" || { echo "the .aar lacks $entry" >&2; rc=1; }
  done
  # Listed once into a variable: `unzip | grep -q` under pipefail fails when grep stops early.
  classes=$(unzip -Z1 "$AAR_OUT/linkwork-ffi/classes.jar")
  grep -qx 'org/linkwork/LinkWorkStore.class' <<<"$classes" ||
    { echo "classes.jar lacks org.linkwork.LinkWorkStore" >&2; rc=1; }
  grep -qx 'org/linkwork/core/Goal.class' <<<"$classes" ||
    { echo "classes.jar lacks core's org.linkwork.core.Goal" >&2; rc=1; }
  ! grep -q '^android' <<<"$classes" ||
    { echo "classes.jar ships the Android stubs" >&2; rc=1; }
  pom=$(ls "$AAR_OUT"/linkwork-ffi-*.pom)
  for dep in '<artifactId>jna</artifactId>' '<type>aar</type>' '<artifactId>annotation</artifactId>' '<artifactId>kotlin-stdlib</artifactId>'; do
    grep -q "$dep" "$pom" || { echo "the .pom lacks $dep" >&2; rc=1; }
  done
  if grep -q '^import kotlinx.coroutines' "$AAR_OUT/linkwork-ffi/kotlin/org/linkwork/$LIBNAME.kt" \
       "$AAR_OUT/linkwork-ffi/kotlin/org/linkwork/core/linkwork_core.kt"; then
    grep -q '<artifactId>kotlinx-coroutines-android</artifactId>' "$pom" || { echo "the .pom lacks kotlinx-coroutines" >&2; rc=1; }
  fi
  grep -q 'com.sun.jna' "$AAR_OUT/linkwork-ffi/consumer-rules.pro" || { echo "no JNA keep rules" >&2; rc=1; }
  ((rc == 0)) && echo "$aar_inputs" >"$AAR_OUT/.inputs"
fi

run_main() {
  local jar=$1 cls=$2; shift 2
  step "java $cls"
  # Bounded: a hung test prints every thread's stack (SIGQUIT) and is killed 30 s later, so a
  # hang fails the run instead of eating CI's time.
  timeout --signal=QUIT --kill-after=30 "${LINKWORK_SUITE_TIMEOUT:-900}" \
    java -Djna.library.path="$LIBDIR" "$@" -cp "$jar:$BINDINGS_JAR:$RCP" "$cls" || { local r=$?; echo "$cls exited with $r" >&2; rc=1; }
}
# A real hub for HubTests.kt and the demo's HubSyncTests: started here, stopped at the end
# (and by the EXIT trap), URL and invite codes in the env.
source "$REPO/scripts/test-hub.sh"
step "starting a test hub (linkwork-hub, embedded SQLite, ws:// on loopback)"
test_hub_start "$LIBDIR/linkwork-hub" || rc=1
if [[ " ${built[*]} " == *" binding suite "* ]]; then
  for cls in $MAIN_CLASSES; do run_main "$JAR" "$cls"; done
fi
if [[ " ${built[*]} " == *" android-demo logic "* ]]; then
  # The demo syncs once with the reference hub (`linkwork sync serve`, built above with the
  # library; with LINKWORK_SKIP_BUILD=1 whatever binary is there, like the library). Without a
  # binary that one test reports SKIP.
  demo_opts=()
  cli=$LIBDIR/linkwork
  [[ -x $cli ]] && demo_opts+=(-Dlinkwork.cli="$cli")
  for cls in $DEMO_MAIN_CLASSES; do run_main "$DEMO_JAR" "$cls" "${demo_opts[@]}"; done
fi
test_hub_stop
step "done, exit code $rc"
exit $rc
