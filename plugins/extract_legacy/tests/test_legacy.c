/*
 * extract_legacy through its descriptor.
 *
 * Fake converters are shell scripts written here and configured as the
 * converter path: one that hangs (and leaves a grandchild), one that
 * crashes, one that fails, one that floods its output, one that prints
 * nothing, one that eats memory; each must quarantine the file within its
 * limit, and the private folder must be gone afterwards. Then, when
 * LibreOffice is installed, a real Word 97 file and an Excel 97 file are
 * made from texts written here (invented names, phones, IINs in Russian
 * and Kazakh) and read with the default converters (catdoc, xls2csv):
 * body, table, hidden text, footnote, header and comment text all come
 * out. Without soffice those checks are TAP skips.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <intake/intake.h>

#include "extract_host.h"
#include "test.h"

int intake_plugin_entry_extract_legacy(const struct intake_host *host,
                                       const struct intake_plugin **out);

struct cfg {
    const char *const *doc_command, *const *xls_command, *const *ppt_command;
    int64_t timeout, cpu_limit, memory_limit, max_output, max_bytes;
    const char *tmp_dir;
    int32_t accept_empty;
    const char *const *ppt_fallback_command;
    int32_t ppt_fallback;
};

static const struct intake_plugin *P;
static char work[256]; /* this test's folder */

#define HAS(hay, needle, ...)   TEST_OK((hay) && strstr((hay), (needle)) != NULL, __VA_ARGS__)
#define HASNT(hay, needle, ...) TEST_OK(!(hay) || strstr((hay), (needle)) == NULL, __VA_ARGS__)

static struct cfg defaults(void)
{
    struct cfg c = {NULL,       NULL,       NULL, 30000, 20000, 512ll << 20,
                    64ll << 20, 64ll << 20, NULL, 0,     NULL,  1};
    c.tmp_dir = work;
    return c;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void write_file(const char *path, const char *text, int mode)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    chmod(path, (mode_t)mode);
}

/* A fake converter: \p body after "#!/bin/sh". Returns its path (static). */
static const char *script(const char *name, const char *body)
{
    static char path[8][512];
    static int next;
    char *p = path[next++ % 8];
    char text[2048];
    snprintf(p, 512, "%s/%s.sh", work, name);
    snprintf(text, sizeof text, "#!/bin/sh\n%s\n", body);
    write_file(p, text, 0755);
    return p;
}

/* Number of intake-legacy-* folders left in work/. */
static int leftovers(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls -d %s/intake-legacy-* 2>/dev/null | wc -l", work);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n;
}

static int run_doc(const struct cfg *c, const void *bytes, size_t len, const char *mime,
                   struct intake_doc **out, struct intake_error *err, double *secs)
{
    void *in = NULL;
    int rc = P->cb_init(xhost(), NULL, c, &in, err);
    if (rc != INTAKE_OK)
        return rc;
    struct intake_doc *d = xdoc_create(bytes, len, mime);
    double t0 = now_s();
    rc = xhost_run(P, in, d, err);
    if (secs)
        *secs = now_s() - t0;
    P->cb_exit(in);
    if (out && rc == INTAKE_OK)
        *out = d;
    else
        xdoc_destroy(d);
    return rc;
}

