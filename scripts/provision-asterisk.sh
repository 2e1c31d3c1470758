#!/usr/bin/env bash
# Provision a real Asterisk 22 into a project-local prefix, from Debian sid packages, with a cache.
#
# Usage: scripts/provision-asterisk.sh [PREFIX]
#   PREFIX              default $ASTERISK_PREFIX, else <repo>/.asterisk (git-ignored)
#   IVR_CACHE_DIR       cache root (default ~/.cache/ivr); the tarball lives in $IVR_CACHE_DIR/asterisk/
#   IVR_DEBIAN_MIRROR   Debian mirror URL (default: the host's own Debian mirror, else deb.debian.org)
#   IVR_DEBIAN_SUITE    default sid
#   IVR_APT_TIMEOUT     seconds per apt connection (default 20); IVR_APT_RETRIES (default 1)
#   IVR_PROVISION_FORCE=1  ignore the stamp and the cached tarball: re-download from the mirror
#
# Nothing is installed system-wide and the host's /etc/apt is only read (to find its mirror): apt runs with
# a private configuration (APT_CONFIG) and an empty dpkg status, so it downloads the whole dependency
# closure, which is unpacked with `dpkg-deb -x` and run through sid's own dynamic loader:
#   PREFIX/bin/asterisk ARGS...   (wrapper; the process shows in ps as ld-linux-x86-64.so.2)
# Paths inside the prefix: modules  PREFIX/usr/lib/x86_64-linux-gnu/asterisk/modules
#                          data     PREFIX/usr/share/asterisk
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
PREFIX=${1:-${ASTERISK_PREFIX:-$REPO/.asterisk}}
CACHE_DIR=${IVR_CACHE_DIR:-$HOME/.cache/ivr}/asterisk
TARBALL=$CACHE_DIR/asterisk-prefix.tar.zst
SUITE=${IVR_DEBIAN_SUITE:-sid}
PACKAGES=(asterisk asterisk-modules)   # every module the project needs ships in asterisk-modules
WANT_MAJOR=22
STAMP_NAME=.ivr-asterisk-provisioned
MARKER_NAME=.ivr-asterisk-prefix
T0=$EPOCHREALTIME

log() { printf 'provision-asterisk: %s\n' "$*" >&2; }
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
die() {  # die STEP DETAIL
    cat >&2 <<EOF
provision-asterisk: FAILED at step: $1
  $2
  Neither the cache ($TARBALL) nor the mirror ($MIRROR, suite $SUITE) provided Asterisk $WANT_MAJOR.
  How to fix:
    - point IVR_CACHE_DIR at a directory holding asterisk/asterisk-prefix.tar.zst from a machine where
      this script worked (e.g. copy ~/.cache/ivr/asterisk/asterisk-prefix.tar.zst), or
    - check that the mirror is reachable (curl -sI $MIRROR/dists/$SUITE/InRelease), or set
      IVR_DEBIAN_MIRROR to a reachable Debian mirror that carries $SUITE (or IVR_DEBIAN_SUITE).
EOF
    exit 1
}

host_mirror() {  # the host's Debian mirror (not debian-security), so we use the only reachable host
    local f url
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
        [[ -r $f ]] || continue
        url=$(grep -hoE '(https?|file)://[^ ]*/debian/?( |$)' "$f" 2>/dev/null | head -n1 | tr -d ' ') || true
        if [[ -n $url ]]; then printf '%s\n' "${url%/}"; return; fi
    done
    printf '%s\n' http://deb.debian.org/debian
}
MIRROR=${IVR_DEBIAN_MIRROR:-$(host_mirror)}

run_asterisk() {  # run_asterisk PREFIX ARGS... : sid's loader + sid's libraries
    local p=$1; shift
    "$p/usr/lib64/ld-linux-x86-64.so.2" --library-path "$p/usr/lib/x86_64-linux-gnu" \
        "$p/usr/sbin/asterisk" "$@"
}

