/*
 * plugins/extract_archive/extract_archive.c: archives as child documents.
 *
 * ZIP, 7z, TAR (plain, gzip, bzip2, xz, zstd), RAR and RAR5 where libarchive
 * reads them, and a lone gzip/bzip2/xz stream. The archive is read from the
 * document's bytes in memory (nothing is ever written to disk); every
 * regular member is read whole and handed to the core as a child document
 * (host->doc_add_child) under its path inside the archive. The core runs
 * the whole pipeline on each child and commits the archive and its members
 * together or not at all; the archive itself has no text of its own.
 *
 * Bombs: the limits are enforced while the data is inflated, block by
 * block, never after: bytes of one member (max_member_size), bytes of all
 * members (max_total_size), members (max_members), and the compression
 * ratio so far (inflated bytes over archive bytes read, once past
 * ratio_min_size). The input is fed to libarchive in 64 kB blocks through
 * our own read callback, so "read so far" is known: 1 GB of deflated zeros
 * is refused after its first few megabytes. Nesting: an archive deeper than
 * archive_depth (host->doc_depth) is refused here, before the core's own
 * [pipeline] max_depth.
 *
 * Refusals are INTAKE_EFORMAT with a reason that names no member: an
 * encrypted archive or member without a configured password, a damaged or
 * truncated archive, a ZIP without its central directory, a limit passed.
 *
 * Lifetimes: the instance (limits, password, name charset) is read-only
 * after cb_init; there is no worker state (one libarchive reader per call).
 */
#include <errno.h>
#include <fnmatch.h>
#include <iconv.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include <intake/intake.h>

#define EXTRACT_ARCHIVE_VERSION "0.1.0"
#define FEED_BLOCK              (64u << 10) /* archive bytes handed to libarchive per read */
#define DATA_BLOCK              (64u << 10) /* inflated bytes read per call */

struct extract_archive_config {
    int64_t max_total_size;  /* inflated bytes, all members */
    int64_t max_member_size; /* inflated bytes, one member */
    int64_t max_members;     /* entries of any kind */
    double max_ratio;        /* inflated / read so far */
    int64_t ratio_min_size;  /* the ratio is checked past this many inflated bytes */
    int64_t archive_depth;   /* deepest nesting of an archive (0 = top level only) */
    const char *password;    /* for encrypted ZIP members (libarchive decrypts no other) */
    const char *name_charset;
    const char *const *skip; /* member paths skipped (fnmatch) */
    int32_t skip_empty;
};

static const struct intake_option extract_archive_options[] = {
    {INTAKE_OPT_SIZE, "max_total_size", "1G", 0,
     offsetof(struct extract_archive_config, max_total_size),
     "most inflated bytes over all members of one archive; checked while inflating", 1, 1e13},
    {INTAKE_OPT_SIZE, "max_member_size", "256M", 0,
     offsetof(struct extract_archive_config, max_member_size),
     "most inflated bytes of one member (held in memory); checked while inflating", 1, 1e12},
    {INTAKE_OPT_INT, "max_members", "10000", 0,
     offsetof(struct extract_archive_config, max_members),
     "most entries (files, folders, links) in one archive", 1, 1e9},
    {INTAKE_OPT_DOUBLE, "max_ratio", "100", 0, offsetof(struct extract_archive_config, max_ratio),
     "most inflated bytes per archive byte read so far (zip bombs reach 1000)", 1, 1e9},
    {INTAKE_OPT_SIZE, "ratio_min_size", "1M", 0,
     offsetof(struct extract_archive_config, ratio_min_size),
     "the ratio is checked once this many bytes were inflated (small files compress well)", 0,
     1e12},
    {INTAKE_OPT_INT, "archive_depth", "3", 0,
     offsetof(struct extract_archive_config, archive_depth),
     "an archive nested deeper than this (0 = only archives the user named) is refused", 0, 1000},
    {INTAKE_OPT_STR, "password", NULL, INTAKE_OPT_SENSITIVE,
     offsetof(struct extract_archive_config, password),
     "passphrase for encrypted ZIP archives (unset: encrypted archives are refused; "
     "libarchive cannot decrypt 7z or RAR)",
     0, 0},
    {INTAKE_OPT_STR, "name_charset", "CP866", 0,
     offsetof(struct extract_archive_config, name_charset),
     "charset of member names that are not UTF-8 (Windows' Russian ZIPs write CP866)", 0, 0},
    {INTAKE_OPT_LIST, "skip", "__MACOSX/*,*.DS_Store,*Thumbs.db,*desktop.ini", 0,
     offsetof(struct extract_archive_config, skip),
     "member paths left out (fnmatch, '*' crosses '/'): operating-system debris", 0, 0},
    {INTAKE_OPT_BOOL, "skip_empty", "true", 0, offsetof(struct extract_archive_config, skip_empty),
     "leave out empty members (no bytes, nothing to read) instead of handing them on", 0, 0},
    {0},
};