static void test_fakes(void)
{
    struct cfg c = defaults();
    struct intake_error err;
    double secs = 0;
    const char *argv[3] = {NULL, "%f", NULL};
    const char text[] = "Свидетель Бекмуратова Салтанат, телефон +7 708 219 64 03.\n";
    struct intake_doc *d = NULL;
    int rc;

    /* passes the file: stdin and %f are the same bytes; prints its folder's mode */
    argv[0] = script("cat", "stat -c 'mode %a' . ; cat; cmp -s - \"$1\" < \"$1\" && echo same");
    c.doc_command = argv;
    rc = run_doc(&c, text, sizeof text - 1, "application/msword", &d, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_OK, "fake converter that copies stdin (%s)", err.msg);
    if (d) {
        HAS(xdoc_text(d), "mode 700", "private folder is 0700");
        HAS(xdoc_text(d), "Бекмуратова Салтанат, телефон +7 708 219 64 03", "stdin is the bytes");
        HAS(xdoc_text(d), "same", "%%f is the same file");
        TEST_EQ_STR(xdoc_meta(d, "format"), "Word", "format meta");
        xdoc_destroy(d);
        d = NULL;
    }
    TEST_EQ_INT(leftovers(), 0, "private folder removed");

    /* hangs, with a grandchild holding stdout */
    char pidfile[300], body[600];
    snprintf(pidfile, sizeof pidfile, "%s/sleep.pid", work);
    snprintf(body, sizeof body, "sleep 60 &\necho $! > %s\nsleep 60", pidfile);
    argv[0] = script("hang", body);
    c.timeout = 700;
    rc = run_doc(&c, text, sizeof text - 1, "application/msword", NULL, &err, &secs);
    TEST_EQ_INT(rc, INTAKE_ETIMEOUT, "hanging converter: ETIMEOUT");
    HAS(err.msg, "timed out after 700 ms", "reason: %s", err.msg);
    TEST_OK(secs >= 0.6 && secs < 2.0, "quarantined within its deadline (%.2f s for 0.7 s)", secs);
    TEST_EQ_INT(leftovers(), 0, "private folder removed after the kill");
    FILE *f = fopen(pidfile, "r");
    int gpid = 0;
    if (f) {
        if (fscanf(f, "%d", &gpid) != 1)
            gpid = 0;
        fclose(f);
    }
    int alive = 0;
    if (gpid > 0) {
        char stat[64], buf[256] = "";
        snprintf(stat, sizeof stat, "/proc/%d/stat", gpid);
        usleep(100000);
        FILE *s = fopen(stat, "r");
        if (s) {
            if (!fgets(buf, sizeof buf, s))
                buf[0] = '\0';
            fclose(s);
            char *rp = strrchr(buf, ')');
            alive = rp && rp[1] == ' ' && rp[2] != 'Z'; /* a zombie is dead */
        }
    }
    TEST_OK(gpid > 0 && !alive, "the converter's grandchild was killed too");
    c.timeout = 30000;

    argv[0] = script("crash", "kill -SEGV $$");
    rc = run_doc(&c, text, sizeof text - 1, "application/msword", NULL, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "crashing converter: EFORMAT");
    HAS(err.msg, "crashed: signal 11", "reason: %s", err.msg);

    argv[0] = script("fail", "echo 'Бекмуратова' ; exit 3");
    rc = run_doc(&c, text, sizeof text - 1, "application/msword", NULL, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "converter exiting 3: EFORMAT");
    HAS(err.msg, "exited with status 3", "reason: %s", err.msg);
    HASNT(err.msg, "Бекмуратова", "reason has no content");

    argv[0] = script("flood", "exec yes 'Бекмуратова'");
    c.max_output = 1 << 20;
    rc = run_doc(&c, text, sizeof text - 1, "application/msword", NULL, &err, &secs);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "flooding converter: EFORMAT");
    HAS(err.msg, "max_output", "reason: %s", err.msg);
    c.max_output = 64ll << 20;

    argv[0] = script("empty", "exit 0");
    rc = run_doc(&c, text, sizeof text - 1, "application/msword", NULL, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "converter printing nothing: EFORMAT");
    HAS(err.msg, "no text", "reason: %s", err.msg);
    c.accept_empty = 1;
    rc = run_doc(&c, text, sizeof text - 1, "application/msword", NULL, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_OK, "accept_empty = true: accepted");
    c.accept_empty = 0;

    argv[0] = script("latin1", "printf 'caf\\351\\n'");
    rc = run_doc(&c, text, sizeof text - 1, "application/msword", NULL, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "output that is not UTF-8: EFORMAT");
    HAS(err.msg, "not UTF-8", "reason: %s", err.msg);

    if (access("/usr/bin/python3", X_OK) == 0) {
        argv[0] = script("eat", "exec /usr/bin/python3 -c 'x = bytearray(1 << 30); print(len(x))'");
        c.memory_limit = 64ll << 20;
        rc = run_doc(&c, text, sizeof text - 1, "application/msword", NULL, &err, NULL);
        TEST_EQ_INT(rc, INTAKE_EFORMAT, "converter over memory_limit (RLIMIT_AS): EFORMAT");
        HAS(err.msg, "status", "reason: %s", err.msg);
        c.memory_limit = 512ll << 20;
    } else {
        TEST_OK(1, "memory limit # SKIP no /usr/bin/python3 to allocate with");
    }

    if (access("/usr/bin/perl", X_OK) == 0) {
        argv[0] = script("spin", "exec /usr/bin/perl -e '1 while 1'");
        c.cpu_limit = 1000;
        rc = run_doc(&c, text, sizeof text - 1, "application/msword", NULL, &err, &secs);
        TEST_EQ_INT(rc, INTAKE_EFORMAT, "converter over cpu_limit (RLIMIT_CPU): EFORMAT");
        HAS(err.msg, "cpu_limit", "reason: %s (%.1f s)", err.msg, secs);
        c.cpu_limit = 20000;
    } else {
        TEST_OK(1, "cpu limit # SKIP no /usr/bin/perl to spin with");
    }

    const char *missing[] = {"/nonexistent/catdoc", "%f", NULL};
    c.doc_command = missing;
    rc = run_doc(&c, text, sizeof text - 1, "application/msword", NULL, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "missing converter: EFORMAT");
    HAS(err.msg, "not installed", "reason: %s", err.msg);
    HAS(xhost_log(), "not installed", "missing converter warned at init");

    const char *relative[] = {"catdoc", NULL};
    c.doc_command = relative;
    void *in = NULL;
    TEST_EQ_INT(P->cb_init(xhost(), NULL, &c, &in, &err), INTAKE_ECONFIG,
                "relative converter path refused");
    c.doc_command = NULL;

    /* kinds: an OLE header with stream names, under a generic type */
    unsigned char ole[1024] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};
    const char *name = "Workbook";
    for (size_t k = 0; name[k]; k++)
        ole[512 + 2 * k] = (unsigned char)name[k];
    argv[0] = script("which", "echo \"$1\"");
    c.xls_command = argv;
    rc = run_doc(&c, ole, sizeof ole, "application/x-ole-storage", &d, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_OK, "OLE with a Workbook stream goes to the Excel converter");
    if (d) {
        HAS(xdoc_text(d), "input.xls", "Excel converter called");
        xdoc_destroy(d);
        d = NULL;
    }
    memset(ole + 512, 0, 64);
    rc = run_doc(&c, ole, sizeof ole, "application/x-ole-storage", NULL, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_EFORMAT, "OLE with no known stream refused");
    TEST_OK(P->cb_probe(NULL, ole, sizeof ole, "application/octet-stream") == 0,
            "probe: unknown OLE not claimed");
    TEST_EQ_INT(leftovers(), 0, "no private folder left after all the fakes");
}

