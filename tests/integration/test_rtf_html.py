#!/usr/bin/env python3
"""RTF, HTML and legacy Word files end to end through `intake batch` and
`intake redact` with the real built plugins (TAP).

  test_rtf_html.py INTAKE_BINARY SOURCE_ROOT

INTAKE_PLUGIN_PATH must name the built plugin folders (meson sets it).
Fixtures are written here: RTF in windows-1251 (\\'xx) and in \\uN form,
in Russian and Kazakh, with invented names, phones, e-mails and IINs
planted in the body, the \\info fields, hidden text, a footnote, an
annotation, a table and a field instruction; an HTML page with them in the
<title>, <meta name=author>, alt and title attributes and a script; a Word
97 file made from RTF by LibreOffice (a TAP skip without soffice). None of
the planted values may be anywhere in the store (raw bytes of every file
and file name); the non-personal words must be searchable. A truncated RTF
and a converter that hangs are quarantined with their reasons.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from tap import done, ok
from store_check import leaks_in
from fixture_ids import iin

INTAKE, SRC = sys.argv[1], sys.argv[2]


IIN1, IIN2, IIN3 = iin("92041530512"), iin("87112640183"), iin("79061830455")


def cp1251(s):
    """Text as RTF: non-ASCII as windows-1251 \\'xx escapes."""
    return "".join("\\'%02x" % b if b >= 0x80 else chr(b) for b in s.encode("cp1251"))


def uN(s, uc=1):
    """Text as RTF \\uN escapes (with one '?' fallback when uc=1)."""
    out = []
    for ch in s:
        c = ord(ch)
        if c < 0x80:
            out.append(ch)
        else:
            out.append("\\u%d%s" % (c - 65536 if c > 32767 else c, "?" if uc else " "))
    return "".join(out)


RU_RTF = (
    "{\\rtf1\\ansi\\ansicpg1251\\deff0{\\fonttbl{\\f0\\fcharset204 Times New Roman;}}\n"
    "{\\info{\\title " + cp1251("Протокол по делу Востриковой") + "}{\\author " +
    cp1251("Пестерева Злата Игоревна") + "}{\\operator " + cp1251("Ковырялов Денис Сергеевич") +
    "}}\n\\pard\\plain\\f0 " +
    cp1251("Протокол допроса свидетеля. Свидетель Вострикова Аглая Тимуровна, телефон "
           "+7 701 385 62 94, сообщила, что работала в кафе без оформления.") + "\\par\n"
    "{\\v " + cp1251("ИИН " + IIN1) + "}\\par\n" +
    cp1251("Показания записаны со слов") +
    "{\\super\\chftn}{\\footnote\\pard\\plain " + cp1251("Электронная почта: ") +
    "aglaya.vostrikova88@example.ru}.\\par\n"
    "{\\*\\atnid PZ}{\\*\\atnauthor " + cp1251("Пестерева Злата") + "}\\chatn"
    "{\\*\\annotation\\pard " + cp1251("Проверить номер +7 705 220 41 67") + "}" +
    cp1251("Допрос окончен в кабинете следователя.") + "\\par\n"
    "\\trowd\\cellx3000\\cellx6000\\pard\\intbl " + cp1251("Свидетель") + "\\cell " +
    cp1251("Телефон") + "\\cell\\row\\trowd\\cellx3000\\cellx6000\\pard\\intbl " +
    cp1251("Лыкошина Ева Андреевна") + "\\cell +7 747 118 09 53\\cell\\row\\pard\n"
    "{\\field{\\*\\fldinst HYPERLINK \"mailto:lykoshina.eva@example.kz\"}{\\fldrslt " +
    cp1251("письмо") + "}}\\par\n"
    "{\\pict\\pngblip 89504e470d0a1a0a}\\par}\n")

KK_RTF = (
    "{\\rtf1\\ansi\\ansicpg1251\\deff0{\\fonttbl{\\f0\\fnil\\fcharset204 Arial;}}\n"
    "{\\info{\\author " + uN("Жұмабекова Ақбөпе Серікқызы") + "}}\n\\uc1\\pard " +
    uN("Куәгер Сәулебекова Ақбота Нұржанқызы, ЖСН " + IIN2 + ", телефоны +7 775 906 31 48, "
       "жұмысқа орналасу туралы хабарландыруды көргенін айтты.") + "\\par\n{\\uc0 " +
    uN("Жәбірленуші Қуанышбаева Гүлнұр Бақытқызы сотқа келмеді.", 0) + "}\\par\n{\\v " +
    uN("Жасырын жазба: ЖСН " + IIN3) + "}\\par}\n")

