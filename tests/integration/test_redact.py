#!/usr/bin/env python3
"""Integration tests of `intake redact` and `intake plugins` over the
bundled samples, with the real built plugins (TAP output).

  test_redact.py INTAKE_BINARY SOURCE_ROOT
"""
import json
import os
import subprocess
import sys
import tempfile

from tap import done, ok, skip

INTAKE, SRC = sys.argv[1], sys.argv[2]
# Only the real plugins: tests/plugins holds deliberately broken ones.
PLUGIN_PATH = ":".join(d for d in os.environ.get("INTAKE_PLUGIN_PATH", "").split(":")
                       if d and not d.rstrip("/").endswith("tests/plugins"))
SAMPLES = os.path.join(SRC, "tests", "fixtures", "samples")
PATTERN_TYPES = {"PERSON", "PHONE", "EMAIL", "NATIONAL_ID", "IBAN", "CARD", "PASSPORT", "IP_ADDRESS", "URL",
                 "DATE", "ADDRESS", "LOCATION"}




def run(args, conf):
    e = dict(os.environ)
    e["INTAKE_PLUGIN_PATH"] = PLUGIN_PATH
    p = subprocess.run([INTAKE] + args[:1] + ["--config", conf] + args[1:], capture_output=True, env=e, timeout=120)
    return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")


def expects(path):
    pii, decoys = [], []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if "\t" in line and not line.startswith("#"):
            t, s = line.split("\t", 1)
            (decoys if t == "DECOY" else pii).append((t, s))
    return pii, decoys


