"""What the store holds, read raw, for the integration tests' leak checks:
every byte of every file (SQLite's WAL included), every file name, and every
member (and member name) of the zipped exports (redacted DOCX/ODT/XLSX/ODS)."""
import os
import zipfile


def store_bytes(store):
    """[(where, bytes)] of everything in the store."""
    out = []
    for root, _, files in os.walk(store):
        for fn in files:
            p = os.path.join(root, fn)
            with open(p, "rb") as f:
                out.append((p, f.read()))
            out.append(("(file name) " + p, p.encode()))
            if fn.endswith((".docx", ".odt", ".xlsx", ".ods")):
                try:
                    with zipfile.ZipFile(p) as z:
                        for n in z.namelist():
                            out.append((p + "!" + n, z.read(n)))
                            out.append((p + "!" + n + " (name)", n.encode()))
                except zipfile.BadZipFile:
                    pass  # the raw bytes above are still checked
    return out


def raw_bytes(store):
    """All of it as one byte string."""
    return b"".join(b for _, b in store_bytes(store))


def leaks_in(store, values):
    """The values (str) found anywhere in the store, and where."""
    found = []
    for where, b in store_bytes(store):
        for v in values:
            if v.encode() in b:
                found.append("%r in %s" % (v, where))
    return found