HTML = """<!DOCTYPE html>
<html lang="ru"><head><meta charset="utf-8">
<title>Дело: Сейткали Динара Ерлановна</title>
<meta name="author" content="Оспанова Жанель Маратовна">
<script>var secret = "skripova.olga@example.ru";</script>
<style>.v:after { content: "+7 700 999 88 77"; }</style>
</head><body>
<h1>Решение суда по делу о торговле людьми</h1>
<p>Потерпевшая Сейткали Динара Ерлановна, телефон +7&nbsp;701&nbsp;555&nbsp;20&nbsp;17,
ИИН %s, признана потерпевшей.</p>
<img src="p.png" alt="Паспорт: Сейткали Динара, ИИН %s">
<p><a href="#" title="Связаться: d.seitkali@example.kz">контакты</a></p>
<!-- черновик: Баймуханов Серик, +7 705 111 22 33 -->
</body></html>
""" % (IIN3, IIN3)

PLANTED = [
    "Востриков", "Пестерев", "Ковырялов", "385 62 94", IIN1, "aglaya.vostrikova88",
    "220 41 67", "Лыкошин", "118 09 53", "lykoshina.eva", "Сәулебеков", IIN2, "906 31 48",
    "Қуанышбаев", IIN3, "Жұмабеков", "Сейткали", "Оспанов", "555 20 17", "d.seitkali",
    "skripova.olga", "999 88 77", "Баймуханов", "111 22 33",
]
KEPT = ["Протокол допроса свидетеля", "работала в кафе без оформления", "кабинете следователя",
        "жұмысқа орналасу туралы хабарландыруды", "торговле людьми", "признана потерпевшей"]

BASE = """[pipeline]
[rtf]
type = extract_rtf
[html]
type = extract_html
[legacy]
type = extract_legacy
%s
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
"""


def run(args, timeout=300, conf=None):
    p = subprocess.run([INTAKE] + args, capture_output=True, timeout=timeout, env=dict(os.environ))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def write(path, data):
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode("utf-8"))


def conf(tmp, extra=""):
    path = os.path.join(tmp, "intake.conf")
    write(path, BASE % extra)
    return path


def make_doc(tmp):
    """A Word 97 file from RTF via LibreOffice, or None."""
    if not shutil.which("soffice"):
        return None
    rtf = os.path.join(tmp, "legacy.rtf")
    write(rtf, RU_RTF)
    try:
        subprocess.run(["soffice", "-env:UserInstallation=file://%s/lo" % tmp, "--headless",
                        "--convert-to", "doc:MS Word 97", "--outdir", tmp, rtf],
                       capture_output=True, timeout=180)
    except subprocess.TimeoutExpired:
        return None
    doc = os.path.join(tmp, "legacy.doc")
    os.unlink(rtf)
    return doc if os.path.exists(doc) else None


