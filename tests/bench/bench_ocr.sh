#!/bin/sh
# OCR benchmark: intake (extract_image + ocr_tesseract) beside raw tesseract
# on the same 300-dpi pages of ../shared/bench's corpus, clean and scanned:
# pages/s (--jobs 1 vs the CLI with the same model, --jobs 2 vs --jobs 1),
# character error rate per language (languages=auto vs the right model) and
# the share of planted identifiers caught on OCR text.
#
#   tests/bench/bench_ocr.sh BUILD_DIR
#   BENCH_PAGES=1 tests/bench/bench_ocr.sh build     # short (CI): one page per language
#
# Needs tesseract (CLI), pango-view and pdftoppm, as
# ../shared/bench/make-corpus.sh does (scans: intake-render). OMP_THREAD_LIMIT=1.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 BUILD_DIR" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
export OMP_THREAD_LIMIT=1
export INTAKE_PLUGIN_PATH="${INTAKE_PLUGIN_PATH:-$(ls -d "$1"/plugins/*/ | tr '\n' ':')}"
exec python3 "$here/bench_ocr.py" "$1"
