#!/usr/bin/env python3
"""Derive the word and ending lists of two profiles by transliteration:

  kk.lang (Cyrillic)  ->  kk-Latn.lang  (Kazakh Latin alphabet of 2021)
  tk.lang (Latin)     ->  tk-Cyrl.lang  (Turkmen Cyrillic, as before 1993)

The header of the target (everything before its `words` line) is kept;
everything after it is rewritten. Run from this folder after editing
kk.lang or tk.lang.
"""
import os
import re

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


def kk_latn(w):
    return "".join(KK.get(c, c) for c in w)


def tk_cyrl(w):
    w = w.replace("ýa", "я").replace("ýu", "ю").replace("ýo", "ё")
    return "".join(TK.get(c, c) for c in w)


def body(path):
    words, sufs, mode = [], [], 0
    for line in open(path, encoding="utf-8"):
        line = line.split("#")[0].strip()
        if line == "words":
            mode = 1
        elif line == "suffixes":
            mode = 2
        elif mode == 1:
            words += line.split()
        elif mode == 2:
            sufs += line.split()
    return words, sufs


def derive(src, dst, fn):
    words, sufs = body(src)
    head = open(dst, encoding="utf-8").read().split("\nwords\n")[0]
    uniq = lambda xs: list(dict.fromkeys(x for x in xs if x))
    with open(dst, "w", encoding="utf-8") as f:
        f.write(head + "\nwords\n")
        f.write(" ".join(uniq(fn(w) for w in words)) + "\n")
        f.write("suffixes\n" + " ".join(uniq(fn(s) for s in sufs)) + "\n")


here = os.path.dirname(os.path.abspath(__file__))
derive(os.path.join(here, "kk.lang"), os.path.join(here, "kk-Latn.lang"), kk_latn)
derive(os.path.join(here, "tk.lang"), os.path.join(here, "tk-Cyrl.lang"), tk_cyrl)
