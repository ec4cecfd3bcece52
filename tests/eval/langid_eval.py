#!/usr/bin/env python3
"""Accuracy of langid_lexicon per language, with confusion matrices, at three
lengths: paragraph (>= 200 characters), sentence (>= 60) and three words.

  langid_eval.py --tool BUILD/plugins/langid_lexicon/tests/lid_tool \
                 --profiles plugins/langid_lexicon/data --eval ../shared/eval \
                 --own tests/eval/langid_own [--textcat BUILD/.../bench_textcat] \
                 [--short] [--check]

Sets:
  udhr  ../shared/eval/udhr: the Universal Declaration in every language and
        confuser. OPTIMISTIC for methods trained on UDHR text (libexttextcat's
        fingerprints were); langid_lexicon was not built from it.
        kk-Latn rows are the Kazakh text transliterated to the 2021 alphabet;
        "uz/ascii" is the Uzbek Latin text with ' for oʻ gʻ and - for U+2010.
  real  Russian news (factRuEval), Kazakh TV news (KazNERD, tokens joined by
        spaces, also transliterated to kk-Latn), English judgments (TAB).
  own   tests/eval/langid_own/<lang>.txt: sentences in legal register written
        for this test only, never used to build the profiles (kk-Latn and
        tk-Cyrl are transliterations of kk.txt and tk.txt).
Confusers (uk bg be tt mn kaa ug-Latn az-Cyrl) count as right when the
answer is themselves or "und", wrong when it is any other language.
Mixed documents (lid_tool docs): 2-4 pieces in different languages drawn
from the sets above, as paragraphs after a blank line, paragraphs wrapped at
50-90 columns (hard line breaks as in PDF or OCR text), sentences after a
blank line and sentences on consecutive lines. The block at the first and at
the last letter of every piece, and at the first letter of every inner line
of a wrapped one, must carry the piece's language (a confuser: itself or
und): each boundary is checked from both sides.
`--check` (the `eval` suite's short mode) fails when a listed language is
below 99% on paragraphs or 95% on sentences, or when more than half of the
three-word snippets get a wrong language (abstaining is not wrong), or when
the listed languages' points in mixed documents are right less than 99%
(paragraphs) or 95% (the other kinds).
"""
import argparse
import html
import json
import os
import random
import re
import subprocess
import sys
import textwrap
from collections import Counter, defaultdict

TARGETS = ["en", "ru", "kk", "kk-Latn", "ky", "tk", "tk-Cyrl", "uz", "uz-Cyrl", "tg", "tr", "az"]
CONFUSERS = {"uk", "bg", "be", "tt", "mn", "kaa", "ug-Latn", "az-Cyrl"}
UDHR = {"eng": "en", "rus": "ru", "kaz": "kk", "kir": "ky", "tuk_latn": "tk", "tuk_cyrl": "tk-Cyrl",
        "uzn_latn": "uz", "uzn_cyrl": "uz-Cyrl", "tgk": "tg", "tur": "tr", "azj_latn": "az",
        "azj_cyrl": "az-Cyrl", "tat": "tt", "kaa": "kaa", "bel": "be", "ukr": "uk", "bul": "bg",
        "khk": "mn", "uig_latn": "ug-Latn"}

KK = {"а": "a", "ә": "ä", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "e",
      "ё": "io", "ж": "j", "з": "z", "и": "i", "й": "i", "к": "k", "қ": "q", "л": "l",
      "м": "m", "н": "n", "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s",
      "т": "t", "у": "u", "ұ": "ū", "ү": "ü", "ф": "f", "х": "h", "һ": "h", "ц": "ts",
      "ч": "ç", "ш": "ş", "щ": "şş", "ъ": "", "ы": "y", "і": "i", "ь": "", "э": "e",
      "ю": "iu", "я": "ia"}
