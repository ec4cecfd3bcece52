#!/usr/bin/env python3
"""Office documents end to end through `intake batch` and `intake redact` (TAP).

  test_office.py INTAKE_BINARY SOURCE_ROOT

INTAKE_PLUGIN_PATH must name the built plugin folders (meson sets it).
Fixtures are made at test time by office_fixtures.py: a DOCX, an ODT, an
XLSX and an ODS with a planted phone, e-mail or IIN in every hidden corner
(body, table, header, footer, notes, text box, comment and its author,
tracked insertion and deletion, hidden text, field code, link target,
properties, alt text, document variables, people, cells, formulas, unused
shared strings, sheet names) and a picture.

Checks: none of the planted values is anywhere in the store (raw bytes of
every file, and of every member of the exported DOCX/ODT/XLSX/ODS) nor in
LibreOffice's text (DOCX, ODT) or CSV (XLSX, ODS) conversion of the
exports, which opens them; every XML member of the exports parses; the
XLSX export keeps its hidden sheet (redacted), has no shared strings and no
calcChain, and keeps only the formula without redacted text; the non-personal sentences and the placeholders
are there; `intake redact` prints no planted value; a 1 GiB zip bomb, a
truncated DOCX, malformed XML and a DTD are quarantined with their reasons
(the bomb's time is printed).
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import office_fixtures as F  # noqa: E402
from tap import done, ok, skip  # noqa: E402
from store_check import store_bytes

INTAKE, SRC = sys.argv[1], sys.argv[2]

CONF = """[pipeline]
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
[office_export]
type = export_office
[index]
type = index_sqlite
"""

# Sentences no detector touches (checked below): what must survive.
KEEP = ["дело рассмотрено в районном суде", "hearing was adjourned until further notice",
        "келесі аптаға қалдырылды"]


def run(args, timeout=300):
    p = subprocess.run([INTAKE] + args, capture_output=True, timeout=timeout, env=dict(os.environ))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def leaks(blobs, planted):
    found = []
    for where, data in blobs:
        for corner, v in planted.items():
            if v.encode() in data:
                found.append("%s in %s" % (corner, where))
        if F.PNG_MARK in data:
            found.append("original picture in %s" % where)
    return found


def main():
    tmp = tempfile.mkdtemp(prefix="intake-office-")
    try:
        conf = os.path.join(tmp, "intake.conf")
        with open(conf, "w") as f:
            f.write(CONF)
        src = os.path.join(tmp, "in")
        os.mkdir(src)
        files = {"case.docx": (F.make_docx, F.PLANTED), "case.odt": (F.make_odt, F.ODT_PLANTED),
                 "sheet.xlsx": (F.make_xlsx, F.XLSX_PLANTED), "sheet.ods": (F.make_ods, F.ODS_PLANTED)}
        planted = {}
        for name, (make, values) in files.items():
            make(os.path.join(src, name))
            planted.update({"%s:%s" % (name, k): v for k, v in values.items()})

        # --- intake redact: every corner detected, nothing planted printed
        for name, (_, values) in files.items():
            rc, out, err = run(["redact", "--config", conf, os.path.join(src, name)])
            ok(rc == 0, "redact %s exits 0" % name, err)
            left = [k for k, v in values.items() if v in out]
            ok(not left, "redact %s: no planted value in the output" % name, "\n".join(left))
            ok(all(k in out for k in KEEP[:1]), "redact %s: non-personal text kept" % name, out)

        # --- intake batch: the store
        store = os.path.join(tmp, "store")
        rc, out, err = run(["batch", "--store", store, "--config", conf, src])
        ok(rc == 0, "batch of 4 office documents: all done", err)
        red = os.path.join(store, "redacted")
        exports = sorted(f for f in os.listdir(red) if f.endswith((".docx", ".odt", ".xlsx", ".ods")))
        ok(sorted(os.path.splitext(f)[1] for f in exports) == [".docx", ".ods", ".odt", ".xlsx"],
           "one redacted DOCX, ODT, XLSX and ODS", " ".join(exports))
        found = leaks(store_bytes(store), dict(planted, odt_printer=F.PRINTER))
        ok(not found, "no planted value anywhere in the store (raw bytes, zip members, names)",
           "\n".join(found))
        texts = ""
        for f in os.listdir(red):
            if f.endswith(".txt"):
                with open(os.path.join(red, f), encoding="utf-8") as fh:
                    texts += fh.read()
        ok(all(k in texts for k in KEEP), "non-personal text reaches the store", texts[:400])
        ok("[EMAIL]" in texts and "[PHONE]" in texts and "[NATIONAL_ID]" in texts,
           "placeholders in the redacted text")
        ok(texts.count(F.STYLE_HIDDEN) == 2,
           "text hidden by a style two basedOn / parent-style levels up is read (DOCX, ODT)")
        for name in exports:
            with zipfile.ZipFile(os.path.join(red, name)) as z:
                bad = z.testzip()
                names = z.namelist()
            ok(bad is None, "%s: every member's CRC is right" % name)
            if name.endswith((".odt", ".ods")):
                with open(os.path.join(red, name), "rb") as fh:
                    head = fh.read(90)
                ok(names[0] == "mimetype" and head[30:38] == b"mimetype" and
                   b"application/vnd.oasis.opendocument." in head,
                   "%s: mimetype first and stored" % name)
            # every XML member parses (a package that opens without repair)
            with zipfile.ZipFile(os.path.join(red, name)) as z:
                bad_xml = []
                for n in names:
                    if n.endswith((".xml", ".rels")):
                        try:
                            ET.fromstring(z.read(n))
                        except ET.ParseError as e:
                            bad_xml.append("%s: %s" % (n, e))
            ok(not bad_xml, "%s: every XML member is well-formed" % name, "\n".join(bad_xml))
            if name.endswith((".docx", ".odt")):
                with zipfile.ZipFile(os.path.join(red, name)) as z:
                    allxml = b"".join(z.read(n) for n in names)
                ok(F.STYLE_HIDDEN.encode() not in allxml and
                   F.KEEP[1].encode() in allxml,
                   "%s: text hidden through an inherited style is removed" % name)
            if name.endswith(".xlsx"):
                with zipfile.ZipFile(os.path.join(red, name)) as z:
                    sheets = [z.read(n).decode() for n in names if n.startswith("xl/worksheets/")]
                    sst = z.read("xl/sharedStrings.xml").decode()
                ok(len(sheets) == 2 and "Скрытый лист [PHONE]" in "".join(sheets),
                   "xlsx: the hidden sheet is kept, its text redacted", "".join(sheets)[:600])
                ok("<si>" not in sst and 't="s"' not in "".join(sheets),
                   "xlsx: shared strings emptied, every cell an inline string", sst)
                ok("xl/calcChain.xml" not in names and "<f>1+2</f>" in "".join(sheets) and
                   "example.kz" not in "".join(sheets),
                   "xlsx: formulas with redacted literals dropped, others kept; no calcChain",
                   "".join(sheets)[:800])

        # --- LibreOffice opens the exports and reads their text
        soffice = shutil.which("soffice")
        if not soffice:
            skip("LibreOffice converts the exports", "soffice not installed")
        else:
            conv = os.path.join(tmp, "conv")
            os.mkdir(conv)
            copies = []
            for name in exports:
                dst = os.path.join(conv, "export-" + name.replace(".", "-") + "." + name.split(".")[-1])
                shutil.copy(os.path.join(red, name), dst)
                copies.append(dst)
            env = dict(os.environ, HOME=os.path.join(tmp, "lohome"))
            env.pop("LD_PRELOAD", None)
            t0 = time.time()
            texts_in = [c for c in copies if c.endswith((".docx", ".odt"))]
            sheets_in = [c for c in copies if c.endswith((".xlsx", ".ods"))]
            p = subprocess.run(["nice", soffice, "--headless", "--norestore", "--convert-to", "txt:Text",
                                "--outdir", conv] + texts_in, capture_output=True, timeout=240, env=env)
            p2 = subprocess.run(["nice", soffice, "--headless", "--norestore", "--convert-to",
                                 "csv:Text - txt - csv (StarCalc):44,34,76", "--outdir", conv] + sheets_in,
                                capture_output=True, timeout=240, env=env)
            print("# LibreOffice converted %d files in %.1f s" % (len(copies), time.time() - t0))
            for c in copies:
                sheet = c.endswith((".xlsx", ".ods"))
                txt = os.path.splitext(c)[0] + (".csv" if sheet else ".txt")
                if sheet:
                    p = p2
                got = open(txt, encoding="utf-8-sig").read() if os.path.exists(txt) else None
                ok(got is not None, "LibreOffice opens and converts %s" % os.path.basename(c),
                   p.stderr.decode("utf-8", "replace"))
                if got is None:
                    continue
                left = [k for k, v in planted.items() if v in got]
                if F.STYLE_HIDDEN in got:
                    left.append("text hidden by an inherited style")
                ok(not left, "%s as text: no planted value" % os.path.basename(c), "\n".join(left))
                ok("[PHONE]" in got and "[EMAIL]" in got and KEEP[1 if not sheet else 0] in got,
                   "%s as text: placeholders and the kept text" % os.path.basename(c), got)

        # --- an embedded DOCX becomes a child document; pictures need OCR
        emb = os.path.join(tmp, "emb")
        os.mkdir(emb)
        inner = open(os.path.join(src, "case.docx"), "rb").read()
        m = F.docx_members() + [("word/embeddings/Document1.docx", inner)]
        F._write(os.path.join(emb, "outer.docx"), m)
        estore = os.path.join(tmp, "estore")
        rc, out, err = run(["batch", "--store", estore, "--config", conf, emb])
        ok(rc == 0 and '"children":1' in out.replace(" ", ""),
           "an embedded DOCX is processed as a child document", out[-400:] + err)
        found = leaks(store_bytes(estore), planted)
        ok(not found, "no planted value in the store of the embedding document", "\n".join(found))
        noocr = os.path.join(tmp, "noocr.conf")
        with open(noocr, "w") as f:
            f.write(CONF.replace("images = drop\n", ""))
        rc, out, err = run(["redact", "--config", noocr, os.path.join(src, "case.docx")])
        ok(rc != 0 and "OCR" in err,
           "with images = ocr and no OCR plugin, a DOCX with a picture is refused", err)

        # --- refused: zip bomb, truncated, malformed XML, DTD
        bad = os.path.join(tmp, "bad")
        os.mkdir(bad)
        F.make_bomb(os.path.join(bad, "bomb.docx"), 1024)
        whole = open(os.path.join(src, "case.docx"), "rb").read()
        with open(os.path.join(bad, "truncated.docx"), "wb") as f:
            f.write(whole[:len(whole) * 2 // 3])
        m = F.docx_members()
        m = [(n, d.replace("</w:body>", "<w:p></w:body>") if n == "word/document.xml" else d)
             for n, d in m]
        F._write(os.path.join(bad, "malformed.docx"), m)
        m = [(n, d.replace('standalone="yes"?>\n', 'standalone="yes"?>\n<!DOCTYPE w:document [<!ENTITY x "y">]>')
              if n == "word/document.xml" else d) for n, d in F.docx_members()]
        F._write(os.path.join(bad, "dtd.docx"), m)
        for name, want in (("bomb.docx", "zip bomb"), ("truncated.docx", "truncated"),
                           ("malformed.docx", "malformed XML in word/document.xml"),
                           ("dtd.docx", "DTD")):
            t0 = time.time()
            rc, out, err = run(["redact", "--config", conf, os.path.join(bad, name)])
            ms = (time.time() - t0) * 1000
            ok(rc != 0 and want in err, "%s refused: %s" % (name, want), err)
            if name == "bomb.docx":
                print("# 1 GiB zip bomb refused by intake redact in %.0f ms (process start included)" % ms)
                ok(ms < 2000, "zip bomb refused within 2 s (%.0f ms)" % ms)
        bstore = os.path.join(tmp, "bstore")
        rc, out, err = run(["batch", "--store", bstore, "--config", conf, bad])
        qdir = os.path.join(bstore, "quarantine")
        nq = len(os.listdir(qdir)) if os.path.isdir(qdir) else 0
        ok(rc == 1 and nq == 4, "batch quarantines the 4 bad packages (%d)" % nq, err)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return done()


if __name__ == "__main__":
    sys.exit(main())
