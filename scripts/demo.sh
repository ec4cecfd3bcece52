#!/usr/bin/env bash
# Quick start: install what is missing, build, take in the bundled sample
# case files (tests/fixtures/samples: six languages, several encodings;
# tests/fixtures/scans: a scanned statement and a PDF) into a fresh SQLite
# store, then search the redacted corpus and show a document.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
BUILD=${BUILD:-build}
STORE=${STORE:-$PWD/demo-store}
[ -d "$BUILD" ] || meson setup "$BUILD" >/dev/null
ninja -C "$BUILD" >/dev/null
intake() { meson devenv -C "$BUILD" intake "$@"; }

rm -rf "$STORE"
echo "== intake batch --store $STORE tests/fixtures/samples/*.txt tests/fixtures/scans/*.{png,pdf}"
status=0
intake batch --store "$STORE" "$PWD"/tests/fixtures/samples/*.txt "$PWD"/tests/fixtures/scans/*.png \
  "$PWD"/tests/fixtures/scans/*.pdf >/dev/null || status=$?

echo "== intake search 'потерпевшая OR victim OR jabrlanuvchi'"
intake search --store "$STORE" --limit 5 'потерпевшая OR victim OR jabrlanuvchi'
first=$(intake search --store "$STORE" --json --limit 1 'суд OR court' | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
echo "== intake show $first (the redacted text as stored)"
intake show --store "$STORE" "$first" | head -25
echo "== intake search 'свидетель OR witness' --lang ru (the scan, read by OCR, is among them)"
intake search --store "$STORE" --limit 3 --lang ru 'свидетель OR witness'
echo "== intake redact --format spans tests/fixtures/samples/ru-statement.txt (first entities)"
intake redact --format spans "$PWD/tests/fixtures/samples/ru-statement.txt" | head -8
exit $status
