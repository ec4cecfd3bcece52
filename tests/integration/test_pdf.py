#!/usr/bin/env python3
"""PDFs end to end through `intake batch` with the real built plugins (TAP).

  test_pdf.py INTAKE_BINARY SOURCE_ROOT

INTAKE_PLUGIN_PATH must name the built plugin folders (meson sets it).
Fixtures are made at test time with tests/fixtures/render (intake-render,
in the build tree beside the binary); the texts and the personal data in
them are written for this test and invented.

Covers: a text-layer PDF with planted e-mails, phones and IDs leaves none
of them anywhere in the store (raw bytes of every file and file name) and
a redacted PDF whose text has the placeholders and none of the values;
truncated and encrypted PDFs are quarantined with their reasons; with the
ocr_tesseract plugin built, an image-only PDF is OCRed, and OCR of the
redacted PDF's pages finds none of the planted values (reported as a TAP
skip, not a pass, when that plugin is missing).
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

from tap import done, ok
from store_check import leaks_in
from fixture_ids import iin

INTAKE, SRC = sys.argv[1], sys.argv[2]
BUILD = os.path.dirname(os.path.dirname(os.path.abspath(INTAKE)))
RENDER = os.path.join(BUILD, "tests", "fixtures", "render", "intake-render")
PLUGIN_PATH = os.environ.get("INTAKE_PLUGIN_PATH", "")


IIN = iin("88051740031")
# Planted values: phones, e-mails, a national ID, in five languages.
TEXT = (
    "Протокол допроса. Свидетель сообщила телефон +7 707 412 58 36 и почту "
    "olga.kirsanova77@example.ru.\n"
    "Куәгердің ЖСН %s, телефоны +7 747 260 19 84.\n"
    "Şaýat öz telefonyny +993 62 74 35 19 diýip görkezdi.\n"
    "Guvoh elektron pochtasi: bahodir.yuldashev@example.uz edi.\n"
    "The witness can be reached at m.okonkwo-reid@example.org or +44 7700 900 461.\n"
    "The interview ended at the regional office after the record was read back.\n" % IIN
)
PLANTED = ["+7 707 412 58 36", "707 412", "olga.kirsanova77", IIN, "+7 747 260 19 84", "747 260",
           "+993 62 74 35 19", "62 74 35", "bahodir.yuldashev", "m.okonkwo-reid", "7700 900 461"]

BASE = """[pipeline]
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
[index]
type = index_sqlite
"""


def run(args, timeout=300):
    p = subprocess.run([INTAKE] + args, capture_output=True, timeout=timeout, env=dict(os.environ))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def write_conf(tmp, body, name="intake.conf"):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(body)
    return path


def render(fmt, text, out, *extra):
    src = out + ".txt"
    with open(src, "w", encoding="utf-8") as f:
        f.write(text)
    # pango and fontconfig keep caches to the end: no leak check on the renderer
    subprocess.run([RENDER, "--format", fmt, "--out", out] + list(extra) + [src], check=True,
                   capture_output=True, env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
    os.unlink(src)


def pdftotext(path):
    p = subprocess.run(["pdftotext", "-enc", "UTF-8", path, "-"], capture_output=True)
    return p.stdout.decode("utf-8", "replace")


def test_text_pdf(tmp):
    cases = os.path.join(tmp, "cases")
    os.makedirs(cases)
    render("pdf-text", TEXT, os.path.join(cases, "statement.pdf"))
    store = os.path.join(tmp, "store")
    rc, out, err = run(["batch", "--config", write_conf(tmp, BASE), "--store", store, "--jobs", "1",
                        cases])
    ok(rc == 0, "batch over a text-layer PDF exits 0", err)
    events = [json.loads(l) for l in out.splitlines() if l.strip().startswith("{")]
    ids = [e["doc"] for e in events if e.get("event") == "done"]
    ok(len(ids) == 1, "one document done", out[-800:])
    leaks = leaks_in(store, PLANTED)
    ok(not leaks, "none of %d planted values in any store file (raw bytes)" % len(PLANTED),
       "\n".join(leaks))
    pdf = os.path.join(store, "redacted", (ids[0] if ids else "x") + ".pdf")
    ok(os.path.exists(pdf), "redacted PDF written beside the .txt")
    txt = pdftotext(pdf) if os.path.exists(pdf) else ""
    ok(all(v not in txt for v in PLANTED), "redacted PDF's text has none of the planted values", txt)
    ok(all(p in txt for p in ("[PHONE]", "[EMAIL]", "[NATIONAL_ID]")),
       "redacted PDF's text has the placeholders", txt)
    ok("regional office" in txt and "Протокол" in txt, "... and the words around them", txt)
    red = os.path.join(store, "redacted", (ids[0] if ids else "x") + ".txt")
    with open(red, encoding="utf-8") as f:
        r = f.read()
    ok("[EMAIL]" in r and "[PHONE]" in r, "redacted .txt has the placeholders", r)
    rc, out, err = run(["search", "--config", write_conf(tmp, BASE), "--store", store, "--json",
                        "regional"])
    ok(rc == 0 and ids and ids[0] in out, "the PDF's text is searchable", out + err)


def test_refused(tmp):
    cases = os.path.join(tmp, "bad")
    os.makedirs(cases)
    render("pdf-text", TEXT, os.path.join(tmp, "whole.pdf"))
    with open(os.path.join(tmp, "whole.pdf"), "rb") as f:
        whole = f.read()
    with open(os.path.join(cases, "cut.pdf"), "wb") as f:
        f.write(whole[: len(whole) * 2 // 3])
    # An /Encrypt dictionary whose keys open with no password: poppler
    # refuses it as encrypted.
    body = (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
            b"3 0 obj\n<< /Filter /Standard /V 1 /R 2 /O <" + b"41" * 32 + b"> /U <" + b"42" * 32 +
            b"> /P -44 >>\nendobj\n")
    xref = len(body)
    offs = [body.index(b"%d 0 obj" % i) for i in (1, 2, 3)]
    body += b"xref\n0 4\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs)
    body += (b"trailer\n<< /Size 4 /Root 1 0 R /Encrypt 3 0 R /ID [<00112233445566778899AABBCCDDEEFF>"
             b"<00112233445566778899AABBCCDDEEFF>] >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    with open(os.path.join(cases, "locked.pdf"), "wb") as f:
        f.write(body)
    store = os.path.join(tmp, "store-bad")
    rc, out, err = run(["batch", "--config", write_conf(tmp, BASE), "--store", store, "--jobs", "1",
                        cases])
    ok(rc == 1, "truncated and encrypted PDFs: batch exits 1", err)
    ok("truncated PDF" in err, "... the truncated one quarantined with its reason", err)
    ok("encrypted PDF: no password configured" in err, "... the encrypted one too", err)
    qdir = os.path.join(store, "quarantine")
    reasons = ""
    for fn in os.listdir(qdir) if os.path.isdir(qdir) else []:
        with open(os.path.join(qdir, fn), encoding="utf-8", errors="replace") as f:
            reasons += f.read()
    ok("truncated" in reasons and "encrypted" in reasons, "quarantine/ holds both reasons", reasons)
    ok(not os.path.isdir(os.path.join(store, "redacted")) or
       not [f for f in os.listdir(os.path.join(store, "redacted")) if f.endswith(".pdf")],
       "no redacted PDF for refused files")


def ocr_plugin_built():
    return any(os.path.exists(os.path.join(d, "ocr_tesseract.so")) for d in PLUGIN_PATH.split(":") if d)


def test_ocr(tmp):
    name = "OCR of the redacted pages of an image-only PDF finds none of the planted values"
    if not ocr_plugin_built() or not shutil.which("tesseract") or not shutil.which("pdftoppm"):
        ok(True, name + " # SKIP ocr_tesseract plugin (or tesseract, pdftoppm) not built")
        return
    cases = os.path.join(tmp, "scans")
    os.makedirs(cases)
    text = ("Witness phone +44 7700 900 461, e-mail m.okonkwo-reid@example.org.\n"
            "The interview ended at the regional office after the record was read back.\n")
    render("pdf-image", text, os.path.join(cases, "scan.pdf"))
    conf = BASE + "[ocr]\ntype = ocr_tesseract\nlanguages = eng\n"
    store = os.path.join(tmp, "store-ocr")
    rc, out, err = run(["batch", "--config", write_conf(tmp, conf, "ocr.conf"), "--store", store,
                        "--jobs", "1", cases], timeout=600)
    ok(rc == 0, "image-only PDF through OCR: batch exits 0", err)
    ids = [json.loads(l)["doc"] for l in out.splitlines()
           if l.strip().startswith("{") and json.loads(l).get("event") == "done"]
    pdf = os.path.join(store, "redacted", (ids[0] if ids else "x") + ".pdf")
    ok(os.path.exists(pdf), "redacted PDF of the scan written")
    red = os.path.join(store, "redacted", (ids[0] if ids else "x") + ".txt")
    r = open(red, encoding="utf-8").read() if os.path.exists(red) else ""
    ok("[PHONE]" in r and "[EMAIL]" in r, "OCR found the planted phone and e-mail (sanity)", r)
    if not os.path.exists(pdf):
        return
    subprocess.run(["pdftoppm", "-r", "300", "-gray", "-png", pdf, os.path.join(tmp, "red")],
                   check=True)
    seen = ""
    for fn in sorted(os.listdir(tmp)):
        if fn.startswith("red") and fn.endswith(".png"):
            p = subprocess.run(["tesseract", os.path.join(tmp, fn), "-", "-l", "eng"],
                               capture_output=True, env=dict(os.environ, OMP_THREAD_LIMIT="1"))
            seen += p.stdout.decode("utf-8", "replace")
    ok("regional office" in seen, "OCR reads the redacted pages (sanity)", seen)
    vals = ["7700", "900 461", "okonkwo", "m.okonkwo-reid@example.org"]
    ok(all(v not in seen for v in vals), name, seen)
    ok(not leaks_in(store, vals), "and the store holds none of them")


def main():
    if not os.access(RENDER, os.X_OK):
        print("1..0 # SKIP intake-render not built (tests/fixtures/render)")
        return 0
    with tempfile.TemporaryDirectory(prefix="intake-pdf-") as tmp:
        test_text_pdf(tmp)
        test_refused(tmp)
        test_ocr(tmp)
    return done()


if __name__ == "__main__":
    sys.exit(main())