def test_batch(tmp):
    cases = os.path.join(tmp, "cases")
    os.makedirs(cases)
    write(os.path.join(cases, "ru-protokol.rtf"), RU_RTF)
    write(os.path.join(cases, "kk-koruger.rtf"), KK_RTF)
    write(os.path.join(cases, "sud.html"), HTML)
    doc = make_doc(tmp)
    if doc:
        shutil.move(doc, os.path.join(cases, "protokol.doc"))
    store = os.path.join(tmp, "store")
    rc, out, err = run(["batch", "--config", conf(tmp), "--store", store, "--jobs", "2", cases])
    events = [json.loads(l) for l in out.splitlines() if l.strip().startswith("{")]
    done_ids = [e["doc"] for e in events if e.get("event") == "done"]
    want = 4 if doc else 3
    ok(rc == 0, "batch over RTF (cp1251, \\uN), HTML%s exits 0" % (", DOC" if doc else ""), err)
    ok(len(done_ids) == want, "%d documents done" % want, out[-1500:] + err[-800:])
    leaks = leaks_in(store, PLANTED)
    ok(not leaks, "none of %d planted values in any store file (raw bytes)" % len(PLANTED),
       "\n".join(leaks))
    red = ""
    rdir = os.path.join(store, "redacted")
    for fn in sorted(os.listdir(rdir)) if os.path.isdir(rdir) else []:
        if fn.endswith(".txt"):
            with open(os.path.join(rdir, fn), encoding="utf-8") as f:
                red += f.read()
    for k in KEPT:
        ok(k in red, "non-personal text kept: %s" % k, red[:1500])
    ok("[PERSON" in red and "[PHONE]" in red and "[EMAIL]" in red and "[NATIONAL_ID]" in red,
       "placeholders in the redacted text", red[:1500])
    ok("89504e47" not in red, "picture data not in the text")
    rc, out, err = run(["search", "--config", conf(tmp), "--store", store, "--json", "кафе"])
    ok(rc == 0 and out.count('"id"') >= (2 if doc else 1), "RTF text searchable", out + err)
    rc, out, err = run(["search", "--config", conf(tmp), "--store", store, "--json", "торговле"])
    ok(rc == 0 and '"id"' in out, "HTML text searchable", out + err)
    if not doc:
        ok(True, "Word 97 file through extract_legacy # SKIP soffice not installed")


def test_redact(tmp):
    path = os.path.join(tmp, "kk.rtf")
    write(path, KK_RTF)
    rc, out, err = run(["redact", "--config", conf(tmp), "--format", "text", path])
    ok(rc == 0, "intake redact on \\uN RTF exits 0", err)
    ok(not [v for v in PLANTED if v in out], "redact: no planted value in the output",
       [v for v in PLANTED if v in out])
    ok("хабарландыруды" in out, "redact: the Kazakh text is there", out)
    rc, out, err = run(["redact", "--config", conf(tmp), "--format", "spans", path])
    types = set()
    for l in out.splitlines():
        try:
            types.add(json.loads(l)["type"])
        except (ValueError, KeyError):
            pass
    ok({"PERSON", "PHONE", "NATIONAL_ID"} <= types, "redact spans: person, phone and IIN found",
       out)
    hpath = os.path.join(tmp, "page.html")
    write(hpath, HTML)
    rc, out, err = run(["redact", "--config", conf(tmp), "--format", "text", hpath])
    ok(rc == 0 and not [v for v in PLANTED if v in out] and "торговле людьми" in out,
       "intake redact on HTML: text kept, planted values gone", out + err)


def test_refused(tmp):
    bad = os.path.join(tmp, "bad")
    os.makedirs(bad)
    write(os.path.join(bad, "cut.rtf"), RU_RTF[: len(RU_RTF) // 2])
    hang = os.path.join(tmp, "hang.sh")
    write(hang, "#!/bin/sh\nsleep 600\n")
    os.chmod(hang, 0o755)
    ole = bytearray(2048)
    ole[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    name = "WordDocument".encode("utf-16-le") + b"\0\0"
    ole[1024:1024 + len(name)] = name
    write(os.path.join(bad, "stuck.doc"), bytes(ole))
    store = os.path.join(tmp, "store-bad")
    extra = "doc_command = %s, %%f\ntimeout = 1s\n" % hang
    path = conf(tmp, extra)
    # the [legacy] section is the one the extra lines land in
    t0 = time.monotonic()
    rc, out, err = run(["batch", "--config", path, "--store", store, "--jobs", "1", bad])
    secs = time.monotonic() - t0
    ok(rc == 1, "truncated RTF and hanging converter: batch exits 1", err)
    ok("truncated" in err, "truncated RTF quarantined with its reason", err)
    ok("timed out after 1000 ms" in err, "hanging converter quarantined with its reason", err)
    ok(secs < 30, "... within its deadline (whole batch %.1f s)" % secs)
    leaks = leaks_in(store, PLANTED)
    ok(not leaks, "nothing of the truncated RTF in the store", "\n".join(leaks))
    left = [d for d in os.listdir(tmp) if d.startswith("intake-legacy-")]
    ok(not left, "no private converter folder left", left)


def main():
    with tempfile.TemporaryDirectory(prefix="intake-rtf-") as tmp:
        os.environ["TMPDIR"] = tmp
        test_batch(tmp)
        test_redact(tmp)
        test_refused(tmp)
    return done()


if __name__ == "__main__":
    sys.exit(main())
