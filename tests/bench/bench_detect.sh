#!/usr/bin/env bash
# Detect-stage throughput on the generator's text, one core, in-process
# (tests/bench/bench_detect.c times intake_engine_detect only): each
# detector alone, then the whole stage, against the 20 MB/s target.
#
#   tests/bench/bench_detect.sh BUILD_DIR      (BENCH_DOCS=3000 by default; CI uses fewer)
set -euo pipefail
BUILD=$(cd "${1:?usage: bench_detect.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$SRC/../shared}
DOCS=${BENCH_DOCS:-3000}
WORK=${BENCH_WORK:-$(mktemp -d /dev/shm/intake-bdet.XXXXXX 2>/dev/null || mktemp -d)}
trap 'rm -rf "$WORK"' EXIT

python3 "$SHARED/bench/gen_corpus.py" "$WORK/corpus" "$DOCS" --seed 1 --pdf-per-lang 0 \
  --raster-per-lang 0 --legacy 0 >/dev/null
export INTAKE_PLUGIN_PATH=$(find "$BUILD/plugins" -name '*.so' -printf '%h\n' | sort -u | paste -sd:)
LANGID=$(find "$BUILD/plugins" -name 'langid_*.so' -printf '%f\n' | head -1 | sed 's/\.so$//')
SETS=(detect_patterns detect_names detect_context)
[ -n "$LANGID" ] && SETS+=("$LANGID")
ALL="detect_patterns,detect_names,detect_context"
[ -n "$LANGID" ] && ALL="$LANGID,$ALL"
echo "bench.detect corpus: $DOCS documents, $(cat "$WORK"/corpus/txt/*.txt | wc -c) bytes, one core"
"$BUILD/tests/bench/bench_detect" "$WORK/corpus/txt" "${SETS[@]}" "$ALL" | tee "$WORK/out.txt"
awk -v all="$ALL" '$1 == all {printf "whole detect stage: %.2f MB/s, ratio to the 20 MB/s target = %.2f\n", $2, $2 / 20}' "$WORK/out.txt"
