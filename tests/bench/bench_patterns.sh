#!/usr/bin/env bash
# bench_patterns.sh [BUILD_DIR] - single-core throughput of the detect_patterns
# stage against ripgrep on the same bulk text.
#
#   (a) detect_patterns: BUILD_DIR/plugins/detect_patterns/tests/bench_detect_patterns,
#       the plugin's cb_process over the whole text as one document (one
#       instance, one worker, one Vectorscan scratch): Vectorscan pass,
#       check digits, context words, scoring; and the full-text Vectorscan
#       pass alone
#   (b) rg -c -j1 -f PATTERNS (ASCII \b regexes of ../shared/bench/patterns/
#       pii-ascii.rg, the peers.sh figure), and rg --count-matches, which
#       locates every match as the plugin does
# and prints the ratio intake/rg. Medians of RUNS runs (hyperfine for rg when
# installed).
#
# BUILD_DIR defaults to $INTAKE_BUILD, else ./build beside this checkout.
# Knobs (environment, defaults in brackets):
#   BENCH_MB [100]  size of the bulk text (BENCH_MB=10 for a quick CI run)
#   RUNS [5]        runs per figure
#   SEED [1]        generator seed
#   RG_PATTERNS [../shared/bench/patterns/pii-ascii.rg]
# The text is generated once with ../shared/bench/gen_corpus.py --bulk and
# cached under ${TMPDIR:-/tmp}/intake-bench/, then copied to /dev/shm (no disk
# I/O in the figures) for the run.
set -euo pipefail
export LC_ALL=C.UTF-8

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SHARED="${SHARED:-$ROOT/../shared}"

case "${1:-}" in -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;; esac
BUILD="${1:-${INTAKE_BUILD:-$ROOT/build}}"
BENCH_MB="${BENCH_MB:-100}"
RUNS="${RUNS:-5}"
SEED="${SEED:-1}"
RG_PATTERNS="${RG_PATTERNS:-$SHARED/bench/patterns/pii-ascii.rg}"
DRIVER="$BUILD/plugins/detect_patterns/tests/bench_detect_patterns"

die() { echo "bench_patterns: $*" >&2; exit 2; }
[ -x "$DRIVER" ] || die "no $DRIVER (build first: meson compile -C $BUILD)"
[ -f "$SHARED/bench/gen_corpus.py" ] || die "no $SHARED/bench/gen_corpus.py (set SHARED=)"
[ -f "$RG_PATTERNS" ] || die "no pattern file $RG_PATTERNS"
command -v rg >/dev/null || die "ripgrep (rg) not installed"

CACHE="${TMPDIR:-/tmp}/intake-bench"
mkdir -p "$CACHE"
SRC="$CACHE/bulk-${BENCH_MB}mb-seed${SEED}.txt"
if [ ! -s "$SRC" ]; then
  echo "# generating ${BENCH_MB} MB of bulk text (seed $SEED) -> $SRC" >&2
  python3 "$SHARED/bench/gen_corpus.py" --bulk "$SRC.part" --bulk-mb "$BENCH_MB" --seed "$SEED" >&2
  mv "$SRC.part" "$SRC"
fi
if [ -d /dev/shm ] && [ -w /dev/shm ] &&
   [ "$(df -Pk /dev/shm | awk 'NR==2 {print $4}')" -gt $(( (BENCH_MB + 64) * 1024 )) ]; then
  TEXT="/dev/shm/intake-bench-patterns.$$.txt"
  cp "$SRC" "$TEXT"
  trap 'rm -f "$TEXT"' EXIT
else
  TEXT="$SRC"
fi
BYTES=$(stat -c %s "$TEXT")

calc() { python3 -c "import sys; print(format(eval(sys.argv[1]), sys.argv[2]))" "$1" "${2:-.1f}"; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# Median wall time of a command in seconds (hyperfine when available).
timeit() {
  if command -v hyperfine >/dev/null; then
    local js="$CACHE/hf.$$.json"
    hyperfine --style none --runs "$RUNS" --warmup 1 --output=pipe -i --export-json "$js" \
      "$(printf '%q ' "$@")" >/dev/null 2>&1
    python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['results'][0]['median'])" "$js"
    rm -f "$js"
  else
    local i t0 t1
    "$@" >/dev/null 2>&1 || true
    for i in $(seq "$RUNS"); do
      t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
      calc "$t1-$t0" .6f
    done | median
  fi
}

# (a) the plugin; its driver times cb_process itself (load and init excluded)
OUT="$("$DRIVER" "$TEXT" "$RUNS")"
get() { echo "$OUT" | awk -v k="$1" '$1 == k {print $2}'; }
DP_S="$(get median_s)"
DP_MBS="$(get mb_per_s)"
HS_MBS="$(get hs_only_mb_per_s)"
SPANS="$(get spans)"

# (b) ripgrep, one thread (one file)
RG_S="$(timeit rg -c -j1 -f "$RG_PATTERNS" "$TEXT")"
RGM_S="$(timeit rg --count-matches -j1 -f "$RG_PATTERNS" "$TEXT")"
RG_MBS="$(calc "$BYTES/1e6/$RG_S")"
RGM_MBS="$(calc "$BYTES/1e6/$RGM_S")"
NPAT=$(grep -c . "$RG_PATTERNS")

fig() { printf '%-44s %10s %-5s # %s\n' "$1" "$2" "$3" "$4"; }
echo "# bulk text: $BYTES bytes (gen_corpus.py --bulk-mb $BENCH_MB --seed $SEED) read from ${TEXT%/*}; $(nproc) CPUs; $RUNS runs, median"
fig bench.patterns.detect_patterns.MB_per_s "$DP_MBS" MB/s "plugin cb_process, 1 core: vectorscan + check digits + context + scoring; $SPANS spans; median $(calc "$DP_S" .3f) s"
fig bench.patterns.vectorscan_only.MB_per_s "$HS_MBS" MB/s "the plugin's full-text pass alone (triggers + passport words), counting callbacks"
fig bench.patterns.rg_count_lines.MB_per_s "$RG_MBS" MB/s "rg -c -j1 -f $(basename "$RG_PATTERNS") ($NPAT regexes, ASCII \\b); median $(calc "$RG_S" .3f) s"
fig bench.patterns.rg_count_matches.MB_per_s "$RGM_MBS" MB/s "rg --count-matches -j1, same patterns (locates every match); median $(calc "$RGM_S" .3f) s"
fig bench.patterns.ratio_intake_over_rg "$(calc "$DP_MBS/$RG_MBS" .2f)" x "detect_patterns / rg -c"
fig bench.patterns.ratio_intake_over_rg_matches "$(calc "$DP_MBS/$RGM_MBS" .2f)" x "detect_patterns / rg --count-matches"