def main():
    if not PLUGIN_PATH:
        print("1..0 # SKIP INTAKE_PLUGIN_PATH not set")
        return 0
    tmp = tempfile.mkdtemp(prefix="intake-redact-")
    conf = os.path.join(tmp, "intake.conf")
    with open(conf, "w") as f:
        f.write("[pipeline]\n[text]\ntype = extract_text\n[ids]\ntype = detect_patterns\n"
                "[names]\ntype = detect_names\n[context]\ntype = detect_context\n")

    files = sorted(os.listdir(SAMPLES))
    bases = [f[:-7] for f in files if f.endswith(".expect")]
    ok(len(bases) >= 6, "at least six annotated samples (%d)" % len(bases))
    redacted = {}
    for b in bases:
        path = os.path.join(SAMPLES, b + ".txt")
        rc, out, err = run(["redact", path], conf)
        ok(rc == 0 and err == "", "%s: redact exits 0, stderr empty" % b, err)
        text = out.decode("utf-8", "replace")
        redacted[b] = out
        pii, decoys = expects(os.path.join(SAMPLES, b + ".expect"))
        missed = [(t, s) for t, s in pii if t in PATTERN_TYPES and s in text]
        ok(not missed, "%s: every planted identifier is redacted" % b, missed)
        over = [s for t, s in decoys if s not in text]
        ok(not over, "%s: decoys (case and article numbers, amounts, courts) are kept" % b, over)

        # spans: byte offsets into the file; contract keys.
        rc, out, err = run(["redact", "--format", "spans", path], conf)
        raw = open(path, "rb").read()
        lines = [json.loads(l) for l in out.decode().splitlines() if l.strip()]
        cue_names = {"list", "morphology", "initials", "role", "capital", "propagated", "known",
                     "pattern", "checksum", "context"}
        keys_ok = all(set(s) - {"cues"} == {"start", "end", "type", "score", "detector"}
                      and set(s.get("cues", [])) <= cue_names for s in lines)
        ok(rc == 0 and lines and keys_ok, "%s: --format spans is one contract object per line" % b, out[:300])
        ok(any(s["type"] == "PERSON" and s["detector"] == "names" for s in lines), "%s: names found by [names]" % b)
        ok(all(s.get("cues") for s in lines if s["detector"] in ("names", "ids")),
           "%s: every span of [names] and [ids] says its cues" % b, lines[:3])
        in_file = all(0 <= s["start"] < s["end"] <= len(raw) for s in lines)
        decodes = True
        for s in lines:
            try:
                raw[s["start"]:s["end"]].decode("utf-8")
            except UnicodeDecodeError:
                decodes = False
        ok(in_file and decodes, "%s: span offsets index the UTF-8 file on character boundaries" % b)
        found = {raw[s["start"]:s["end"]].decode("utf-8", "replace") for s in lines}
        for t, s in pii:
            if t in ("EMAIL", "IBAN"):
                ok(any(s in f or f in s for f in found), "%s: %s span covers %r exactly" % (b, t, s[:6] + "..."), found)

        # json: metadata and the same text.
        rc, out, err = run(["redact", "--format", "json", path], conf)
        try:
            j = json.loads(out)
        except ValueError:
            j = {}
        ok(rc == 0 and j.get("text", "").encode() == redacted[b], "%s: --format json carries the same text" % b)
        ok(len(j.get("id", "")) == 64 and j.get("pages", 0) >= 1 and "encoding" in j.get("meta", {}),
           "%s: json has id, pages, encoding" % b, {k: j.get(k) for k in ("id", "pages", "meta")})

    # Encoded copies redact to exactly what their UTF-8 source does.
    for f in files:
        parts = f.split(".")
        if len(parts) != 3 or parts[0] not in bases:
            continue
        rc, out, err = run(["redact", os.path.join(SAMPLES, f)], conf)
        ok(rc == 0 and out == redacted[parts[0]], "%s: same redaction as the UTF-8 original" % f, err)
        rc, out, err = run(["redact", "--format", "json", os.path.join(SAMPLES, f)], conf)
        enc = json.loads(out)["meta"]["encoding"] if rc == 0 else None
        ok(enc and enc.lower().replace("_", "-") != "utf-8" or parts[1].startswith("utf-8"),
           "%s: detected encoding %s" % (f, enc))

    # libmagic's soft magic calls these HP-GL plotter files; the core skips
    # the soft magic for prose, so they are typed and read as plain text.
    magic = subprocess.run(["file", "-b", "--mime-type", os.path.join(SAMPLES, "en-witness.txt")],
                           capture_output=True).stdout.decode().strip()
    rc, out, err = run(["redact", "--format", "json", os.path.join(SAMPLES, "en-witness.txt")], conf)
    ok(magic == "application/vnd.hp-HPGL" and rc == 0 and json.loads(out)["mime"] == "text/plain",
       "text that libmagic calls %s is typed text/plain and read" % magic, err)

    # Refusals: one line naming the file and the reason, exit 1, nothing on stdout.
    cases = {
        "image.png": (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0", "unsupported type: image/png"),
        "empty.txt": (b"", "empty"),
        "binary.txt": (bytes(range(256)) * 8, ""),
        "broken-utf8.txt": ("Показания свидетеля ".encode() * 20 + b"\xd0\x28\xc3" + "конец".encode(), ""),
    }
    for name, (data, why) in cases.items():
        p = os.path.join(tmp, name)
        open(p, "wb").write(data)
        rc, out, err = run(["redact", p], conf)
        lines = err.strip().splitlines()
        ok(rc == 1 and out == b"" and len(lines) == 1 and lines[0].startswith("intake: %s: " % p) and why in lines[0],
           "%s refused: %s" % (name, lines[0] if lines else "(nothing)"), err)
    rc, out, err = run(["redact", os.path.join(tmp, "missing.txt")], conf)
    ok(rc == 1 and "missing.txt" in err, "a missing file is an error naming it", err)

    # Logs never carry document content, even at trace level.
    trace = os.path.join(tmp, "trace.conf")
    open(trace, "w").write(open(conf).read().replace("[pipeline]\n", "[pipeline]\nlog_level = trace\n"))
    path = os.path.join(SAMPLES, "ru-statement.txt")
    rc, out, err = run(["redact", "-v", "-v", "-v", path], trace)
    pii, _ = expects(os.path.join(SAMPLES, "ru-statement.expect"))
    leaked = [s for _, s in pii if s in err]
    ok(rc == 0 and "debug" in err and not leaked, "trace-level log holds no personal data", leaked or err[:300])

    # Usage and config errors exit 2.
    bad = os.path.join(tmp, "bad.conf")
    open(bad, "w").write("[pipeline]\nlog_level = info\n[ids]\ntype = detect_patterns\ncontext_windw = 3\n")
    rc, out, err = run(["redact", path], bad)
    ok(rc == 2 and "bad.conf:5: [ids] unknown key 'context_windw'" in err, "unknown key: exit 2 with file:line", err)
    rc, out, err = run(["redact", "--format", "xml", path], conf)
    ok(rc == 2, "bad --format: exit 2")

    # Type detection: text that declares a format in its first line keeps
    # libmagic's full answer; prose (which skips the soft magic) stays text.
    typed = {
        "a.html": (b"<!DOCTYPE html>\n<html><body><p>Hello</p></body></html>\n", "text/html"),
        "b.eml": (b"Received: from mx.example.org by mx\nFrom: a@example.org\nTo: b@example.org\n"
                  b"Subject: hello\nDate: Mon, 1 Jan 2024 10:00:00 +0000\n\nbody\n", "message/rfc822"),
        "c.rtf": (b"{\\rtf1\\ansi\\ansicpg1251 {\\fonttbl} hello}\n", "text/rtf"),
        "d.txt": ("Дата: 12.03.2024\nПротокол допроса свидетеля.\n".encode(), "text/plain"),
        "e.txt": (b"  Case No: 12/2024\nThe court heard the witness.\n", "text/plain"),
    }
    for name, (data, want) in typed.items():
        path = os.path.join(tmp, name)
        open(path, "wb").write(data)
        rc, out, err = run(["redact", "-v", "-v", path], conf)
        ok("type %s -> " % want in err, "%s is typed %s" % (name, want), err[-300:])

    # An image page that no OCR plugin reads refuses the document: its text
    # would be missing from the store without a word.
    import struct, zlib
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 0, 0, 0, 0)) +
           chunk(b"IDAT", zlib.compress(b"".join(b"\0" + b"\xff" * 8 for _ in range(8)))) + chunk(b"IEND", b""))
    png_path = os.path.join(tmp, "scan.png")
    open(png_path, "wb").write(png)
    img_conf = os.path.join(tmp, "img.conf")
    open(img_conf, "w").write("[pipeline]\n[text]\ntype = extract_text\n[image]\ntype = extract_image\n")
    rc, out, err = run(["redact", png_path], img_conf)
    if "plugin 'extract_image' not found" in err:
        skip("an image page without OCR refuses the document", "extract_image is not built")
    else:
        ok(rc == 1 and "page 1 is an image and no OCR plugin read it" in err and out == b"",
           "an image page without OCR refuses the document", err)

    # A mail that libmagic calls text/plain (its first header is Subject:)
    # goes to extract_mail, whose probe is sure: its base64 body is decoded
    # and redacted, not stored as it is.
    import base64
    body = "Свидетель: телефон +7 701 987 65 43, почта witness.mail@example.kz\n".encode()
    eml = (b"Subject: statement\nMIME-Version: 1.0\nFrom: clerk@example.kz\n"
           b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: base64\n\n" +
           base64.encodebytes(body))
    eml_path = os.path.join(tmp, "subject-first.eml")
    open(eml_path, "wb").write(eml)
    mail_conf = os.path.join(tmp, "mail.conf")
    open(mail_conf, "w").write("[pipeline]\n[mail]\ntype = extract_mail\n[text]\ntype = extract_text\n"
                               "[ids]\ntype = detect_patterns\n")
    rc, out, err = run(["redact", "-v", "-v", eml_path], mail_conf)
    if "plugin 'extract_mail' not found" in err:
        skip("a Subject:-first mail is read by extract_mail", "extract_mail is not built")
    else:
        o = out.decode("utf-8", "replace")
        ok(rc == 0 and "-> [mail]" in err and "[PHONE]" in o and "987 65 43" not in o
           and base64.encodebytes(body).decode().split()[0] not in o,
           "a Subject:-first mail goes to extract_mail: body decoded and redacted", o[:300] + err[-300:])

    # intake plugins lists what is loaded.
    rc, out, err = run(["plugins"], conf)
    o = out.decode()
    ok(rc == 0 and "extract_text" in o and "detect_patterns" in o and "extract " in o and "detect " in o,
       "intake plugins lists name and stage", o + err)
    rc, out, err = run(["plugins", "detect_patterns"], conf)
    ok(rc == 0 and "context_window" in out.decode(), "intake plugins NAME prints the option table", out)
    return done()


if __name__ == "__main__":
    sys.exit(main())