/* Run a shell command with a deadline; its exit status. */
static int sh(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)sz + 1);
    *n = fread(p, 1, (size_t)sz, f);
    fclose(f);
    return p;
}

/* RTF for LibreOffice to turn into a .doc: every corner catdoc reads. */
static const char DOC_RTF[] =
    "{\\rtf1\\ansi\\ansicpg1251\\deff0{\\fonttbl{\\f0\\fcharset204 Arial;}}\n"
    "{\\header\\pard\\plain\\f0 \\'d1\\'eb\\'e5\\'e4\\'ee\\'e2\\'e0\\'f2\\'e5\\'eb\\'fc "
    "\\'d2\\'e8\\'ec\\'ee\\'f4\\'e5\\'e5\\'e2 \\'c0.\\'c2.\\par}\n"
    "\\pard \\'cf\\'ee\\'f2\\'e5\\'f0\\'ef\\'e5\\'e2\\'f8\\'e0\\'ff "
    "\\'c3\\'e0\\'eb\\'e8\\'ec\\'e7\\'ff\\'ed\\'ee\\'e2\\'e0 \\'d0\\'e5\\'ed\\'e0\\'f2\\'e0, "
    "+7 771 403 28 65\\chftn{\\footnote\\pard\\chftn  renata.galimzyanova@example.kz}.\\par\n"
    "\\uc1 \\u1178?\\u1201?\\u1241?\\u1075?\\u1077?\\u1088? \\u1178?\\u1201?\\u1085?\\u1072?"
    "\\u1085?\\u1073?\\u1072?\\u1077?\\u1074? \\u1200?\\u1083?\\u1072?\\u1085?, "
    "\\u1046?\\u1057?\\u1053? 920415305128.\\par\n"
    "{\\*\\atnid RG}{\\*\\atnauthor Reviewer}\\chatn{\\*\\annotation\\pard "
    "Check +7 700 512 77 19}Done.\\par\n"
    "{\\v Hidden 871126401835}\\par\n"
    "\\trowd\\cellx3000\\cellx6000\\pard\\intbl Cell-A1\\cell +7 747 118 09 53\\cell\\row\n"
    "\\pard Non-personal closing text of the record.\\par}\n";

