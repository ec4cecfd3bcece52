#!/usr/bin/env python3
"""The generator's corpus through `intake batch`: the store must contain none
of the planted e-mails, phone numbers, national IDs, IBANs, card numbers or
passports, checked over the raw bytes of every file in the store (SQLite
database and WAL included), in every written form the generator used and
in compact form. TAP output.

  test_corpus_store.py INTAKE_BINARY SHARED_DIR [N_DOCS] [SEED]

Also usable by hand on a big corpus: N_DOCS=600 SEED=7.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from tap import done, ok

INTAKE, SHARED = sys.argv[1], sys.argv[2]
NDOCS = int(sys.argv[3]) if len(sys.argv) > 3 else 120
SEED = sys.argv[4] if len(sys.argv) > 4 else "1"
PLUGIN_PATH = ":".join(d for d in os.environ.get("INTAKE_PLUGIN_PATH", "").split(":")
                       if d and not d.rstrip("/").endswith("tests/plugins"))
# LOCATION is left out: a place of birth ("Astana") is personal next to a
# birth word, but the same city name elsewhere in the text is not.
CHECKED = {"EMAIL", "PHONE", "IIN", "NATIONAL_ID", "IBAN", "CARD", "PASSPORT", "PERSON", "ADDRESS",
           "DATE_OF_BIRTH"}




def main():
    gen = os.path.join(SHARED, "bench", "gen_corpus.py")
    if not PLUGIN_PATH or not os.path.exists(gen):
        print("1..0 # SKIP no plugins or no ../shared/bench/gen_corpus.py")
        return 0
    with tempfile.TemporaryDirectory(prefix="intake-corpus-") as tmp:
        corpus = os.path.join(tmp, "corpus")
        subprocess.run([sys.executable, gen, corpus, str(NDOCS), "--seed", SEED, "--pdf-per-lang", "0",
                        "--raster-per-lang", "0", "--legacy", "0"], check=True, capture_output=True)
        conf = os.path.join(tmp, "intake.conf")
        with open(conf, "w") as f:
            f.write("[pipeline]\n[text]\ntype = extract_text\n[ids]\ntype = detect_patterns\n"
                    "[names]\ntype = detect_names\n[context]\ntype = detect_context\n[export]\ntype = export_text\n[index]\ntype = index_sqlite\n")
        store = os.path.join(tmp, "store")
        env = dict(os.environ)
        env["INTAKE_PLUGIN_PATH"] = PLUGIN_PATH
        p = subprocess.run([INTAKE, "batch", "--config", conf, "--store", store, "--jobs", "2",
                            os.path.join(corpus, "txt")], capture_output=True, env=env, timeout=600)
        ok(p.returncode == 0, "batch over %d generated documents (seed %s)" % (NDOCS, SEED),
           p.stderr.decode(errors="replace")[-800:])

        values = {}  # type -> set of byte strings that must not appear
        decoys = 0
        for fn in os.listdir(os.path.join(corpus, "gt")):
            gt = json.load(open(os.path.join(corpus, "gt", fn), encoding="utf-8"))
            decoys += len(gt.get("decoys", []))
            for sp in gt["spans"]:
                if sp["type"] not in CHECKED:
                    continue
                forms = values.setdefault(sp["type"], set())
                forms.add(sp["surface"].encode())
                compact = re.sub(r"[\s\-().]", "", sp["surface"])
                if len(compact) >= 8:
                    forms.add(compact.encode())
        blob = []
        for root, _, files in os.walk(store):
            for fn in files:
                blob.append(open(os.path.join(root, fn), "rb").read())
        blob = b"\0".join(blob)
        for typ in sorted(values):
            leaked = [v.decode() for v in values[typ] if v in blob]
            ok(not leaked, "%s: none of %d planted forms in the store's raw bytes" % (typ, len(values[typ])),
               "\n".join(leaked[:10]))
        # Decoys are not personal data: the redaction must not eat them.
        kept = missing = 0
        for fn in os.listdir(os.path.join(corpus, "gt")):
            gt = json.load(open(os.path.join(corpus, "gt", fn), encoding="utf-8"))
            red = os.path.join(store, "redacted", gt["sha256"] + ".txt")
            if not os.path.exists(red):
                continue
            text = open(red, encoding="utf-8").read()
            for d in gt.get("decoys", []):
                if d["type"] in ("BIN", "CASE_NUMBER", "REGISTRY_NUMBER", "NUMBER12_INVALID", "TIN_ORG"):
                    if d["surface"] in text:
                        kept += 1
                    else:
                        missing += 1
        ok(kept > 0 and missing == 0, "numeric decoys kept in the redacted text (%d kept, %d lost)" % (kept, missing))
    return done()


if __name__ == "__main__":
    sys.exit(main())