static const char *const extract_archive_mimes[] = {
    "application/zip",
    "application/x-zip-compressed",
    "application/x-7z-compressed",
    "application/x-tar",
    "application/x-gtar",
    "application/gzip",
    "application/x-gzip",
    "application/x-bzip2",
    "application/x-xz",
    "application/zstd",
    "application/vnd.rar",
    "application/x-rar",
    "application/x-rar-compressed",
    NULL,
};

struct extract_archive_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    uint64_t max_total, max_member, max_members, ratio_min;
    double max_ratio;
    uint32_t archive_depth;
    char *password;
    char *name_charset;
    char **skip;
    size_t nskip;
    int skip_empty;
    locale_t utf8; /* C.UTF-8 for this thread while libarchive runs, or 0 */
};

/* The document's bytes as a libarchive source, handed out in FEED_BLOCK
 * pieces so that we know how much of the archive has been read. */
struct feed {
    const unsigned char *b;
    size_t n, pos;
    uint64_t read; /* bytes handed to libarchive so far, re-reads counted again */
};

static la_ssize_t feed_read(struct archive *a, void *data, const void **buf)
{
    (void)a;
    struct feed *f = data;
    size_t k = f->n - f->pos < FEED_BLOCK ? f->n - f->pos : FEED_BLOCK;
    *buf = f->b + f->pos;
    f->pos += k;
    f->read += k;
    return (la_ssize_t)k;
}

static la_int64_t feed_skip(struct archive *a, void *data, la_int64_t request)
{
    (void)a;
    struct feed *f = data;
    if (request <= 0)
        return 0;
    size_t k = (uint64_t)request < f->n - f->pos ? (size_t)request : f->n - f->pos;
    f->pos += k;
    return (la_int64_t)k;
}

static la_int64_t feed_seek(struct archive *a, void *data, la_int64_t offset, int whence)
{
    (void)a;
    struct feed *f = data;
    la_int64_t base = whence == SEEK_SET   ? 0
                      : whence == SEEK_CUR ? (la_int64_t)f->pos
                                           : (la_int64_t)f->n;
    la_int64_t p = base + offset;
    if (p < 0)
        return ARCHIVE_FATAL;
    f->pos = (uint64_t)p > f->n ? f->n : (size_t)p;
    return (la_int64_t)f->pos;
}

/* ------------------------------------------------------------------ */
/* names                                                              */
/* ------------------------------------------------------------------ */

static int utf8_valid(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p, k, min, v;
        if (c < 0x80) {
            p++;
            continue;
        }
        if ((c & 0xE0) == 0xC0)
            k = 1, min = 0x80, v = c & 0x1F;
        else if ((c & 0xF0) == 0xE0)
            k = 2, min = 0x800, v = c & 0x0F;
        else if ((c & 0xF8) == 0xF0)
            k = 3, min = 0x10000, v = c & 0x07;
        else
            return 0;
        for (unsigned j = 1; j <= k; j++) {
            if ((p[j] & 0xC0) != 0x80)
                return 0;
            v = v << 6 | (p[j] & 0x3F);
        }
        if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
            return 0;
        p += k + 1;
    }
    return 1;
}

/*
 * The member's path as UTF-8 in \p out: libarchive's UTF-8 form when it has
 * one (ZIP's UTF-8 flag, pax headers, 7z and RAR5 names), else the raw bytes
 * when they are UTF-8, else the raw bytes converted from name_charset. A
 * leading "./" or "/" is dropped, control characters become '_'. When no
 * form works the name is "member-N": the name is only a label, the core
 * redacts it.
 */