/* A flat ODF presentation as LibreOffice writes it, cut down: meta, a
 * picture's base64, a slide, notes and a footer. */
static const char FODP[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document "
    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
    "xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" "
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
    "xmlns:presentation=\"urn:oasis:names:tc:opendocument:xmlns:presentation:1.0\" "
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\">"
    "<office:meta><dc:creator>META-CREATOR</dc:creator></office:meta>"
    "<office:body><office:presentation>"
    "<presentation:footer-decl presentation:name=\"ftr1\">Footer line</presentation:footer-decl>"
    "<draw:page draw:name=\"page1\"><draw:frame><draw:image><office:binary-data>iVBORw0KGgoBASE64"
    "</office:binary-data></draw:image></draw:frame>"
    "<draw:frame><draw:text-box><text:p>Slide<text:s/>text<text:tab/>+7 701 555 12 34</text:p>"
    "</draw:text-box></draw:frame>"
    "<presentation:notes><draw:frame><draw:text-box><text:p>Speaker note</text:p></draw:text-box>"
    "</draw:frame></presentation:notes></draw:page>"
    "</office:presentation></office:body></office:document>";

static void test_ppt_fallback(void)
{
    struct cfg c = defaults();
    struct intake_error err;
    struct intake_doc *d = NULL;
    const char ppt[] = "not really a ppt";
    const char *empty[] = {script("empty", "exit 0"), "%f", NULL};
    char fodp[600];
    snprintf(fodp, sizeof fodp, "%s/fake.fodp", work);
    write_file(fodp, FODP, 0644);
    char body[1200];
    /* writes the fodp where it is told (%d inside an argument, as -env: is) */
    snprintf(body, sizeof body,
             "case \"$1\" in --out=*) d=\"${1#--out=}\";; *) exit 3;; esac\n"
             "echo 'convert ... using filter : fodp'\n"
             "cp %s \"$d/input.fodp\"",
             fodp);
    const char *fake[] = {script("fodp", body), "--out=%d", "%f", NULL};
    c.ppt_command = empty;
    c.ppt_fallback_command = fake;
    int rc = run_doc(&c, ppt, sizeof ppt - 1, "application/vnd.ms-powerpoint", &d, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_OK, "catppt finds nothing: the fallback's flat ODF is read (%s)",
                err.msg);
    if (d) {
        const char *t = xdoc_text(d);
        HAS(t, "Slide text\t+7 701 555 12 34\n", "slide text, spaces and tabs");
        HAS(t, "Speaker note", "speaker notes");
        HAS(t, "Footer line", "footer declaration");
        HASNT(t, "META-CREATOR", "document properties not read (dropped)");
        HASNT(t, "BASE64", "a picture's base64 not read as text");
        HASNT(t, "using filter", "the converter's stdout is not the text");
        xdoc_destroy(d);
        d = NULL;
    }
    TEST_EQ_INT(leftovers(), 0, "private folder removed after the fallback");

    /* a fallback that hangs: killed at the deadline, file quarantined */
    const char *hang[] = {script("hang", "sleep 30 & sleep 30"), "%f", NULL};
    c.ppt_fallback_command = hang;
    c.timeout = 1000;
    double secs = 0;
    rc = run_doc(&c, ppt, sizeof ppt - 1, "application/vnd.ms-powerpoint", &d, &err, &secs);
    TEST_EQ_INT(rc, INTAKE_ETIMEOUT, "hanging fallback: timeout (%s)", err.msg);
    HAS(err.msg, "PowerPoint fallback (LibreOffice) converter timed out after 1000 ms",
        "reason names the fallback and the deadline");
    TEST_OK(secs < 3.0, "killed within the deadline (%.2f s)", secs);
    TEST_EQ_INT(leftovers(), 0, "private folder removed after the kill");

    /* a fallback that writes nothing */
    c.timeout = 30000;
    const char *none[] = {script("nofile", "exit 0"), "%f", NULL};
    c.ppt_fallback_command = none;
    rc = run_doc(&c, ppt, sizeof ppt - 1, "application/vnd.ms-powerpoint", &d, &err, NULL);
    TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "wrote no output file"),
            "fallback without output: refused (%s)", err.msg);

    /* fallback off: refused as before */
    c.ppt_fallback = 0;
    rc = run_doc(&c, ppt, sizeof ppt - 1, "application/vnd.ms-powerpoint", &d, &err, NULL);
    TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "found no text"),
            "ppt_fallback = false: refused, found no text (%s)", err.msg);
}

