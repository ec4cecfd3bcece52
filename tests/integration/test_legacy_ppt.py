#!/usr/bin/env python3
"""PowerPoint 97 files LibreOffice writes, end to end through `intake batch` (TAP).

  test_legacy_ppt.py INTAKE_BINARY

catppt reads no text from them; extract_legacy's LibreOffice fallback
(soffice headless to flat ODF in the private folder, same limits) does.
A presentation with an invented name, phone and e-mail (slide, speaker
notes) is written here as flat ODF, saved as .ppt by LibreOffice, and run
through `intake batch`: done, the text found and redacted, nothing planted
in any store file. A fallback that hangs (ppt_fallback_command =
/usr/bin/sleep, timeout = 1s) quarantines the file with the reason, within
its deadline, no private folder left. Without soffice: TAP skips.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from store_check import leaks_in  # noqa: E402
from tap import done, ok, skip  # noqa: E402

INTAKE = sys.argv[1]

# invented for this test
PLANTED = ["Ержан Сатпаев", "+7 705 318 46 27", "erzhan.satpaev@example.kz", "+7 701 642 09 85"]
KEPT = "Протокол опроса потерпевшего"

FODP = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.presentation">
<office:body><office:presentation><draw:page draw:name="p1">
<draw:frame svg:x="2cm" svg:y="2cm" svg:width="22cm" svg:height="6cm"><draw:text-box>
<text:p>%s.</text:p>
<text:p>Потерпевший %s сообщил телефон %s.</text:p>
<text:p>Почта: %s</text:p>
</draw:text-box></draw:frame>
<presentation:notes><draw:frame svg:x="2cm" svg:y="2cm" svg:width="16cm" svg:height="4cm"><draw:text-box>
<text:p>Перезвонить по номеру %s</text:p></draw:text-box></draw:frame></presentation:notes>
</draw:page></office:presentation></office:body></office:document>
""" % (KEPT, PLANTED[0], PLANTED[1], PLANTED[2], PLANTED[3])

BASE = """[pipeline]
[legacy]
type = extract_legacy
%s
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


def run(args, timeout=300):
    p = subprocess.run([INTAKE] + args, capture_output=True, timeout=timeout, env=dict(os.environ))
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def conf(tmp, name, extra=""):
    path = os.path.join(tmp, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(BASE % extra)
    return path


def make_ppt(tmp):
    src = os.path.join(tmp, "slides.fodp")
    with open(src, "w", encoding="utf-8") as f:
        f.write(FODP)
    env = dict(os.environ, HOME=os.path.join(tmp, "lohome"))
    env.pop("LD_PRELOAD", None)
    try:
        subprocess.run(["soffice", "-env:UserInstallation=file://%s/lo" % tmp, "--headless",
                        "--convert-to", "ppt:MS PowerPoint 97", "--outdir", tmp, src],
                       capture_output=True, timeout=180, env=env)
    except subprocess.TimeoutExpired:
        return None
    os.unlink(src)
    ppt = os.path.join(tmp, "slides.ppt")
    return ppt if os.path.exists(ppt) else None


def main():
    if not shutil.which("soffice") or not os.access("/usr/bin/catppt", os.X_OK):
        skip("LibreOffice-made PowerPoint through intake batch", "soffice or catppt not installed")
        return done()
    tmp = tempfile.mkdtemp(prefix="intake-ppt-")
    try:
        ppt = make_ppt(tmp)
        ok(ppt is not None, "LibreOffice made a PowerPoint 97 file")
        if not ppt:
            return done()
        p = subprocess.run(["/usr/bin/catppt", "-d", "utf-8", ppt], capture_output=True)
        ok(not p.stdout.decode("utf-8", "replace").strip(), "catppt alone reads no text from it")

        cases = os.path.join(tmp, "cases")
        os.makedirs(cases)
        shutil.copy(ppt, os.path.join(cases, "opros.ppt"))
        store = os.path.join(tmp, "store")
        t0 = time.monotonic()
        rc, out, err = run(["batch", "--config", conf(tmp, "a.conf", "tmp_dir = %s" % tmp),
                            "--store", store, "--jobs", "1", cases])
        secs = time.monotonic() - t0
        print("# batch of one LibreOffice-made .ppt: %.1f s (process start, catppt, LibreOffice)"
              % secs)
        events = [json.loads(l) for l in out.splitlines() if l.strip().startswith("{")]
        ok(rc == 0 and sum(e.get("event") == "done" for e in events) == 1,
           "the .ppt goes through intake batch", out[-1200:] + err[-1200:])
        red = ""
        rdir = os.path.join(store, "redacted")
        for fn in sorted(os.listdir(rdir)) if os.path.isdir(rdir) else []:
            if fn.endswith(".txt"):
                with open(os.path.join(rdir, fn), encoding="utf-8") as f:
                    red += f.read()
        ok(KEPT in red, "its text is found (slide)", red[:800])
        ok("[PERSON" in red and red.count("[PHONE]") == 2 and "[EMAIL]" in red,
           "name, phones (slide and notes) and e-mail redacted", red[:800])
        leaks = leaks_in(store, PLANTED)
        ok(not leaks, "none of the planted values in any store file (raw bytes)", "\n".join(leaks))

        # a fallback that hangs: quarantined with its reason
        bad = os.path.join(tmp, "bad")
        os.makedirs(bad)
        shutil.copy(ppt, os.path.join(bad, "stuck.ppt"))
        bstore = os.path.join(tmp, "store-bad")
        extra = "tmp_dir = %s\nppt_fallback_command = /usr/bin/sleep, 600\ntimeout = 1s" % tmp
        t0 = time.monotonic()
        rc, out, err = run(["batch", "--config", conf(tmp, "b.conf", extra), "--store", bstore,
                            "--jobs", "1", bad])
        secs = time.monotonic() - t0
        ok(rc == 1 and "PowerPoint fallback (LibreOffice) converter timed out after 1000 ms" in err,
           "hanging fallback: the file is quarantined with the reason", out[-800:] + err[-800:])
        qdir = os.path.join(bstore, "quarantine")
        ok(os.path.isdir(qdir) and len(os.listdir(qdir)) >= 1, "it is in the quarantine folder")
        ok(secs < 30, "... within its deadline (whole batch %.1f s)" % secs)
        left = [d for d in os.listdir(tmp) if d.startswith("intake-legacy-")]
        ok(not left, "no private converter folder left", left)
        ok(not leaks_in(bstore, PLANTED), "nothing planted in the quarantine store")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return done()


if __name__ == "__main__":
    sys.exit(main())
