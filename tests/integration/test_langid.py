#!/usr/bin/env python3
"""Integration tests of language identification (langid_lexicon) with the
real built plugins (TAP output).

  test_langid.py INTAKE_BINARY SOURCE_ROOT [RENDER_BINARY]

- `intake redact --format json` reports `language` and `blocks` (byte
  offsets, language, script, confidence), right at the boundaries of a
  Kazakh, a Russian and a Turkmen paragraph;
- `intake batch` stores the language the plugin set, and `intake search
  --lang CODE` finds documents by it;
- index: the Russian stemmer applies because langid said ru (another form
  of a word finds the document; without langid it does not);
- detect: detect_names scores a lone capitalised word by its block's language;
- OCR (with RENDER_BINARY): a Kyrgyz page is read again with kir+eng because
  langid says ky (the debug log names the source of the language).
The texts are written for this test.
"""
import json
import os
import subprocess
import sys
import tempfile

from tap import done, ok, skip

INTAKE, SRC = sys.argv[1], sys.argv[2]
RENDER = sys.argv[3] if len(sys.argv) > 3 else None

CONF = """[pipeline]
[text]
type = extract_text
[lang]
type = langid_lexicon
[ids]
type = detect_patterns
[export]
type = export_text
[index]
type = index_sqlite
"""

KK = ("Сот отырысында куә оқиға туралы толық айтып берді және өз көрсетулерін растады. "
      "Жәбірленуші шетелге жұмысқа жіберілетінін айтқан адамға сенгенін түсіндірді.")
RU = ("В судебном заседании свидетель подробно рассказал о произошедшем и подтвердил свои "
      "показания. Потерпевшая пояснила, что поверила обещаниям о работе за границей.")
TK = ("Kazyýet mejlisinde şaýat bolan waka barada jikme-jik gürrüň berdi we öz görkezmelerini "
      "tassyklady. Jebir çeken daşary ýurtda iş wada berlendigine ynanandygyny aýtdy.")
# Kyrgyz, for the OCR check (rendered to an image at test time).
KY = ("Сот отурумунда күбө окуя тууралуу толук айтып берди жана өзүнүн көрсөтмөлөрүн ырастады.\n"
      "Жабыр тартуучу чет өлкөгө жумушка жөнөтүлөрүн айткан адамга ишенгенин түшүндүрдү.\n")
EN = ("At the hearing the witness gave a detailed account of what had happened and confirmed "
      "her earlier statement. The victim said that she had believed the promise of work abroad.")


