#!/usr/bin/env bash
# Create (once) and reuse a Debian trixie chroot with Debian's swiftlang 6.0.3,
# because bookworm has no Swift and trixie's binaries need glibc >= 2.38.
# Recipe: shared/recipes/swift-linux.md. Needs root (debootstrap, chroot, mount).
#
#   bash scripts/ci/swift-chroot.sh          # -> prints the chroot path on stdout
#
# Idempotent: a finished chroot carries a stamp file and is reused as is; a
# half-built one lives in $SWIFT_CHROOT.partial and is wiped on the next run.
# Env:
#   SWIFT_CHROOT            chroot dir (default /var/cache/swift-chroot/trixie; keep it outside the repo)
#   DEBIAN_MIRROR           default http://deb.debian.org/debian
#   SWIFT_CHROOT_LOCK_HELD  set to 1 by a caller that already holds flock on "$SWIFT_CHROOT.lock"
# Log lines go to stderr; stdout carries only the chroot path.
set -euo pipefail

CHROOT=${SWIFT_CHROOT:-/var/cache/swift-chroot/trixie}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=trixie
PACKAGES=(swiftlang libc6-dev)   # libc6-dev: --no-install-recommends drops it, CDispatch needs it
STAMP=$CHROOT/.swiftlang-ready
PARTIAL=$CHROOT.partial

log() { printf '[swift-chroot] %s\n' "$*" >&2; }

# Unmount everything mounted at or below $1 (deepest first); fail if anything stays mounted.
umount_below() {
  local dir mnt left
  dir=$(realpath -m "$1")
  # /proc/self/mounts escapes blanks as \040 etc.; our paths have none.
  while read -r mnt; do
    umount "$mnt" 2>/dev/null || umount -l "$mnt" || true
  done < <(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts | sort -r)
  left=$(awk -v d="$dir" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts)
  [[ -z $left ]] || { log "still mounted below $dir: $left"; return 1; }
}

# rm -rf that refuses to cross mount points. NB: `rm --one-file-system` alone does NOT
# protect a bind mount of the same filesystem (same st_dev): it deletes through it.
safe_rm() {
  local dir=$1
  [[ -e $dir ]] || return 0
  case $(realpath -m "$dir") in
    / | /var | /var/cache | /usr | /home | /root | /work) log "refusing to delete $dir"; return 1 ;;
  esac
  umount_below "$dir"
  rm -rf --one-file-system -- "$dir"
}

ready() { [[ -f $STAMP ]] && [[ -x $CHROOT/usr/libexec/swift/bin/swift ]]; }
# NB: $CHROOT/usr/bin/swift is an absolute symlink (-> /usr/libexec/swift/bin/swift) that
# resolves against the host's / when tested from outside, so test the real binary.

mkdir -p "$(dirname "$CHROOT")"
if [[ ${SWIFT_CHROOT_LOCK_HELD:-0} != 1 ]]; then
  exec 9>"$CHROOT.lock"
  flock 9   # one bootstrapper / mounter at a time
fi

if ready; then
  log "reusing $CHROOT ($(head -1 "$STAMP"))"
  echo "$CHROOT"
  exit 0
fi

start=$SECONDS
log "bootstrapping Debian $SUITE chroot at $CHROOT (takes 1-4 min)"
if ! command -v debootstrap >/dev/null; then
  log "installing debootstrap on the host"
  aptlog=$(mktemp)
  # Lock::Timeout: wait for a concurrent apt-get (e.g. install-kotlin.sh) instead of failing
  if ! { apt-get -o DPkg::Lock::Timeout=600 update -qq &&
         DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq \
           --no-install-recommends debootstrap; } >"$aptlog" 2>&1; then
    cat "$aptlog" >&2; rm -f "$aptlog"; log "apt-get failed"; exit 1
  fi
  rm -f "$aptlog"
fi

# Children inherit the lock fd, so a stray debootstrap would keep the lock: take it down with us.
child=''
trap 'umount_below "$PARTIAL" || true' EXIT
trap '[[ -n $child ]] && kill "$child" 2>/dev/null; exit 143' TERM
trap '[[ -n $child ]] && kill "$child" 2>/dev/null; exit 130' INT
run_child() { "$@" & child=$!; wait "$child"; local rc=$?; child=''; return "$rc"; }
safe_rm "$PARTIAL"
rm -f "$PARTIAL.debootstrap.log" "$PARTIAL.apt.log"
if ! run_child debootstrap --variant=minbase "$SUITE" "$PARTIAL" "$MIRROR" >"$PARTIAL.debootstrap.log" 2>&1; then
  tail -30 "$PARTIAL.debootstrap.log" >&2
  log "debootstrap failed (log: $PARTIAL.debootstrap.log)"
  exit 1
fi
log "debootstrap done after $((SECONDS - start)) s; installing ${PACKAGES[*]}"
mount -t proc proc "$PARTIAL/proc"   # required: swift's $ORIGIN rpath needs /proc
if ! { run_child chroot "$PARTIAL" apt-get update -qq &&
       run_child chroot "$PARTIAL" env DEBIAN_FRONTEND=noninteractive \
         apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"; } >"$PARTIAL.apt.log" 2>&1; then
  tail -40 "$PARTIAL.apt.log" >&2
  log "apt-get in the chroot failed (log: $PARTIAL.apt.log)"
  exit 1
fi
chroot "$PARTIAL" apt-get clean
version=$(chroot "$PARTIAL" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin swift --version 2>&1 | head -1)
[[ $version == *"Swift version"* ]] || { log "swift does not run in the new chroot: $version"; exit 1; }
umount_below "$PARTIAL"
trap - TERM INT
{ echo "$version"; echo "packages: ${PACKAGES[*]}"; echo "built: $(date -u +%FT%TZ)"; } >"$PARTIAL/.swiftlang-ready"

safe_rm "$CHROOT"          # an old unfinished/unstamped chroot, if any
mv "$PARTIAL" "$CHROOT"
rm -f "$PARTIAL.debootstrap.log" "$PARTIAL.apt.log"
trap - EXIT
log "chroot ready after $((SECONDS - start)) s: $version"
echo "$CHROOT"
