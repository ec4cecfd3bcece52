#!/usr/bin/env python3
"""E-mail and archives through `intake batch` with the real built plugins
(TAP output).

  test_mail_archive.py INTAKE_BINARY

An e-mail (headers in RFC 2047, bodies in quoted-printable and base64 in
UTF-8, windows-1251 and KOI8-R, an HTML part) carrying a ZIP that holds a
ZIP that holds a .txt (and a DOCX when extract_office is built), a tar.gz
holding an e-mail with an attachment: every child is a document linked to
its parent (jobs.parent) and the store holds none of the planted values.
Then the refusals: a 1 GiB zip bomb, a nested bomb, an encrypted ZIP, a
truncated ZIP, and an e-mail whose attachment cannot be read (its parent
fails with it). Every name, number and address here is invented.
"""
import base64
import io
import os
import quopri
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

from tap import done, ok, skip
from store_check import raw_bytes
from fixture_ids import have_plugin, iin

INTAKE = sys.argv[1]


OFFICE = have_plugin("extract_office")

CONF = """[pipeline]
max_depth = 5
[mail]
type = extract_mail
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
""" % ("[office]\ntype = extract_office\n" if OFFICE else "")


IIN1 = iin("87030545012")
IIN2 = iin("92111240056")
IIN3 = iin("79050230077")

# Planted values: none of them may reach the store.
PLANTED = [
    "aigerim.zhumabekova@example.kz", "r.tynybekov@example.kg", "witness.k@example.org",
    "+7 701 555 12 34", "+996 555 123 456", "+998 90 123 45 67", "+7 777 321 54 76",
    IIN1, IIN2, IIN3, "Жумабекова", "Тыныбеков", "Сейткалиева", "Омарова", "Gulnara",
]


def ew(text, charset="utf-8", enc="B"):
    raw = text.encode(charset)
    if enc == "B":
        return "=?%s?B?%s?=" % (charset, base64.b64encode(raw).decode())
    q = "".join(c if c.isalnum() and ord(c) < 128 else "_" if c == " " else "=%02X" % b
                for c, b in ((chr(b), b) for b in raw))
    return "=?%s?Q?%s?=" % (charset, q)


def zip_bytes(members, **kw):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED, **kw) as z:
        for name, data in members:
            z.writestr(name, data)
    return b.getvalue()


def docx_bytes(text):
    ct = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.wordprocessingml.document.main+xml"/></Types>')
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/></Relationships>')
    doc = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>' % text)
    return zip_bytes([("[Content_Types].xml", ct), ("_rels/.rels", rels), ("word/document.xml", doc)])


def mail(headers, parts):
    """A multipart/mixed message: parts are (headers, body) pairs."""
    out = headers + "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"BOUND\"\n\n"
    for h, body in parts:
        out += "--BOUND\n" + h + "\n" + body + "\n"
    return (out + "--BOUND--\n").encode("utf-8")


def attachment(name, data, ctype="application/octet-stream"):
    h = ("Content-Type: %s\nContent-Disposition: attachment; filename=\"%s\"\n"
         "Content-Transfer-Encoding: base64\n" % (ctype, ew(name)))
    return h, base64.encodebytes(data).decode()


def case_mail():
    inner_txt = ("Протокол допроса. Потерпевшая Омарова Динара Серикқызы, ИИН %s, "
                 "тел. +7 777 321 54 76.\n" % IIN3).encode()
    inner_members = [("показания/Омарова.txt", inner_txt)]
    if OFFICE:
        inner_members.append(("Сейткалиева.docx",
                              docx_bytes("Свидетель Сейткалиева Аружан, тел. +996 555 123 456.")))
    inner = zip_bytes(inner_members)
    outer = zip_bytes([("inner.zip", inner), ("readme.txt", "Case bundle, see inner archive.\n")])
    body1 = ("Добрый день! Потерпевшая Жумабекова Айгерим звонила с номера +7 701 555 12 34.\n"
             "Please forward to witness.k@example.org.\n").encode("utf-8")
    body2 = ("ИИН потерпевшей %s, ИИН свидетеля %s.\n" % (IIN1, IIN2)).encode("windows-1251")
    html = ("<html><body><p>Свидетель Gulnara Sadykova, +998 90 123 45 67</p>"
            "<script>var x=1;</script></body></html>").encode("koi8-r")
    headers = ("From: %s <aigerim.zhumabekova@example.kz>\n"
               "To: %s <r.tynybekov@example.kg>\n"
               "Subject: %s\nDate: Tue, 5 Mar 2024 09:00:00 +0600\n"
               % (ew("Жумабекова Айгерим"), ew("Тыныбеков Руслан", "koi8-r", "Q"),
                  ew("Дело 17/2024: материалы")))
    return mail(headers, [
        ("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n",
         quopri.encodestring(body1).decode()),
        ("Content-Type: text/plain; charset=windows-1251\nContent-Transfer-Encoding: base64\n",
         base64.encodebytes(body2).decode()),
        ("Content-Type: text/html; charset=koi8-r\nContent-Transfer-Encoding: quoted-printable\n",
         quopri.encodestring(html).decode()),
        attachment("Жумабекова_материалы.zip", outer, "application/zip"),
    ])


