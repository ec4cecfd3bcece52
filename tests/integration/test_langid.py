#!/usr/bin/env python3
"""Integration tests of language identification (langid_lexicon) with the
real built plugins (TAP output).

  test_langid.py INTAKE_BINARY SOURCE_ROOT

- `intake redact --format json` reports `language` and `blocks` (byte
  offsets, language, script, confidence), right at the boundaries of a
  Kazakh, a Russian and a Turkmen paragraph;
- `intake batch` stores the language the plugin set, and `intake search
  --lang CODE` finds documents by it.
The texts are written for this test.
"""
import json
import os
import subprocess
import sys
import tempfile

from tap import done, ok

INTAKE, SRC = sys.argv[1], sys.argv[2]

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

        # The detect stage uses the blocks: an English paragraph inside a
        # Russian document gets the English rule for a lone capitalised
        # word (a weak cue, 0.5), which the document-level guess misses.
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
        ok(scores[0] == [0.5] and scores[1] and scores[1][0] > 0.5,
           "detect_names scores by block language (with langid %s, without %s)" % tuple(scores), err)
    return done()


if __name__ == "__main__":
    sys.exit(main())
