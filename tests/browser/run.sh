#!/bin/sh
# tests/browser/run.sh INTAKE SRCDIR: the browser tests (TAP). Skips, with
# the reason, when Debian's Chromium, node or playwright-core is missing.
# Install: apt-get install chromium nodejs npm; (cd tests/browser && npm ci)
here=$(cd "$(dirname "$0")" && pwd)
if [ ! -x /usr/bin/chromium ]; then
    echo "1..0 # SKIP /usr/bin/chromium is not installed (apt-get install chromium)"; exit 0
fi
if ! command -v node >/dev/null 2>&1; then
    echo "1..0 # SKIP node is not installed (apt-get install nodejs)"; exit 0
fi
if [ ! -d "$here/node_modules/playwright-core" ]; then
    echo "1..0 # SKIP playwright-core is not installed (cd tests/browser && npm ci)"; exit 0
fi
exec node "$here/browser.test.mjs" "$@"