def run(args, timeout=120):
    p = subprocess.run([INTAKE] + args, capture_output=True, timeout=timeout, env=dict(os.environ))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def write(path, text):
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        c = os.path.join(tmp, "intake.conf")
        write(c, CONF)

        # One document, three languages: blocks right at the boundaries.
        mixed = KK + "\n\n" + RU + "\n\n" + TK + "\n"
        path = os.path.join(tmp, "mixed.txt")
        write(path, mixed)
        rc, out, err = run(["redact", "--config", c, "--format", "json", path])
        ok(rc == 0, "redact --format json exits 0", err)
        d = json.loads(out) if rc == 0 else {}
        blocks = d.get("blocks", [])
        ok(d.get("language") in ("kk", "ru", "tk"), "language is one of the three", d.get("language"))
        ok(all(set(b) >= {"start", "end", "lang", "script", "confidence"} for b in blocks) and blocks,
           "blocks carry start, end, lang, script, confidence", blocks)
        raw = mixed.encode()

        def at(off):
            for b in blocks:
                if b["start"] <= off < b["end"]:
                    return b
            return {}
        starts = [0, len((KK + "\n\n").encode()), len((KK + "\n\n" + RU + "\n\n").encode())]
        ends = [len(KK.encode()), starts[1] + len(RU.encode()), starts[2] + len(TK.encode())]
        for lang, script, s, e in zip(("kk", "ru", "tk"), ("Cyrl", "Cyrl", "Latn"), starts, ends):
            ok(at(s).get("lang") == lang and at(e - 1).get("lang") == lang and at(s).get("script") == script,
               "%s paragraph: first and last byte in a %s/%s block" % (lang, lang, script), blocks)
        ok(len(blocks) == 3, "three blocks", blocks)
        ok(all(0 < b["confidence"] <= 1 for b in blocks), "confidences in (0, 1]", blocks)
        ok(all(raw[b["start"]:b["end"]].decode("utf-8", "strict") is not None for b in blocks),
           "blocks lie on UTF-8 boundaries")

        # A snippet too short to judge: und, never a guess.
        short = os.path.join(tmp, "short.txt")
        write(short, "Алматы, 2021\n")
        rc, out, err = run(["redact", "--config", c, "--format", "json", short])
        ok(rc == 0 and json.loads(out)["language"] == "und", "a place and a year: und", out[:300])

        # batch + search --lang: each document found by its own language only.
        docs = os.path.join(tmp, "docs")
        os.makedirs(docs)
        texts = {"kk": KK, "ru": RU, "tk": TK, "en": EN}
        for lang, t in texts.items():
            write(os.path.join(docs, "statement-%s.txt" % lang), t + "\n")
        store = os.path.join(tmp, "store")
        rc, out, err = run(["batch", "--config", c, "--store", store, "--jobs", "1", docs], timeout=300)
        ok(rc == 0, "batch exits 0", err)
        ids = {}
        for lang in texts:
            rc, out, err = run(["search", "--config", c, "--store", store, "--json", "--limit", "10",
                                "--lang", lang, "суд OR сот OR kazyýet OR hearing OR куә OR свидетель OR şaýat"])
            hits = [json.loads(l) for l in out.splitlines() if l.strip()]
            ok(rc == 0 and len(hits) == 1, "search --lang %s finds exactly one document" % lang, out + err)
            if hits:
                ids[lang] = hits[0]["id"]
                ok(hits[0].get("lang") in (None, lang), "its hit says lang %s" % lang, hits[0])
        ok(len(set(ids.values())) == len(texts), "four different documents")
        rc, out, err = run(["search", "--config", c, "--store", store, "--json", "--lang", "und",
                            "суд OR сот OR kazyýet OR hearing"])
        ok(rc == 0 and out.strip() == "", "no document is und", out[:300])

        # The index stems by the document's language: an inflected form that is
        # not in the Russian text ("показаниями" for "показания") finds it when
        # langid set ru, and nothing when no language plugin ran (und: no stemmer).
        rc, out, err = run(["search", "--config", c, "--store", store, "--json", "показаниями"])
        hits = [json.loads(l) for l in out.splitlines() if l.strip()]
        ok(rc == 0 and [h["id"] for h in hits] == [ids.get("ru")],
           "index: Russian stem finds the ru document by another form", out + err)
        nolang_conf = os.path.join(tmp, "nolang-index.conf")
        write(nolang_conf, CONF.replace("[lang]\ntype = langid_lexicon\n", ""))
        store2 = os.path.join(tmp, "store-nolang")
        rc, out, err = run(["batch", "--config", nolang_conf, "--store", store2, "--jobs", "1", docs],
                           timeout=300)
        ok(rc == 0, "batch without langid exits 0", err)
        rc, out, err = run(["search", "--config", nolang_conf, "--store", store2, "--json",
                            "показания"])
        ok(rc == 0 and len(out.splitlines()) == 1, "index without langid: the exact form is found", out + err)
        rc, out, err = run(["search", "--config", nolang_conf, "--store", store2, "--json",
                            "показаниями"])
        ok(rc == 0 and out.strip() == "", "index: without langid the form is not found (no stemmer)",
           out[:300] + err)

        # The detect stage uses the blocks: an English paragraph inside a
        # Russian document gets the English rule for a lone capitalised
        # word (a weak cue, 0.5, redacted); without blocks it is a Latin
        # word in a Cyrillic text (mostly brands: a doubt, not redacted).
        doc = "\n\n".join([RU] * 8) + "\n\nIn the morning the clerk spoke with Tarvek near the station.\n"
        path = os.path.join(tmp, "mostly-ru.txt")
        write(path, doc)
        off = len(doc.encode()) - len("Tarvek near the station.\n".encode())
        withlang = os.path.join(tmp, "withlang.conf")
        write(withlang, "[pipeline]\n[text]\ntype = extract_text\n[lang]\ntype = langid_lexicon\n"
                        "[names]\ntype = detect_names\n")
        nolang = os.path.join(tmp, "nolang.conf")
        write(nolang, "[pipeline]\n[text]\ntype = extract_text\n[names]\ntype = detect_names\n")
        scores = []
        for conf in (withlang, nolang):
            rc, out, err = run(["redact", "--config", conf, "--format", "spans", path])
            spans = [json.loads(l) for l in out.splitlines() if l.strip()]
            scores.append([sp["score"] for sp in spans if sp["start"] == off])
        ok(scores[0] == [0.5] and scores[1] == [],
           "detect_names scores by block language (with langid %s, without %s)" % tuple(scores), err)

        # The OCR stage asks langid which model to read a page with: a Kyrgyz
        # page read first with rus+kaz+eng is read again with kir+eng because
        # langid says ky; without langid the OCR plugin's letter rule decides.
        if not RENDER:
            skip("ocr: second pass by langid's language", "no intake-render, OCR or image plugin built")
        else:
            src = os.path.join(tmp, "ky.txt")
            write(src, KY)
            png = os.path.join(tmp, "ky.png")
            subprocess.run([RENDER, "--format", "png", "--out", png, src], check=True,
                           env=dict(os.environ, ASAN_OPTIONS="detect_leaks=0"))
            base = "[pipeline]\nlog_level = debug\n[image]\ntype = extract_image\n[ocr]\ntype = ocr_tesseract\n"
            logs = []
            for with_lang in (True, False):
                conf = os.path.join(tmp, "ocr-%d.conf" % with_lang)
                write(conf, base + ("[lang]\ntype = langid_lexicon\n" if with_lang else ""))
                rc, out, err = run(["redact", "--config", conf, "--format", "json", png], timeout=300)
                d = json.loads(out) if rc == 0 and out.strip() else {}
                logs.append((rc, d, err))
            rc, d, err = logs[0]
            ok(rc == 0 and "pass 2 with kir+eng (language ky by langid)" in err,
               "ocr: the second pass model comes from langid (ky -> kir+eng)",
               "\n".join(l for l in err.splitlines() if "ocr" in l))
            ok(d.get("language") == "ky" and d.get("blocks") and d["blocks"][0].get("lang") == "ky",
               "ocr: the read page's language and block are ky", {k: d.get(k) for k in ("language", "blocks")})
            rc, d, err = logs[1]
            ok(rc == 0 and "by langid" not in err and "(language ky by letters)" in err,
               "ocr: without langid the letter rule decides",
               "\n".join(l for l in err.splitlines() if "ocr" in l))
    return done()


if __name__ == "__main__":
    sys.exit(main())
