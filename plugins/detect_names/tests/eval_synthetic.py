#!/usr/bin/env python3
"""PERSON recall and character precision of detect_names on the generator's corpus.

    python3 /work/shared/bench/gen_corpus.py /tmp/dn/c 600 --seed 1 \
        --pdf-per-lang 0 --raster-per-lang 0 --legacy 0
    python3 plugins/detect_names/tests/eval_synthetic.py /tmp/dn/c \
        --dn-spans BUILD/plugins/detect_names/tests/dn_spans

Per language: mention recall (a gt PERSON mention counts as caught only if
every letter of it is covered by spans scored >= --threshold) and character
precision (the share of our PERSON bytes, at that threshold, inside gt
PERSON spans). "1key/pers": the share of gt persons (refs) whose caught
mentions all carry one key (same pseudonym); "merged": keys given to more
than one gt person in a document. Misses are broken down by the gt's "case" and "style" fields;
--show-misses N prints up to N missed mentions with their context class
(for debugging; the lists are never fed back into the word lists).
"""
import argparse
import collections
import json
import os
import subprocess
import sys


def letters(b):
    """Byte offsets inside b that belong to letters (UTF-8 aware)."""
    s = b.decode("utf-8", "replace")
    out, off = [], 0
    for ch in s:
        n = len(ch.encode("utf-8"))
        if ch.isalpha():
            out.extend(range(off, off + n))
        off += n
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus")
    ap.add_argument("--dn-spans", required=True)
    ap.add_argument("--threshold", type=float, default=0.5)
    ap.add_argument("--show-misses", type=int, default=0)
    ap.add_argument("--show-fp", type=int, default=0)
    a = ap.parse_args()

    txt_dir = os.path.join(a.corpus, "txt")
    files = sorted(f for f in os.listdir(txt_dir) if f.endswith(".txt"))
    paths = [os.path.join(txt_dir, f) for f in files]
    out = subprocess.run([a.dn_spans] + paths, check=True, capture_output=True, text=True).stdout
    spans = collections.defaultdict(list)
    for line in out.splitlines():
        d = json.loads(line)
        if d["type"] == "PERSON" and d["score"] >= a.threshold:
            spans[d.get("file", paths[0])].append((d["start"], d["end"], d.get("key")))

    stat = collections.defaultdict(lambda: collections.Counter())
    miss_by = collections.defaultdict(collections.Counter)
    shown = fp_shown = 0
    for f, p in zip(files, paths):
        lang = f.split("-")[0]
        text = open(p, "rb").read()
        gt = json.load(open(os.path.join(a.corpus, "gt", f[:-4] + ".json")))
        cov = bytearray(len(text) + 1)
        keyat = {}
        for s, e, k in spans[p]:
            for i in range(s, e):
                cov[i] = 1
                keyat[i] = k
        refkeys = collections.defaultdict(set)
        gtcov = bytearray(len(text) + 1)
        for sp in gt["spans"]:
            if sp["type"] != "PERSON":
                continue
            s, e = sp["byte_start"], sp["byte_end"]
            for i in range(s, e):
                gtcov[i] = 1
            st = stat[lang]
            st["mentions"] += 1
            ok = all(cov[s + i] for i in letters(text[s:e]))
            if ok:
                st["caught"] += 1
                lt = letters(text[s:e])
                if lt and sp.get("ref"):
                    refkeys[sp["ref"]].add(keyat.get(s + lt[0]))
            else:
                miss_by[lang]["case=%s style=%s" % (sp.get("case"), sp.get("style"))] += 1
                if shown < a.show_misses:
                    shown += 1
                    ctx = text[max(0, s - 40):e + 20].decode("utf-8", "replace").replace("\n", " ")
                    print("MISS %s %s: %r" % (f, sp.get("style"), ctx))
        st = stat[lang]
        owners = collections.Counter()
        for ref, ks in refkeys.items():
            st["persons"] += 1
            st["one_key"] += len(ks) == 1
            for k in ks:
                owners[k] += 1
        st["shared_keys"] += sum(1 for k, c in owners.items() if c > 1)
        for s, e, _ in spans[p]:
            st["ours"] += e - s
            st["ours_in"] += sum(gtcov[s:e])
            if fp_shown < a.show_fp and sum(gtcov[s:e]) < (e - s):
                fp_shown += 1
                print("FP %s: %r" % (f, text[s:e].decode("utf-8", "replace")))

    print("%-5s %8s %8s %8s %10s %9s %7s" % ("lang", "mentions", "recall", "prec", "our bytes",
                                           "1key/pers", "merged"))
    tot = collections.Counter()
    for lang in sorted(stat):
        st = stat[lang]
        tot.update(st)
        print("%-5s %8d %8.3f %8.3f %10d %9.3f %7d" % (
            lang, st["mentions"], st["caught"] / max(1, st["mentions"]), st["ours_in"] / max(1, st["ours"]),
            st["ours"], st["one_key"] / max(1, st["persons"]), st["shared_keys"]))
    print("%-5s %8d %8.3f %8.3f %10d %9.3f %7d" % (
        "all", tot["mentions"], tot["caught"] / max(1, tot["mentions"]), tot["ours_in"] / max(1, tot["ours"]),
        tot["ours"], tot["one_key"] / max(1, tot["persons"]), tot["shared_keys"]))
    for lang in sorted(miss_by):
        print("misses %s: %s" % (lang, ", ".join("%s: %d" % kv for kv in miss_by[lang].most_common(6))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
