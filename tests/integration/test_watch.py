#!/usr/bin/env python3
"""Integration tests of `intake watch` and `intake status` (TAP output).

  test_watch.py INTAKE_BINARY SOURCE_ROOT [--short]

Covers: only finished files are taken (slow writers, moved-in files,
temporary and hidden names), subfolders made after start, the rescan at
start, SIGTERM during work then restart (every file exactly once), SIGHUP
reload, originals moved/deleted, failed/ with a reason file, unsafe
setups refused, `intake status`, no file name in any log, and a
reliability run: N files dropped in random ways with one kill -9 and a
restart, counted (processed, lost, duplicated).
"""
import hashlib
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from tap import done, ok, skip

INTAKE, SRC = sys.argv[1], sys.argv[2]
SHORT = "--short" in sys.argv or os.environ.get("CI") == "true"
PLUGIN_PATH = os.environ.get("INTAKE_PLUGIN_PATH", "")

CHAIN = """[pipeline]
timeout = 5s
attempts = 1
%s
[text]
type = extract_text
[ids]
type = detect_patterns
[chaos]
type = test_chaos
[export]
type = export_text
[index]
type = index_sqlite
[watch]
settle = 300ms
rescan = 3s
report_growing = 2s
stop_timeout = 3s
%s
"""


def conf(path, watch="", pipeline=""):
    with open(path, "w") as f:
        f.write(CHAIN % (pipeline, watch))
    return path


def sha(b):
    return hashlib.sha256(b).hexdigest()


