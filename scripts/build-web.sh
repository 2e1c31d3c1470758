#!/bin/sh
# Rebuild the browser assets committed under ivr/web/static/ (JsSIP bundle, htmx + SSE extension)
# from the exact versions pinned in web/package-lock.json. Needs node + npm (npm registry at build time only).
set -eu
cd "$(dirname "$0")/../web"
npm ci --no-audit --no-fund
node build.mjs