/* A presentation LibreOffice saves as PowerPoint 97: catppt reads none of
 * its text; the LibreOffice fallback does. */
static const char PPT_FODP[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<office:document "
    "xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "
    "xmlns:draw=\"urn:oasis:names:tc:opendocument:xmlns:drawing:1.0\" "
    "xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\" "
    "xmlns:svg=\"urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0\" "
    "office:version=\"1.3\" office:mimetype=\"application/vnd.oasis.opendocument.presentation\">"
    "<office:body><office:presentation><draw:page draw:name=\"p1\">"
    "<draw:frame svg:x=\"2cm\" svg:y=\"2cm\" svg:width=\"20cm\" svg:height=\"3cm\"><draw:text-box>"
    "<text:p>Потерпевший Ержан Сатпаев, телефон +7 705 318 46 27.</text:p>"
    "</draw:text-box></draw:frame></draw:page></office:presentation></office:body></"
    "office:document>";

static const char XLS_HTML[] = "<html><head><meta charset=\"utf-8\"></head><body><table>"
                               "<tr><td>ФИО</td><td>Телефон</td><td>ЖСН</td></tr>"
                               "<tr><td>Тоқтарова Әйгерім</td><td>+7 776 830 15 42</td><td>ЖСН "
                               "010307502743</td><td>871126401835</td></tr>"
                               "</table></body></html>";

static void test_real(void)
{
    if (access("/usr/bin/soffice", X_OK) != 0) {
        TEST_OK(1, "Word 97 file through catdoc # SKIP soffice not installed (needed to make "
                   "the fixture)");
        TEST_OK(1, "Excel 97 file through xls2csv # SKIP soffice not installed");
        return;
    }
    char path[512], cmd[2048];
    snprintf(path, sizeof path, "%s/c.rtf", work);
    write_file(path, DOC_RTF, 0644);
    snprintf(path, sizeof path, "%s/t.html", work);
    write_file(path, XLS_HTML, 0644);
    snprintf(cmd, sizeof cmd,
             "cd %s && timeout 120 soffice -env:UserInstallation=file://%s/lo --headless "
             "--convert-to 'doc:MS Word 97' c.rtf >/dev/null 2>&1 && "
             "timeout 120 soffice -env:UserInstallation=file://%s/lo --headless "
             "--infilter='HTML (StarCalc)' --convert-to xls t.html >/dev/null 2>&1",
             work, work, work);
    int st = sh(cmd);
    if (st != 0) {
        TEST_OK(1, "Word 97 file through catdoc # SKIP soffice failed to convert (%d)", st);
        return;
    }
    struct cfg c = defaults();
    struct intake_error err;
    struct intake_doc *d = NULL;
    size_t n = 0;
    double secs = 0;
    snprintf(path, sizeof path, "%s/c.doc", work);
    char *doc = slurp(path, &n);
    TEST_OK(doc != NULL, "LibreOffice made a .doc");
    if (!doc)
        return;
    int rc = run_doc(&c, doc, n, "application/msword", &d, &err, &secs);
    TEST_EQ_INT(rc, INTAKE_OK, "Word 97 through catdoc (%s, %.0f ms)", err.msg, secs * 1000);
    if (d) {
        const char *t = xdoc_text(d);
        HAS(t, "Потерпевшая Галимзянова Рената, +7 771 403 28 65", "cp1251 body");
        HAS(t, "Құәгер Құнанбаев Ұлан, ЖСН 920415305128", "Kazakh body");
        HAS(t, "renata.galimzyanova@example.kz", "footnote");
        HAS(t, "Следователь Тимофеев А.В.", "header");
        HAS(t, "Check +7 700 512 77 19", "comment text");
        HAS(t, "Hidden 871126401835", "hidden text");
        HAS(t, "Cell-A1\t+7 747 118 09 53", "table cells");
        HAS(t, "Non-personal closing text of the record.", "non-personal text");
        xdoc_destroy(d);
        d = NULL;
    }
    /* the same bytes under libmagic's generic name */
    rc = run_doc(&c, doc, n, "application/x-ole-storage", &d, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_OK, "Word 97 as application/x-ole-storage: WordDocument stream found");
    if (d)
        xdoc_destroy(d);
    d = NULL;
    /* truncated: catdoc must fail or find less; never a crash of ours */
    rc = run_doc(&c, doc, n / 3, "application/msword", &d, &err, NULL);
    TEST_OK(rc == INTAKE_OK || rc == INTAKE_EFORMAT, "truncated .doc: done or refused (%d: %s)", rc,
            rc ? err.msg : "");
    if (d)
        xdoc_destroy(d);
    d = NULL;
    free(doc);

    snprintf(path, sizeof path, "%s/t.xls", work);
    char *xls = slurp(path, &n);
    TEST_OK(xls != NULL, "LibreOffice made a .xls");
    if (!xls)
        return;
    rc = run_doc(&c, xls, n, "application/vnd.ms-excel", &d, &err, NULL);
    TEST_EQ_INT(rc, INTAKE_OK, "Excel 97 through xls2csv (%s)", err.msg);
    if (d) {
        HAS(xdoc_text(d), "Тоқтарова Әйгерім", "cell with a name");
        HAS(xdoc_text(d), "+7 776 830 15 42", "cell with a phone");
        HAS(xdoc_text(d), "ЖСН 010307502743", "cell with an IIN as text");
        HAS(xdoc_text(d), "871126401835", "cell with an IIN as a number");
        xdoc_destroy(d);
    }
    free(xls);

    /* PowerPoint 97 from LibreOffice: catppt finds nothing, LibreOffice does */
    snprintf(path, sizeof path, "%s/s.fodp", work);
    write_file(path, PPT_FODP, 0644);
    snprintf(cmd, sizeof cmd,
             "cd %s && timeout 120 soffice -env:UserInstallation=file://%s/lo --headless "
             "--convert-to 'ppt:MS PowerPoint 97' s.fodp >/dev/null 2>&1",
             work, work);
    snprintf(path, sizeof path, "%s/s.ppt", work);
    char *ppt = sh(cmd) == 0 ? slurp(path, &n) : NULL;
    TEST_OK(ppt != NULL, "LibreOffice made a .ppt");
    if (ppt) {
        rc = run_doc(&c, ppt, n, "application/vnd.ms-powerpoint", &d, &err, &secs);
        TEST_EQ_INT(rc, INTAKE_OK, "PowerPoint 97 from LibreOffice through the fallback (%s)",
                    err.msg);
        printf("# LibreOffice-made .ppt: catppt + LibreOffice fallback %.0f ms\n", secs * 1000);
        if (d) {
            HAS(xdoc_text(d), "Потерпевший Ержан Сатпаев, телефон +7 705 318 46 27.",
                "slide text with a name and a phone");
            xdoc_destroy(d);
            d = NULL;
        }
        c.ppt_fallback = 0;
        rc = run_doc(&c, ppt, n, "application/vnd.ms-powerpoint", &d, &err, NULL);
        TEST_OK(rc == INTAKE_EFORMAT && strstr(err.msg, "found no text"),
                "without the fallback catppt finds no text in it (%s)", err.msg);
        free(ppt);
    }
    TEST_EQ_INT(leftovers(), 0, "no private folder left");
}

/* A worker killed while its converter ran leaves its private folder (the
 * document's bytes) behind: the next start removes the folders of dead
 * processes, and keeps those of live ones and anything else. */
static void test_sweep(void)
{
    pid_t dead = fork();
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    char a[600], b[600], c[600], f[700];
    snprintf(a, sizeof a, "%s/intake-legacy-%ld-AbCdEf", work, (long)dead);
    snprintf(b, sizeof b, "%s/intake-legacy-%ld-GhIjKl", work, (long)getpid());
    snprintf(c, sizeof c, "%s/intake-legacy-notapid", work);
    mkdir(a, 0700);
    mkdir(b, 0700);
    mkdir(c, 0700);
    snprintf(f, sizeof f, "%s/input.doc", a);
    write_file(f, "left by a killed worker", 0600);
    struct cfg cf = defaults();
    void *in = NULL;
    struct intake_error err;
    intake_error_clear(&err);
    TEST_EQ_INT(P->cb_init(xhost(), NULL, &cf, &in, &err), INTAKE_OK, "init sweeps: %s", err.msg);
    struct stat st;
    TEST_OK(stat(a, &st) != 0, "the folder of a dead process is removed with its file");
    TEST_OK(stat(b, &st) == 0, "the folder of a live process is kept");
    TEST_OK(stat(c, &st) == 0, "a folder without a pid is kept");
    if (in)
        P->cb_exit(in);
    rmdir(b);
    rmdir(c);
}

int main(void)
{
    struct intake_host bad = *xhost();
    const struct intake_plugin *p = NULL;
    bad.abi_major = 2;
    TEST_EQ_INT(intake_plugin_entry_extract_legacy(&bad, &p), INTAKE_EABI, "entry refuses ABI 2");
    TEST_EQ_INT(intake_plugin_entry_extract_legacy(xhost(), &P), INTAKE_OK, "entry");
    TEST_EQ_STR(P->name, "extract_legacy", "name");
    TEST_EQ_INT(P->config_size, sizeof(struct cfg), "config_size matches the mirror");
    snprintf(work, sizeof work, "/tmp/intake-test-legacy-XXXXXX");
    if (!mkdtemp(work)) {
        TEST_OK(0, "mkdtemp");
        return test_done();
    }
    test_sweep();
    test_fakes();
    test_ppt_fallback();
    test_real();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", work);
    sh(cmd);
    TEST_EQ_INT(xhost_live_allocs(), 0, "no host allocation left");
    return test_done();
}