TK = {"a": "а", "b": "б", "ç": "ч", "d": "д", "e": "е", "ä": "ә", "f": "ф", "g": "г",
      "h": "х", "i": "и", "j": "җ", "ž": "ж", "k": "к", "l": "л", "m": "м", "n": "н",
      "ň": "ң", "o": "о", "ö": "ө", "p": "п", "r": "р", "s": "с", "ş": "ш", "t": "т",
      "u": "у", "ü": "ү", "w": "в", "y": "ы", "ý": "й", "z": "з"}


def translit(text, table):
    out = []
    for ch in text:
        lo = ch.lower()
        t = table.get(lo)
        if t is None:
            out.append(ch)
        elif ch != lo and t:
            out.append(t[0].upper() + t[1:])
        else:
            out.append(t)
    return "".join(out)


def kk_latn(text):
    return translit(text, KK)


UZC = [("oʻ", "ў"), ("gʻ", "ғ"), ("Oʻ", "Ў"), ("Gʻ", "Ғ"), ("sh", "ш"), ("Sh", "Ш"), ("ch", "ч"),
       ("Ch", "Ч"), ("yo", "ё"), ("Yo", "Ё"), ("yu", "ю"), ("Yu", "Ю"), ("ya", "я"), ("Ya", "Я"),
       ("ye", "е"), ("Ye", "Е"), ("ʼ", "ъ")]
UZ1 = {"a": "а", "b": "б", "d": "д", "e": "е", "f": "ф", "g": "г", "h": "ҳ", "i": "и", "j": "ж",
       "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "q": "қ", "r": "р", "s": "с",
       "t": "т", "u": "у", "v": "в", "x": "х", "y": "й", "z": "з", "c": "с"}


def uz_cyrl(text):
    text = re.sub(r"\b[eE]", lambda m: "э" if m.group(0) == "e" else "Э", text)
    for a, b in UZC:
        text = text.replace(a, b)
    return translit(text, UZ1)


def tk_cyrl(text):
    for a, b in (("ýa", "я"), ("ýu", "ю"), ("ýo", "ё"), ("Ýa", "Я"), ("Ýu", "Ю"), ("Ýo", "Ё")):
        text = text.replace(a, b)
    return translit(text, TK)


SENT_RE = re.compile(r"(?<=[.!?;])\s+")


def sentences(paras):
    for p in paras:
        for s in SENT_RE.split(p):
            s = s.strip()
            if len(s) >= 60:
                yield s


def paragraphs(paras, min_len=200):
    buf = ""
    for p in paras:
        buf = (buf + " " + p).strip() if buf else p.strip()
        if len(buf) >= min_len:
            yield buf
            buf = ""


def three_words(sents, rng):
    for s in sents:
        w = [x.strip(".,;:!?«»\"“”()[]—–-") for x in s.split()]
        w = [x for x in w if x and any(c.isalpha() for c in x) and not any(c.isdigit() for c in x)]
        if len(w) >= 3:
            i = rng.randrange(0, len(w) - 2)
            yield " ".join(w[i:i + 3])


def udhr_paras(path):
    t = open(path, encoding="utf-8").read()
    ps = re.findall(r"<p[^>]*>(.*?)</p>", t, re.S)
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", p))).strip() for p in ps]


