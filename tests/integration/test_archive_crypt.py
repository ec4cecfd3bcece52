#!/usr/bin/env python3
"""Encrypted archives through `intake batch` and `intake redact` (TAP output).

  test_archive_crypt.py INTAKE_BINARY FIXTURES_DIR

7z with encrypted headers (7z -mhe=on) and with encrypted data only, made
here with p7zip; RAR4 with encrypted data, RAR4 partly encrypted and RAR5
with encrypted headers, libarchive's own test archives
(tests/fixtures/archive, BSD-2-Clause); a ZIP made with zip -P. Without a
password every one is quarantined as encrypted and nothing of it (not
even the plain members of the partly encrypted RAR) reaches the store;
an unencrypted RAR is read, its members children. With [archive] password
set, the ZIP (libarchive) and both 7z (7-Zip in a child process) are read,
their member a child, redacted; RAR stays quarantined with a reason (this
7-Zip has no RAR codec; with its real password, upstream's, the reason
says so). A wrong password quarantines the 7z with "wrong password"; a
7-Zip that hangs is killed at sevenzip_timeout, and the private folder is
gone after every run. The planted values are invented.
"""
import hashlib
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

from tap import done, ok, skip
from store_check import leaks_in
from fixture_ids import have_plugin

INTAKE = sys.argv[1]
FIXTURES = sys.argv[2]
PASSWORD = "Secret-2024"

CONF = """[pipeline]
max_depth = 5
[archive]
type = extract_archive
%s[text]
type = extract_text
[ids]
type = detect_patterns
[names]
type = detect_names
[context]
type = detect_context
[export]
type = export_text
[index]
type = index_sqlite
"""

SECRET_TEXT = ("Потерпевшая Жумабекова Айгерим, тел. +7 701 555 12 34, "
               "e-mail aigerim.zhumabekova@example.kz. Протокол допроса.\n")
PLANTED = ["Жумабекова", "+7 701 555 12 34", "aigerim.zhumabekova@example.kz"]
# Upstream strings of the RAR fixtures: of an encrypted archive, none may
# be stored, its plain members included.
RAR_TEXT = ["data of foo.txt", "data of bar.txt", "This is from a.txt", "This is from c.txt",
            "This is from b.txt"]

# The RAR fixtures' passwords, from libarchive's own tests
# (test_read_format_rar_encryption_data.c, test_read_format_rar5.c).
RAR_PASSWORDS = {
    "test_read_format_rar_encryption_data.rar": "12345678",
    "test_read_format_rar5_encrypted_filenames.rar": "password",
}

RARS = {
    "test_read_format_rar_encryption_data.rar": "RAR4, encrypted data",
    "test_read_format_rar4_encrypted.rar": "RAR4, partly encrypted",
    "test_read_format_rar5_encrypted_filenames.rar": "RAR5, encrypted headers",
}


