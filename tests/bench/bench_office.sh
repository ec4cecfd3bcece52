#!/usr/bin/env bash
# DOCX throughput: documents per second through `intake batch --jobs 1`
# (extract_office, detect_patterns, detect_names, detect_context,
# export_text, export_office, index_sqlite), and the same without
# export_office, beside `pandoc -t plain` and `docx2txt` on the same files
# in the same run (one process per file, as a batch would run them).
#
#   tests/bench/bench_office.sh BUILD_DIR
#
# The documents are written here with tests/integration/office_fixtures.py:
# each the fixture's corners (header, footer, notes, comment, tracked
# changes, hidden text, properties, a picture) plus BENCH_PARAS (default 40)
# invented Russian/Kazakh/English paragraphs with a phone number each,
# about 8 kB zipped. BENCH_DOCS (default 300) files; BENCH_SHORT=1 (CI):
# 40 files, one run; RUNS (default 3) runs each, median taken.
set -euo pipefail
BUILD=$(cd "${1:?usage: bench_office.sh BUILD_DIR}" && pwd)
HERE=$(cd "$(dirname "$0")" && pwd)
N=${BENCH_DOCS:-300}
PARAS=${BENCH_PARAS:-40}
RUNS=${RUNS:-3}
if [ "${BENCH_SHORT:-0}" = 1 ]; then N=40; RUNS=1; fi
INTAKE="$BUILD/core/intake"
[ -x "$INTAKE" ] || { echo "missing $INTAKE (build it first)" >&2; exit 2; }
WORK=${BENCH_WORK:-$(mktemp -d /dev/shm/intake-bench-office.XXXXXX 2>/dev/null || mktemp -d)}
trap 'rm -rf "$WORK"' EXIT
export INTAKE_PLUGIN_PATH=$(find "$BUILD/plugins" -name '*.so' -printf '%h\n' | sort -u | paste -sd:)

python3 - "$HERE/../integration" "$WORK/docx" "$N" "$PARAS" <<'PY'
import os, random, sys
sys.path.insert(0, sys.argv[1])
import office_fixtures as F
out, n, paras = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
os.makedirs(out)
random.seed(11)
S = ["Свидетель пояснила, что работала в кафе без трудового договора.",
     "Документы у неё забрали в первый же день под предлогом оформления.",
     "Следствие установило, что потерпевших перевозили через границу ночью.",
     "Куәгер жұмысқа орналасу туралы хабарландыруды көргенін айтты.",
     "Тергеу барысында құжаттар алынғаны анықталды.",
     "The court found the evidence admissible and sufficient.",
     "The witness was interviewed twice at the regional office."]
for i in range(n):
    body = "".join('<w:p><w:r><w:t xml:space="preserve">%s %s Тел. +7 70%d %03d %02d %02d.</w:t></w:r></w:p>'
                   % (random.choice(S), random.choice(S), random.randrange(10), random.randrange(1000),
                      random.randrange(100), random.randrange(100)) for _ in range(paras))
    F.make_docx(os.path.join(out, "case-%04d.docx" % i), body_extra=body + "<!-- %d -->" % i)
PY
bytes=$(du -sb "$WORK/docx" | cut -f1)

conf() { # $1: with export_office (1/0)
  cat <<C
[pipeline]
[office]
type = extract_office
images = drop
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
C
  [ "$1" = 1 ] && printf '[office_export]\ntype = export_office\n'
  return 0
}
conf 1 > "$WORK/full.conf"
conf 0 > "$WORK/noexport.conf"

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
secs() { local t0 t1; t0=$(date +%s.%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }

run_intake() { rm -rf "$WORK/store"; "$INTAKE" batch --jobs 1 --store "$WORK/store" --config "$1" "$WORK/docx"; }
run_pandoc() { for f in "$WORK"/docx/*.docx; do pandoc -t plain "$f" -o /dev/null; done; }
run_docx2txt() { for f in "$WORK"/docx/*.docx; do docx2txt "$f" - >/dev/null; done; }

t_full=$(for r in $(seq "$RUNS"); do secs run_intake "$WORK/full.conf"; done | median)
nexp=$(ls "$WORK/store/redacted/" | grep -c '\.docx$' || true)
t_noexp=$(for r in $(seq "$RUNS"); do secs run_intake "$WORK/noexport.conf"; done | median)
t_pandoc=NA; t_d2t=NA
command -v pandoc >/dev/null && t_pandoc=$(for r in $(seq "$RUNS"); do secs run_pandoc; done | median)
command -v docx2txt >/dev/null && t_d2t=$(for r in $(seq "$RUNS"); do secs run_docx2txt; done | median)

rate() { [ "$1" = NA ] && echo NA || echo "scale=1; $N / $1" | bc -l; }
echo "bench_office: $N DOCX files, $((bytes / N)) bytes each on average, median of $RUNS run(s), one core"
printf '  %-58s %8s docs/s\n' "intake batch --jobs 1 (extract, 3 detectors, text+DOCX export, index)" "$(rate "$t_full")"
printf '  %-58s %8s docs/s\n' "intake batch --jobs 1 without export_office" "$(rate "$t_noexp")"
printf '  %-58s %8s docs/s\n' "pandoc -t plain (one process per file)" "$(rate "$t_pandoc")"
printf '  %-58s %8s docs/s\n' "docx2txt (one process per file)" "$(rate "$t_d2t")"
[ "$t_pandoc" != NA ] && echo "  intake/pandoc: $(echo "scale=2; $t_pandoc / $t_full" | bc -l)x"
[ "$t_d2t" != NA ] && echo "  intake/docx2txt: $(echo "scale=2; $t_d2t / $t_full" | bc -l)x"
echo "  redacted DOCX written: $nexp of $N"
[ "$nexp" = "$N" ]
