#!/usr/bin/env python3
"""Integration test of scans through `intake batch` (TAP output).

  test_ocr.py INTAKE_BINARY RENDER_BINARY

INTAKE_PLUGIN_PATH must name the built plugin folders (meson sets it).
Renders a PNG and a two-page TIFF with planted contact data (invented for
this test), takes them in with extract_image + ocr_tesseract and the real
detectors, and checks the store: the redacted text keeps the ordinary words,
holds placeholders, and none of the planted values; a decompression bomb is
quarantined quickly with its reason.
"""
import glob
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import zlib

from tap import done, ok

INTAKE, RENDER = sys.argv[1], sys.argv[2]

CONF = """[pipeline]
log_level = warn
[text]
type = extract_text
[image]
type = extract_image
[ocr]
type = ocr_tesseract
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

PAGE_RU = ("Протокол осмотра склада\n"
           "Инспекция установила, что работники жили на складе без оплаты труда.\n"
           "Связь: svidetel.proba@example.org, телефон +7 702 418 55 90, ИИН 940312418576.\n")
PAGE_EN = ("Record of the site inspection\n"
           "The workers were housed in a locked warehouse and were not paid.\n"
           "Contact: witness.proba@example.org, telephone +7 701 555 12 34.\n")
PAGE_EN2 = ("Second page of the record\n"
            "The employer kept their documents. Account KZ86125KZT5004100100.\n")
SECRETS = ["svidetel.proba", "witness.proba", "418 55 90", "555 12 34", "940312418576",
           "KZ86125KZT5004100100"]


def render(tmp, name, fmt, text):
    src = os.path.join(tmp, name + ".txt")
    with open(src, "w") as f:
        f.write(text)
    out = os.path.join(tmp, name)
    # pango and fontconfig keep caches to the end: no leak check on the renderer
    subprocess.run([RENDER, "--format", fmt, "--out", out, src], check=True,
                   env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
    os.unlink(src)
    return out


def png_bomb(path):
    """A PNG whose header claims 100000 x 100000 pixels (IHDR with a valid CRC)."""
    ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 0, 0, 0, 0)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    idat = zlib.compress(b"\0" * 4096)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) +
                chunk(b"IEND", b""))


def main():
    tmp = tempfile.mkdtemp(prefix="intake-ocr-it-")
    inbox = os.path.join(tmp, "in")
    os.mkdir(inbox)
    store = os.path.join(tmp, "store")
    conf = os.path.join(tmp, "intake.conf")
    with open(conf, "w") as f:
        f.write(CONF)
    render(inbox, "statement.png", "png", PAGE_RU)
    render(inbox, "record.tiff", "tiff", PAGE_EN + "\f" + PAGE_EN2)
    t0 = time.monotonic()
    p = subprocess.run([INTAKE, "batch", "--store", store, "--config", conf, "--jobs", "2", inbox],
                       capture_output=True, timeout=600)
    ok(p.returncode == 0, "batch over a PNG and a TIFF exits 0 (%.1f s)" % (time.monotonic() - t0),
       p.stderr.decode(errors="replace"))
    texts = {}
    for path in glob.glob(os.path.join(store, "redacted", "*.txt")):
        with open(path, encoding="utf-8") as f:
            texts[path] = f.read()
    ok(len(texts) == 2, "two redacted documents in the store", "%d" % len(texts))
    allt = "\n".join(texts.values())
    for word in ["склада", "работники", "warehouse", "employer", "Second"]:
        ok(word in allt, "OCR text kept the word '%s'" % word, allt[:400])
    for s in SECRETS:
        ok(s not in allt and s.replace(" ", "") not in allt.replace(" ", ""),
           "planted value gone: %s" % s[:4] + "...")
    for ph in ["[EMAIL", "[PHONE"]:
        ok(ph in allt, "placeholder %s present" % ph, allt[:400])
    ok(re.search(r"\[(NATIONAL_ID|IIN)", allt) is not None, "IIN placeholder present", allt[:400])
    ok(re.search(r"\[IBAN", allt) is not None, "IBAN placeholder present", allt[:400])
    pages = []
    for path in glob.glob(os.path.join(store, "redacted", "*.json")):
        with open(path) as f:
            pages.append(json.load(f).get("pages"))
    ok(sorted(str(x) for x in pages) == ["1", "2"] or sorted(pages) == [1, 2],
       "page counts 1 (PNG) and 2 (TIFF)", repr(pages))

    # A decompression bomb is quarantined at once, with its reason.
    bombdir = os.path.join(tmp, "bomb")
    os.mkdir(bombdir)
    png_bomb(os.path.join(bombdir, "huge.png"))
    t0 = time.monotonic()
    p = subprocess.run([INTAKE, "batch", "--store", store, "--config", conf, "--jobs", "1",
                        bombdir], capture_output=True, timeout=120)
    dt = time.monotonic() - t0
    err = p.stderr.decode(errors="replace")
    ok(p.returncode == 1, "bomb: batch exits 1 (quarantined)", err)
    ok("max_pixels" in err, "bomb: the reason names the limit", err)
    q = glob.glob(os.path.join(store, "quarantine", "*.txt"))
    ok(len(q) == 1, "bomb: one quarantine record", repr(q))
    ok(dt < 20, "bomb: refused quickly (%.1f s, mostly start-up)" % dt)
    subprocess.run(["rm", "-rf", tmp])
    return done()


if __name__ == "__main__":
    sys.exit(main())
