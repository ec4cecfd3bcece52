#!/usr/bin/env python3
"""The store on a tiny file system that fills up (a size-limited tmpfs):
intake batch stops with a clear error, quarantines nothing, leaves the store
intact, and a second run after space is freed finishes every document
exactly once. Needs root for the mount; otherwise a TAP skip with the reason.

  test_diskfull.py INTAKE_BINARY SOURCE_ROOT
"""
import os
import sqlite3
import subprocess
import sys
import tempfile

from tap import done, ok, skip

INTAKE, SRC = sys.argv[1], sys.argv[2]
PLUGIN_PATH = ":".join(d for d in os.environ.get("INTAKE_PLUGIN_PATH", "").split(":")
                       if d and not d.rstrip("/").endswith("tests/plugins"))
CONF = """[pipeline]
[text]
type = extract_text
[ids]
type = detect_patterns
[names]
type = detect_names
[export]
type = export_text
[index]
type = index_sqlite
"""


def run(args):
    e = dict(os.environ, INTAKE_PLUGIN_PATH=PLUGIN_PATH)
    p = subprocess.run([INTAKE] + args, capture_output=True, env=e, timeout=300)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def jobs(store):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(store, "intake.db"), uri=True)
    try:
        states = dict(db.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall())
        check = db.execute("PRAGMA quick_check").fetchone()[0]
        has = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'documents'").fetchone()[0]
        docs = (db.execute("SELECT count(*), count(DISTINCT doc_id) FROM documents").fetchone()
                if has else (0, 0))
    finally:
        db.close()
    return states, check, docs


def main():
    tmp = tempfile.mkdtemp(prefix="intake-full-")
    fs = os.path.join(tmp, "fs")
    os.makedirs(fs)
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", fs],
                                           capture_output=True).returncode != 0:
        skip("store on a full file system", "mounting a size-limited tmpfs needs root")
        return done()
    try:
        conf = os.path.join(tmp, "intake.conf")
        open(conf, "w").write(CONF)
        inbox = os.path.join(tmp, "in")
        os.makedirs(inbox)
        # Invented statements, each unique (its number), ~3 KB.
        for i in range(80):
            body = ("Протокол допроса свидетеля по делу № %d. Свидетель пояснил, что работал на "
                    "складе без выходных, а документы у него забрали при приезде. " % (1000 + i)) * 12
            open(os.path.join(inbox, "s%03d.txt" % i), "w", encoding="utf-8").write(body + "\n")
        store = os.path.join(fs, "store")
        first = os.path.join(tmp, "first")
        os.makedirs(first)
        os.link(os.path.join(inbox, "s000.txt"), os.path.join(first, "s000.txt"))
        rc, out, err = run(["batch", "--config", conf, "--store", store, first])
        ok(rc == 0, "a first document fits", err[-300:])
        st = os.statvfs(fs)
        filler = os.path.join(fs, "filler")
        with open(filler, "wb") as f:
            f.write(b"\0" * max(0, st.f_bavail * st.f_frsize - 96 * 1024))
        rc, out, err = run(["batch", "--config", conf, "--store", store, "--jobs", "2", inbox])
        ok(rc == 2 and "file system is full" in err, "a full store stops the run with a clear error (exit %d)" % rc,
           err[-600:])
        states, check, docs = jobs(store)
        ok(states.get("quarantined", 0) == 0, "no document is quarantined for the store's full disk", states)
        ok(check == "ok", "the store's database is intact (quick_check: %s)" % check)
        ok(states.get("done", 0) < 80, "the run did stop before the end (%s)" % states)
        os.unlink(filler)
        rc, out, err = run(["batch", "--config", conf, "--store", store, "--jobs", "2", inbox])
        states, check, docs = jobs(store)
        ok(rc == 0 and states == {"done": 80} and docs == (80, 80),
           "with space again every document is done exactly once", (rc, states, docs, err[-300:]))
        names = [n for n in os.listdir(os.path.join(store, "redacted")) if n.endswith(".txt")]
        ok(len(names) == 80 and not [n for n in os.listdir(os.path.join(store, "redacted")) if n.endswith(".tmp")],
           "80 exports, no temp files left (%d)" % len(names))
        watch_full(tmp, fs, conf)
    finally:
        subprocess.run(["umount", fs], capture_output=True)
    return done()


def watch_full(tmp, fs, conf):
    """intake watch on a full store: files stay queued (none quarantined),
    the daemon keeps running and finishes them once there is room."""
    import time
    wconf = os.path.join(tmp, "watch.conf")
    open(wconf, "w").write(CONF.replace("[pipeline]\n", "[pipeline]\nfull_retry = 1s\n") +
                           "[watch]\nsettle = 200ms\n")
    store = os.path.join(fs, "wstore")
    inbox = os.path.join(tmp, "winbox")
    os.makedirs(inbox)
    e = dict(os.environ, INTAKE_PLUGIN_PATH=PLUGIN_PATH)
    log = open(os.path.join(tmp, "watch.log"), "wb")
    d = subprocess.Popen([INTAKE, "watch", "--config", wconf, "--store", store, inbox], stdout=log,
                         stderr=log, env=e)
    try:
        for _ in range(200):  # the daemon has made its store (slow under sanitizers)
            if os.path.exists(os.path.join(store, "intake.db")) and b"watching" in open(
                    os.path.join(tmp, "watch.log"), "rb").read():
                break
            time.sleep(0.1)
        st = os.statvfs(fs)
        filler = os.path.join(fs, "filler2")
        with open(filler, "wb") as f:
            f.write(b"\0" * max(0, st.f_bavail * st.f_frsize - 16 * 1024))
        for i in range(30):
            body = ("Показания свидетеля № %d по делу о трудовой эксплуатации на стройке. " % (5000 + i)) * 15
            open(os.path.join(inbox, "w%02d.txt" % i), "w", encoding="utf-8").write(body)
        time.sleep(6)
        text = open(os.path.join(tmp, "watch.log"), "rb").read().decode("utf-8", "replace")
        states, check, _ = jobs(store)
        ok(d.poll() is None and "file system is full" in text and states.get("quarantined", 0) == 0,
           "watch on a full store: keeps running, says why, quarantines nothing (%s)" % states, text[-400:])
        os.unlink(filler)
        deadline = time.time() + 60
        while time.time() < deadline:
            states, check, docs = jobs(store)
            if states.get("done", 0) == 30:
                break
            time.sleep(0.5)
        ok(states == {"done": 30} and docs == (30, 30) and check == "ok",
           "once there is room again every file is done exactly once (%s)" % states)
    finally:
        d.terminate()
        try:
            d.wait(20)
        except subprocess.TimeoutExpired:
            d.kill()


if __name__ == "__main__":
    sys.exit(main())