def run(args, timeout=300):
    p = subprocess.run([INTAKE] + args, capture_output=True, timeout=timeout)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def jobs(store):
    db = sqlite3.connect(os.path.join(store, "intake.db"))
    rows = {r[0]: (r[1], r[2], r[3]) for r in db.execute("select doc_id, state, parent, reason from jobs")}
    db.close()
    return rows


def sha(b):
    import hashlib
    return hashlib.sha256(b).hexdigest()


def test_good(tmp, conf):
    d = os.path.join(tmp, "in")
    os.makedirs(d)
    eml = case_mail()
    with open(os.path.join(d, "case.eml"), "wb") as f:
        f.write(eml)
    # A tar.gz holding an e-mail holding an attachment.
    inner_mail = mail("From: Murat Bekov <witness.k@example.org>\nTo: r.tynybekov@example.kg\n"
                      "Subject: list\n",
                      [("Content-Type: text/plain; charset=utf-8\n", "See the list.\n"),
                       attachment("list.txt", ("Тыныбеков Руслан, ИИН %s\n" % IIN2).encode())])
    tb = io.BytesIO()
    with tarfile.open(fileobj=tb, mode="w:gz") as t:
        ti = tarfile.TarInfo("mails/forward.eml")
        ti.size = len(inner_mail)
        t.addfile(ti, io.BytesIO(inner_mail))
    with open(os.path.join(d, "bundle.tar.gz"), "wb") as f:
        f.write(tb.getvalue())

    store = os.path.join(tmp, "store")
    t0 = time.time()
    rc, out, err = run(["batch", "--config", conf, "--store", store, d])
    secs = time.time() - t0
    rows = jobs(store)
    ok(rc == 0 and rows and all(v[0] == "done" for v in rows.values()),
       "an e-mail with nested ZIPs and a tar.gz with an e-mail: every document done (%.1f s)" % secs,
       (rc, rows, err[-600:]))
    mail_id = sha(eml)
    kids = [k for k, v in rows.items() if v[1] == mail_id]
    grand = [k for k, v in rows.items() if v[1] in kids]
    great = [k for k, v in rows.items() if v[1] in grand]
    ok(rows.get(mail_id, (None, "x"))[1] is None and len(kids) == 1 and len(grand) == 2
       and len(great) == (2 if OFFICE else 1),
       "e-mail > zip > (inner.zip, readme.txt) > (.txt%s): each linked to its parent"
       % (", .docx" if OFFICE else ""), rows)
    tar_id = sha(tb.getvalue())
    tkids = [k for k, v in rows.items() if v[1] == tar_id]
    tgrand = [k for k, v in rows.items() if v[1] in tkids]
    ok(len(tkids) == 1 and len(tgrand) == 1, "tar.gz > e-mail > attachment: linked", rows)
    raw = raw_bytes(store)
    leaked = [p for p in PLANTED if p.encode("utf-8") in raw]
    ok(not leaked, "no planted value in any byte of the store (%d checked)" % len(PLANTED), leaked)
    db = sqlite3.connect(os.path.join(store, "intake.db"))
    names = [r[0] for r in db.execute("select source_name from documents")]
    db.close()
    ok(names and any(n and "inner.zip/показания/" in n and "Омарова" not in n for n in names)
       and not any(n and ("Жумабекова" in n or "Сейткалиева" in n) for n in names),
       "member names are stored redacted, under their path in the parent", names)
    # Search finds the text of a grandchild (redacted) and the body text.
    rc, out, err = run(["search", "--config", conf, "--store", store, "--json", "Протокол"])
    ok(rc == 0 and "Протокол" in out and "Омарова" not in out, "a member deep inside is searchable",
       out[-400:] + err[-200:])
    rc, out, err = run(["redact", "--config", conf, os.path.join(d, "case.eml")])
    ok(rc == 0 and "[EMAIL]" in out and "Жумабекова" not in out and "var x" not in out
       and "материалы" in out, "intake redact: the e-mail and its children, redacted",
       out[:600] + err[-300:])


