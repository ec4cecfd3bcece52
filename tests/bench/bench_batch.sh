#!/usr/bin/env bash
# End-to-end `intake batch` throughput on text, with --jobs 1 and --jobs 2,
# side by side in the same run with the cost floor of indexing: the sqlite3
# CLI inserting the same documents into a plain FTS5 table (unicode61
# remove_diacritics 2) in one transaction.
#
#   tests/bench/bench_batch.sh BUILD_DIR        (BENCH_DOCS=3000 by default; CI uses fewer)
set -euo pipefail
BUILD=$(cd "${1:?usage: bench_batch.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
SHARED=${SHARED:-$SRC/../shared}
DOCS=${BENCH_DOCS:-3000}
RUNS=${RUNS:-3}
WORK=${BENCH_WORK:-$(mktemp -d /dev/shm/intake-bench.XXXXXX 2>/dev/null || mktemp -d)}
trap 'rm -rf "$WORK"' EXIT

python3 "$SHARED/bench/gen_corpus.py" "$WORK/corpus" "$DOCS" --seed 1 --pdf-per-lang 0 \
  --raster-per-lang 0 --legacy 0 >/dev/null
IN="$WORK/corpus/txt"
BYTES=$(cat "$IN"/*.txt | wc -c)
NDOCS=$(ls "$IN" | wc -l)

export INTAKE_PLUGIN_PATH=$(find "$BUILD/plugins" -name '*.so' -printf '%h\n' | sort -u | paste -sd:)
cat >"$WORK/bench.conf" <<EOF
[pipeline]
log_level = warn
[text]
type = extract_text
[ids]
type = detect_patterns
[names]
type = detect_names
[context]
type = detect_context
[export]
type = export_text
[index]
type = index_sqlite
EOF

# Median wall time of RUNS runs of "$@" (a fresh store each time).
median() {
  local times=()
  for ((r = 0; r < RUNS; r++)); do
    rm -rf "$WORK/store" "$WORK/fts.db"
    local t0 t1
    t0=$(date +%s.%N)
    "$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; return 1; }
    t1=$(date +%s.%N)
    times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

# The peer: one row per document, one transaction, plain FTS5.
python3 - "$IN" "$WORK/fts.txt" <<'PY'
import os, sys
d, out = sys.argv[1], sys.argv[2]
with open(out, "wb") as f:
    for fn in sorted(os.listdir(d)):
        f.write(open(os.path.join(d, fn), "rb").read().replace(b"\x1e", b" ") + b"\x1e")
PY
sqlite_fts() {
  sqlite3 "$WORK/fts.db" <<EOF
CREATE TABLE raw(body TEXT);
.import --ascii $WORK/fts.txt raw
CREATE VIRTUAL TABLE fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2');
BEGIN; INSERT INTO fts(body) SELECT body FROM raw; COMMIT;
EOF
}

t_fts=$(median sqlite_fts)
t_j1=$(median "$BUILD/core/intake" batch --config "$WORK/bench.conf" --store "$WORK/store" --jobs 1 "$IN")
t_j2=$(median "$BUILD/core/intake" batch --config "$WORK/bench.conf" --store "$WORK/store" --jobs 2 "$IN")

mb() { awk -v b="$BYTES" -v t="$1" 'BEGIN {printf "%.2f", b / 1e6 / t}'; }
dps() { awk -v n="$NDOCS" -v t="$1" 'BEGIN {printf "%.1f", n / t}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
printf 'bench.batch corpus: %d documents, %s MB, median of %d runs\n' "$NDOCS" "$(mb 1)" "$RUNS"
printf '%-34s %8.3f s %8s MB/s %8s docs/s\n' "sqlite3 FTS5 insert (peer)" "$t_fts" "$(mb "$t_fts")" "$(dps "$t_fts")"
printf '%-34s %8.3f s %8s MB/s %8s docs/s\n' "intake batch --jobs 1" "$t_j1" "$(mb "$t_j1")" "$(dps "$t_j1")"
printf '%-34s %8.3f s %8s MB/s %8s docs/s\n' "intake batch --jobs 2" "$t_j2" "$(mb "$t_j2")" "$(dps "$t_j2")"
printf 'ratio intake(--jobs 1)/sqlite3-fts5 = %s\n' "$(ratio "$t_fts" "$t_j1")"
printf 'ratio intake(--jobs 2)/sqlite3-fts5 = %s   (target >= 0.50)\n' "$(ratio "$t_fts" "$t_j2")"