def sets(args, rng):
    """Yield (set, lang, [paragraph texts])."""
    ev = args.eval
    if os.path.isdir(os.path.join(ev, "udhr")):
        for f, lang in UDHR.items():
            ps = udhr_paras(os.path.join(ev, "udhr", f + ".html"))
            yield "udhr", lang, ps
            if lang == "kk":
                yield "udhr", "kk-Latn", [kk_latn(p) for p in ps]
            if lang == "uz":
                yield "udhr", "uz/ascii", [p.replace("ʻ", "'").replace("ʼ", "'").replace("\u2010", "-")
                                           for p in ps]
    fr = os.path.join(ev, "factrueval-dev")
    if os.path.isdir(fr):
        ps = []
        for f in sorted(os.listdir(fr)):
            if f.endswith(".txt"):
                ps += [l.strip() for l in open(os.path.join(fr, f), encoding="utf-8") if l.strip()]
        yield "real", "ru", ps
    kz = os.path.join(ev, "kaznerd-valid", "IOB2_valid.txt")
    if os.path.exists(kz):
        ps, cur = [], []
        for line in open(kz, encoding="utf-8"):
            line = line.strip()
            if not line:
                if cur:
                    ps.append(re.sub(r" ([.,;:!?»)])", r"\1", " ".join(cur)).replace("« ", "«"))
                cur = []
            else:
                cur.append(line.split()[0])
        if cur:
            ps.append(" ".join(cur))
        yield "real", "kk", ps
        yield "real", "kk-Latn", [kk_latn(p) for p in ps]
    tab = os.path.join(ev, "tab", "TAB_test_texts.json")
    if os.path.exists(tab):
        d = json.load(open(tab, encoding="utf-8"))
        ps = []
        for k in sorted(d):
            ps += [p.strip().replace("\n", " ") for p in d[k].split("\n") if p.strip()]
        yield "real", "en", ps
    own = args.own
    if own and os.path.isdir(own):
        for f in sorted(os.listdir(own)):
            if not f.endswith(".txt"):
                continue
            lang = f[:-4]
            lines = [l.strip() for l in open(os.path.join(own, f), encoding="utf-8")
                     if l.strip() and not l.startswith("#")]
            yield "own", lang, lines
            if lang == "kk":
                yield "own", "kk-Latn", [kk_latn(l) for l in lines]
            if lang == "tk":
                yield "own", "tk-Cyrl", [tk_cyrl(l) for l in lines]
            if lang == "uz":
                yield "own", "uz-Cyrl", [uz_cyrl(l) for l in lines]


def classify(cmd, texts):
    if not texts:
        return []
    inp = "".join(t.replace("\n", " ").replace("\r", " ") + "\n" for t in texts)
    p = subprocess.run(cmd, input=inp.encode(), capture_output=True, check=True)
    return [l.split("\t")[0] for l in p.stdout.decode().splitlines()]


def blocks_of(cmd, docs):
    """Blocks (start, end, lang) of each document, through lid_tool docs."""
    if not docs:
        return []
    inp = b"\0".join(d.encode() for d in docs)
    p = subprocess.run(cmd, input=inp, capture_output=True, check=True)
    out, cur = [], []
    for line in p.stdout.decode().splitlines():
        if line == "--":
            out.append(cur)
            cur = []
        else:
            f = line.split("\t")
            cur.append((int(f[0]), int(f[1]), f[2]))
    return out


MIXED_KINDS = (("para", "\n\n"), ("para/wrap", "\n\n"), ("sent", "\n\n"), ("sent/line", "\n"))


def mixed_docs(pool, rng, n):
    """n documents per kind of 2-4 pieces in different languages. pool maps
    (length, lang) to texts of every set. Kinds: paragraphs and sentences
    after a blank line, sentences on consecutive lines (no blank line)."""
    docs = []
    for kind, sep in MIXED_KINDS:
        length = kind.split("/")[0]
        langs = sorted({l for (ln, l) in pool if ln == length})
        for _ in range(n):
            k = rng.randint(2, 4)
            seq = []
            while len(seq) < k:
                l = rng.choice(langs)
                if not seq or l.split("/")[0] != seq[-1].split("/")[0]:
                    seq.append(l)
            pieces = [(l, rng.choice(pool[(length, l)]).replace("\n", " ").strip()) for l in seq]
            if kind == "para/wrap":  # hard line breaks inside paragraphs, as in PDF or OCR text
                w = rng.randint(50, 90)
                pieces = [(l, "\n".join(textwrap.wrap(u, w))) for l, u in pieces]
            docs.append((kind, sep, pieces))
    return docs


