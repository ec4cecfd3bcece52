#!/usr/bin/env python3
"""Recall and decoy hits of the identifier detectors on the synthetic corpus.

Usage:
    eval_patterns.py CORPUS [--spans-cmd CMD [--jobs N] | --dp-spans PATH | --build DIR]
                     [--threshold 0.5] [--show-misses N] [--show-decoys N]
                     [--show-extra N] [--json]

CORPUS is a directory made by ../shared/bench/gen_corpus.py OUT N --seed S
(txt/*.txt and gt/*.json are enough). Spans come from one of:

  --spans-cmd 'intake redact --format spans {}'
        run once per file ({} = the .txt path); prints JSON lines
        {"start":12,"end":27,"type":"PHONE","score":0.93,"detector":"ids"}
  --dp-spans PATH
        the plugin's own driver plugins/detect_patterns/tests/dp_spans, run
        on many files at once (its lines then carry "file")
  --build DIR   (default: $INTAKE_BUILD, else ../build-dp beside the checkout)
        use DIR/plugins/detect_patterns/tests/dp_spans

A planted item counts as caught when the spans scored >= threshold cover
every letter and digit of it (any type: what matters is that it is
redacted); "typed" also requires the expected type. A decoy counts as hit
when any span scored >= threshold overlaps it. Offsets are UTF-8 bytes
(gt byte_start/byte_end). Exit status 0 always (a measurement, not a test),
2 on usage errors.
"""
import argparse
import collections
import concurrent.futures
import glob
import json
import os
import shlex
import subprocess
import sys

# Ground-truth type -> the label our detectors use for it.
GT_TO_OURS = {
    'EMAIL': 'EMAIL',
    'PHONE': 'PHONE',
    'IIN': 'NATIONAL_ID',
    'NATIONAL_ID': 'NATIONAL_ID',
    'PASSPORT': 'PASSPORT',
    'IBAN': 'IBAN',
    'CARD': 'CARD',
    'IP_ADDRESS': 'IP_ADDRESS',
    'URL': 'URL',
}
# Planted types other detectors own (names, dates, places): not scored here.
NOT_OURS = {'PERSON': 'PERSON (detect_names)', 'DATE_OF_BIRTH': 'DATE',
            'ADDRESS': 'ADDRESS', 'LOCATION': 'LOCATION'}


def find_dp_spans(args):
    if args.dp_spans:
        return args.dp_spans
    here = os.path.dirname(os.path.abspath(__file__))
    cands = []
    if args.build:
        cands.append(args.build)
    if os.environ.get('INTAKE_BUILD'):
        cands.append(os.environ['INTAKE_BUILD'])
    cands += [os.path.join(here, '..', '..', '..', 'build-dp'), os.path.join(here, '..', '..', 'build')]
    for b in cands:
        p = os.path.join(b, 'plugins', 'detect_patterns', 'tests', 'dp_spans')
        if os.access(p, os.X_OK):
            return p
    sys.exit('eval_patterns: no dp_spans found; give --build DIR, --dp-spans PATH or --spans-cmd')


def parse_lines(out, default_file=None):
    spans = collections.defaultdict(list)
    for line in out.splitlines():
        line = line.strip()
        if not line.startswith('{'):
            continue
        o = json.loads(line)
        spans[o.get('file', default_file)].append(o)
    return spans