static void member_name(const struct extract_archive_instance *in, struct archive_entry *e,
                        uint64_t index, char *out, size_t cap)
{
    const char *u = archive_entry_pathname_utf8(e);
    const char *raw = archive_entry_pathname(e);
    out[0] = '\0';
    if (u && *u && utf8_valid(u)) {
        snprintf(out, cap, "%s", u);
    } else if (raw && *raw && utf8_valid(raw)) {
        snprintf(out, cap, "%s", raw);
    } else if (raw && *raw && in->name_charset) {
        iconv_t cd = iconv_open("UTF-8", in->name_charset);
        if (cd != (iconv_t)-1) {
            char *ip = (char *)raw, *op = out;
            size_t il = strlen(raw), ol = cap - 1;
            if (iconv(cd, &ip, &il, &op, &ol) != (size_t)-1 && il == 0)
                *op = '\0';
            else
                out[0] = '\0';
            iconv_close(cd);
        }
    }
    if (!out[0] || !utf8_valid(out)) {
        snprintf(out, cap, "member-%llu", (unsigned long long)index);
        return;
    }
    char *s = out;
    while (s[0] == '.' && s[1] == '/')
        s += 2;
    while (s[0] == '/')
        s++;
    if (s != out)
        memmove(out, s, strlen(s) + 1);
    for (char *c = out; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7F)
            *c = '_';
    if (!out[0])
        snprintf(out, cap, "member-%llu", (unsigned long long)index);
}

/* A libarchive message, when it is safe to pass on: short, one line, and
 * quoting nothing (libarchive quotes path names). */
static const char *safe_msg(struct archive *a)
{
    const char *m = archive_error_string(a);
    if (!m || strlen(m) > 100 || strpbrk(m, "'\"`\n/\\"))
        return "";
    return m;
}

/* ------------------------------------------------------------------ */
/* reading                                                            */
/* ------------------------------------------------------------------ */

struct walk {
    const struct extract_archive_instance *in;
    struct intake_doc *doc;
    struct archive *a;
    struct feed feed;
    uint64_t total;   /* inflated bytes so far, all members */
    uint64_t entries; /* headers read */
    uint64_t members; /* children handed on */
    uint64_t skipped; /* empty, debris, links, folders */
    unsigned char *buf;
    size_t cap;
};

static int is_zip(struct archive *a)
{
    return (archive_format(a) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_ZIP;
}

/* A complete ZIP ends with its end-of-central-directory record (22 bytes
 * and a comment of at most 65535): without it libarchive falls back to
 * streaming the local headers and a cut-off archive can look whole. */
static int has_zip_end(const unsigned char *b, size_t n)
{
    if (n < 22)
        return 0;
    size_t lo = n > 22 + 65535 ? n - 22 - 65535 : 0;
    for (size_t i = n - 22 + 1; i-- > lo;)
        if (b[i] == 'P' && b[i + 1] == 'K' && b[i + 2] == 5 && b[i + 3] == 6 &&
            i + 22 + ((size_t)b[i + 20] | (size_t)b[i + 21] << 8) == n)
            return 1;
    return 0;
}

/* libarchive decrypts ZIP only (traditional and WinZip AES); 7z and RAR
 * encryption it detects but cannot undo, whatever the password. */
static int refuse_encrypted(const struct walk *w, struct intake_error *err)
{
    if (!is_zip(w->a))
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: encrypted (%s; libarchive decrypts only ZIP, a password "
                          "cannot open it)",
                          archive_format_name(w->a) ? archive_format_name(w->a) : "not ZIP");
    if (w->in->password)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: encrypted, and the configured password does not open it");
    return INTAKE_ERR(err, INTAKE_EFORMAT,
                      "archive: encrypted (set [archive] password to read it)");
}

/* After a failed read: encrypted, or damaged? Encrypted headers (7z -mhe,
 * RAR -hp) leave has_encrypted_entries unknown: libarchive says so only in
 * its message. */
static int refuse_read(const struct walk *w, const char *what, struct intake_error *err)
{
    const char *m0 = archive_error_string(w->a);
    if (archive_read_has_encrypted_entries(w->a) > 0 || (m0 && strcasestr(m0, "encrypt")))
        return refuse_encrypted(w, err);
    const char *m = safe_msg(w->a);
    return INTAKE_ERR(err, INTAKE_EFORMAT, "archive: damaged or truncated (%s%s%s)", what,
                      *m ? ": " : "", m);
}

/* The limits, checked after every inflated block. */
static int check_limits(const struct walk *w, uint64_t member_bytes, struct intake_error *err)
{
    const struct extract_archive_instance *in = w->in;
    if (member_bytes > in->max_member)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: member %llu inflates past max_member_size %llu bytes",
                          (unsigned long long)w->entries, (unsigned long long)in->max_member);
    if (w->total > in->max_total)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: members inflate past max_total_size %llu bytes",
                          (unsigned long long)in->max_total);
    if (w->total > in->ratio_min && w->feed.read > 0 &&
        (double)w->total > in->max_ratio * (double)w->feed.read)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: compression ratio over %g (%llu bytes from %llu read): "
                          "zip bomb?",
                          in->max_ratio, (unsigned long long)w->total,
                          (unsigned long long)w->feed.read);
    return INTAKE_OK;
}