def t_of(texts, spans, sp, off):
    t = texts[spans.index(sp)].encode()
    return t[max(0, off - 80):off].decode("utf-8", "replace") + "[*]" + t[off:off + 80].decode("utf-8", "replace")


def judge(want, got):
    base = want.split("/")[0]
    if got == base:
        return "right"
    if base in CONFUSERS:
        return "right" if got == "und" else "wrong"
    return "und" if got == "und" else "wrong"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tool", required=True)
    ap.add_argument("--profiles", required=True)
    ap.add_argument("--eval", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "eval"))
    ap.add_argument("--own", default=os.path.join(os.path.dirname(__file__), "langid_own"))
    ap.add_argument("--textcat", help="bench_textcat binary: the same items through libexttextcat")
    ap.add_argument("--limit", type=int, default=400, help="items per set, language and length")
    ap.add_argument("--short", action="store_true", help="60 items each, UDHR and own sets")
    ap.add_argument("--check", action="store_true", help="fail below the targets")
    ap.add_argument("--show-errors", type=int, default=0)
    ap.add_argument("--mixed", type=int, default=300, help="mixed documents per kind")
    args = ap.parse_args()
    if not os.path.isdir(args.eval) and not os.path.isdir(args.own):
        print("no evaluation data; skipping")
        return 77
    limit = 60 if args.short else args.limit
    rng = random.Random(1)
    items = []  # (set, lang, length, text)
    for st, lang, ps in sets(args, rng):
        if args.short and st == "real":
            continue
        sents = list(sentences(ps))
        units = {"para": list(paragraphs(ps)), "sent": sents, "3w": list(three_words(sents, rng))}
        if st == "own":
            units["sent"] = [s for s in ps if len(s) >= 60]
            units["para"] = list(paragraphs(ps))
        for length, us in units.items():
            if len(us) > limit:
                us = random.Random(len(us)).sample(us, limit)
            items += [(st, lang, length, u) for u in us]
    pool = defaultdict(list)
    for st, lang, length, u in items:
        if length in ("para", "sent"):
            pool[(length, lang)].append(u)
    mixed = mixed_docs(pool, random.Random(2), 60 if args.short else args.mixed)
    systems = [("langid_lexicon", [args.tool, args.profiles, "lines"])]
    if args.textcat:
        systems.append(("textcat", [args.textcat, "lines"]))
    failed = []
    for name, cmd in systems:
        got = classify(cmd, [it[3] for it in items])
        table = defaultdict(Counter)
        conf = defaultdict(Counter)
        errors = []
        for it, g in zip(items, got):
            key = (it[0], it[2], it[1])
            v = judge(it[1], g)
            table[key][v] += 1
            conf[(it[0], it[2])][(it[1], g)] += 1
            if v == "wrong":
                errors.append((it, g))
        print("== %s: accuracy (right / und / wrong of n) ==" % name)
        for st in ("udhr", "real", "own"):
            for length in ("para", "sent", "3w"):
                rows = [(k[2], c) for k, c in sorted(table.items()) if k[0] == st and k[1] == length]
                if not rows:
                    continue
                print("-- %s %s" % (st, length))
                for lang, c in rows:
                    n = sum(c.values())
                    acc = c["right"] / n
                    print("  %-9s n=%4d  right %.3f  und %.3f  wrong %.3f" %
                          (lang, n, acc, c["und"] / n, c["wrong"] / n))
                    base = lang.split("/")[0]
                    if args.check and name == "langid_lexicon" and n >= 10:
                        if base in TARGETS and length == "para" and acc < 0.99:
                            failed.append("%s %s %s %.3f < 0.99" % (st, length, lang, acc))
                        if base in TARGETS and length == "sent" and acc < 0.95:
                            failed.append("%s %s %s %.3f < 0.95" % (st, length, lang, acc))
                        if length == "3w" and c["wrong"] / n > 0.5:
                            failed.append("%s 3w %s wrong %.3f > 0.5" % (st, lang, c["wrong"] / n))
                # confusion: expected -> answers other than right
                cm = conf[(st, length)]
                off = ["%s->%s:%d" % (w, g, n) for (w, g), n in sorted(cm.items(), key=lambda x: -x[1])
                       if judge(w, g) == "wrong"]
                if off:
                    print("  confusions: " + " ".join(off[:25]))
        if name == "langid_lexicon" and mixed:
            # Mixed documents: the block at the first and at the last letter of
            # every piece must carry the piece's language (a confuser: itself
            # or und), so each boundary is right from both sides.
            texts, spans = [], []
            for kind, sep, pieces in mixed:
                t, sp, off = "", [], 0
                for i, (l, u) in enumerate(pieces):
                    if i:
                        t += sep
                    # first and last letter of the piece (bytes): quotes,
                    # digits and brackets belong to no word
                    i0 = next(j for j, ch in enumerate(u) if ch.isalpha())
                    i1 = max(j for j, ch in enumerate(u) if ch.isalpha())
                    a0 = len((t + u[:i0]).encode())
                    a1 = len((t + u[:i1 + 1]).encode())
                    # inner lines of a wrapped piece: their first letter too
                    inner = []
                    for m in re.finditer(r"\n", u):
                        k = next((j for j in range(m.end(), len(u)) if u[j].isalpha()), None)
                        if k is not None and k < i1:
                            inner.append(len((t + u[:k]).encode()))
                    t += u
                    sp.append((l, a0, a1, inner))
                texts.append(t)
                spans.append(sp)
            res = blocks_of([args.tool, args.profiles, "docs"], texts)
            mt = defaultdict(Counter)
            mconf = defaultdict(Counter)
            for (kind, sep, pieces), sp, bl in zip(mixed, spans, res):
                def at(off):
                    for b0, b1, bl_lang in bl:
                        if b0 <= off < b1:
                            return bl_lang
                    return "none"
                for l, a0, a1, inner in sp:
                    for edge, off in [("first", a0), ("last", a1 - 1)] + [("inner", o) for o in inner]:
                        g = at(off)
                        v = judge(l, g) if g != "none" else "wrong"
                        mt[kind][v] += 1
                        mt[kind]["n"] += 1
                        if v == "wrong":
                            mconf[kind][(l, g)] += 1
                            if args.show_errors:
                                print("  MIXED-ERR %s %s %s -> %s: %s" % (kind, edge, l, g, t_of(texts, spans, sp, off)))
                        if l.split("/")[0] in TARGETS:
                            mt[kind + ":t"][v] += 1
                            mt[kind + ":t"]["n"] += 1
            print("== mixed documents: language of the block at the first and last letter of each piece"
                  " (and of each inner line of wrapped paragraphs) ==")
            for kind, sep, _ in [(k, s_, None) for k, s_ in MIXED_KINDS]:
                c, ct = mt[kind], mt[kind + ":t"]
                if not c["n"]:
                    continue
                acc = ct["right"] / ct["n"] if ct["n"] else 1.0
                print("  %-9s (%s) points=%5d  right %.3f  und %.3f  wrong %.3f   listed languages: right %.3f"
                      % (kind, "blank line" if sep == "\n\n" else "line break", c["n"], c["right"] / c["n"],
                         c["und"] / c["n"], c["wrong"] / c["n"], acc))
                off = ["%s->%s:%d" % (w, g, n) for (w, g), n in mconf[kind].most_common(15)]
                if off:
                    print("  confusions: " + " ".join(off))
                if args.check:
                    want = 0.99 if kind == "para" else 0.95
                    if acc < want:
                        failed.append("mixed %s edges %.3f < %.2f" % (kind, acc, want))
        for (it, g) in errors[:args.show_errors]:
            print("  ERR %s %s %s -> %s: %s" % (it[0], it[2], it[1], g, it[3][:160]))
    if failed:
        print("BELOW TARGET:\n  " + "\n  ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
