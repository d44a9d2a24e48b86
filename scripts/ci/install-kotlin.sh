#!/usr/bin/env bash
# Install (once) what the Kotlin/JVM binding tests need: JNA from Debian (libjna-java)
# and the Kotlin compiler from the npm package kotlin-compiler (no Gradle, no Maven).
# Recipe: shared/recipes/kotlin-jvm.md. Needs root for apt-get.
#
#   KOTLIN_HOME=$(bash scripts/ci/install-kotlin.sh)   # stdout = KOTLIN_HOME only
#
# Idempotent: apt-get update runs only when a Debian package is missing; kotlinc is
# unpacked into $KOTLIN_INSTALL_DIR.partial and moved into place once it runs.
# Env: KOTLIN_INSTALL_DIR (default /opt/kotlinc), KOTLIN_VERSION (default 2.4.20).
set -euo pipefail

KOTLIN_VERSION=${KOTLIN_VERSION:-2.4.20}
INSTALL_DIR=${KOTLIN_INSTALL_DIR:-/opt/kotlinc}
KOTLIN_HOME=$INSTALL_DIR/package
STAMP=$INSTALL_DIR/.kotlinc-ready
# sha256 of kotlin-compiler-2.4.20.tgz as recorded in the recipe (only its ends are known)
TGZ_SHA_PREFIX=c23dab40 TGZ_SHA_SUFFIX=e950f

log() { printf '[install-kotlin] %s\n' "$*" >&2; }

# ---- Debian packages (JNA; a JRE and npm in case the image lacks them) ----
need=()
dpkg -s libjna-java >/dev/null 2>&1 || need+=(libjna-java)
command -v java >/dev/null || need+=(openjdk-17-jre-headless)
if [[ ! -f $STAMP ]] && ! command -v npm >/dev/null; then need+=(npm); fi
if ((${#need[@]})); then
  log "apt-get install ${need[*]}"
  aptlog=$(mktemp)
  # Lock::Timeout: wait for a concurrent apt-get (e.g. swift-chroot.sh installing debootstrap)
  if ! { apt-get -o DPkg::Lock::Timeout=600 update -qq &&
         DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
           --no-install-recommends "${need[@]}"; } >"$aptlog" 2>&1; then
    cat "$aptlog" >&2; rm -f "$aptlog"; log "apt-get failed"; exit 1
  fi
  rm -f "$aptlog"
fi
[[ -f /usr/share/java/jna.jar ]] || { log "missing /usr/share/java/jna.jar"; exit 1; }

# ---- kotlinc from npm ----
if [[ -f $STAMP && -x $KOTLIN_HOME/bin/kotlinc ]] && grep -qx "$KOTLIN_VERSION" "$STAMP"; then
  log "reusing kotlinc $KOTLIN_VERSION at $KOTLIN_HOME"
  echo "$KOTLIN_HOME"
  exit 0
fi

mkdir -p "$(dirname "$INSTALL_DIR")"
exec 9>"$INSTALL_DIR.lock"
flock 9
if [[ -f $STAMP && -x $KOTLIN_HOME/bin/kotlinc ]] && grep -qx "$KOTLIN_VERSION" "$STAMP"; then
  echo "$KOTLIN_HOME"   # installed by a concurrent run while we waited
  exit 0
fi

log "installing kotlin-compiler@$KOTLIN_VERSION from npm into $INSTALL_DIR"
tmp=$INSTALL_DIR.partial
rm -rf --one-file-system -- "$tmp"
mkdir -p "$tmp"
(cd "$tmp" && npm pack "kotlin-compiler@$KOTLIN_VERSION" --silent >/dev/null)
tgz=$tmp/kotlin-compiler-$KOTLIN_VERSION.tgz
if [[ $KOTLIN_VERSION == 2.4.20 ]]; then
  sha=$(sha256sum "$tgz" | cut -d' ' -f1)
  [[ $sha == "$TGZ_SHA_PREFIX"*"$TGZ_SHA_SUFFIX" ]] || { log "unexpected sha256 $sha for $tgz"; exit 1; }
fi
tar -xzf "$tgz" -C "$tmp"        # -> $tmp/package/{bin,lib}
rm -f "$tgz"
"$tmp/package/bin/kotlinc" -version 2>&1 | sed 's/^/[install-kotlin] /' >&2
echo "$KOTLIN_VERSION" >"$tmp/.kotlinc-ready"
rm -rf --one-file-system -- "$INSTALL_DIR"
mv "$tmp" "$INSTALL_DIR"
log "kotlinc $KOTLIN_VERSION ready"
echo "$KOTLIN_HOME"