/* Inflate the current member into w->buf, within the limits. */
static int read_member(struct walk *w, size_t *len, struct intake_error *err)
{
    size_t n = 0;
    for (;;) {
        if (w->cap - n < DATA_BLOCK) {
            size_t ncap = w->cap ? w->cap * 2 : 4 * DATA_BLOCK;
            if (ncap > w->in->max_member + DATA_BLOCK)
                ncap = w->in->max_member + DATA_BLOCK;
            if (ncap - n < DATA_BLOCK)
                ncap = n + DATA_BLOCK;
            unsigned char *nb = realloc(w->buf, ncap);
            if (!nb)
                return INTAKE_ERR(err, INTAKE_ENOMEM, "archive: out of memory for a member");
            w->buf = nb;
            w->cap = ncap;
        }
        la_ssize_t k = archive_read_data(w->a, w->buf + n, DATA_BLOCK);
        if (k == 0)
            break;
        if (k < 0)
            return refuse_read(w, "member data", err);
        n += (size_t)k;
        w->total += (uint64_t)k;
        int rc = check_limits(w, n, err);
        if (rc)
            return rc;
    }
    *len = n;
    return INTAKE_OK;
}

static int skipped_path(const struct extract_archive_instance *in, const char *name)
{
    for (size_t i = 0; i < in->nskip; i++)
        if (fnmatch(in->skip[i], name, 0) == 0)
            return 1;
    return 0;
}

/* Is this ZIP an office document (OOXML, ODF) that libmagic did not name? */
static int office_entry(const char *name)
{
    return strcmp(name, "[Content_Types].xml") == 0 || strcmp(name, "word/document.xml") == 0 ||
           strcmp(name, "xl/workbook.xml") == 0 || strcmp(name, "ppt/presentation.xml") == 0 ||
           strcmp(name, "content.xml") == 0;
}

static int walk_entries(struct walk *w, struct intake_error *err)
{
    const struct extract_archive_instance *in = w->in;
    const struct intake_host *host = in->host;
    struct archive_entry *e;
    char name[4096];
    int office = 0;
    for (;;) {
        int r = archive_read_next_header(w->a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN)
            return refuse_read(w, w->entries ? "member header" : "archive header", err);
        if (w->entries == 0 && is_zip(w->a) && !has_zip_end(w->feed.b, w->feed.n))
            return INTAKE_ERR(err, INTAKE_EFORMAT,
                              "archive: ZIP without its central directory (truncated?)");
        if (++w->entries > in->max_members)
            return INTAKE_ERR(err, INTAKE_EFORMAT, "archive: more than max_members %llu entries",
                              (unsigned long long)in->max_members);
        member_name(in, e, w->entries, name, sizeof name);
        office += is_zip(w->a) && office_entry(name);
        if (office >= 2)
            return INTAKE_ERR(err, INTAKE_EFORMAT,
                              "archive: an office document (OOXML/ODF) in a plain ZIP; not "
                              "taken apart member by member");
        int hardlink = archive_entry_hardlink(e) != NULL;
        if (archive_entry_filetype(e) != AE_IFREG ||
            (hardlink && archive_entry_size_is_set(e) && archive_entry_size(e) == 0) ||
            skipped_path(in, name)) {
            w->skipped++;
            continue;
        }
        if (archive_entry_is_encrypted(e) && !in->password)
            return refuse_encrypted(w, err);
        if (archive_entry_size_is_set(e) && (uint64_t)archive_entry_size(e) > in->max_member)
            return INTAKE_ERR(err, INTAKE_EFORMAT,
                              "archive: member %llu declares %lld bytes, more than "
                              "max_member_size %llu",
                              (unsigned long long)w->entries, (long long)archive_entry_size(e),
                              (unsigned long long)in->max_member);
        size_t len = 0;
        int rc = read_member(w, &len, err);
        if (rc == INTAKE_EFORMAT && archive_entry_is_encrypted(e) && err &&
            strstr(err->msg, "damaged"))
            return refuse_encrypted(w, err); /* the password did not open it */
        if (rc)
            return rc;
        if (len == 0 && in->skip_empty) {
            w->skipped++;
            continue;
        }
        rc = host->doc_add_child(w->doc, w->buf, len, name, err);
        if (rc)
            return rc;
        w->members++;
    }
    return INTAKE_OK;
}

