#!/usr/bin/env bash
# Quick start: install what is missing, build, and redact the bundled sample
# case files (tests/fixtures/samples) with the freshly built plugins.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD=${BUILD:-build}
[ -d "$BUILD" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null
status=0
for f in tests/fixtures/samples/*.txt; do
  echo "==== $f"
  meson devenv -C "$BUILD" intake redact --format text "$PWD/$f" || status=$?
done
echo "==== detected entities in $(ls tests/fixtures/samples/ru-*.txt | head -1) (--format spans)"
meson devenv -C "$BUILD" intake redact --format spans "$PWD/$(ls tests/fixtures/samples/ru-*.txt | head -1)" || status=$?
exit $status