version_of() {  # prints "Asterisk 22..." or nothing
    local out
    [[ -x $1/usr/sbin/asterisk && -e $1/usr/lib64/ld-linux-x86-64.so.2 ]] || return 1
    out=$(run_asterisk "$1" -V 2>/dev/null) || return 1
    [[ $out == "Asterisk $WANT_MAJOR".* ]] || return 1
    printf '%s\n' "$out"
}

# ---- fast path: already provisioned (stamp + -V) ------------------------------------------------------
if [[ ${IVR_PROVISION_FORCE:-0} != 1 && -f $PREFIX/$STAMP_NAME && -x $PREFIX/bin/asterisk ]]; then
    if version=$(version_of "$PREFIX"); then
        log "$version already in $PREFIX ($(elapsed "$T0") s)"
        exit 0
    fi
    log "stamp present but '$PREFIX' does not run Asterisk $WANT_MAJOR: re-provisioning"
fi

command -v zstd >/dev/null || die "prerequisites" "zstd is missing (scripts/install-system-deps.sh installs it)."
mkdir -p "$CACHE_DIR" "$(dirname "$PREFIX")"
PREFIX=$(cd "$(dirname "$PREFIX")" && pwd -P)/$(basename "$PREFIX")

# One provisioning at a time per cache (parallel `make setup` and tests).
exec 9>"$CACHE_DIR/.lock"
flock 9
if [[ ${IVR_PROVISION_FORCE:-0} != 1 && -f $PREFIX/$STAMP_NAME ]] && version=$(version_of "$PREFIX"); then
    log "$version provisioned meanwhile by another run in $PREFIX"
    exit 0
fi

STAGE=$PREFIX.partial.$$
cleanup() { rm -rf "$STAGE"; }
trap cleanup EXIT

