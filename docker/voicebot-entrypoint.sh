#!/bin/sh
# Seed the volumes from the image, render the Asterisk configuration into the shared volume, run the bot.
# Given a command (compose `command:`, e.g. `ivr web`, `ivr edge run ...`, `ivr asterisk render` for a queue
# node), seed the volumes and run that command instead; arguments starting with "-" still go to `ivr serve`.
set -eu
# Knowledge base: copied once; afterwards it is the operator's (admin console edits survive upgrades).
if [ ! -e "$IVR_PATHS__KNOWLEDGE_DIR/services.yaml" ]; then
    mkdir -p "$IVR_PATHS__KNOWLEDGE_DIR"
    cp -a /opt/ivr/knowledge/. "$IVR_PATHS__KNOWLEDGE_DIR/"
fi
# Voices pre-rendered at build time: add the missing ones (files are keyed by a hash of the text).
mkdir -p "$IVR_PATHS__VOICES_DIR/cache"
cp -a -n /opt/ivr/voices/cache/. "$IVR_PATHS__VOICES_DIR/cache/"
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
    exec "$@"
fi
ivr asterisk render && exec ivr serve "$@"
