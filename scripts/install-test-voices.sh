#!/usr/bin/env bash
# Bench-only: install the MBROLA voices that render the spoken evaluation set (bench/spoken_eval.py).
#
# MBROLA and its voices are Debian non-free (non-commercial licence): they only generate TEST audio on a
# developer's or CI's machine and are never shipped, bundled or used by the bot (which speaks SVOX Pico).
# The host's /etc/apt is not changed: apt runs with a private configuration naming only Debian's
# non-free component, downloads the named .debs (no dependency closure: they need only libc), and dpkg
# installs them. espeak-ng (main, installed by install-system-deps.sh) is the phonetic front end.
# Idempotent: when every package is present, nothing is fetched.
set -euo pipefail

PACKAGES=(mbrola mbrola-fr1 mbrola-fr2 mbrola-fr3 mbrola-fr4 mbrola-fr5 mbrola-fr6 mbrola-fr7
          mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1)
MIRROR=${IVR_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SUITE=${IVR_DEBIAN_SUITE:-$(. /etc/os-release && echo "${VERSION_CODENAME:-bookworm}")}
CACHE_DIR=${IVR_CACHE_DIR:-$HOME/.cache/ivr}

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) || status=""
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
done
if (( ${#missing[@]} == 0 )); then
    echo "install-test-voices: all ${#PACKAGES[@]} packages present"
    exit 0
fi
if (( EUID != 0 )); then
    echo "install-test-voices: run as root to install: ${missing[*]}" >&2
    exit 1
fi

APT_DIR=$CACHE_DIR/apt-nonfree
# shellcheck source=scripts/private-apt.sh
source "$(dirname "${BASH_SOURCE[0]}")/private-apt.sh"
private_apt "$APT_DIR" "$MIRROR" "$SUITE" contrib non-free
mkdir -p "$APT_DIR/debs"
apt-get -q update >/dev/null
(cd "$APT_DIR/debs" && rm -f ./*.deb && apt-get -q download "${missing[@]}")
dpkg -i "$APT_DIR"/debs/*.deb
echo "install-test-voices: installed ${missing[*]}"
