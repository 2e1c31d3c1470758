#!/usr/bin/env bash
# Install the Debian packages the project needs, from the host's own release (never sid), only when missing.
#
# Idempotent: every package is checked with dpkg-query first; when all are present apt is not called at all.
# Runs as root (CI), else through sudo when available, else prints the command to run.
# Asterisk itself is NOT installed here: scripts/provision-asterisk.sh unpacks it into a local prefix.
set -euo pipefail

PACKAGES=(
    baresip-core sip-tester                                   # real SIP user agents for tests
    kannel kannel-extras                                      # SMS gateway (+ fake SMSC in tests)
    chromium chromium-driver                                  # browser tests of the web consoles
    asterisk-core-sounds-fr-wav asterisk-core-sounds-en-wav   # prompts + real telephone speech for WER
    asterisk-core-sounds-fr asterisk-core-sounds-en           # their transcripts (WER benchmark)
    sox zstd espeak-ng                                        # audio tools; zstd for the Asterisk cache
    openssl                                                   # self-signed certificate for the WSS softphone
    postgresql postgresql-client                              # production database
    kamailio                                                  # SIP edge of the cluster (dispatcher)
    gcc libc6-dev python3-dev                                 # build of ttspico (SVOX Pico) from source
)

t0=$EPOCHREALTIME
missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null) || status=""
    [[ $status == "install ok installed" ]] || missing+=("$pkg")
done

if (( ${#missing[@]} == 0 )); then
    printf 'install-system-deps: all %d packages present (%s s)\n' "${#PACKAGES[@]}" \
        "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')"
    exit 0
fi

printf 'install-system-deps: missing: %s\n' "${missing[*]}"
if (( EUID == 0 )); then
    SUDO=()
elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
else
    cat >&2 <<EOF
install-system-deps: not root and no passwordless sudo. As root, run:
  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}
EOF
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -q
"${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
printf 'install-system-deps: installed %s in %s s\n' "${missing[*]}" \
    "$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }')"
