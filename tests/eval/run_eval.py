#!/usr/bin/env python3
"""Evaluation harness: runs `intake redact --format spans` over public annotated
data (TAB, factRuEval, KazNERD) and the synthetic corpus, and scores PERSON
mention recall, character precision and the misses by cue (see README.md).

python3 stdlib only. Document text exists only in a temporary directory that is
removed at exit; the default output holds figures only, never document text.
"""

import argparse
import collections
import concurrent.futures
import glob
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
ALL_SETS = ("tab", "factrueval", "kaznerd", "synthetic")

# synthetic ground-truth type -> intake type
GT_TYPE_MAP = {
    "PERSON": "PERSON", "IIN": "NATIONAL_ID", "NATIONAL_ID": "NATIONAL_ID",
    "DATE_OF_BIRTH": "DATE", "LOCATION": "LOCATION", "ADDRESS": "ADDRESS",
    "PASSPORT": "PASSPORT", "PHONE": "PHONE", "EMAIL": "EMAIL", "IBAN": "IBAN",
}

SKIP = 77  # meson's "test skipped"


# ---------------------------------------------------------------- utilities

def die(msg, code=2):
    print("run_eval: " + msg, file=sys.stderr)
    sys.exit(code)


def byte_to_cp(text):
    """Map of UTF-8 byte offset -> code-point offset (len = nbytes + 1).
    A byte offset inside a multi-byte character maps to that character."""
    m = []
    for i, ch in enumerate(text):
        n = len(ch.encode("utf-8", "surrogatepass"))
        m.extend([i] * n)
    m.append(len(text))
    return m


def is_letter(ch):
    return ch.isalpha()


def is_alnum(ch):
    return ch.isalnum()


def positions(text, spans, pred=is_alnum):
    """Set of code-point positions inside the spans that satisfy pred."""
    out = set()
    for s, e in spans:
        for i in range(max(0, s), min(e, len(text))):
            if pred(text[i]):
                out.add(i)
    return out


def covered(text, parts, cov):
    """True if every letter/digit of the spans `parts` is in the set cov.
    A mention with no letter/digit at all counts as covered if any of its
    characters is."""
    any_alnum = False
    for s, e in parts:
        for i in range(s, e):
            if text[i].isalnum():
                any_alnum = True
                if i not in cov:
                    return False
    if not any_alnum:
        return any(i in cov for s, e in parts for i in range(s, e))
    return True


def touched(text, parts, cov):
    return any(i in cov for s, e in parts for i in range(s, e) if text[i].isalnum())


# ----------------------------------------------------------------- misses by cue

LATIN = re.compile(r"[A-Za-z\u00C0-\u024F]")
CYRIL = re.compile(r"[\u0400-\u04FF]")
INITIAL = re.compile(r"(?:^|[\s.])\w\.", re.U)
TITLE_BEFORE = re.compile(
    r"(?:\b(?:Mr|Mrs|Ms|Miss|Dr|Judge|Prof|Sir|Lord|Lady)\.?|\b(?:гр|г-н|г-жа|гражданин|гражданка|"
    r"господин|госпожа))\s*$", re.I | re.U)
# Russian oblique-case endings of names (cheap, on the last capitalised word):
# genitive/dative/instrumental/prepositional of -ов/-ин/-ский and of feminine -а/-я.
RU_OBLIQUE = re.compile(
    r"(?:ича|ого|его|ому|ему|ым|им|ом|ем|ой|ей|ою|ую|юю|ых|их|ым|ыми|ими|ам|ям|у|ю|е|ы|и)$")