class Daemon:
    """intake watch in the background; its stdout (events) and stderr (logs)
    go to files so a full pipe can never stall it."""

    def __init__(self, tmp, cfg, store, inboxes, tag="d"):
        self.out = os.path.join(tmp, tag + ".out")
        self.err = os.path.join(tmp, tag + ".err")
        self.p = subprocess.Popen([INTAKE, "watch", "--config", cfg, "--store", store] + inboxes,
                                  stdout=open(self.out, "ab"), stderr=open(self.err, "ab"))
        self.wait_event(lambda e: e["event"] == "watching", 20)

    def events(self):
        ev = []
        with open(self.out, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    ev.append(json.loads(line))
                except ValueError:
                    ev.append({"event": "garbage", "line": line})
        return ev

    def logs(self):
        return open(self.out, "rb").read() + open(self.err, "rb").read()

    def wait_event(self, pred, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            if any(pred(e) for e in self.events()):
                return True
            if self.p.poll() is not None:
                return any(pred(e) for e in self.events())
            time.sleep(0.05)
        return False

    def stop(self, sig=signal.SIGTERM, timeout=30):
        t0 = time.time()
        if self.p.poll() is None:
            self.p.send_signal(sig)
        try:
            self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
        return self.p.returncode, time.time() - t0


def done_ids(d):
    return [e["doc"] for e in d.events() if e["event"] in ("done", "skipped")]


def wait_ids(d, ids, timeout=30):
    ids = set(ids)
    return _wait(lambda: ids <= set(done_ids(d)), timeout)


def _wait(cond, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.05)
    return cond()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def db_state(store):
    db = sqlite3.connect(os.path.join(store, "intake.db"))
    st = dict(db.execute("select state, count(*) from jobs group by state").fetchall())
    docs = [r[0] for r in db.execute("select doc_id from documents")]
    db.close()
    return st, docs


def test_finished_only(tmp):
    inbox, store = os.path.join(tmp, "inbox"), os.path.join(tmp, "store")
    os.makedirs(inbox)
    cfg = conf(os.path.join(tmp, "w.conf"), "originals = move")
    d = Daemon(tmp, cfg, store, [inbox])
    # A writer that keeps the file open and writes in chunks, pausing
    # longer than the settle time: nothing is taken before close.
    chunks = [("Slow statement part %d. Protokol %d.\n" % (i, i)).encode() * 20 for i in range(6)]
    full = b"".join(chunks)
    with open(os.path.join(inbox, "slow-open.txt"), "wb") as f:
        for c in chunks:
            f.write(c)
            f.flush()
            time.sleep(0.45)
    # A writer that reopens for each chunk, with pauses under the settle time.
    chunks2 = [("Appended part %d of a statement.\n" % i).encode() * 10 for i in range(8)]
    for c in chunks2:
        with open(os.path.join(inbox, "slow-append.txt"), "ab") as f:
            f.write(c)
        time.sleep(0.12)
    full2 = b"".join(chunks2)
    # Moved in from outside; and written as .part then renamed.
    outside = os.path.join(tmp, "staging.txt")
    moved = b"A file moved in whole. Case 17.\n"
    write(outside, moved)
    os.rename(outside, os.path.join(inbox, "moved.txt"))
    renamed = b"Copied as a .part file first, then renamed.\n"
    write(os.path.join(inbox, "copy.txt.part"), renamed[:10])
    with open(os.path.join(inbox, "copy.txt.part"), "ab") as f:
        f.write(renamed[10:])
    os.rename(os.path.join(inbox, "copy.txt.part"), os.path.join(inbox, "copy.txt"))
    # Temporary and hidden names are left alone.
    ignored = {".hidden.txt": b"hidden file content 1\n", "x.part": b"partial download 2\n",
               "y.tmp": b"temporary 3\n", "~$lock.docx": b"office lock 4\n",
               ".git/obj.txt": b"hidden folder 5\n"}
    for n, b in ignored.items():
        write(os.path.join(inbox, n), b)
    # A subfolder made after the start, two levels deep at once.
    sub = b"In a new subfolder. Case 18.\n"
    os.makedirs(os.path.join(inbox, "new-case", "deeper"))
    write(os.path.join(inbox, "new-case", "deeper", "s.txt"), sub)
    # A file name is personal data: only its redacted form may be logged.
    pii = b"Named with a phone in the file name.\n"
    write(os.path.join(inbox, "new-case", "statement_87015553197.txt"), pii)
    want = {sha(pii): "new-case/statement_[PHONE].txt", sha(full): "slow-open.txt", sha(full2): "slow-append.txt", sha(moved): "moved.txt",
            sha(renamed): "copy.txt", sha(sub): "new-case/deeper/s.txt"}
    got = wait_ids(d, want, 20)
    ok(got, "every finished file is taken: slow (open), slow (reopened), moved in, renamed, "
       "new subfolder", [want[k] for k in want if k not in done_ids(d)])
    time.sleep(1.0)
    ids = done_ids(d)
    partial = [i for i in ids if i not in want]
    ok(not partial, "no half-written version was taken (%d extra documents)" % len(partial))
    ok(len(ids) == len(set(ids)) == len(want), "each file once", ids)
    for n in ignored:
        ok(os.path.exists(os.path.join(inbox, n)), "ignored name left in the inbox: %s" % n)
    ok(not any(sha(b) in ids for b in ignored.values()), "no ignored file was taken")
    proc = os.path.join(tmp, "processed")
    ok(all(os.path.exists(os.path.join(proc, v.replace("[PHONE]", "87015553197"))) for v in want.values()),
       "originals moved to processed/ beside the inbox, subfolders kept",
       sorted(os.listdir(proc)) if os.path.isdir(proc) else "no processed/")
    ok(open(os.path.join(proc, "slow-open.txt"), "rb").read() == full, "the moved original is whole")
    # A writer that never finishes is reported, not taken.
    f = open(os.path.join(inbox, "stuck.txt"), "wb")
    f.write(b"begun but never closed\n")
    f.flush()
    rep = d.wait_event(lambda e: e["event"] == "still_growing", 6)
    ok(rep, "a file still open after report_growing is reported")
    ok(sha(b"begun but never closed\n") not in done_ids(d), "and not taken")
    f.close()
    rc, secs = d.stop()
    ok(rc == 0 and secs < 10, "SIGTERM when idle: exit 0 in %.1fs" % secs, rc)
    ok(b"87015553197" not in d.logs() and b"stuck" not in d.logs(),
       "no original file name in events or logs (the phone in a name is redacted)")
    ok(b"inbox/new-case/statement_[PHONE].txt" in d.logs(), "the done event carries the redacted name")
    errs = [l for l in open(d.err, "rb").read().splitlines() if l.strip()]
    ok(all(l.startswith(b"{") and json.loads(l) for l in errs), "stderr logs are JSON lines",
       errs[:3])


def test_restart(tmp):
    inbox, store = os.path.join(tmp, "inbox"), os.path.join(tmp, "store")
    os.makedirs(inbox)
    # Two workers: at most 2 x 4 documents in flight, so a stop part-way
    # leaves some behind whatever the machine's core count.
    cfg = conf(os.path.join(tmp, "w.conf"), "originals = move", "jobs = 2")
    d = Daemon(tmp, cfg, store, [inbox], "a")
    rc, _ = d.stop()
    # Files arrive while the daemon is down.
    down = {}
    for i in range(5):
        b = ("Arrived while down %d.\n" % i).encode()
        write(os.path.join(inbox, "case", "down%d.txt" % i), b)
        down[sha(b)] = i
    d = Daemon(tmp, cfg, store, [inbox], "b")
    ok(wait_ids(d, down, 20), "the scan at start takes files that arrived while down")
    d.stop()

    # SIGTERM while documents are in flight (each takes 300 ms), restart.
    n = 16 if SHORT else 30
    files = {}
    for i in range(n):
        b = ("Slow document %d. CHAOS-SLOW\n" % i).encode()
        write(os.path.join(inbox, "slow%02d.txt" % i), b)
        files[sha(b)] = i
    d = Daemon(tmp, cfg, store, [inbox], "c")
    d.wait_event(lambda e: e["event"] == "done" and e["doc"] in files, 20)
    rc, secs = d.stop()
    ok(rc == 0 and secs < 3 + 5, "SIGTERM during work: exit 0 within the grace time (%.1fs)" % secs, rc)
    first = [i for i in done_ids(d) if i in files]
    ok(0 < len(first) < n, "it stopped part-way (%d of %d done)" % (len(first), n))
    st, docs = db_state(store)
    ok(st.get("pending", 0) + len(first) >= n - 0 and st.get("quarantined", 0) == 0,
       "after SIGTERM: the rest is pending or not yet queued, nothing quarantined", st)
    left = os.listdir(inbox)
    d = Daemon(tmp, cfg, store, [inbox], "d")
    ok(wait_ids(d, set(files) - set(first), 60), "the restart finishes the rest", len(left))
    d.stop()
    st, docs = db_state(store)
    ok(st == {"done": n + 5}, "every file exactly once done", st)
    ok(len(docs) == len(set(docs)) == n + 5, "index: one row per document", len(docs))
    proc = os.path.join(tmp, "processed")
    nproc = sum(len(fs) for _, _, fs in os.walk(proc))
    ok(nproc == n + 5 and not [f for f in os.listdir(inbox) if f != "case"],
       "every original in processed/, the inbox empty", nproc)


def test_reload_failed_delete(tmp):
    inbox, store = os.path.join(tmp, "inbox"), os.path.join(tmp, "store")
    os.makedirs(inbox)
    cfg = conf(os.path.join(tmp, "w.conf"), "originals = keep")
    d = Daemon(tmp, cfg, store, [inbox])
    a = b"Kept original. Case 20.\n"
    write(os.path.join(inbox, "kept.txt"), a)
    ok(wait_ids(d, [sha(a)], 10) and os.path.exists(os.path.join(inbox, "kept.txt")),
       "originals = keep: done, the original stays")
    time.sleep(0.5)
    ok(done_ids(d).count(sha(a)) == 1, "a kept original is not taken twice")
    # A broken config: refused, the old one stays.
    with open(cfg, "w") as f:
        f.write("[pipeline]\nbogus_key = 1\n")
    d.p.send_signal(signal.SIGHUP)
    ok(d.wait_event(lambda e: e["event"] == "reload_failed", 10), "SIGHUP with a bad config: refused")
    ok(d.p.poll() is None, "and the daemon goes on")
    conf(cfg, "originals = delete")
    d.p.send_signal(signal.SIGHUP)
    ok(d.wait_event(lambda e: e["event"] == "reloaded" and e.get("originals") == "delete", 15),
       "SIGHUP reloads the config (originals = delete)")
    b = b"Deleted after commit. Case 21.\n"
    write(os.path.join(inbox, "del.txt"), b)
    ok(wait_ids(d, [sha(b)], 10) and _wait(lambda: not os.path.exists(os.path.join(inbox, "del.txt")), 5),
       "originals = delete: the original is gone after commit")
    # The same content again under another name: a duplicate, not a document.
    write(os.path.join(inbox, "again.txt"), b)
    ok(d.wait_event(lambda e: e["event"] == "skipped" and e["doc"] == sha(b), 10)
       and _wait(lambda: not os.path.exists(os.path.join(inbox, "again.txt")), 5),
       "the same content again is a duplicate, handled as processed")
    # Refused documents go to failed/ with a reason, whatever the mode.
    bad = b"This one is refused by the parser: CHAOS-EFORMAT secret-content-7781\n"
    crash = b"This one crashes the parser: CHAOS-SEGV\n"
    write(os.path.join(inbox, "sub", "bad.txt"), bad)
    write(os.path.join(inbox, "crash.txt"), crash)
    failed = os.path.join(tmp, "failed")
    ok(_wait(lambda: os.path.exists(os.path.join(failed, "sub", "bad.txt.reason.txt"))
             and os.path.exists(os.path.join(failed, "crash.txt.reason.txt")), 20),
       "refused and crashing files go to failed/ with <name>.reason.txt",
       os.listdir(failed) if os.path.isdir(failed) else "no failed/")
    r = open(os.path.join(failed, "sub", "bad.txt.reason.txt")).read() if os.path.isdir(failed) else ""
    ok("test plugin refuses this document" in r and sha(bad) in r, "the reason and the document id", r)
    ok("secret-content" not in r and "CHAOS" not in r, "no document content in the reason file")
    r2 = open(os.path.join(failed, "crash.txt.reason.txt")).read() if os.path.isdir(failed) else ""
    ok("signal 11" in r2, "the crash reason", r2)
    ok(os.path.exists(os.path.join(failed, "sub", "bad.txt")), "the original kept in failed/")
    d.stop()
    # intake status: counts and the last errors, no paths, no content.
    p = subprocess.run([INTAKE, "status", "--store", store, "--json"], capture_output=True)
    s = json.loads(p.stdout or b"{}")
    ok(p.returncode == 0 and s.get("last_hour", {}).get("done") == 2
       and s.get("last_day", {}).get("quarantined") == 2 and s.get("queued") == 0,
       "status --json: done and quarantined in the last hour and day, queue depth", s)
    errs = s.get("last_errors", [])
    ok(len(errs) == 2 and {e["doc"] for e in errs} == {sha(bad), sha(crash)}, "status: the last errors", errs)
    p = subprocess.run([INTAKE, "status", "--store", store], capture_output=True)
    txt = p.stdout.decode()
    ok(p.returncode == 0 and "queue:" in txt and "last hour:" in txt and "documents/min" in txt
       and "signal 11" in txt, "status as text", txt)
    ok("bad.txt" not in txt and "crash.txt" not in txt and "secret" not in txt,
       "status names no file and no content")
    p = subprocess.run([INTAKE, "status", "--store", os.path.join(tmp, "nostore")], capture_output=True)
    ok(p.returncode == 2 and len(p.stderr.splitlines()) == 1, "status of a missing store: one line, exit 2")


def test_unsafe(tmp):
    inbox = os.path.join(tmp, "inbox")
    os.makedirs(inbox)
    cfg = conf(os.path.join(tmp, "w.conf"))
    cases = [("store inside an inbox", [cfg, os.path.join(inbox, "store"), inbox], None,
              "lies inside the inbox"),
             ("inbox inside the store", [cfg, tmp, inbox], None, "lies inside the store"),
             ("a missing inbox", [cfg, os.path.join(tmp, "s"), os.path.join(tmp, "nope")], None, "nope"),
             ("no inbox at all", [cfg, os.path.join(tmp, "s")], None, "no inbox")]
    bad = os.path.join(tmp, "open-plugins")
    os.makedirs(bad)
    os.chmod(bad, 0o777)
    cases.append(("a plugin directory writable by others", [cfg, os.path.join(tmp, "s"), inbox],
                  {"INTAKE_PLUGIN_PATH": bad + ":" + PLUGIN_PATH}, "writable by others"))
    for what, (c, store, *ib), env, needle in cases:
        e = dict(os.environ)
        e.update(env or {})
        p = subprocess.run([INTAKE, "watch", "--config", c, "--store", store] + ib,
                           capture_output=True, timeout=20, env=e)
        err = p.stderr.decode()
        ok(p.returncode == 2 and needle in err and len(err.strip().splitlines()) == 1,
           "refused to start: %s (one line)" % what, err)


def test_reliability(tmp):
    """N files in random ways, kill -9 at three moments and restarts: count them."""
    inbox, store = os.path.join(tmp, "inbox"), os.path.join(tmp, "store")
    staging = os.path.join(tmp, "staging")
    os.makedirs(inbox)
    os.makedirs(staging)
    cfg = conf(os.path.join(tmp, "w.conf"), "originals = move", "jobs = 2")
    n = 300 if SHORT else 1000
    rnd = random.Random(11)
    contents, plan = [], []
    for i in range(n):
        if contents and rnd.random() < 0.1:
            b = rnd.choice(contents)  # duplicate content under another name
        else:
            b = ("Document %d. Case %d. Contact +7 701 %03d %02d %02d. " % (i, i % 17, i % 1000, i % 100, i % 97)).encode()
            b += b"Statement text. " * rnd.randrange(1, 200)
            contents.append(b)
        sub = "case-%d" % rnd.randrange(12) if rnd.random() < 0.5 else ""
        plan.append((os.path.join(sub, "f%04d.txt" % i), b, rnd.choice(["copy", "move", "slow"])))

    def drop(item):
        rel, b, how = item
        dst = os.path.join(inbox, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if how == "copy":
            write(dst, b)
        elif how == "move":
            tmpf = os.path.join(staging, os.path.basename(rel))
            write(tmpf, b)
            os.rename(tmpf, dst)
        else:
            with open(dst, "wb") as f:
                step = max(1, len(b) // 4)
                for k in range(0, len(b), step):
                    f.write(b[k:k + step])
                    f.flush()
                    time.sleep(0.1)

    d = Daemon(tmp, cfg, store, [inbox], "r1")
    threads = []
    # three kills at random moments, each followed by a restart while files keep coming
    kills = sorted(rnd.sample(range(n // 10, n - n // 10, 40), 3))
    restarts = {k + rnd.randrange(5, 30): j for j, k in enumerate(kills)}
    for i, item in enumerate(plan):
        t = threading.Thread(target=drop, args=(item,))
        t.start()
        threads.append(t)
        if len(threads) >= 8:
            threads.pop(0).join()
        if i in kills:
            d.stop(signal.SIGKILL)
            ok(True, "kill -9 of the daemon after %d files dropped" % i)
        if i in restarts:
            d = Daemon(tmp, cfg, store, [inbox], "r%d" % (restarts[i] + 2))
        time.sleep(rnd.uniform(0, 0.01))
    for t in threads:
        t.join()
    proc = os.path.join(tmp, "processed")

    def moved():
        return sum(len(fs) for _, _, fs in os.walk(proc)) if os.path.isdir(proc) else 0
    _wait(lambda: moved() >= n, 120)
    time.sleep(0.5)
    d.stop()
    st, docs = db_state(store)
    distinct = {sha(b) for _, b, _ in plan}
    left = [os.path.join(r, f) for r, _, fs in os.walk(inbox) for f in fs]
    processed = moved()
    lost = len(distinct - set(docs)) + len(left)
    dup = len(docs) - len(set(docs)) + max(0, processed - n)
    print("# reliability: %d files dropped (%d distinct contents), %d processed, %d lost, %d duplicated; "
          "jobs %s" % (n, len(distinct), processed, lost, dup, st))
    ok(processed == n and not left, "every dropped file ended in processed/ (%d of %d)" % (processed, n), left[:5])
    ok(lost == 0, "0 lost", lost)
    ok(dup == 0 and st == {"done": len(distinct)}, "0 duplicated: one document per content", st)
    bad = [rel for rel, b, _ in plan if open(os.path.join(proc, rel), "rb").read() != b]
    ok(not bad, "every original moved whole", bad[:5])


def main():
    if not os.access(INTAKE, os.X_OK) or not PLUGIN_PATH:
        print("1..0 # SKIP intake binary or INTAKE_PLUGIN_PATH missing")
        return 0
    if not os.path.exists("/proc/sys/fs/inotify"):
        skip("watch", "no inotify")
        return done()
    with tempfile.TemporaryDirectory(prefix="intake-watch-") as tmp:
        for t in (test_finished_only, test_restart, test_reload_failed_delete, test_unsafe, test_reliability):
            sub = os.path.join(tmp, t.__name__)
            os.makedirs(sub)
            t0 = time.time()
            try:
                t(sub)
            except Exception as ex:  # a crash of the test itself is a failure, not a skip
                ok(False, "%s raised %r" % (t.__name__, ex))
            print("# %s: %.1fs" % (t.__name__, time.time() - t0))
            sys.stdout.flush()
    return done()


if __name__ == "__main__":
    sys.exit(main())
