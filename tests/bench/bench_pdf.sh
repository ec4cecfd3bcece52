#!/usr/bin/env bash
# Text-layer PDF throughput through `intake batch --jobs 1` (extract_pdf,
# detect_patterns, detect_names, detect_context, export_text, index_sqlite;
# export_pdf off) beside `pdftotext` on the same PDFs in the same run, as
# pages per second and their ratio (target >= 0.5); then the redacted-PDF
# rendering cost (the same batch with export_pdf on) and the size of the
# redacted PDFs against the input.
#
#   tests/bench/bench_pdf.sh BUILD_DIR
#
# The PDFs are the generator's documents (../shared/bench/gen_corpus.py
# --pdf-per-lang), pages rendered by tests/fixtures/render (intake-render,
# pango, A4, text layer). BENCH_PDF_PER_LANG (default 8) documents per
# language; BENCH_SHORT=1 (CI) makes it 2 and one run; RUNS (default 3)
# runs each, median taken.
set -euo pipefail
BUILD=$(cd "${1:?usage: bench_pdf.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$SRC/../shared}
PER_LANG=${BENCH_PDF_PER_LANG:-8}
RUNS=${RUNS:-3}
if [ "${BENCH_SHORT:-0}" = 1 ]; then PER_LANG=2; RUNS=1; fi
RENDER="$BUILD/tests/fixtures/render/intake-render"
INTAKE="$BUILD/core/intake"
for c in "$RENDER" "$INTAKE"; do
  [ -x "$c" ] || { echo "missing $c (build it first)" >&2; exit 2; }
done
command -v pdftotext >/dev/null || { echo "missing pdftotext (poppler-utils)" >&2; exit 2; }
WORK=${BENCH_WORK:-$(mktemp -d /dev/shm/intake-bench-pdf.XXXXXX 2>/dev/null || mktemp -d)}
trap 'rm -rf "$WORK"' EXIT

# Documents: enough that each language gets PER_LANG rendered ones.
python3 "$SHARED/bench/gen_corpus.py" "$WORK/corpus" $((PER_LANG * 6 * 3)) --seed 1 \
  --pdf-per-lang "$PER_LANG" --raster-per-lang 0 --legacy 0 >/dev/null
mkdir -p "$WORK/pdf"
while IFS=$'\t' read -r id _font npages _raster; do
  : >"$WORK/$id.txt"
  for ((p = 1; p <= npages; p++)); do
    ((p > 1)) && printf '\f' >>"$WORK/$id.txt"
    cat "$WORK/corpus/pages/$id.p$(printf '%02d' "$p").txt" >>"$WORK/$id.txt"
  done
  "$RENDER" --format pdf-text --width 595 --height 842 --margin 60 --out "$WORK/pdf/$id.pdf" \
    "$WORK/$id.txt"
  rm -f "$WORK/$id.txt"
done <"$WORK/corpus/render/docs.tsv"
NPDF=$(ls "$WORK/pdf" | wc -l)
PAGES=0
for f in "$WORK"/pdf/*.pdf; do
  PAGES=$((PAGES + $(pdfinfo "$f" | awk '/^Pages:/ {print $2}')))
done
IN_BYTES=$(cat "$WORK"/pdf/*.pdf | wc -c)

export INTAKE_PLUGIN_PATH=$(find "$BUILD/plugins" -name '*.so' -printf '%h\n' | sort -u | paste -sd:)
conf() {
  cat <<EOF
[pipeline]
log_level = warn
[pdf]
type = extract_pdf
[ids]
type = detect_patterns
[names]
type = detect_names
[context]
type = detect_context
[export]
type = export_text
[pdf_export]
type = export_pdf
enabled = $1
[index]
type = index_sqlite
EOF
}
conf false >"$WORK/plain.conf"
conf true >"$WORK/export.conf"

# Median wall time of RUNS runs of "$@" (a fresh store each time).
median() {
  local times=()
  for ((r = 0; r < RUNS; r++)); do
    rm -rf "$WORK/store"
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>"$WORK/err" || { echo "command failed: $*" >&2; cat "$WORK/err" >&2; return 1; }
    t1=$(date +%s.%N)
    times+=("$(echo "$t1 - $t0" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'
}
pdftotext_all() {
  for f in "$WORK"/pdf/*.pdf; do pdftotext -enc UTF-8 "$f" /dev/null; done
}

T_PT=$(median pdftotext_all)
T_IN=$(median "$INTAKE" batch --config "$WORK/plain.conf" --store "$WORK/store" --jobs 1 "$WORK/pdf")
T_EX=$(median "$INTAKE" batch --config "$WORK/export.conf" --store "$WORK/store" --jobs 1 "$WORK/pdf")
OUT_BYTES=$(cat "$WORK"/store/redacted/*.pdf | wc -c)
NOUT=$(ls "$WORK"/store/redacted/*.pdf | wc -l)

rate() { echo "scale=1; $PAGES / $1" | bc -l; }
echo "corpus: $NPDF text-layer PDFs, $PAGES pages (A4, 6 languages), $IN_BYTES bytes; median of $RUNS run(s)"
printf '%-48s %8.2f s %8s pages/s\n' "pdftotext (one process per file)" "$T_PT" "$(rate "$T_PT")"
printf '%-48s %8.2f s %8s pages/s\n' "intake batch --jobs 1, export_pdf off" "$T_IN" "$(rate "$T_IN")"
echo "ratio intake / pdftotext: $(echo "scale=2; $T_PT / $T_IN" | bc -l) (target >= 0.5)"
printf '%-48s %8.2f s %8s pages/s\n' "intake batch --jobs 1, export_pdf on (150 dpi)" "$T_EX" "$(rate "$T_EX")"
echo "redacted-PDF rendering alone: $(echo "scale=1; $PAGES / ($T_EX - $T_IN)" | bc -l) pages/s" \
  "($(echo "scale=1; 1000 * ($T_EX - $T_IN) / $PAGES" | bc -l) ms a page)"
echo "redacted PDFs: $NOUT files, $OUT_BYTES bytes = $(echo "scale=2; $OUT_BYTES / $IN_BYTES" | bc -l) x the input"
