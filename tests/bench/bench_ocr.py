#!/usr/bin/env python3
"""OCR benchmark: intake (extract_image + ocr_tesseract through `intake batch`)
beside the raw `tesseract` CLI on the same 300-dpi pages of the generator's
corpus (../shared/bench), clean and "scanned". Called by bench_ocr.sh.

  bench_ocr.py BUILD_DIR

Environment: BENCH_PAGES pages per language [3] (CI short mode: 1),
BENCH_LANGS [en,ru,kk,ky,tk,uz], BENCH_WORK folder [a temp dir], SHARED
[../shared]. Prints one line per figure and the ratios.
BENCH_CAUGHT_ONLY=1 (with BENCH_WORK of an earlier run): only the "caught"
figures, on the OCR texts that run saved (ocr-clean.json), with the
detectors of BUILD_DIR: for working on the detectors without OCRing again.
BENCH_MISSES=1: print each missed identifier (synthetic corpus values) with
the OCR text around it, for diagnosis.

Figures:
  speed   pages/s of intake --jobs 1 (languages pinned to the page's model,
          one run per language) vs raw tesseract -l MODEL, OMP_THREAD_LIMIT=1;
          intake --jobs 2 vs --jobs 1 (languages=auto, all pages)
  CER     per language, clean and scan: intake languages=auto vs raw
          tesseract with the known-correct model (cer.py normalisation)
  caught  share of planted structured identifiers (EMAIL, PHONE, IIN,
          NATIONAL_ID, PASSPORT, IBAN) that intake's detectors cover in the
          OCR text of clean pages, per type and language. An identifier OCR
          mangled beyond one character counts as missed.
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1])
HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
SHARED = os.environ.get("SHARED", os.path.join(SRC, "..", "shared"))
BENCH = os.path.join(SHARED, "bench")
PAGES = int(os.environ.get("BENCH_PAGES", "3"))
LANGS = os.environ.get("BENCH_LANGS", "en,ru,kk,ky,tk,uz").split(",")
INTAKE = os.path.join(BUILD, "core", "intake")
RENDER = os.path.join(BUILD, "tests", "fixtures", "render", "intake-render")
# The known-correct single model per language (Turkmen has none: the Latin
# script model; Uzbek Latin reads best with it too, see the plugin README).
RIGHT = {"en": "eng", "ru": "rus", "kk": "kaz", "ky": "kir", "tk": "Latin", "uz": "Latin"}
STRUCT = {"EMAIL", "PHONE", "IIN", "NATIONAL_ID", "PASSPORT", "IBAN"}
ENV = dict(os.environ, OMP_THREAD_LIMIT="1")

sys.path.insert(0, BENCH)
from cer import normalise  # noqa: E402


def lev(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def cer(ref, hyp):
    r, h = normalise(ref), normalise(hyp)
    return lev(r, h), len(r)


def sh(args, **kw):
    return subprocess.run(args, check=True, env=ENV, **kw)


def make_pages(work):
    corpus = os.path.join(work, "corpus")
    ndocs = 6 * PAGES
    sh([sys.executable, os.path.join(BENCH, "gen_corpus.py"), corpus, str(ndocs), "--seed", "1",
        "--pdf-per-lang", str(PAGES), "--raster-per-lang", str(PAGES), "--legacy", "0",
        "--langs", ",".join(LANGS)], capture_output=True)
    fonts = {}
    for line in open(os.path.join(corpus, "render", "docs.tsv"), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        fonts[f[0]] = f[1]
    scanp = {}
    for line in open(os.path.join(corpus, "render", "pages.tsv"), encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        scanp[(f[0], int(f[1]))] = f[2:]
    pages = []  # (lang, id, pageno, txt, png, scanpng)
    for lang in LANGS:
        got = 0
        for txt in sorted(glob.glob(os.path.join(corpus, "pages", "%s-*.txt" % lang))):
            if got >= PAGES:
                break
            m = re.match(r"(.*)\.p(\d+)\.txt$", os.path.basename(txt))
            did, pno = m.group(1), int(m.group(2))
            if did not in fonts or (did, pno) not in scanp:
                continue
            base = os.path.join(work, "img", "%s.p%02d" % (did, pno))
            os.makedirs(os.path.dirname(base), exist_ok=True)
            # The corpus's own recipe (make-corpus.sh): pango-view A4, pdftoppm 300 dpi gray,
            # intake-render for the scan.
            sh(["pango-view", "-q", "--font=" + fonts[did], "--width=475", "--height=722",
                "--margin=60", "--wrap=word", "--language=en", "-o", base + ".pdf", txt])
            sh(["pdftoppm", "-r", "300", "-scale-to-x", "2480", "-scale-to-y", "3508", "-gray",
                "-png", "-singlefile", base + ".pdf", base])
            angle, noise, blur, seed, _q = scanp[(did, pno)]
            # No ImageMagick here: intake-render's scan treatment (rotation by the
            # corpus's angle, grey paper, noise) on the clean page.
            sh([RENDER, "--format", "scan", "--image", base + ".png", "--angle", angle,
                "--seed", seed, "--out", base + ".scan.png"])
            pages.append((lang, did, pno, txt, base + ".png", base + ".scan.png"))
            got += 1
    return pages


def raw_tesseract(img, model):
    p = subprocess.run(["tesseract", img, "-", "-l", model], capture_output=True, env=ENV)
    return p.stdout.decode("utf-8", errors="replace")


# As the default config reads pages: with language identification, which
# auto OCR asks to confirm the language (without it a letter rule decides,
# and the text differs from what `intake redact` with the default config
# reads, which caught_stats relies on).
CONF = """[pipeline]
log_level = error
timeout = 600s
[image]
type = extract_image
[ocr]
type = ocr_tesseract
languages = %s
[lang]
type = langid_lexicon
[export]
type = export_text
[index]
type = index_sqlite
"""


def intake_batch(work, name, files, langs, jobs):
    """intake batch over links to \\p files; returns (seconds, {path: text})."""
    d = os.path.join(work, name)
    shutil.rmtree(d, ignore_errors=True)
    inbox = os.path.join(d, "in")
    os.makedirs(inbox)
    for i, f in enumerate(files):
        shutil.copyfile(f, os.path.join(inbox, "%04d.png" % i))  # batch skips symlinks
    conf = os.path.join(d, "intake.conf")
    with open(conf, "w") as f:
        f.write(CONF % langs)
    t0 = time.monotonic()
    p = subprocess.run([INTAKE, "batch", "--store", os.path.join(d, "store"), "--config", conf,
                        "--jobs", str(jobs), inbox], capture_output=True, env=ENV)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        sys.stderr.write(p.stderr.decode(errors="replace"))
        raise SystemExit("intake batch failed")
    # Store texts are keyed by the SHA-256 of the file content.
    import hashlib
    out = {}
    for f in files:
        h = hashlib.sha256(open(f, "rb").read()).hexdigest()
        with open(os.path.join(d, "store", "redacted", h + ".txt"), encoding="utf-8") as t:
            out[f] = t.read()
    return dt, out


def intake_startup(work):
    """Start-up and shutdown of a batch run with no document: subtracted from both runs."""
    d = os.path.join(work, "empty")
    os.makedirs(os.path.join(d, "in"), exist_ok=True)
    conf = os.path.join(d, "intake.conf")
    with open(conf, "w") as f:
        f.write(CONF % "eng")
    t0 = time.monotonic()
    subprocess.run([INTAKE, "batch", "--store", os.path.join(d, "store"), "--config", conf,
                    "--jobs", "1", os.path.join(d, "in")], capture_output=True, env=ENV)
    return time.monotonic() - t0


def digits(s):
    return re.sub(r"[^0-9A-Za-z@._-]", "", s)


# Cyrillic letters OCR puts for their Latin look-alikes (and the reverse is
# not needed: the planted identifiers are Latin and digits). One character
# for one, so positions stay.
CONFUSABLE = str.maketrans("АВЕКМНОРСТХУІЅЈаеорсхуіѕј", "ABEKMHOPCTXYISJaeopcxyisj")
# Letters and digits OCR swaps inside identifiers (applied to both sides, for
# finding where an identifier went, not for deciding whether it was caught).
SHAPES = str.maketrans("OoDIlЗз", "0001133")


def locate(ocr, surface):
    """Byte range in \\p ocr of \\p surface, ignoring spaces and separators, allowing one
    wrong character after folding Cyrillic look-alikes of Latin letters (CONFUSABLE);
    None when OCR mangled it more."""
    key = re.sub(r"[\s()\-]", "", surface).translate(SHAPES)
    idx = [i for i, c in enumerate(ocr) if not re.match(r"[\s()\-]", c)]
    flat = "".join(ocr[i] for i in idx).translate(CONFUSABLE).translate(SHAPES)
    pos = flat.find(key)
    if pos < 0 and key.startswith("+") and flat.find(key[1:]) >= 0:
        # OCR reads "+7" as "--7": the number is its digits. Without this the
        # one-wrong-character search below aligned the lost '+' with the
        # last letter of the word before, and a caught phone counted as missed.
        key = key[1:]
        pos = flat.find(key)
    if pos < 0:
        best = None
        for s in range(0, max(0, len(flat) - len(key)) + 1):
            cand = flat[s:s + len(key)]
            if sum(a != b for a, b in zip(cand, key)) <= 1:
                best = s
                break
        if best is None:
            return None
        pos = best
    start_c, end_c = idx[pos], idx[pos + len(key) - 1] + 1
    b = ocr.encode("utf-8")
    return len(ocr[:start_c].encode("utf-8")), len(ocr[:end_c].encode("utf-8"))


def report_miss(typ, lang, surface, ocr, r, spans):
    if r is None:
        # Where OCR put it: the longest prefix of its digits/letters found.
        key = re.sub(r"[\s()\-]", "", surface)
        ctxt = "(not located)"
        for k in range(len(key), 3, -1):
            i = ocr.find(key[-k:])
            if i >= 0:
                ctxt = repr(ocr[max(0, i - 50):i + 40])
                break
        print("miss   %-11s %-3s %r not located: %s" % (typ, lang, surface, ctxt))
        return
    b = ocr.encode("utf-8")
    near = [(sp["start"], sp["end"], sp["type"]) for sp in spans
            if sp["end"] > r[0] - 40 and sp["start"] < r[1] + 40]
    print("miss   %-11s %-3s %r ocr %r spans near %s" % (
        typ, lang, surface, b[max(0, r[0] - 40):r[1] + 20].decode("utf-8", "replace"), near))


def aligned(ocr, entities, redacted):
    """True when \p entities (byte offsets) fit \p ocr: every piece of it
    outside them appears, in order, in \p redacted (the same OCR text)."""
    b = ocr.encode("utf-8")
    r = redacted.encode("utf-8")
    at, prev = 0, 0
    for e in sorted(entities, key=lambda e: e["start"]):
        if e["start"] < prev or e["end"] > len(b):
            return False
        piece = b[prev:e["start"]]
        i = r.find(piece, at)
        if i < 0:
            return False
        at, prev = i + len(piece), e["end"]
    return r.find(b[prev:], at) >= 0


def caught_stats(work, pages, texts):
    """Run intake as it runs in production, `intake redact` with the default
    config on the page image itself (OCR, then every detector, with the page
    flagged as OCR text so that the OCR-tolerant rules apply), and look for
    each planted identifier in the OCR text of the batch run (the same
    Tesseract, one thread: the same text; checked by `aligned`)."""
    stats = {}
    for lang, did, pno, txt, png, _scan in pages:
        ocr = texts[png]
        p = subprocess.run([INTAKE, "redact", "--config", os.path.join(BUILD, "config",
                                                                       "intake.conf"),
                            "--format", "json", png], capture_output=True, env=ENV)
        try:
            res = json.loads(p.stdout.decode())
        except ValueError:
            raise SystemExit("intake redact failed on %s: %s" % (png, p.stderr.decode()[-300:]))
        spans = res.get("entities", [])
        if not aligned(ocr, spans, res.get("text", "")):
            raise SystemExit("intake redact read %s differently from intake batch" % png)
        gt = json.load(open(txt[:-4] + ".json", encoding="utf-8"))
        for s in gt["spans"]:
            if s["type"] not in STRUCT:
                continue
            k = (s["type"], lang)
            tot, ok = stats.get(k, (0, 0))
            r = locate(ocr, s["surface"])
            hit = r is not None and any(sp["start"] <= r[0] and sp["end"] >= r[1] for sp in spans)
            stats[k] = (tot + 1, ok + hit)
            if not hit and os.environ.get("BENCH_MISSES"):
                report_miss(s["type"], lang, s["surface"], ocr, r, spans)
    return stats


def print_caught(stats):
    print("caught type         lang  caught/planted  share")
    for (typ, lang), (tot, ok) in sorted(stats.items()):
        print("caught %-12s  %-4s  %3d/%-3d         %.2f" % (typ, lang, ok, tot, ok / tot))
    tot = sum(v[0] for v in stats.values())
    ok = sum(v[1] for v in stats.values())
    print("caught all structured identifiers (clean pages, auto): %d/%d = %.3f" %
          (ok, tot, ok / max(tot, 1)))


def main():
    work = os.environ.get("BENCH_WORK") or tempfile.mkdtemp(prefix="intake-bench-ocr-")
    os.makedirs(work, exist_ok=True)
    saved = os.path.join(work, "ocr-clean.json")
    if os.environ.get("BENCH_CAUGHT_ONLY"):
        d = json.load(open(saved, encoding="utf-8"))
        print_caught(caught_stats(work, [tuple(p) for p in d["pages"]], d["texts"]))
        return
    t0 = time.monotonic()
    pages = make_pages(work)
    print("pages: %d (%d per language: %s), rendered in %.0f s" %
          (len(pages), PAGES, ",".join(LANGS), time.monotonic() - t0))

    # Raw tesseract, the right single model, clean and scan.
    raw_t = 0.0
    raw = {}
    for lang, _d, _p, _txt, png, scan in pages:
        t1 = time.monotonic()
        raw[png] = raw_tesseract(png, RIGHT[lang])
        raw_t += time.monotonic() - t1
        raw[scan] = raw_tesseract(scan, RIGHT[lang])

    # intake --jobs 1 pinned to the same model, one run per language.
    start = 0.0  # an empty batch starts no worker; start-up (model loading) stays in
    pin_t = 0.0
    for lang in LANGS:
        files = [p[4] for p in pages if p[0] == lang]
        dt, _ = intake_batch(work, "pin-" + lang, files, RIGHT[lang], 1)
        pin_t += max(dt - start, 1e-3)
    n = len(pages)
    print("speed  raw tesseract (right model, 1 thread): %.3f pages/s" % (n / raw_t))
    print("speed  intake --jobs 1 (same model, orientation+deskew on, start-up %.2f s "
          "subtracted per run): %.3f pages/s  ratio %.2f" % (start, n / pin_t, raw_t / pin_t))

    clean = [p[4] for p in pages]
    scans = [p[5] for p in pages]
    j1, auto_clean = intake_batch(work, "auto-j1", clean, "auto", 1)
    with open(saved, "w", encoding="utf-8") as f:
        json.dump({"pages": pages, "texts": auto_clean}, f, ensure_ascii=False)
    j2, _ = intake_batch(work, "auto-j2", clean, "auto", 2)
    print("speed  intake auto --jobs 1: %.3f pages/s; --jobs 2: %.3f pages/s  ratio %.2f" %
          (n / (j1 - start), n / (j2 - start), (j1 - start) / (j2 - start)))
    _, auto_scan = intake_batch(work, "auto-scan", scans, "auto", 1)

    print("CER    lang  variant  raw(right model)  intake(auto)  diff(pp)")
    for variant, hyp_i, idx in (("clean", auto_clean, 4), ("scan", auto_scan, 5)):
        for lang in LANGS:
            er = ei = tot = 0
            for p in pages:
                if p[0] != lang:
                    continue
                ref = open(p[3], encoding="utf-8").read()
                e1, n1 = cer(ref, raw[p[idx]])
                e2, _ = cer(ref, hyp_i[p[idx]])
                er += e1
                ei += e2
                tot += n1
            print("CER    %-4s  %-7s  %.4f            %.4f        %+.2f" %
                  (lang, variant, er / tot, ei / tot, 100 * (ei - er) / tot))

    print_caught(caught_stats(work, pages, auto_clean))
    print("total bench time %.0f s; work folder %s" % (time.monotonic() - t0, work))
    if not os.environ.get("BENCH_WORK"):
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