# nominative lookalikes (Юрий, Толстой, Мария; Kyrgyz уулу/кызы), but -овой/-иной/-ской are oblique
RU_NOM_OK = re.compile(r"(?:ий|ый|(?<!ов|ев|ин|ск|цк|ын|вн|чн)ой|ей|ия|ая|уулу|кызы)$")
KK_LETTERS = re.compile(r"[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
# Turkic case suffixes on the last word (Kazakh/Kyrgyz Cyrillic, Turkmen/Uzbek Latin);
# the long, distinctive ones only: genitive, dative, ablative, accusative, instrumental.
TURKIC_SUFFIX = re.compile(
    r"(?:ның|нің|дың|дің|тың|тің|нын|нин|дын|дин|тын|тин|нун|нүн|дун|дүн|ға|ге|қа|ке|го|гө|ко|кө|"
    r"дан|ден|тан|тен|нан|нен|ны|ні|ды|ді|ты|ті|мен|бен|пен|"
    r"nyň|niň|ning|yň|iň|ga|ge|ka|ke|dan|den|ni|ny)$")


def name_words(s):
    return re.findall(r"[^\W\d_][^\W\d_'’ʻ‘-]*(?:[-'’ʻ‘][^\W\d_]+)*", s, re.U)


def cues_for(text, parts, extra=()):
    """Cheap categories of a mention, for the misses-by-cue table."""
    s0 = min(s for s, _ in parts)
    e0 = max(e for _, e in parts)
    surf = " ".join(text[s:e] for s, e in sorted(parts))
    words = name_words(surf)
    c = []
    c.append("multi-token" if len(words) > 1 else "single-token")
    has_lat = bool(LATIN.search(surf))
    has_cyr = bool(CYRIL.search(surf))
    c.append("script:mixed" if has_lat and has_cyr else "script:latin" if has_lat
             else "script:cyrillic" if has_cyr else "script:other")
    if INITIAL.search(surf) or any(len(w) == 1 for w in words):
        c.append("has-initials")
    letters = [ch for ch in surf if ch.isalpha()]
    if len(letters) >= 2 and all(ch.isupper() for ch in letters):
        c.append("all-caps")
    if letters and not any(w[:1].isupper() for w in words):
        c.append("lowercase")
    if "-" in surf or "'" in surf or "’" in surf:
        c.append("hyphen/apostrophe")
    if s0 == 0 or re.search(r"(?:[.!?:]\s*|\n\s*)$", text[max(0, s0 - 4):s0]):
        c.append("sentence-start")
    if TITLE_BEFORE.search(text[max(0, s0 - 12):s0]):
        c.append("after-title")
    last = [w for w in words if len(w) > 2]
    if last:
        w = last[-1].lower()
        if has_cyr and not has_lat and not KK_LETTERS.search(surf) and \
                RU_OBLIQUE.search(w) and not RU_NOM_OK.search(w):
            c.append("ru-inflected")
        if len(w) >= 5 and TURKIC_SUFFIX.search(w) and not re.search(r"(?:ова|ева|ина|ova|eva|owa|ewa)$", w):
            c.append("turkic-suffix")
    if len(parts) > 1 and any(text[a[1]:b[0]].strip() for a, b in zip(sorted(parts), sorted(parts)[1:])):
        c.append("discontinuous")
    c.extend(extra)
    return c, surf


# ------------------------------------------------------------------ data sets

# A leading honorific inside a gold mention ("Mr Ruslan Kurkaev": TAB includes
# it) is not personal data and no detector is asked to cover it: it is cut off
# the mention before scoring (and counted as the cue "title-in-gold").
LEAD_TITLE = re.compile(r"^(?:(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Professor|Sir|Dame|Lord|Lady|Judge|"
                        r"Messrs|Mme|Mlle)\.?|г-н|г-жа|гр\.|господин|госпожа|гражданин|гражданка)\s+",
                        re.U)


def strip_title(text, s, e):
    m = LEAD_TITLE.match(text[s:e])
    if m and m.end() < e - s:
        return s + m.end(), True
    return s, False


def gold_mention(text, s, e, cues=()):
    s2, had = strip_title(text, s, e)
    return {"parts": [(s2, e)], "cues": list(cues), "title_cut": had}


def load_tab(data, limit):
    d = os.path.join(data, "tab")
    texts = json.load(open(os.path.join(d, "TAB_test_texts.json"), encoding="utf-8"))
    gold = json.load(open(os.path.join(d, "TAB_test_annotator1_entity_spans.json"), encoding="utf-8"))
    peers = {}
    for name, fn in (("presidio", "TAB_test_Presidio_Entity.json"), ("spacy", "TAB_test_spaCy_Entity.json")):
        p = os.path.join(d, fn)
        if os.path.exists(p):
            peers[name] = json.load(open(p, encoding="utf-8"))
    docs = []
    for did in sorted(texts)[: limit or None]:
        t = texts[did]
        ments = [gold_mention(t, s, e) for s, e, ty in gold.get(did, []) if ty == "PERSON"]
        pe = {}
        for name, pd in peers.items():
            pe[name] = [(s, e, "PERSON" if ty in ("PERSON", "PER") else ty) for s, e, ty in pd.get(did, [])]
        docs.append({"id": did, "text": t, "mentions": ments, "peers": pe})
    return docs


def load_factrueval(data, limit):
    d = os.path.join(data, "factrueval-dev")
    files = sorted(glob.glob(os.path.join(d, "book_*.txt")),
                   key=lambda f: int(re.search(r"(\d+)\.txt$", f).group(1)))
    docs = []
    for f in files[: limit or None]:
        base = f[:-4]
        # newline='' keeps \r\n as two code points, as the offsets count them
        with open(f, encoding="utf-8", newline="") as fh:
            t = fh.read()
        if t.startswith("\ufeff"):
            die(f"{f}: BOM, offsets would be off by one")
        spans = {}
        with open(base + ".spans", encoding="utf-8") as fh:
            for line in fh:
                p = line.split("#", 1)[0].split()
                if len(p) >= 4:
                    spans[p[0]] = (p[1], int(p[2]), int(p[3]))
        ments = []
        with open(base + ".objects", encoding="utf-8") as fh:
            for line in fh:
                p = line.split("#", 1)[0].split()
                if len(p) < 3 or p[1] != "Person":
                    continue
                parts = sorted((spans[x][1], spans[x][1] + spans[x][2]) for x in p[2:] if x in spans)
                kinds = sorted({spans[x][0] for x in p[2:] if x in spans})
                if parts:
                    ments.append({"parts": parts, "cues": ["parts:" + "+".join(kinds)]})
        docs.append({"id": os.path.basename(base), "text": t, "mentions": ments})
    return docs


def load_kaznerd(data, limit, per_doc=50):
    f = os.path.join(data, "kaznerd-valid", "IOB2_valid.txt")
    sents, cur = [], []
    with open(f, encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n").rstrip("\r")
            if not line.strip():
                if cur:
                    sents.append(cur)
                    cur = []
                continue
            tok, _, tag = line.rpartition(" ")
            if not tok:          # a line with a single field: token without tag
                tok, tag = tag, "O"
            cur.append((tok, tag.strip()))
    if cur:
        sents.append(cur)
    docs = []
    for di in range(0, len(sents), per_doc):
        if limit and len(docs) >= limit:
            break
        buf, pos, ments = [], 0, []
        open_m = None
        for sent in sents[di:di + per_doc]:
            for ti, (tok, tag) in enumerate(sent):
                if ti:
                    buf.append(" ")
                    pos += 1
                s, e = pos, pos + len(tok)
                buf.append(tok)
                pos = e
                if tag in ("B-PERSON", "B-PER") or (tag in ("I-PERSON", "I-PER") and open_m is None):
                    if open_m:
                        ments.append(open_m)
                    open_m = [s, e]
                elif tag in ("I-PERSON", "I-PER"):
                    open_m[1] = e
                else:
                    if open_m:
                        ments.append(open_m)
                    open_m = None
            if open_m:
                ments.append(open_m)
                open_m = None
            buf.append("\n")
            pos += 1
        buf_s = "".join(buf)
        docs.append({"id": f"kaznerd-{di // per_doc:04d}", "text": buf_s,
                     "mentions": [gold_mention(buf_s, s, e) for s, e in ments]})
    return docs


def load_synthetic(gen, n, seed, limit, tmp):
    out = os.path.join(tmp, "synthetic-corpus")
    r = subprocess.run([sys.executable, gen, out, str(n), "--seed", str(seed),
                        "--pdf-per-lang", "0", "--raster-per-lang", "0", "--legacy", "0"],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode:
        die(f"{gen} failed ({r.returncode}): {r.stderr.strip()[-500:]}", 1)
    docs = []
    for g in sorted(glob.glob(os.path.join(out, "gt", "*.json")),
                    key=lambda p: json.load(open(p, encoding="utf-8"))["index"])[: limit or None]:
        gt = json.load(open(g, encoding="utf-8"))
        with open(os.path.join(out, "txt", gt["id"] + ".txt"), encoding="utf-8", newline="") as fh:
            t = fh.read()
        ments, other = [], []
        for sp in gt["spans"]:
            if sp["type"] == "PERSON":
                extra = ["lang:" + gt["lang"], "case:" + str(sp.get("case")), "style:" + str(sp.get("style"))]
                ments.append(gold_mention(t, sp["start"], sp["end"], extra))
            other.append((sp["start"], sp["end"], sp["type"]))
        decoys = [(d["start"], d["end"], d["type"]) for d in gt.get("decoys", [])]
        docs.append({"id": gt["id"], "text": t, "mentions": ments, "gold_all": other,
                     "decoys": decoys, "lang": gt["lang"]})
    return docs


# --------------------------------------------------------------- running intake

def run_intake(intake, config, env, path, timeout):
    try:
        r = subprocess.run([intake, "redact", "--config", config, "--format", "spans", path],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    if r.returncode != 0:
        # stderr of intake holds no document content (ids, reasons) but keep it short
        return None, f"exit {r.returncode}: {r.stderr.decode('utf-8', 'replace').strip()[-300:]}"
    spans = []
    for line in r.stdout.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line:
            spans.append(json.loads(line))
    return spans, None


BATCH_SEP = "\n\n\n"


def run_set(docs, args, env, tmp, setname):
    """Writes the documents (args.batch per file, joined by BATCH_SEP), runs
    intake on each file, converts its byte offsets to code points and hands
    each document its spans (clipped to the document) in doc["pred"]."""
    d = os.path.join(tmp, setname)
    os.makedirs(d, exist_ok=True)
    batch = max(1, args.batch)
    groups = []  # (path, text, [(doc index, cp start)])
    for gi in range(0, len(docs), batch):
        members, pos, parts = [], 0, []
        for i in range(gi, min(gi + batch, len(docs))):
            if parts:
                parts.append(BATCH_SEP)
                pos += len(BATCH_SEP)
            members.append((i, pos))
            parts.append(docs[i]["text"])
            pos += len(docs[i]["text"])
        text = "".join(parts)
        p = os.path.join(d, f"{len(groups):05d}.txt")
        with open(p, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        groups.append((p, text, members))
    for doc in docs:
        doc["pred"] = []
        doc["pred_score"] = []
    failures = []
    misaligned = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futs = {ex.submit(run_intake, args.intake, args.config, env, g[0], args.timeout): g
                for g in groups}
        for fu in concurrent.futures.as_completed(futs):
            path, text, members = futs[fu]
            spans, err = fu.result()
            if err:
                failures.append((",".join(docs[i]["id"] for i, _ in members), err))
                continue
            b2c = byte_to_cp(text)
            nb = len(b2c) - 1

            def boundary(b):
                return b == 0 or b == nb or b2c[b] != b2c[b - 1]
            for sp in spans:
                if sp.get("score", 1.0) < args.min_score:
                    continue
                bs, be = int(sp["start"]), int(sp["end"])
                if not (0 <= bs <= be <= nb):
                    misaligned += 1
                    continue
                if not (boundary(bs) and boundary(be)):
                    misaligned += 1
                s = b2c[bs]
                e = b2c[be] if boundary(be) else b2c[be] + 1
                for i, off in members:
                    n = len(docs[i]["text"])
                    if s < off + n and e > off:
                        docs[i]["pred"].append((max(s, off) - off, min(e, off + n) - off, sp["type"]))
                        docs[i]["pred_score"].append(float(sp.get("score", 1.0)))
    return failures, misaligned


# --------------------------------------------------------------------- scoring

def score_person(docs, key, show, misses_out):
    """key: function(doc) -> list of (s, e, type) predictions."""
    n = found = found_any = 0
    pred_letters = pred_in = 0
    cue_tot = collections.Counter()
    cue_miss = collections.Counter()
    partial = 0
    for doc in docs:
        t = doc["text"]
        preds = key(doc)
        cov = positions(t, [(s, e) for s, e, ty in preds if ty == "PERSON"])
        cov_any = positions(t, [(s, e) for s, e, ty in preds])
        gold_letters = positions(t, [p for m in doc["mentions"] for p in m["parts"]], is_letter)
        pl = positions(t, [(s, e) for s, e, ty in preds if ty == "PERSON"], is_letter)
        pred_letters += len(pl)
        pred_in += len(pl & gold_letters)
        for m in doc["mentions"]:
            n += 1
            cues, surf = cues_for(t, m["parts"], m["cues"])
            cue_tot.update(cues)
            ok = covered(t, m["parts"], cov)
            if covered(t, m["parts"], cov_any):
                found_any += 1
            if ok:
                found += 1
            else:
                cue_miss.update(cues)
                if touched(t, m["parts"], cov):
                    partial += 1
                    cue_miss["partly-covered"] += 1
                if show and len(misses_out) < show:
                    misses_out.append((doc["id"], surf, cues))
    return {
        "mentions": n,
        "found": found,
        "recall": found / n if n else None,
        "recall_any_type": found_any / n if n else None,
        "pred_person_letters": pred_letters,
        "char_precision": pred_in / pred_letters if pred_letters else None,
        "missed_partly_covered": partial,
        "gold_titles_cut": sum(1 for d in docs for m in d["mentions"] if m.get("title_cut")),
        "cue_total": dict(cue_tot),
        "cue_missed": dict(cue_miss),
    }


SCORE_BANDS = ((0.0, 0.6), (0.6, 0.7), (0.7, 0.85), (0.85, 0.95), (0.95, 1.01))


def person_bands(docs, show, fp_out):
    """intake's PERSON letters by span score band and the share of them inside
    a gold mention, so a precision gap can be traced to a kind of cue (the
    scores stand for cues: 0.5-0.6 capitalised words only, 0.95+ role words).
    fp_out gets up to show wholly false span strings, most frequent first."""
    tot = collections.Counter()
    bad = collections.Counter()
    surf = collections.Counter()
    for doc in docs:
        t = doc["text"]
        gold = positions(t, [p for m in doc["mentions"] for p in m["parts"]], is_letter)
        for (s, e, ty), sc in zip(doc["pred"], doc.get("pred_score", [])):
            if ty != "PERSON":
                continue
            band = next(b for b in SCORE_BANDS if b[0] <= sc < b[1])
            letters = positions(t, [(s, e)], is_letter)
            tot[band] += len(letters)
            bad[band] += len(letters - gold)
            if show and letters and not (letters & gold):
                surf[t[s:e]] += 1
    fp_out.extend(surf.most_common(show))
    return [{"band": f"{b[0]:.2f}-{min(b[1], 1.0):.2f}", "letters": tot[b],
             "outside_gold": bad[b], "precision": (tot[b] - bad[b]) / tot[b] if tot[b] else None}
            for b in SCORE_BANDS]


def score_types(docs):
    """Synthetic corpus: recall per (mapped) type, precision per predicted type."""
    tot = collections.Counter()
    hit = collections.Counter()
    hit_any = collections.Counter()
    p_chars = collections.Counter()
    p_in_same = collections.Counter()
    p_in_any = collections.Counter()
    dec_tot = collections.Counter()
    dec_hit = collections.Counter()
    all_pred = all_in = 0
    for doc in docs:
        t = doc["text"]
        preds = doc["pred"]
        by_type = collections.defaultdict(list)
        for s, e, ty in preds:
            by_type[ty].append((s, e))
        cov = {ty: positions(t, sp) for ty, sp in by_type.items()}
        cov_any = positions(t, [(s, e) for s, e, _ in preds])
        gold_by = collections.defaultdict(list)
        for s, e, ty in doc["gold_all"]:
            mt = GT_TYPE_MAP.get(ty, ty)
            gold_by[mt].append((s, e))
            key = f"{ty}->{mt}" if mt != ty else ty
            tot[key] += 1
            if covered(t, [(s, e)], cov.get(mt, set())):
                hit[key] += 1
            if covered(t, [(s, e)], cov_any):
                hit_any[key] += 1
        gold_any = positions(t, [(s, e) for s, e, _ in doc["gold_all"]])
        for ty, c in cov.items():
            c2 = c if ty != "PERSON" else positions(t, by_type[ty], is_letter)
            same = positions(t, gold_by.get(ty, []))
            p_chars[ty] += len(c2)
            p_in_same[ty] += len(c2 & same)
            p_in_any[ty] += len(c2 & gold_any)
        all_pred += len(cov_any)
        all_in += len(cov_any & gold_any)
        for s, e, ty in doc["decoys"]:
            dec_tot[ty] += 1
            if touched(t, [(s, e)], cov_any):
                dec_hit[ty] += 1
    rec = {k: {"gold": tot[k], "found": hit[k], "recall": hit[k] / tot[k],
               "recall_any_type": hit_any[k] / tot[k]} for k in sorted(tot)}
    prec = {ty: {"pred_chars": p_chars[ty],
                 "char_precision_same_type": p_in_same[ty] / p_chars[ty] if p_chars[ty] else None,
                 "char_precision_any_type": p_in_any[ty] / p_chars[ty] if p_chars[ty] else None}
            for ty in sorted(p_chars)}
    return {"recall_by_type": rec, "precision_by_predicted_type": prec,
            "char_precision_all": all_in / all_pred if all_pred else None,
            "pred_chars_all": all_pred,
            "decoys": {k: {"total": dec_tot[k], "hit": dec_hit[k]} for k in sorted(dec_tot)},
            "decoys_hit": sum(dec_hit.values()), "decoys_total": sum(dec_tot.values())}


# -------------------------------------------------------------------- printing

def fmt(x):
    return "   -  " if x is None else f"{x:6.3f}"


def print_person_table(setname, rows):
    print(f"{'set':<11} {'system':<9} {'mentions':>8} {'recall':>7} {'rec_any':>7} {'char_precision':>14}")
    for system, r in rows:
        print(f"{setname:<11} {system:<9} {r['mentions']:>8} {fmt(r['recall']):>7} "
              f"{fmt(r['recall_any_type']):>7} {fmt(r['char_precision']):>14}")


def print_cues(rows, top):
    base = rows[0][1]
    tot = base["cue_total"]
    keys = set(tot)
    for _, r in rows:
        keys |= set(r["cue_missed"])
    keys = sorted(keys, key=lambda k: (-base["cue_missed"].get(k, 0), -tot.get(k, 0), k))[:top]
    hdr = f"  {'misses by cue':<26} {'gold':>6}" + "".join(f" {'miss:' + s:>15}" for s, _ in rows)
    print(hdr)
    for k in keys:
        line = f"  {k:<26} {tot.get(k, '') if k in tot else '':>6}"
        for _, r in rows:
            line += f" {r['cue_missed'].get(k, 0):>15}"
        print(line)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--intake", help="intake binary (default: build/core/intake under the repo)")
    ap.add_argument("--config", help="intake config (default: a temporary one: extract_text, "
                    "detect_patterns, and detect_names and detect_context if their .so files "
                    "are in the plugin path)")
    ap.add_argument("--sets", default=",".join(ALL_SETS), help="comma-separated: " + ",".join(ALL_SETS))
    ap.add_argument("--limit", type=int, default=0, help="documents per set (0 = all)")
    ap.add_argument("--jobs", type=int, default=2, help="intake processes in parallel")
    ap.add_argument("--batch", type=int, default=1,
                    help="documents per intake process, joined by blank lines (default 1: exact "
                         "per-document runs; >1 saves start-up time, but document-level "
                         "propagation can then cross documents)")
    ap.add_argument("--data", default=os.environ.get("INTAKE_EVAL_DATA",
                    os.path.join(os.path.dirname(REPO), "shared", "eval")), help="eval data dir")
    ap.add_argument("--gen", default=os.path.join(os.path.dirname(REPO), "shared", "bench", "gen_corpus.py"),
                    help="synthetic corpus generator")
    ap.add_argument("--synthetic-n", type=int, default=120)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--kaznerd-per-doc", type=int, default=50, help="sentences per KazNERD document")
    ap.add_argument("--min-score", type=float, default=0.0, help="ignore spans scoring below this")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per intake process")
    ap.add_argument("--top-cues", type=int, default=14)
    ap.add_argument("--show-misses", type=int, default=0, metavar="N",
                    help="print up to N missed mention strings per set (DEVELOPER EYES ONLY: "
                         "prints names from the data; never paste into notes)")
    ap.add_argument("--show-fp", type=int, default=0, metavar="N",
                    help="print up to N most frequent wholly false PERSON span strings per set "
                         "(DEVELOPER EYES ONLY: text from the data; never paste into notes)")
    ap.add_argument("--json", help="write all figures to this file")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the temp dir (holds eval text!)")
    args = ap.parse_args()
    t0 = time.monotonic()

    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    for s in sets:
        if s not in ALL_SETS:
            die(f"unknown set {s!r} (known: {', '.join(ALL_SETS)})")

    if not args.intake:
        cands = [os.path.join(REPO, "build", "core", "intake")] + \
            sorted(glob.glob(os.path.join(REPO, "*", "core", "intake")))
        args.intake = next((c for c in cands if os.access(c, os.X_OK)), None)
        if not args.intake:
            die("no intake binary found under the repo; pass --intake PATH")
    args.intake = os.path.abspath(args.intake)
    if not os.access(args.intake, os.X_OK):
        die(f"{args.intake}: not executable")

    env = dict(os.environ)
    ppath = env.get("INTAKE_PLUGIN_PATH", "")
    if not ppath:
        bdir = os.path.dirname(os.path.dirname(args.intake))
        dirs = sorted(p for p in glob.glob(os.path.join(bdir, "plugins", "*")) if os.path.isdir(p))
        if not dirs:
            dirs = sorted(p for p in glob.glob(os.path.join(REPO, "build", "plugins", "*")) if os.path.isdir(p))
        ppath = ":".join(dirs)
        env["INTAKE_PLUGIN_PATH"] = ppath
    names_so = any(os.path.exists(os.path.join(d, "detect_names.so")) for d in ppath.split(":") if d)
    context_so = any(os.path.exists(os.path.join(d, "detect_context.so")) for d in ppath.split(":") if d)

    tmp = tempfile.mkdtemp(prefix="intake-eval-")
    try:
        if not args.config:
            args.config = os.path.join(tmp, "eval.conf")
            with open(args.config, "w") as fh:
                fh.write("[pipeline]\nlog_level = error\n\n[text]\ntype = extract_text\n\n"
                         "[ids]\ntype = detect_patterns\n")
                if names_so:
                    fh.write("\n[names]\ntype = detect_names\n")
                if context_so:
                    fh.write("\n[context]\ntype = detect_context\n")
            detectors = ("detect_patterns" + (" + detect_names" if names_so else "")
                         + (" + detect_context" if context_so else ""))
        else:
            detectors = "from " + args.config
        print(f"intake: {args.intake}")
        print(f"config: {'(temporary) ' + detectors if detectors[:4] != 'from' else args.config}")
        print(f"plugin path: {ppath}")
        print()

        results = {"batch": args.batch, "intake": args.intake, "config": args.config if not detectors.startswith("detect") else None,
                   "detectors": detectors, "limit": args.limit, "sets": {}}
        any_fail = False
        ran = 0
        for s in sets:
            ts = time.monotonic()
            if s == "synthetic":
                if not os.path.exists(args.gen):
                    print(f"{s}: generator {args.gen} not found, skipped\n")
                    continue
                docs = load_synthetic(args.gen, args.synthetic_n, args.seed, args.limit, tmp)
            else:
                sub = {"tab": "tab", "factrueval": "factrueval-dev", "kaznerd": "kaznerd-valid"}[s]
                if not os.path.isdir(os.path.join(args.data, sub)):
                    print(f"{s}: {os.path.join(args.data, sub)} not found, skipped\n")
                    continue
                docs = (load_tab if s == "tab" else load_factrueval if s == "factrueval"
                        else (lambda d, l: load_kaznerd(d, l, args.kaznerd_per_doc)))(args.data, args.limit)
            tl = time.monotonic()
            failures, misaligned = run_set(docs, args, env, tmp, s)
            tr = time.monotonic()
            ran += 1
            chars = sum(len(d["text"]) for d in docs)
            nbytes = sum(len(d["text"].encode("utf-8")) for d in docs)
            misses = []
            rows = [("intake", score_person(docs, lambda d: d["pred"], args.show_misses, misses))]
            if s == "tab":
                for peer in ("presidio", "spacy"):
                    if all(peer in d["peers"] for d in docs):
                        rows.append((peer, score_person(docs, lambda d, p=peer: d["peers"][p], 0, [])))
            print(f"== {s}: {len(docs)} documents, {chars} chars, {nbytes} bytes; "
                  f"intake {tr - tl:.1f}s ({nbytes / max(tr - tl, 1e-9) / 1e6:.2f} MB/s wall, "
                  f"{args.jobs} jobs, {math.ceil(len(docs) / max(1, args.batch))} processes)")
            print_person_table(s, rows)
            print_cues(rows, args.top_cues)
            fps = []
            bands = person_bands(docs, args.show_fp, fps)
            print("  intake PERSON letters by score  letters  outside gold  precision")
            for b in bands:
                if b["letters"]:
                    print(f"  {b['band']:<30} {b['letters']:>8} {b['outside_gold']:>13} "
                          f"{fmt(b['precision']):>10}")
            r_set = {"documents": len(docs), "chars": chars, "bytes": nbytes,
                     "intake_seconds": tr - tl, "failures": len(failures),
                     "misaligned_offsets": misaligned,
                     "person": {sys_: r for sys_, r in rows},
                     "person_score_bands": bands}
            if s == "synthetic":
                ty = score_types(docs)
                r_set["types"] = ty
                print(f"  {'type (gold->intake)':<26} {'gold':>6} {'recall':>7} {'rec_any':>7}")
                for k, v in ty["recall_by_type"].items():
                    print(f"  {k:<26} {v['gold']:>6} {fmt(v['recall']):>7} {fmt(v['recall_any_type']):>7}")
                print(f"  {'predicted type':<26} {'chars':>6} {'prec_same':>9} {'prec_any':>8}")
                for k, v in ty["precision_by_predicted_type"].items():
                    print(f"  {k:<26} {v['pred_chars']:>6} {fmt(v['char_precision_same_type']):>9} "
                          f"{fmt(v['char_precision_any_type']):>8}")
                print(f"  all predicted chars inside a gold span: {fmt(ty['char_precision_all']).strip()} "
                      f"({ty['pred_chars_all']} chars); decoys hit: {ty['decoys_hit']}/{ty['decoys_total']} "
                      + " ".join(f"{k}={v['hit']}/{v['total']}" for k, v in ty["decoys"].items()))
            if failures:
                any_fail = True
                print(f"  !! {len(failures)} documents failed in intake (no spans counted), e.g. "
                      f"{failures[0][0]}: {failures[0][1]}")
            if misaligned:
                print(f"  !! {misaligned} span offsets not on a UTF-8 character boundary or out of range")
            if fps:
                print(f"  -- up to {args.show_fp} false PERSON strings (DEVELOPER EYES ONLY, not for notes):")
                for surf, cnt in fps:
                    print(f"     {cnt:4d} {surf!r}")
            if misses:
                print(f"  -- up to {args.show_misses} missed mentions (DEVELOPER EYES ONLY, not for notes):")
                for did, surf, cues in misses:
                    print(f"     {did}: {surf!r}  [{', '.join(cues)}]")
            print(f"  ({time.monotonic() - ts:.1f}s for this set)")
            print()
            results["sets"][s] = r_set
        total = time.monotonic() - t0
        results["runtime_seconds"] = total
        print(f"total runtime: {total:.1f}s")
        if args.json:
            with open(args.json, "w", encoding="utf-8") as fh:
                json.dump(results, fh, indent=1, ensure_ascii=False)
        if ran == 0:
            return SKIP
        return 3 if any_fail else 0
    finally:
        if args.keep_tmp:
            print(f"temp dir kept: {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
