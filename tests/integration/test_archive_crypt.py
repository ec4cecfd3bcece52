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
set, the ZIP is read and redacted; 7z and RAR stay quarantined, with a
reason that says libarchive cannot decrypt them. The planted values are
invented.
"""
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

from tap import done, ok, skip
from store_check import leaks_in

INTAKE = sys.argv[1]
FIXTURES = sys.argv[2]
PLUGIN_PATH = os.environ.get("INTAKE_PLUGIN_PATH", "")
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

RARS = {
    "test_read_format_rar_encryption_data.rar": "RAR4, encrypted data",
    "test_read_format_rar4_encrypted.rar": "RAR4, partly encrypted",
    "test_read_format_rar5_encrypted_filenames.rar": "RAR5, encrypted headers",
}


def have_plugin(name):
    return any(os.path.exists(os.path.join(d, name + ".so")) for d in PLUGIN_PATH.split(":") if d)


def sha_file(p):
    with open(p, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run(args, timeout=300):
    p = subprocess.run([INTAKE] + args, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def jobs(store):
    db = sqlite3.connect(os.path.join(store, "intake.db"))
    rows = {r[0]: (r[1], r[2], r[3]) for r in db.execute("select doc_id, state, parent, reason from jobs")}
    db.close()
    return rows


def main():
    if not os.path.exists(INTAKE) or not have_plugin("extract_archive"):
        print("1..0 # SKIP intake or extract_archive not built")
        return 0
    with tempfile.TemporaryDirectory(prefix="intake-crypt-") as tmp:
        d = os.path.join(tmp, "in")
        os.makedirs(d)
        src = os.path.join(tmp, "statement.txt")
        with open(src, "w", encoding="utf-8") as f:
            f.write(SECRET_TEXT)
        enc = {}  # file -> what
        if shutil.which("7z"):
            for name, extra in (("headers.7z", ["-mhe=on"]), ("data.7z", [])):
                subprocess.run(["7z", "a", "-bd", "-p" + PASSWORD] + extra +
                               [os.path.join(d, name), src], check=True, capture_output=True)
                enc[name] = "7z" + (", encrypted headers" if extra else ", encrypted data")
        else:
            skip("encrypted 7z", "7z (p7zip-full) not installed")
        zipped = shutil.which("zip") is not None
        if zipped:
            subprocess.run(["zip", "-q", "-j", "-P", PASSWORD, os.path.join(d, "enc.zip"), src],
                           check=True)
            enc["enc.zip"] = "ZIP, traditional encryption"
        else:
            skip("encrypted ZIP", "zip not installed")
        for name, what in RARS.items():
            shutil.copy(os.path.join(FIXTURES, name), d)
            enc[name] = what
        shutil.copy(os.path.join(FIXTURES, "test_read_format_rar.rar"), d)

        # 1. No password: every encrypted archive quarantined.
        conf = os.path.join(tmp, "nopass.conf")
        with open(conf, "w") as f:
            f.write(CONF % "")
        store = os.path.join(tmp, "store")
        rc, out, err = run(["batch", "--config", conf, "--store", store, d])
        rows = jobs(store)
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
        for name in [n for n in enc if n.endswith(".7z")][:1] + \
                ["test_read_format_rar5_encrypted_filenames.rar"]:
            rc, out, err = run(["redact", "--config", conf, os.path.join(d, name)])
            ok(rc != 0 and "encrypted" in err and "Протокол" not in out,
               "intake redact refuses %s" % name, err[-300:])

        # 2. With a password: ZIP read; 7z and RAR still refused, saying why.
        pconf = os.path.join(tmp, "pass.conf")
        with open(pconf, "w") as f:
            f.write(CONF % ("password = %s\n" % PASSWORD))
        pstore = os.path.join(tmp, "store-pass")
        rc, out, err = run(["batch", "--config", pconf, "--store", pstore, d])
        rows = jobs(pstore)
        if zipped:
            z = sha_file(os.path.join(d, "enc.zip"))
            zk = [k for k, v in rows.items() if v[1] == z]
            ok(rows.get(z, ("?",))[0] == "done" and len(zk) == 1 and rows[zk[0]][0] == "done",
               "with [archive] password the encrypted ZIP is read", (rows.get(z), err[-400:]))
            rc2, out2, err2 = run(["search", "--config", pconf, "--store", pstore, "--json",
                                   "Протокол"])
            ok(rc2 == 0 and "Протокол" in out2 and "Жумабекова" not in out2,
               "its member is searchable, redacted", out2[-300:] + err2[-200:])
        for name, what in enc.items():
            if name.endswith(".zip"):
                continue
            r = rows.get(sha_file(os.path.join(d, name)))
            ok(r is not None and r[0] == "quarantined" and "decrypts only ZIP" in (r[2] or ""),
               "with a password, %s (%s) is still quarantined (%s)"
               % (name, what, r[2] if r else "?"), r)
        leaks = leaks_in(pstore, PLANTED + RAR_TEXT)
        ok(not leaks, "with a password: no planted value in the store", leaks)
    return done()


if __name__ == "__main__":
    sys.exit(main())