finish_prefix() {  # finish_prefix DIR : wrapper, symlinks; relocatable (everything relative to the prefix)
    local p=$1 loader
    mkdir -p "$p/bin"
    cat >"$p/bin/asterisk" <<'EOF'
#!/bin/sh
# Runs the Asterisk unpacked in this prefix with its own (Debian sid) loader and libraries.
p=$(cd "$(dirname "$0")/.." && pwd -P)
GCONV_PATH=$p/usr/lib/x86_64-linux-gnu/gconv
export GCONV_PATH
exec "$p/usr/lib64/ld-linux-x86-64.so.2" --library-path "$p/usr/lib/x86_64-linux-gnu" \
    "$p/usr/sbin/asterisk" "$@"
EOF
    chmod 755 "$p/bin/asterisk"
    # libc6 ships the loader link; make sure it resolves inside the prefix, never to the host's loader.
    loader=$p/usr/lib64/ld-linux-x86-64.so.2
    if [[ -L $loader && $(readlink "$loader") == /* ]]; then
        ln -sfn ../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 "$loader"
    fi
    if [[ -d $p/usr/share/asterisk/sounds/en_US_f_Allison && ! -e $p/usr/share/asterisk/sounds/en ]]; then
        ln -s en_US_f_Allison "$p/usr/share/asterisk/sounds/en"
    fi
    : >"$p/$MARKER_NAME"
}

check_replaceable() {  # never delete a directory this script did not make
    if [[ -e $PREFIX && -n $(ls -A "$PREFIX") && ! -e $PREFIX/$MARKER_NAME && ! -e $PREFIX/usr/sbin/asterisk ]]
    then
        die "install" "$PREFIX exists, is not empty and is not an Asterisk prefix: refusing to replace it."
    fi
}
check_replaceable

install_stage() {  # install_stage VERSION SOURCE : atomically replace PREFIX by STAGE
    local old
    if [[ -e $PREFIX ]]; then
        check_replaceable
        old=$PREFIX.old.$$
        mv "$PREFIX" "$old"
        rm -rf "$old"
    fi
    printf '%s\nsource=%s\n' "$1" "$2" >"$STAGE/$STAMP_NAME"
    mv "$STAGE" "$PREFIX"
}

# ---- cached path: restore the tarball ------------------------------------------------------------------
if [[ ${IVR_PROVISION_FORCE:-0} != 1 && -s $TARBALL ]]; then
    t=$EPOCHREALTIME
    rm -rf "$STAGE"; mkdir -p "$STAGE"
    if tar --zstd -xf "$TARBALL" -C "$STAGE" && finish_prefix "$STAGE" && version=$(version_of "$STAGE"); then
        install_stage "$version" "cache"
        log "$version restored from cache $TARBALL into $PREFIX in $(elapsed "$t") s (cached path)"
        exit 0
    fi
    log "cached tarball $TARBALL is unusable (corrupt or not Asterisk $WANT_MAJOR): trying the mirror"
fi

# ---- cold path: the Debian mirror -----------------------------------------------------------------------
T_COLD=$EPOCHREALTIME
APT_DIR=$CACHE_DIR/apt
# shellcheck source=scripts/private-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/private-apt.sh"
private_apt "$APT_DIR" "$MIRROR" "$SUITE" main

t=$EPOCHREALTIME
log "apt-get update from $MIRROR $SUITE"
if ! out=$(apt-get -q update 2>&1); then
    printf '%s\n' "$out" | tail -n 5 >&2
    die "apt-get update" "could not fetch the $SUITE package index from $MIRROR (see the apt output above)."
fi
T_UPDATE=$(elapsed "$t")

t=$EPOCHREALTIME
rm -f "$APT_DIR"/archives/*.deb         # only this run's closure gets unpacked
log "apt-get install --download-only ${PACKAGES[*]}"
if ! out=$(apt-get -q -y install --download-only "${PACKAGES[@]}" 2>&1); then
    printf '%s\n' "$out" | grep -E '^(E|W):|Unable|Err' | tail -n 8 >&2
    failed=$(printf '%s\n' "$out" | grep -oE "Failed to fetch [^ ]+" | head -n 3 | tr '\n' ' ') || true
    die "apt-get install --download-only ${PACKAGES[*]}" \
        "download or dependency resolution failed${failed:+: $failed}(sid may have moved on)."
fi
shopt -s nullglob
debs=("$APT_DIR"/archives/*.deb)
shopt -u nullglob
(( ${#debs[@]} > 0 )) || die "apt-get install --download-only" "apt downloaded no package."
T_DOWNLOAD=$(elapsed "$t")

t=$EPOCHREALTIME
rm -rf "$STAGE"; mkdir -p "$STAGE"
log "unpacking ${#debs[@]} packages (2 jobs)"
if ! printf '%s\0' "${debs[@]}" | xargs -0 -P 2 -I '{}' dpkg-deb -x '{}' "$STAGE"; then
    die "unpack (dpkg-deb -x)" "a package failed to unpack into $STAGE (disk full? see above)."
fi
finish_prefix "$STAGE"
T_UNPACK=$(elapsed "$t")

if ! version=$(version_of "$STAGE"); then
    err=$(run_asterisk "$STAGE" -V 2>&1 | tail -n 3) || true
    die "verify (asterisk -V)" "the unpacked Asterisk does not report version $WANT_MAJOR: ${err:-no output}"
fi

t=$EPOCHREALTIME
if tar --zstd -cf "$TARBALL.tmp.$$" -C "$STAGE" . && mv "$TARBALL.tmp.$$" "$TARBALL"; then
    rm -f "$APT_DIR"/archives/*.deb "$APT_DIR"/cache/*.bin  # the tarball is the cache
else
    rm -f "$TARBALL.tmp.$$"
    log "warning: could not write the cache tarball $TARBALL (the prefix itself is fine)"
fi
T_TAR=$(elapsed "$t")

install_stage "$version" "mirror $MIRROR $SUITE"
log "$version provisioned from the mirror into $PREFIX in $(elapsed "$T_COLD") s (cold path: update" \
    "$T_UPDATE s, download ${#debs[@]} debs $T_DOWNLOAD s, unpack $T_UNPACK s, cache tarball $T_TAR s)"