static int compression_only(const char *mime)
{
    return strcmp(mime, "application/gzip") == 0 || strcmp(mime, "application/x-gzip") == 0 ||
           strcmp(mime, "application/x-bzip2") == 0 || strcmp(mime, "application/x-xz") == 0 ||
           strcmp(mime, "application/zstd") == 0;
}

/* ------------------------------------------------------------------ */
/* callbacks                                                          */
/* ------------------------------------------------------------------ */

static void instance_free(const struct intake_host *host, struct extract_archive_instance *in)
{
    if (!in)
        return;
    if (in->utf8)
        freelocale(in->utf8);
    for (size_t i = 0; i < in->nskip; i++)
        host->free(in->skip[i]);
    host->free(in->skip);
    host->free(in->password);
    host->free(in->name_charset);
    host->free(in);
}

static char *dup_str(const struct intake_host *host, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = host->alloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static int cb_extract_archive_init(const struct intake_host *host, const struct intake_context *ctx,
                                   const void *config, void **instance, struct intake_error *err)
{
    const struct extract_archive_config *cfg = config;
    intake_return_val_if_fail(host && instance && cfg, INTAKE_EINVAL);
    if (!INTAKE_HOST_HAS(host, doc_add_child) || !INTAKE_HOST_HAS(host, doc_depth))
        return INTAKE_ERR(err, INTAKE_EABI, "the core has no doc_add_child (ABI < 1.2)");
    if (cfg->name_charset) {
        iconv_t cd = iconv_open("UTF-8", cfg->name_charset);
        if (cd == (iconv_t)-1)
            return INTAKE_ERR(err, INTAKE_ECONFIG, "name_charset: unknown charset");
        iconv_close(cd);
    }
    struct extract_archive_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    memset(in, 0, sizeof *in);
    in->host = host;
    in->ctx = ctx;
    in->max_total = (uint64_t)cfg->max_total_size;
    in->max_member = (uint64_t)cfg->max_member_size;
    in->max_members = (uint64_t)cfg->max_members;
    in->max_ratio = cfg->max_ratio;
    in->ratio_min = (uint64_t)cfg->ratio_min_size;
    in->archive_depth = (uint32_t)cfg->archive_depth;
    in->skip_empty = cfg->skip_empty;
    /* libarchive converts names to the current locale's charset: in the C
     * locale a UTF-8 name (ZIP's UTF-8 flag, 7z, RAR5, pax) is lost. */
    in->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    int oom = 0;
    if (cfg->password && *cfg->password)
        oom |= !(in->password = dup_str(host, cfg->password));
    if (cfg->name_charset && *cfg->name_charset)
        oom |= !(in->name_charset = dup_str(host, cfg->name_charset));
    size_t n = 0;
    while (cfg->skip && cfg->skip[n])
        n++;
    if (n) {
        in->skip = host->alloc(n * sizeof *in->skip);
        oom |= !in->skip;
        for (size_t i = 0; in->skip && i < n; i++) {
            in->skip[i] = dup_str(host, cfg->skip[i]);
            oom |= !in->skip[i];
            in->nskip = i + 1;
        }
    }
    if (oom) {
        instance_free(host, in);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    }
    *instance = in;
    return INTAKE_OK;
}

static void cb_extract_archive_exit(void *instance)
{
    struct extract_archive_instance *in = instance;
    if (in)
        instance_free(in->host, in);
}

static int cb_extract_archive_process(void *instance, void *worker, struct intake_doc *doc,
                                      struct intake_error *err)
{
    struct extract_archive_instance *in = instance;
    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    (void)worker;
    const struct intake_host *host = in->host;
    uint32_t depth = host->doc_depth(doc);
    if (depth > in->archive_depth)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: nested %u deep, more than archive_depth %u (nested bomb?)",
                          depth, in->archive_depth);
    struct walk w = {.in = in, .doc = doc};
    w.feed.b = host->doc_source(doc, &w.feed.n);
    const char *mime = host->doc_mime ? host->doc_mime(doc) : NULL;
    /* This thread only, for this call: names come out as UTF-8. */
    locale_t old = in->utf8 ? uselocale(in->utf8) : (locale_t)0;
    w.a = archive_read_new();
    if (!w.a) {
        if (old)
            uselocale(old);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "archive: out of memory");
    }
    archive_read_support_filter_all(w.a);
    archive_read_support_format_zip(w.a);
    archive_read_support_format_7zip(w.a);
    archive_read_support_format_rar(w.a);
    archive_read_support_format_rar5(w.a);
    archive_read_support_format_tar(w.a);
    if (mime && compression_only(mime))
        archive_read_support_format_raw(w.a); /* a lone .gz/.bz2/.xz: one member, "data" */
    if (in->password)
        archive_read_add_passphrase(w.a, in->password);
    archive_read_set_read_callback(w.a, feed_read);
    archive_read_set_skip_callback(w.a, feed_skip);
    archive_read_set_seek_callback(w.a, feed_seek);
    archive_read_set_callback_data(w.a, &w.feed);
    int rc;
    if (archive_read_open1(w.a) != ARCHIVE_OK)
        rc = refuse_read(&w, "not an archive libarchive reads", err);
    else
        rc = walk_entries(&w, err);
    if (rc == INTAKE_OK && w.entries == 0)
        rc = INTAKE_ERR(err, INTAKE_EFORMAT, "archive: no entries (empty or not an archive)");
    if (rc == INTAKE_OK)
        intake_log_debug(host, in->ctx, doc,
                         "%llu members handed on, %llu entries skipped, %llu bytes inflated "
                         "from %zu",
                         (unsigned long long)w.members, (unsigned long long)w.skipped,
                         (unsigned long long)w.total, w.feed.n);
    else
        intake_log_info(host, in->ctx, doc, "refused: %s", err ? err->msg : "");
    archive_read_free(w.a);
    if (old)
        uselocale(old);
    free(w.buf);
    return rc;
}