def sha_file(p):
    with open(p, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run(args, timeout=300, env=None):
    p = subprocess.run([INTAKE] + args, capture_output=True, timeout=timeout, env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def jobs(store):
    db = sqlite3.connect(os.path.join(store, "intake.db"))
    rows = {r[0]: (r[1], r[2], r[3]) for r in db.execute("select doc_id, state, parent, reason from jobs")}
    db.close()
    return rows


def private_folders(tmpdir):
    return [n for n in os.listdir(tmpdir) if n.startswith("intake-7z-")]


def sevenzip_has_rar_codec():
    """Does the installed 7-Zip list a RAR codec (7z i, Codecs section)?"""
    p = subprocess.run(["7z", "i"], capture_output=True, text=True)
    codecs = p.stdout.split("Codecs:", 1)[-1].split("Hashers:", 1)[0]
    return any(line.split() and line.split()[-1].startswith("Rar") for line in codecs.splitlines())


def batch(conf_text, tmp, name, src_dir, tmpdir):
    """intake batch of src_dir with [archive] options conf_text; TMPDIR is tmpdir."""
    conf = os.path.join(tmp, name + ".conf")
    with open(conf, "w") as f:
        f.write(CONF % conf_text)
    store = os.path.join(tmp, "store-" + name)
    env = dict(os.environ, TMPDIR=tmpdir)
    rc, out, err = run(["batch", "--config", conf, "--store", store, src_dir], env=env)
    return conf, store, jobs(store), err


def main():
    if not os.path.exists(INTAKE) or not have_plugin("extract_archive"):
        print("1..0 # SKIP intake or extract_archive not built")
        return 0
    with tempfile.TemporaryDirectory(prefix="intake-crypt-") as tmp:
        d = os.path.join(tmp, "in")
        os.makedirs(d)
        tmpdir = os.path.join(tmp, "tmpdir")  # TMPDIR of every run: the private folders
        os.makedirs(tmpdir)
        # Each archive holds its own statement (one more line), so each
        # member is a child document of its own (ids are content hashes).
        def statement(tag, fname="statement.txt"):
            sd = os.path.join(tmp, "src-" + tag)
            os.makedirs(sd)
            p = os.path.join(sd, fname)
            with open(p, "w", encoding="utf-8") as f:
                f.write(SECRET_TEXT + "Архив %s.\n" % tag)
            return p
        enc = {}  # file -> what
        have_7z = shutil.which("7z") is not None
        sevens = []
        if have_7z:
            # The member of headers.7z is named after the victim (hidden
            # there by -mhe): the core redacts member names like file names.
            for name, extra, fname in (("headers.7z", ["-mhe=on"], "Жумабекова Айгерим.txt"),
                                       ("data.7z", [], "statement.txt")):
                src = statement(name, fname)
                subprocess.run(["7z", "a", "-bd", "-p" + PASSWORD] + extra +
                               [os.path.join(d, name), src], check=True, capture_output=True)
                enc[name] = "7z" + (", encrypted headers" if extra else ", encrypted data")
                sevens.append(name)
        else:
            skip("encrypted 7z", "7z (p7zip-full) not installed")
        zipped = shutil.which("zip") is not None
        if zipped:
            subprocess.run(["zip", "-q", "-j", "-P", PASSWORD, os.path.join(d, "enc.zip"),
                            statement("zip")], check=True)
            enc["enc.zip"] = "ZIP, traditional encryption"
        else:
            skip("encrypted ZIP", "zip not installed")
        for name, what in RARS.items():
            shutil.copy(os.path.join(FIXTURES, name), d)
            enc[name] = what
        shutil.copy(os.path.join(FIXTURES, "test_read_format_rar.rar"), d)

        # 1. No password: every encrypted archive quarantined.
        conf, store, rows, err = batch("", tmp, "nopass", d, tmpdir)
        for name, what in enc.items():
            r = rows.get(sha_file(os.path.join(d, name)))
            ok(r is not None and r[0] == "quarantined" and "encrypted" in (r[2] or "")
               and "\n" not in r[2],
               "%s (%s): quarantined (%s)" % (name, what, r[2] if r else "?"), (r, err[-400:]))
        rar = sha_file(os.path.join(d, "test_read_format_rar.rar"))
        kids = [k for k, v in rows.items() if v[1] == rar]
        # Its two files hold the same bytes: one child document (same id).
        ok(rows.get(rar, ("?",))[0] == "done" and len(kids) == 1 and rows[kids[0]][0] == "done",
           "an unencrypted RAR is read: its files are a child", rows)
        children_of_enc = [k for k, v in rows.items()
                           if v[1] in {sha_file(os.path.join(d, n)) for n in enc}]
        leaks = leaks_in(store, PLANTED + RAR_TEXT)
        ok(not children_of_enc and not leaks,
           "nothing of an encrypted archive in the store (%d values checked)"
           % len(PLANTED + RAR_TEXT), (children_of_enc, leaks))
        rc, out, err = run(["search", "--config", conf, "--store", store, "--json", "document"])
        ok(rc == 0 and "test text **document**" in out, "the RAR's text is searchable",
           out[-300:] + err[-200:])
        for name in sevens[:1] + ["test_read_format_rar5_encrypted_filenames.rar"]:
            rc, out, err = run(["redact", "--config", conf, os.path.join(d, name)])
            ok(rc != 0 and "encrypted" in err and "Протокол" not in out,
               "intake redact refuses %s" % name, err[-300:])

        # 2. With the password: ZIP (libarchive) and 7z (7-Zip) read, their
        #    member a child, redacted; RAR still refused, saying why.
        pconf, pstore, rows, err = batch("password = %s\n" % PASSWORD, tmp, "pass", d, tmpdir)
        read = (["enc.zip"] if zipped else []) + sevens
        for name in read:
            z = sha_file(os.path.join(d, name))
            zk = [k for k, v in rows.items() if v[1] == z]
            ok(rows.get(z, ("?",))[0] == "done" and len(zk) == 1 and rows[zk[0]][0] == "done",
               "with [archive] password %s (%s) is read: its member is a child"
               % (name, enc[name]), (rows.get(z), [rows[k] for k in zk], err[-400:]))
        if read:
            rc2, out2, err2 = run(["search", "--config", pconf, "--store", pstore, "--json",
                                   "Протокол"])
            hits = out2.count("Архив")
            ok(rc2 == 0 and "Протокол" in out2 and "Жумабекова" not in out2
               and "[PHONE]" in out2 and "[PERSON-" in out2
               and all(("Архив %s" % n) in out2 for n in sevens),
               "their members are searchable, redacted (%d hits)" % hits,
               out2[-600:] + err2[-200:])
            if sevens:
                ok("headers.7z/[PERSON-1].txt" in out2,
                   "the member name hidden by -mhe is redacted like a file name",
                   out2[-600:])
        rar_codec = have_7z and sevenzip_has_rar_codec()
        for name, what in RARS.items():
            r = rows.get(sha_file(os.path.join(d, name)))
            ok(r is not None and r[0] == "quarantined" and "encrypted" in (r[2] or ""),
               "with a password, %s (%s) is still quarantined (%s)"
               % (name, what, r[2] if r else "?"), r)
        leaks = leaks_in(pstore, PLANTED + RAR_TEXT)
        ok(not leaks, "with a password: no planted value in the store's raw bytes", leaks)
        ok(not private_folders(tmpdir), "no private folder left after the runs",
           private_folders(tmpdir))

        if not have_7z:
            return done()

        # 3. A wrong password: both 7z quarantined, saying so.
        wd = os.path.join(tmp, "in-7z")
        os.makedirs(wd)
        for n in sevens:
            shutil.copy(os.path.join(d, n), wd)
        _, wstore, rows, err = batch("password = not-%s\n" % PASSWORD, tmp, "wrong", wd, tmpdir)
        for name in sevens:
            r = rows.get(sha_file(os.path.join(wd, name)))
            ok(r is not None and r[0] == "quarantined" and "wrong password" in (r[2] or ""),
               "wrong password: %s quarantined (%s)" % (name, r[2] if r else "?"),
               (r, err[-400:]))
        ok(not leaks_in(wstore, PLANTED) and not private_folders(tmpdir),
           "wrong password: nothing stored, no private folder left", private_folders(tmpdir))

        # 4. The limits hold on 7-Zip's path too.
        _, _, rows, err = batch("password = %s\nmax_member_size = 64\n" % PASSWORD, tmp,
                                "limit", wd, tmpdir)
        for name in sevens:
            r = rows.get(sha_file(os.path.join(wd, name)))
            ok(r is not None and r[0] == "quarantined" and "max_member_size" in (r[2] or ""),
               "max_member_size holds through 7-Zip: %s (%s)" % (name, r[2] if r else "?"), r)

        # 5. A 7-Zip that hangs: killed at sevenzip_timeout, with what it
        #    started, and its private folder removed.
        mark = "%d.%06d" % (300 + random.randrange(100), random.randrange(10 ** 6))
        hang = os.path.join(tmp, "hang-7z.sh")
        with open(hang, "w") as f:
            f.write("#!/bin/sh\nsleep %s &\nwait\n" % mark)
        os.chmod(hang, 0o755)
        hd = os.path.join(tmp, "in-hang")
        os.makedirs(hd)
        shutil.copy(os.path.join(d, sevens[0]), hd)
        t0 = time.monotonic()
        _, hstore, rows, err = batch("password = %s\nsevenzip_command = %s\n"
                                     "sevenzip_timeout = 1s\n" % (PASSWORD, hang),
                                     tmp, "hang", hd, tmpdir)
        took = time.monotonic() - t0
        r = rows.get(sha_file(os.path.join(hd, sevens[0])))
        ok(r is not None and r[0] == "quarantined" and "timed out" in (r[2] or ""),
           "a hanging 7-Zip: quarantined on timeout in %.1f s (%s)" % (took, r[2] if r else "?"),
           (r, err[-400:]))
        left = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open("/proc/%s/cmdline" % pid, "rb") as f:
                    if mark.encode() in f.read():
                        left.append(pid)
            except OSError:
                pass
        ok(not left and not private_folders(tmpdir),
           "its process group is killed and its private folder gone", (left,
                                                                        private_folders(tmpdir)))

        # 6. RAR with its own password (upstream's): read if this 7-Zip has
        #    the RAR codec, else quarantined saying it has none.
        rd = os.path.join(tmp, "in-rar")
        os.makedirs(rd)
        for name, pw in RAR_PASSWORDS.items():
            sub = os.path.join(rd, name + ".d")
            os.makedirs(sub)
            shutil.copy(os.path.join(FIXTURES, name), sub)
            _, _, rows, err = batch("password = %s\n" % pw, tmp, "rar-" + name, sub, tmpdir)
            r = rows.get(sha_file(os.path.join(sub, name)))
            if rar_codec:
                ok(r is not None and r[0] == "done", "%s with its password: read (%s)"
                   % (name, r), (r, err[-400:]))
            else:
                ok(r is not None and r[0] == "quarantined" and "no RAR codec" in (r[2] or ""),
                   "%s with its password: quarantined, this 7-Zip has no RAR codec (%s)"
                   % (name, r[2] if r else "?"), (r, err[-400:]))
        ok(not private_folders(tmpdir), "no private folder left", private_folders(tmpdir))
    return done()


if __name__ == "__main__":
    sys.exit(main())
