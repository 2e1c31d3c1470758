#!/bin/sh
# Seed the volumes from the image, render the Asterisk configuration into the shared volume, run the bot.
set -eu
# Knowledge base: copied once; afterwards it is the operator's (admin console edits survive upgrades).
if [ ! -e "$IVR_PATHS__KNOWLEDGE_DIR/services.yaml" ]; then
    mkdir -p "$IVR_PATHS__KNOWLEDGE_DIR"
    cp -a /opt/ivr/knowledge/. "$IVR_PATHS__KNOWLEDGE_DIR/"
fi
# Voices pre-rendered at build time: add the missing ones (files are keyed by a hash of the text).
mkdir -p "$IVR_PATHS__VOICES_DIR/cache"
cp -a -n /opt/ivr/voices/cache/. "$IVR_PATHS__VOICES_DIR/cache/"
ivr asterisk render && exec ivr serve "$@"