def test_refusals(tmp, conf):
    d = os.path.join(tmp, "bad")
    os.makedirs(d)
    files = {}
    # 1 GiB of zeros, deflated (about 1 MB).
    bomb = os.path.join(d, "bomb.zip")
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("zeros.txt", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(1024):
                f.write(chunk)
    files["bomb.zip"] = "max_member_size"
    # Nested: 16 copies of a 64 MiB-zeros zip, 3 levels.
    leaf = zip_bytes([("0.bin", b"\0" * (64 << 20))])
    cur = leaf
    for _ in range(4):
        cur = zip_bytes([("%d.zip" % i, cur) for i in range(16)])
    with open(os.path.join(d, "nested.zip"), "wb") as f:
        f.write(cur)
    files["nested.zip"] = "archive"
    # Encrypted (zip -P), when the zip tool is there.
    if shutil.which("zip"):
        src = os.path.join(tmp, "secret.txt")
        with open(src, "w") as f:
            f.write("Потерпевшая Жумабекова, тел. +7 701 555 12 34\n")
        subprocess.run(["zip", "-q", "-j", "-P", "pass123", os.path.join(d, "enc.zip"), src], check=True)
        files["enc.zip"] = "encrypted"
    # Truncated.
    good = zip_bytes([("a.txt", "Свидетель Тыныбеков Руслан " * 200)])
    with open(os.path.join(d, "cut.zip"), "wb") as f:
        f.write(good[: len(good) // 2])
    files["cut.zip"] = "truncated"
    # An e-mail whose attachment nobody can read: the parent fails with it.
    m = mail("From: a@example.kz\nTo: b@example.kz\nSubject: x\n",
             [("Content-Type: text/plain; charset=utf-8\n", "Cover note, Жумабекова.\n"),
              attachment("blob.bin", bytes(range(256)) * 64)])
    with open(os.path.join(d, "badkid.eml"), "wb") as f:
        f.write(m)
    files["badkid.eml"] = "member 1"

    store = os.path.join(tmp, "store-bad")
    rc, out, err = run(["batch", "--config", conf, "--store", store, d], timeout=600)
    rows = jobs(store)
    ok(rc == 1 and len(rows) == len(files) and all(v[0] == "quarantined" for v in rows.values()),
       "bombs, encrypted, truncated, a mail with an unreadable attachment: all quarantined, "
       "no child stored", (rc, rows, err[-800:]))
    for name, want in files.items():
        with open(os.path.join(d, name), "rb") as f:
            r = rows.get(sha(f.read()))
        ok(r is not None and r[0] == "quarantined" and want in (r[2] or ""),
           "%s: quarantined (%s)" % (name, r[2] if r else "?"), r)
    raw = raw_bytes(store)
    ok(b"+7 701 555 12 34" not in raw and "Жумабекова".encode() not in raw,
       "nothing of a refused document in the store")
    # Time to refuse each bomb, through `intake redact`, beside the same
    # command on a one-line text file (process start, plugin loading: slow
    # under ASan).
    small = os.path.join(tmp, "small.txt")
    with open(small, "w") as f:
        f.write("A short note.\n")
    t0 = time.time()
    run(["redact", "--config", conf, small])
    base = (time.time() - t0) * 1000
    for name in ("bomb.zip", "nested.zip"):
        t0 = time.time()
        rc, out, err = run(["redact", "--config", conf, os.path.join(d, name)])
        ms = (time.time() - t0) * 1000
        ok(rc != 0 and ms - base < 1000,
           "%s refused by intake redact in %.0f ms (a one-line text: %.0f ms)" % (name, ms, base),
           err[-300:])


def main():
    if not os.path.exists(INTAKE) or not have_plugin("extract_mail") or not have_plugin("extract_archive"):
        print("1..0 # SKIP intake, extract_mail or extract_archive not built")
        return 0
    with tempfile.TemporaryDirectory(prefix="intake-mail-") as tmp:
        conf = os.path.join(tmp, "intake.conf")
        with open(conf, "w") as f:
            f.write(CONF)
        if not OFFICE:
            skip("DOCX inside the nested ZIP", "extract_office not built")
        for t in (test_good, test_refusals):
            sub = os.path.join(tmp, t.__name__)
            os.makedirs(sub)
            try:
                t(sub, conf)
            except Exception as e:  # a crash of the test is a failure, not an abort
                ok(False, "%s raised %s" % (t.__name__, repr(e)[:300]))
    return done()


if __name__ == "__main__":
    sys.exit(main())
