#!/bin/sh
# bench_search.sh BUILD_DIR: the search index on generator documents
# (../shared/bench/gen_corpus.py --bulk, languages round robin en ru kk ky tk
# uz), the intake tokenizer beside plain FTS5 unicode61:
#
#   - index build time and size: both tables built by the same loop
#     (bench_search index: one transaction, documents + documents_fts rows);
#     the plain table also built by the sqlite3 CLI (.import, INSERT SELECT)
#   - query latency (median, 99th percentile) through the plugin's cb_search,
#     as `intake search` runs it (a read-only connection per query, limit 10)
#   - recall of cross-script and inflected queries, against the documents
#     that contain the place or word in any of its spellings
#
#   BENCH_SEARCH_DOCS  documents (default 20000; SHORT=1: 2000)
#   BENCH_SEARCH_REPS  runs of each query (default 30; SHORT=1: 5)
# Targets: median < 10 ms, p99 < 50 ms; intake build <= 2x unicode61.
set -eu
BUILD=${1:?usage: bench_search.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
GEN="$SRC/../shared/bench/gen_corpus.py"
TOOL="$BUILD/plugins/index_sqlite/tests/bench_search"
SO="$BUILD/plugins/index_sqlite/index_sqlite.so"
if [ "${SHORT:-0}" = 1 ]; then DOCS=${BENCH_SEARCH_DOCS:-2000}; REPS=${BENCH_SEARCH_REPS:-5}
else DOCS=${BENCH_SEARCH_DOCS:-20000}; REPS=${BENCH_SEARCH_REPS:-30}; fi
[ -x "$TOOL" ] || { echo "no $TOOL: build first"; exit 77; }
[ -f "$GEN" ] || { echo "no corpus generator at $GEN: skipped"; exit 77; }
TMP=${TMPDIR:-/tmp}/bench_search.$$
mkdir -p "$TMP/intake" "$TMP/plain" "$TMP/cli"
trap 'rm -rf "$TMP"' EXIT
export INDEX_SQLITE_SO="$SO" INTAKE_NO_DLCLOSE=1

# ~3.5 kB a document: generate a little more than needed, keep DOCS of them.
MB=$(( DOCS * 37 / 10000 + 2 ))
python3 "$GEN" --bulk "$TMP/all.txt" --bulk-mb "$MB" --bulk-sep rs --seed 1 >/dev/null 2>&1
python3 - "$TMP/all.txt" "$TMP/bulk.txt" "$DOCS" <<'EOF'
import sys
docs = open(sys.argv[1], encoding='utf-8').read().split('\x1e')[:int(sys.argv[3])]
open(sys.argv[2], 'w', encoding='utf-8').write('\x1e'.join(docs))
EOF
BYTES=$(wc -c < "$TMP/bulk.txt")

size() { du -k "$1" | awk '{printf "%.1f MB", $1 / 1024}'; }
val() { awk -v k="$1" '$1 == k { print $2 }'; }

I=$("$TOOL" index "$TMP/intake/intake.db" intake "$TMP/bulk.txt")
P=$("$TOOL" index "$TMP/plain/intake.db" unicode61 "$TMP/bulk.txt")
N=$(echo "$I" | val index_docs)
TI=$(echo "$I" | val index_s)
TP=$(echo "$P" | val index_s)

# The plain table in the sqlite3 CLI, from the same text.
CLI_S=-
if command -v sqlite3 >/dev/null 2>&1; then
    T0=$(date +%s.%N)
    sqlite3 "$TMP/cli/plain.db" <<EOF >/dev/null
CREATE TABLE raw(text);
.mode ascii
.import $TMP/bulk.txt raw
CREATE VIRTUAL TABLE t USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO t(text) SELECT text FROM raw;
DROP TABLE raw;
VACUUM;
EOF
    T1=$(date +%s.%N)
    CLI_S=$(echo "$T0 $T1" | awk '{printf "%.3f", $2 - $1}')
    CLI_ROWS=$(sqlite3 "$TMP/cli/plain.db" "SELECT count(*) FROM t")
    CLI_SIZE=$(size "$TMP/cli/plain.db")
fi

echo "corpus: $N generator documents, $BYTES bytes (en ru kk ky tk uz round robin)"
echo
echo "index build (one transaction, documents + FTS5 rows)"
printf '  %-28s %8s s  %s\n' "intake tokenizer" "$TI" "$(size "$TMP/intake/intake.db")"
printf '  %-28s %8s s  %s\n' "plain unicode61" "$TP" "$(size "$TMP/plain/intake.db")"
echo "$TI $TP" | awk '{printf "  %-28s %8.2fx (target <= 2x)\n", "intake / unicode61", $1 / $2}'
[ "$CLI_S" = - ] || printf '  %-28s %8s s  %s (%s rows, import + INSERT SELECT + VACUUM)\n' \
    "sqlite3 CLI unicode61" "$CLI_S" "$CLI_SIZE" "$CLI_ROWS"

echo
echo "query latency through cb_search (limit 10, $REPS runs each)"
set -- 'суд' 'потерпевшей' 'Shymkent' 'Алматы' '"уголовному делу"' 'court OR суд' \
    'traffick*' 'lang:kk сот' 'Ashgabat' 'year:2023..2024 приговор' 'sort:date Bishkek' \
    'source:case-1/ witness'
"$TOOL" query "$TMP/intake" "$REPS" "$@" > "$TMP/qi"
"$TOOL" query "$TMP/plain" "$REPS" "$@" > "$TMP/qp"
printf '  %-28s %12s %12s\n' "" "intake" "unicode61"
for k in latency_median_ms latency_p99_ms; do
    printf '  %-28s %9s ms %9s ms\n' "$k" "$(val $k < "$TMP/qi")" "$(val $k < "$TMP/qp")"
done
echo "  per query (intake): hits, median"
grep '^query' "$TMP/qi" | awk -F'\t' '{printf "    %-28s %12s %16s\n", $2, $3, $4}'

echo
echo "recall of queries the plain table cannot answer (truth: every spelling, on the plain table)"
printf '  %-16s %-52s %7s %9s %9s\n' query truth docs intake unicode61
recall() { # QUERY TRUTH
    "$TOOL" ids "$TMP/plain" "$2" | sort -u > "$TMP/truth"
    "$TOOL" ids "$TMP/intake" "$1" | sort -u > "$TMP/gi"
    "$TOOL" ids "$TMP/plain" "$1" | sort -u > "$TMP/gp"
    t=$(wc -l < "$TMP/truth")
    ri=$(comm -12 "$TMP/truth" "$TMP/gi" | wc -l)
    rp=$(comm -12 "$TMP/truth" "$TMP/gp" | wc -l)
    printf '  %-16s %-52s %7d %9s %9s\n' "$1" "$2" "$t" \
        "$(echo "$ri $t" | awk '{printf "%.3f", $2 ? $1 / $2 : 0}')" \
        "$(echo "$rp $t" | awk '{printf "%.3f", $2 ? $1 / $2 : 0}')"
}
recall 'Shymkent' 'Shymkent OR Шымкент OR Şymkent'
recall 'Шымкент' 'Shymkent OR Шымкент OR Şymkent'
recall 'Almaty' 'Almaty OR Алматы'
recall 'Ashgabat' 'Ashgabat OR Aşgabat OR Ашхабад OR Ашгабат'
recall 'Bishkek' 'Bishkek OR Бишкек'
recall 'Astana' 'Astana OR Астана'
recall 'Karaganda' 'Karaganda OR Караганда'
recall 'потерпевшая' 'потерпевш*'
recall 'Туркменабат' 'Türkmenabat OR Turkmenabat OR Туркменабат OR Туркменабад'
