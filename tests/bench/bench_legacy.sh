#!/usr/bin/env bash
# RTF and legacy Word throughput.
#
#   tests/bench/bench_legacy.sh BUILD_DIR
#
# 1. RTF documents per second through `intake batch --jobs 1` (extract_rtf,
#    detect_patterns, detect_names, detect_context, export_text,
#    index_sqlite) beside `pandoc -f rtf -t plain` on the same files in the
#    same run (one pandoc process per file, as a batch would run it), and
#    extract_rtf alone (`intake redact` with no detectors, per file).
# 2. The converter's cost per legacy Word file: catdoc (extract_legacy's
#    default) run as extract_legacy runs it, LibreOffice headless
#    (`soffice --cat`, a fresh profile per file as an isolated converter
#    needs) beside it, and Word documents per second through `intake batch`.
# 3. PowerPoint 97 files LibreOffice made (BENCH_PPT, default 10; 3 in
#    short mode): catppt's cost (it reads no text from them), the cost of
#    extract_legacy's LibreOffice fallback per file (soffice to flat ODF,
#    a fresh profile in a private folder, 512 MB address space, as the
#    plugin runs it), and .ppt documents per second through `intake batch`.
#
# The documents are written here: RTF in windows-1251 and \uN form with
# Russian and Kazakh paragraphs (invented text, a phone number and an ID in
# each), about 6 kB each; the .doc files are made from some of them by
# LibreOffice in one run. BENCH_RTF (default 300) RTF files, BENCH_DOC
# (default 40) Word files; BENCH_SHORT=1 (CI) makes it 40 and 8, one run;
# RUNS (default 3) runs each, median taken.
set -euo pipefail
BUILD=$(cd "${1:?usage: bench_legacy.sh BUILD_DIR}" && pwd)
NRTF=${BENCH_RTF:-300}
NDOC=${BENCH_DOC:-40}
RUNS=${RUNS:-3}
if [ "${BENCH_SHORT:-0}" = 1 ]; then NRTF=40; NDOC=8; RUNS=1; fi
INTAKE="$BUILD/core/intake"
[ -x "$INTAKE" ] || { echo "missing $INTAKE (build it first)" >&2; exit 2; }
WORK=${BENCH_WORK:-$(mktemp -d /dev/shm/intake-bench-legacy.XXXXXX 2>/dev/null || mktemp -d)}
trap 'rm -rf "$WORK"' EXIT
export INTAKE_PLUGIN_PATH=$(find "$BUILD/plugins" -name '*.so' -printf '%h\n' | sort -u | paste -sd:)

python3 - "$WORK/rtf" "$NRTF" <<'EOF'
import os, random, sys
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
random.seed(7)
RU = ["Свидетель пояснила, что работала в кафе без трудового договора.",
      "Документы у неё забрали в первый же день под предлогом оформления.",
      "Следствие установило, что потерпевших перевозили через границу ночью.",
      "Суд признал доказательства допустимыми и достаточными.",
      "Потерпевшая просила помощи у соседей, но никто не пришёл."]
KK = ["Куәгер жұмысқа орналасу туралы хабарландыруды көргенін айтты.",
      "Жәбірленуші сотқа келмеді, оның өтініші оқылды.",
      "Тергеу барысында құжаттар алынғаны анықталды.",
      "Сот дәлелдемелерді жеткілікті деп таныды."]
def cp(s):
    return "".join("\\'%02x" % b if b >= 0x80 else chr(b) for b in s.encode("cp1251"))
def un(s):
    return "".join(ch if ord(ch) < 0x80 else "\\u%d?" % ord(ch) for ch in s)
for i in range(n):
    paras = []
    for p in range(24):
        if i % 2 == 0:
            s = " ".join(random.choice(RU) for _ in range(3))
            s += " Телефон +7 70%d %03d %02d %02d." % (random.randrange(10), random.randrange(1000),
                                                      random.randrange(100), random.randrange(100))
            paras.append(cp(s))
        else:
            s = " ".join(random.choice(KK) for _ in range(3))
            s += " Телефоны +7 77%d %03d %02d %02d." % (random.randrange(10), random.randrange(1000),
                                                       random.randrange(100), random.randrange(100))
            paras.append(un(s))
    body = "\\par\n".join(paras)
    doc = ("{\\rtf1\\ansi\\ansicpg1251\\deff0{\\fonttbl{\\f0\\fcharset204 Times New Roman;}}\n"
           "{\\colortbl;\\red0\\green0\\blue0;}{\\info{\\title bench %d}}\n\\uc1\\pard\\f0\\fs24 %s\\par}\n"
           % (i, body))
    with open(os.path.join(out, "d%04d.rtf" % i), "w") as f:
        f.write(doc)
