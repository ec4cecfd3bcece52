#!/usr/bin/env python3
"""Recall and character precision of detect_context on the generator's corpus.

    python3 /work/shared/bench/gen_corpus.py /tmp/dc/c 600 --seed 1 \
        --pdf-per-lang 0 --raster-per-lang 0 --legacy 0
    python3 plugins/detect_context/tests/eval_synthetic.py /tmp/dc/c \
        --dc-spans BUILD/plugins/detect_context/tests/dc_spans

gt types DATE_OF_BIRTH, ADDRESS and LOCATION are compared with our DATE,
ADDRESS and LOCATION spans. Per type and language: mention recall (a gt
mention counts as caught only if every letter and digit of it is covered by
our spans of that type scored >= --threshold) and character precision (the
share of our bytes of that type inside gt spans of that type; "any" counts
bytes inside any gt personal span, whatever its type). "decoys hit": gt
decoys (document dates, case numbers, organisations...) that any of our
spans touches. --show-misses N / --show-fp N print examples for debugging
(they are never fed back into the word lists).
"""
import argparse
import collections
import json
import os
import subprocess
import sys

TYPES = {"DATE_OF_BIRTH": "DATE", "ADDRESS": "ADDRESS", "LOCATION": "LOCATION"}


def alnum(b):
    """Byte offsets inside b that belong to letters or digits (UTF-8 aware)."""
    s = b.decode("utf-8", "replace")
    out, off = [], 0
    for ch in s:
        n = len(ch.encode("utf-8"))
        if ch.isalnum():
            out.extend(range(off, off + n))
        off += n
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--dc-spans", required=True)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--show-misses", type=int, default=0)
    ap.add_argument("--show-fp", type=int, default=0)
    ap.add_argument("--show-decoys", type=int, default=0)
    a = ap.parse_args()

    txt_dir = os.path.join(a.corpus, "txt")
    files = sorted(f for f in os.listdir(txt_dir) if f.endswith(".txt"))
    paths = [os.path.join(txt_dir, f) for f in files]
    out = subprocess.run([a.dc_spans] + paths, check=True, capture_output=True, text=True).stdout
    spans = collections.defaultdict(list)
    for line in out.splitlines():
        d = json.loads(line)
        if d["score"] >= a.threshold:
            spans[d.get("file", paths[0])].append((d["start"], d["end"], d["type"]))

    stat = collections.defaultdict(collections.Counter)  # (type, lang) -> counters
    decoys = collections.Counter()
    decoy_hit = collections.Counter()
    shown = fp_shown = dec_shown = 0
    for f, p in zip(files, paths):
        lang = f.split("-")[0]
        text = open(p, "rb").read()
        gt = json.load(open(os.path.join(a.corpus, "gt", f[:-4] + ".json")))
        cov = {t: bytearray(len(text) + 1) for t in TYPES.values()}
        anycov = bytearray(len(text) + 1)
        for s, e, t in spans[p]:
            if t in cov:
                for i in range(s, e):
                    cov[t][i] = 1
                    anycov[i] = 1
        gtcov = {t: bytearray(len(text) + 1) for t in TYPES.values()}
        gtany = bytearray(len(text) + 1)
        for sp in gt["spans"]:
            s, e = sp["byte_start"], sp["byte_end"]
            for i in range(s, e):
                gtany[i] = 1
            if sp["type"] not in TYPES:
                continue
            t = TYPES[sp["type"]]
            for i in range(s, e):
                gtcov[t][i] = 1
            st = stat[(t, lang)]
            st["mentions"] += 1
            if all(cov[t][s + i] for i in alnum(text[s:e])):
                st["caught"] += 1
            elif shown < a.show_misses:
                shown += 1
                ctx = text[max(0, s - 50):e + 20].decode("utf-8", "replace").replace("\n", " ")
                print("MISS %s %s %r: %r" % (f, t, sp["surface"], ctx))
        for s, e, t in spans[p]:
            if t not in cov:
                continue
            st = stat[(t, lang)]
            st["ours"] += e - s
            st["ours_in"] += sum(gtcov[t][s:e])
            st["ours_any"] += sum(gtany[s:e])
            if fp_shown < a.show_fp and sum(gtcov[t][s:e]) < (e - s):
                fp_shown += 1
                ctx = text[max(0, s - 30):e + 20].decode("utf-8", "replace").replace("\n", " ")
                print("FP %s %s %r in %r" % (f, t, text[s:e].decode("utf-8", "replace"), ctx))
        for dc in gt.get("decoys", []):
            s, e = dc["byte_start"], dc["byte_end"]
            decoys[(dc["type"], lang)] += 1
            if any(anycov[s:e]):
                decoy_hit[(dc["type"], lang)] += 1
                if dec_shown < a.show_decoys:
                    dec_shown += 1
                    print("DECOY %s %s %r" % (f, dc["type"], dc["surface"]))

    print("%-9s %-5s %8s %8s %8s %8s %10s" % ("type", "lang", "mentions", "recall", "prec",
                                             "prec-any", "our bytes"))
    for t in TYPES.values():
        tot = collections.Counter()
        for lang in sorted({l for (tt, l) in stat if tt == t}):
            st = stat[(t, lang)]
            tot.update(st)
            print("%-9s %-5s %8d %8.4f %8.4f %8.4f %10d" % (
                t, lang, st["mentions"], st["caught"] / max(1, st["mentions"]),
                st["ours_in"] / max(1, st["ours"]), st["ours_any"] / max(1, st["ours"]), st["ours"]))
        print("%-9s %-5s %8d %8.4f %8.4f %8.4f %10d" % (
            t, "all", tot["mentions"], tot["caught"] / max(1, tot["mentions"]),
            tot["ours_in"] / max(1, tot["ours"]), tot["ours_any"] / max(1, tot["ours"]), tot["ours"]))
    dt = collections.Counter()
    dh = collections.Counter()
    for (t, l), n in decoys.items():
        dt[t] += n
        dh[t] += decoy_hit[(t, l)]
    print("decoys hit: " + ", ".join("%s %d/%d" % (t, dh[t], dt[t]) for t in sorted(dt)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
