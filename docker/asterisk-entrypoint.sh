#!/bin/sh
# Wait for the configuration the voicebot renders at its start (`ivr asterisk render`), then run Asterisk in
# the foreground. /etc/ivr-asterisk -> /var/lib/ivr/asterisk/etc (shared volume). Renders nothing itself.
set -eu
conf=/etc/ivr-asterisk/asterisk.conf
wait_s=${IVR_ASTERISK_WAIT_S:-120}
started=$(date +%s)
# Prefer a configuration rendered after this container started (the voicebot re-renders at each start);
# after the wait, fall back to the existing one (e.g. only Asterisk was restarted).
while :; do
    now=$(date +%s)
    if [ -f "$conf" ] && [ "$(stat -c %Y "$conf")" -ge "$started" ]; then break; fi
    if [ $((now - started)) -ge "$wait_s" ]; then
        [ -f "$conf" ] && break
        echo "asterisk-entrypoint: $conf missing after ${wait_s}s (is the voicebot running?)" >&2
        exit 1
    fi
    sleep 1
done
exec asterisk -C "$conf" -f -n "$@"