def run_spans(args, files):
    if args.spans_cmd:
        def one(f):
            cmd = args.spans_cmd.replace('{}', shlex.quote(f))
            r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
            if r.returncode not in (0, 1):
                sys.stderr.write('eval_patterns: %s: exit %d: %s\n' % (f, r.returncode, r.stderr.strip()))
            return parse_lines(r.stdout, f)
        spans = {}
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            for got in ex.map(one, files):
                spans.update(got)
        return spans
    exe = find_dp_spans(args)
    spans = {}
    for i in range(0, len(files), 200):
        chunk = files[i:i + 200]
        r = subprocess.run([exe] + chunk, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write('eval_patterns: dp_spans exit %d: %s\n' % (r.returncode, r.stderr.strip()))
        got = parse_lines(r.stdout, chunk[0] if len(chunk) == 1 else None)
        spans.update(got)
    return spans


def covered(raw, s, e, spans, thr, want_type=None):
    """Every letter/digit byte of raw[s:e] lies in a span scored >= thr."""
    need = [i for i in range(s, e) if chr(raw[i]).isalnum() or raw[i] >= 0x80]
    ok = [False] * len(need)
    for sp in spans:
        if sp['score'] < thr or (want_type and sp['type'] != want_type):
            continue
        if sp['end'] <= s or sp['start'] >= e:
            continue
        for k, i in enumerate(need):
            if sp['start'] <= i < sp['end']:
                ok[k] = True
    return all(ok) and bool(need)


def context(raw, s, e, width=40):
    a = raw[max(0, s - width):s].decode('utf-8', 'replace')
    b = raw[s:e].decode('utf-8', 'replace')
    c = raw[e:e + 15].decode('utf-8', 'replace')
    return ('%s[%s]%s' % (a, b, c)).replace('\n', ' ')


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('corpus')
    ap.add_argument('--spans-cmd')
    ap.add_argument('--dp-spans')
    ap.add_argument('--build')
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 1,
                    help='parallel --spans-cmd processes [cpu count]')
    ap.add_argument('--threshold', type=float, default=0.5)
    ap.add_argument('--show-misses', type=int, default=0, metavar='N')
    ap.add_argument('--show-decoys', type=int, default=0, metavar='N')
    ap.add_argument('--show-extra', type=int, default=0, metavar='N',
                    help='spans on no planted item and no decoy')
    ap.add_argument('--json', action='store_true')
    args = ap.parse_args()

    gts = sorted(glob.glob(os.path.join(args.corpus, 'gt', '*.json')))
    if not gts:
        print('eval_patterns: no gt/*.json under %s' % args.corpus, file=sys.stderr)
        return 2
    docs = []
    for g in gts:
        with open(g, encoding='utf-8') as f:
            gt = json.load(f)
        docs.append((gt, os.path.join(args.corpus, 'txt', gt['id'] + '.txt')))
    spans = run_spans(args, [p for _, p in docs])

    thr = args.threshold
    planted = collections.Counter()
    caught = collections.Counter()
    typed = collections.Counter()
    decoys = collections.Counter()
    decoy_hit = collections.Counter()
    extra = collections.Counter()
    misses, dhits, extras = [], [], []
    reported = collections.Counter()
    for gt, path in docs:
        with open(path, 'rb') as f:
            raw = f.read()
        sp = spans.get(path, [])
        for x in sp:
            if x['score'] >= thr:
                reported[x['type']] += 1
        for s in gt['spans']:
            t = s['type']
            if t not in GT_TO_OURS:
                continue
            planted[t] += 1
            b0, b1 = s['byte_start'], s['byte_end']
            if covered(raw, b0, b1, sp, thr):
                caught[t] += 1
                if covered(raw, b0, b1, sp, thr, GT_TO_OURS[t]):
                    typed[t] += 1
            else:
                misses.append((t, gt['id'], context(raw, b0, b1)))
        for d in gt['decoys']:
            decoys[d['type']] += 1
            b0, b1 = d['byte_start'], d['byte_end']
            hit = [x for x in sp if x['score'] >= thr and x['start'] < b1 and b0 < x['end']]
            if hit:
                decoy_hit[d['type']] += 1
                dhits.append((d['type'], gt['id'], hit[0]['type'], hit[0]['score'], context(raw, b0, b1)))
        # spans that touch nothing planted (ours or not) and no decoy
        rngs = [(s['byte_start'], s['byte_end']) for s in gt['spans']] + \
               [(d['byte_start'], d['byte_end']) for d in gt['decoys']]
        for x in sp:
            if x['score'] < thr:
                continue
            if not any(x['start'] < b and a < x['end'] for a, b in rngs):
                extra[x['type']] += 1
                extras.append((x['type'], gt['id'], x['score'], context(raw, x['start'], x['end'])))

    res = {
        'corpus': args.corpus, 'docs': len(docs), 'threshold': thr,
        'recall': {t: {'planted': planted[t], 'caught': caught[t], 'typed': typed[t],
                       'recall': round(caught[t] / planted[t], 4) if planted[t] else None}
                   for t in sorted(planted)},
        'decoys': {t: {'planted': decoys[t], 'hit': decoy_hit[t]} for t in sorted(decoys)},
        'extra_spans': dict(extra), 'reported': dict(reported),
        'mapping': GT_TO_OURS, 'not_scored': NOT_OURS,
    }
    if args.json:
        print(json.dumps(res, ensure_ascii=False, indent=1))
        return 0
    print('corpus %s: %d docs, threshold %.2f' % (args.corpus, len(docs), thr))
    print('%-12s %-12s %8s %8s %8s %8s' % ('gt type', 'our type', 'planted', 'caught', 'typed', 'recall'))
    for t in sorted(planted):
        print('%-12s %-12s %8d %8d %8d %7.2f%%' % (t, GT_TO_OURS[t], planted[t], caught[t], typed[t],
                                                  100.0 * caught[t] / planted[t]))
    tp, tc = sum(planted.values()), sum(caught.values())
    print('%-12s %-12s %8d %8d %8d %7.2f%%' % ('all', '', tp, tc, sum(typed.values()),
                                              100.0 * tc / tp if tp else 0))
    print('%-16s %8s %8s' % ('decoy type', 'planted', 'hit'))
    for t in sorted(decoys):
        print('%-16s %8d %8d' % (t, decoys[t], decoy_hit[t]))
    print('decoys hit: %d of %d' % (sum(decoy_hit.values()), sum(decoys.values())))
    print('spans >= %.2f on nothing planted: %s' % (thr, dict(extra) or 0))
    print('not scored here (other detectors): %s' % ', '.join('%s -> %s' % kv for kv in NOT_OURS.items()))
    for t, i, c in misses[:args.show_misses]:
        print('MISS %-11s %s  %s' % (t, i, c))
    for t, i, lt, sc, c in dhits[:args.show_decoys]:
        print('DECOY %-15s %s  %s %.2f  %s' % (t, i, lt, sc, c))
    for t, i, sc, c in extras[:args.show_extra]:
        print('EXTRA %-11s %s %.2f  %s' % (t, i, sc, c))
    return 0


if __name__ == '__main__':
    sys.exit(main())