/* Probe: the archive signatures, for when libmagic says octet-stream. */
static int cb_extract_archive_probe(void *instance, const unsigned char *b, size_t n,
                                    const char *mime)
{
    (void)instance;
    (void)mime;
    static const struct {
        const char *sig;
        size_t len, off;
    } sigs[] = {
        {"PK\003\004", 4, 0},
        {"7z\274\257\047\034", 6, 0},
        {"Rar!\032\007", 6, 0},
        {"\037\213", 2, 0},
        {"BZh", 3, 0},
        {"\3757zXZ\0", 6, 0},
        {"\050\265\057\375", 4, 0},
        {"ustar", 5, 257},
    };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        if (n >= sigs[i].off + sigs[i].len &&
            memcmp(b + sigs[i].off, sigs[i].sig, sigs[i].len) == 0)
            return 60;
    return 0;
}

static const struct intake_plugin extract_archive_plugin = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXTRACT,
    .name = "extract_archive",
    .version = EXTRACT_ARCHIVE_VERSION,
    .description = "ZIP, 7z, TAR (gz, bz2, xz), RAR: members as child documents, in memory "
                   "(libarchive); bomb limits enforced while inflating",
    .options = extract_archive_options,
    .config_size = sizeof(struct extract_archive_config),
    .mime_types = extract_archive_mimes,
    .cb_init = cb_extract_archive_init,
    .cb_process = cb_extract_archive_process,
    .cb_exit = cb_extract_archive_exit,
    .cb_probe = cb_extract_archive_probe,
};

INTAKE_PLUGIN_DEFINE(extract_archive, extract_archive_plugin)