EOF
RTF_BYTES=$(cat "$WORK"/rtf/*.rtf | wc -c)

conf() { # $1: extra sections
  cat <<EOF
[pipeline]
log_level = warn
[rtf]
type = extract_rtf
[legacy]
type = extract_legacy
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
}
conf >"$WORK/intake.conf"
printf '[pipeline]\nlog_level = warn\n[rtf]\ntype = extract_rtf\n' >"$WORK/extract-only.conf"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }
rate() { awk -v n="$1" -v t="$2" 'BEGIN {printf "%.1f", n / t}'; }
ms_per() { awk -v n="$1" -v t="$2" 'BEGIN {printf "%.2f", t * 1000 / n}'; }

echo "== RTF: $NRTF files, $((RTF_BYTES / 1024)) kB, $RUNS run(s), 1 job"
BT=() PT=() XT=()
for ((r = 0; r < RUNS; r++)); do
  rm -rf "$WORK/store"
  t0=$(now)
  "$INTAKE" batch --config "$WORK/intake.conf" --store "$WORK/store" --jobs 1 "$WORK/rtf" \
    >/dev/null 2>"$WORK/batch.err" || { cat "$WORK/batch.err" >&2; exit 1; }
  BT+=($(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}'))
  t0=$(now)
  for f in "$WORK"/rtf/*.rtf; do
    "$INTAKE" redact --config "$WORK/extract-only.conf" "$f" >/dev/null
  done
  XT+=($(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}'))
  if command -v pandoc >/dev/null; then
    t0=$(now)
    for f in "$WORK"/rtf/*.rtf; do pandoc -f rtf -t plain "$f" >/dev/null; done
    PT+=($(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}'))
  fi
done
bt=$(printf '%s\n' "${BT[@]}" | median)
xt=$(printf '%s\n' "${XT[@]}" | median)
DONE=$(ls "$WORK"/store/redacted/*.txt | wc -l)
[ "$DONE" = "$NRTF" ] || { echo "only $DONE of $NRTF RTF files done" >&2; exit 1; }
printf 'intake batch (extract+detect+index) %8s docs/s  (%s s)\n' "$(rate "$NRTF" "$bt")" "$bt"
printf 'intake redact, extract_rtf only     %8s docs/s  (%s ms a file, with process start)\n' \
  "$(rate "$NRTF" "$xt")" "$(ms_per "$NRTF" "$xt")"
if [ ${#PT[@]} -gt 0 ]; then
  pt=$(printf '%s\n' "${PT[@]}" | median)
  printf 'pandoc -f rtf -t plain              %8s docs/s  (%s ms a file)\n' "$(rate "$NRTF" "$pt")" \
    "$(ms_per "$NRTF" "$pt")"
  awk -v a="$bt" -v b="$pt" 'BEGIN {printf "ratio intake batch / pandoc: %.2f\n", b / a}'
else
  echo "pandoc: not installed (skipped)"
fi

echo
echo "== legacy Word"
if ! command -v soffice >/dev/null; then
  echo "soffice not installed: no .doc files can be made here (skipped)"
  exit 0
fi
mkdir -p "$WORK/docsrc" "$WORK/doc"
# no `ls | head` here: under pipefail, ls killed by SIGPIPE ends the script
RTFS=("$WORK"/rtf/*.rtf)
cp "${RTFS[@]:0:$NDOC}" "$WORK/docsrc/"
timeout 600 soffice -env:UserInstallation="file://$WORK/lo" --headless --convert-to 'doc:MS Word 97' \
  --outdir "$WORK/doc" "$WORK"/docsrc/*.rtf >/dev/null 2>&1
NDOC=$(ls "$WORK"/doc/*.doc | wc -l)
echo "$NDOC .doc files made by LibreOffice"
CT=() ST=() DT=()
for ((r = 0; r < RUNS; r++)); do
  t0=$(now)
  for f in "$WORK"/doc/*.doc; do /usr/bin/catdoc -d utf-8 -w "$f" >/dev/null; done
  CT+=($(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}'))
  rm -rf "$WORK/store-doc"
  t0=$(now)
  "$INTAKE" batch --config "$WORK/intake.conf" --store "$WORK/store-doc" --jobs 1 "$WORK/doc" \
    >/dev/null 2>"$WORK/batch.err" || { cat "$WORK/batch.err" >&2; exit 1; }
  DT+=($(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}'))
done
# LibreOffice once a file with its own profile (isolation per file), on at most 5 files
NS=$((NDOC < 5 ? NDOC : 5))
t0=$(now)
for f in $(ls "$WORK"/doc/*.doc | head -n "$NS"); do
  rm -rf "$WORK/lo1"
  timeout 120 soffice -env:UserInstallation="file://$WORK/lo1" --headless --cat "$f" >/dev/null 2>&1
done
st=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}')
# warm profile (the cheapest LibreOffice can be one process per file)
t0=$(now)
for f in $(ls "$WORK"/doc/*.doc | head -n "$NS"); do
  timeout 120 soffice -env:UserInstallation="file://$WORK/lo" --headless --cat "$f" >/dev/null 2>&1
done
sw=$(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}')
ct=$(printf '%s\n' "${CT[@]}" | median)
dt=$(printf '%s\n' "${DT[@]}" | median)
DONE=$(ls "$WORK"/store-doc/redacted/*.txt | wc -l)
[ "$DONE" = "$NDOC" ] || { echo "only $DONE of $NDOC .doc files done" >&2; exit 1; }
printf 'catdoc -d utf-8 (the converter)      %8s ms a file\n' "$(ms_per "$NDOC" "$ct")"
printf 'soffice --cat, fresh profile         %8s ms a file (%d files)\n' "$(ms_per "$NS" "$st")" "$NS"
printf 'soffice --cat, warm profile          %8s ms a file (%d files)\n' "$(ms_per "$NS" "$sw")" "$NS"
printf 'intake batch over .doc (whole chain) %8s docs/s  (%s ms a file)\n' "$(rate "$NDOC" "$dt")" \
  "$(ms_per "$NDOC" "$dt")"

echo
echo "== PowerPoint 97 made by LibreOffice (catppt reads no text; extract_legacy's LibreOffice fallback does)"
NPPT=${BENCH_PPT:-10}
if [ "${BENCH_SHORT:-0}" = 1 ]; then NPPT=3; fi
python3 - "$WORK/pptsrc" "$NPPT" <<'PY'
import os, sys
out, n = sys.argv[1], int(sys.argv[2])
os.makedirs(out)
for i in range(n):
    with open(os.path.join(out, "s%03d.fodp" % i), "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<office:document '
                'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
                'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
                'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.3" '
                'office:mimetype="application/vnd.oasis.opendocument.presentation"><office:body><office:presentation>'
                + "".join('<draw:page draw:name="p%d"><draw:frame svg:x="2cm" svg:y="2cm" svg:width="22cm" '
                          'svg:height="8cm"><draw:text-box><text:p>Слайд %d. Свидетель пояснила, что работала '
                          'в кафе без договора.</text:p><text:p>Телефон +7 701 %03d %02d %02d.</text:p>'
                          '</draw:text-box></draw:frame></draw:page>' % (k, k, 100 + i, k, 10 + i % 80)
                          for k in range(1, 6))
                + '</office:presentation></office:body></office:document>')
PY
mkdir -p "$WORK/ppt"
timeout 600 soffice -env:UserInstallation="file://$WORK/lo" --headless --convert-to 'ppt:MS PowerPoint 97' \
  --outdir "$WORK/ppt" "$WORK"/pptsrc/*.fodp >/dev/null 2>&1
NPPT=$(ls "$WORK"/ppt/*.ppt | wc -l)
echo "$NPPT .ppt files (5 slides each) made by LibreOffice"
KT=() LT=() PB=()
for ((r = 0; r < RUNS; r++)); do
  t0=$(now)
  for f in "$WORK"/ppt/*.ppt; do /usr/bin/catppt -d utf-8 "$f" >/dev/null; done
  KT+=($(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}'))
  # the fallback as extract_legacy runs it: a private folder, a fresh profile in it, flat ODF out
  t0=$(now)
  for f in "$WORK"/ppt/*.ppt; do
    d=$(mktemp -d "$WORK/intake-legacy-XXXXXX")
    cp "$f" "$d/input.ppt"
    (cd "$d" && ulimit -v 524288 && HOME="$d" TMPDIR="$d" timeout 30 /usr/bin/soffice --headless \
      --invisible --norestore --nologo --nolockcheck --nodefault \
      -env:UserInstallation="file://$d/profile" --convert-to fodp --outdir "$d" "$d/input.ppt" \
      >/dev/null 2>&1)
    [ -s "$d/input.fodp" ] || { echo "the fallback wrote no fodp for $f" >&2; exit 1; }
    rm -rf "$d"
  done
  LT+=($(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}'))
  rm -rf "$WORK/store-ppt"
  t0=$(now)
  "$INTAKE" batch --config "$WORK/intake.conf" --store "$WORK/store-ppt" --jobs 1 "$WORK/ppt" \
    >/dev/null 2>"$WORK/batch.err" || { cat "$WORK/batch.err" >&2; exit 1; }
  PB+=($(awk -v a="$t0" -v b="$(now)" 'BEGIN {print b - a}'))
done
kt=$(printf '%s\n' "${KT[@]}" | median)
lt=$(printf '%s\n' "${LT[@]}" | median)
pb=$(printf '%s\n' "${PB[@]}" | median)
DONE=$(ls "$WORK"/store-ppt/redacted/*.txt | wc -l)
[ "$DONE" = "$NPPT" ] || { echo "only $DONE of $NPPT .ppt files done" >&2; exit 1; }
grep -q "PHONE" "$WORK"/store-ppt/redacted/*.txt || { echo "no phone redacted in the .ppt text" >&2; exit 1; }
printf 'catppt -d utf-8 (finds no text)      %8s ms a file\n' "$(ms_per "$NPPT" "$kt")"
printf 'soffice to fodp, fresh profile       %8s ms a file (the fallback converter)\n' \
  "$(ms_per "$NPPT" "$lt")"
printf 'intake batch over .ppt (whole chain) %8s docs/s  (%s ms a file)\n' "$(rate "$NPPT" "$pb")" \
  "$(ms_per "$NPPT" "$pb")"
