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
 * Encryption: libarchive decrypts ZIP only. An encrypted 7z (RAR, if the
 * installed 7-Zip has the codec) with a password set is read by 7-Zip in a
 * limited child process instead (the section "7-Zip" below): the only
 * case where the archive's bytes are written to disk, in a private folder
 * removed afterwards; the password goes on 7-Zip's stdin, never in argv.
 *
 * Lifetimes: the instance (limits, password, name charset) is read-only
 * after cb_init; there is no worker state (one libarchive reader per call).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <iconv.h>
#include <limits.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

#include <intake/intake.h>

static void sweep_stale(const char *tmp_dir, const char *prefix);

#define EXTRACT_ARCHIVE_VERSION "0.2.0"
#define FEED_BLOCK              (64u << 10) /* archive bytes handed to libarchive per read */
#define DATA_BLOCK              (64u << 10) /* inflated bytes read per call */

struct extract_archive_config {
    int64_t max_total_size;  /* inflated bytes, all members */
    int64_t max_member_size; /* inflated bytes, one member */
    int64_t max_members;     /* entries of any kind */
    double max_ratio;        /* inflated / read so far */
    int64_t ratio_min_size;  /* the ratio is checked past this many inflated bytes */
    int64_t archive_depth;   /* deepest nesting of an archive (0 = top level only) */
    const char *password;    /* ZIP through libarchive; 7z (RAR) through sevenzip_command */
    const char *name_charset;
    const char *const *skip; /* member paths skipped (fnmatch) */
    int32_t skip_empty;
    const char *sevenzip_command;  /* 7-Zip, for what libarchive cannot decrypt */
    int64_t sevenzip_timeout;      /* ms, wall clock, one archive */
    int64_t sevenzip_memory_limit; /* bytes (RLIMIT_AS) */
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
     "passphrase for encrypted archives (unset: encrypted archives are refused): ZIP through "
     "libarchive, 7z (and RAR if its 7-Zip has the codec) through sevenzip_command",
     0, 0},
    {INTAKE_OPT_STR, "name_charset", "CP866", 0,
     offsetof(struct extract_archive_config, name_charset),
     "charset of member names that are not UTF-8 (Windows' Russian ZIPs write CP866)", 0, 0},
    {INTAKE_OPT_LIST, "skip", "__MACOSX/*,*.DS_Store,*Thumbs.db,*desktop.ini", 0,
     offsetof(struct extract_archive_config, skip),
     "member paths left out (fnmatch, '*' crosses '/'): operating-system debris", 0, 0},
    {INTAKE_OPT_BOOL, "skip_empty", "true", 0, offsetof(struct extract_archive_config, skip_empty),
     "leave out empty members (no bytes, nothing to read) instead of handing them on", 0, 0},
    {INTAKE_OPT_STR, "sevenzip_command", "7z", 0,
     offsetof(struct extract_archive_config, sevenzip_command),
     "7-Zip program that decrypts 7z (and RAR, if it has the codec) when a password is set; "
     "run as a limited child process; a bare name is looked up in /usr/local/bin, /usr/bin, "
     "/bin",
     0, 0},
    {INTAKE_OPT_DURATION, "sevenzip_timeout", "60s", 0,
     offsetof(struct extract_archive_config, sevenzip_timeout),
     "wall-clock deadline of one archive through sevenzip_command (listing and every member); "
     "past it 7-Zip is killed and the archive quarantined",
     1, 86400000},
    {INTAKE_OPT_SIZE, "sevenzip_memory_limit", "1G", 0,
     offsetof(struct extract_archive_config, sevenzip_memory_limit),
     "address space of sevenzip_command (RLIMIT_AS)", 16777216, 1099511627776.0},
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
    locale_t utf8;            /* C.UTF-8 for this thread while libarchive runs, or 0 */
    char sevenzip[PATH_MAX];  /* absolute path of 7-Zip, "" when not found */
    char sevenzip_named[256]; /* as configured, for messages */
    int64_t sz_timeout_ms;
    rlim_t sz_mem;
    char tmp_dir[PATH_MAX]; /* where private folders are made ($TMPDIR, else /tmp) */
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

/* \p out as a member label: UTF-8 or "member-N", no leading "./" or "/",
 * no control characters. */
static void tidy_name(char *out, size_t cap, uint64_t index)
{
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
    tidy_name(out, cap, index);
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
    int crypt; /* refused as encrypted, not a ZIP: 7-Zip may open it */
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
 * encryption it detects but cannot undo: with a password set, the caller
 * hands those to 7-Zip (w->crypt). */
static int refuse_encrypted(struct walk *w, struct intake_error *err)
{
    if (!is_zip(w->a)) {
        w->crypt = 1;
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: encrypted (%s; libarchive decrypts only ZIP: set [archive] "
                          "password to read it through sevenzip_command)",
                          archive_format_name(w->a) ? archive_format_name(w->a) : "not ZIP");
    }
    if (w->in->password)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: encrypted, and the configured password does not open it");
    return INTAKE_ERR(err, INTAKE_EFORMAT,
                      "archive: encrypted (set [archive] password to read it)");
}

/* After a failed read: encrypted, or damaged? Encrypted headers (7z -mhe,
 * RAR -hp) leave has_encrypted_entries unknown: libarchive says so only in
 * its message. */
static int refuse_read(struct walk *w, const char *what, struct intake_error *err)
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

/* ------------------------------------------------------------------ */
/* 7-Zip, for the encryption libarchive cannot undo                   */
/* ------------------------------------------------------------------ */

/*
 * An encrypted 7z (or RAR, when the installed 7-Zip has the RAR codec) with
 * a password set is read by 7-Zip in a child process, the way
 * extract_legacy runs its converters: the archive bytes go to a file in a
 * private folder (mkdtemp, 0700), removed with all in it whatever happens;
 * 7-Zip runs in a session and process group of its own (no terminal),
 * with RLIMIT_AS, RLIMIT_CPU, no core dumps, RLIMIT_FSIZE 0 (it writes no
 * file: members come on its stdout), a minimal environment and no
 * inherited descriptors; past the deadline the whole group is killed.
 * The password goes on its stdin (7-Zip asks there when -p is absent and
 * stdin is no terminal), never in argv, which other local users can read
 * in /proc. stderr is kept (4 kB) only to tell a wrong password from
 * damage; it is never passed on (it quotes member names).
 */

#define SZ_LIST_MAX (64u << 20) /* bytes of `7z l -slt` output */
#define SZ_ERR_MAX  4096
#define SZ_PW_MAX   1024 /* the password is written to a pipe whole, before 7-Zip runs */

enum sz_kind { SZ_NONE, SZ_7Z, SZ_RAR, SZ_RAR5 };

static enum sz_kind sz_kind_of(const unsigned char *b, size_t n)
{
    if (n >= 6 && memcmp(b, "7z\274\257\047\034", 6) == 0)
        return SZ_7Z;
    if (n >= 8 && memcmp(b, "Rar!\032\007\001\000", 8) == 0)
        return SZ_RAR5;
    if (n >= 7 && memcmp(b, "Rar!\032\007\000", 7) == 0)
        return SZ_RAR;
    return SZ_NONE;
}

static const char *const sz_type[] = {"", "-t7z", "-trar", "-trar5"};
static const char *const sz_label[] = {"", "7-Zip", "RAR", "RAR5"};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Remove \p name (a folder under \p parent) and everything in it. */
static void remove_tree(int parent, const char *name, int depth)
{
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd >= 0) {
        DIR *d = fdopendir(fd);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d)) != NULL) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                    continue;
                if (unlinkat(fd, e->d_name, 0) != 0 && (errno == EISDIR || errno == EPERM) &&
                    depth < 16)
                    remove_tree(fd, e->d_name, depth + 1);
            }
            closedir(d);
        } else {
            close(fd);
        }
    }
    unlinkat(parent, name, AT_REMOVEDIR);
}

/*
 * Private folders of processes that are gone. A worker killed while its
 * converter ran (deadline, crash, kill -9 of the whole run) leaves its
 * folder behind, holding the document's bytes: personal data outside the
 * store. Folder names carry the pid that made them; at start the folders
 * of PREFIX whose process no longer exists, owned by us, are removed.
 */
static void sweep_stale(const char *tmp_dir, const char *prefix)
{
    int dfd = open(tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!d) {
        if (dfd >= 0)
            close(dfd);
        return;
    }
    size_t pl = strlen(prefix);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, pl) != 0)
            continue;
        char *end = NULL;
        long pid = strtol(e->d_name + pl, &end, 10);
        struct stat st;
        if (pid <= 0 || !end || *end != '-' || fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) ||
            !S_ISDIR(st.st_mode) || st.st_uid != geteuid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive (or not ours to ask): keep */
        remove_tree(dfd, e->d_name, 0);
    }
    closedir(d);
}

/* One run of 7-Zip: its stdout (at most max bytes) and the head of its
 * stderr. */
struct sz_run {
    unsigned char **out; /* grown with realloc (the walk's member buffer or the listing) */
    size_t *cap;
    size_t len, max;
    char err[SZ_ERR_MAX + 1];
    size_t elen;
    int status; /* waitpid status when it ran to its end */
};

enum { SZ_RAN, SZ_TIMEOUT, SZ_OVER, SZ_NOMEM, SZ_SYSERR };

static void sz_kill_reap(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* The child side: only async-signal-safe calls until execve. */
static void sz_child(const struct extract_archive_instance *in, const char *dir, int in_r,
                     int out_w, int err_w, char *const argv[], char *const envp[])
{
    struct rlimit rl;
    sigset_t none;
    setsid(); /* no controlling terminal to ask a password on; one group to kill */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    /* Out of 0-2 first: with the parent's stdio closed, a pipe may be there. */
    int a = fcntl(in_r, F_DUPFD, 10), b = fcntl(out_w, F_DUPFD, 10), c = fcntl(err_w, F_DUPFD, 10);
    if (a < 0 || b < 0 || c < 0 || dup2(a, 0) < 0 || dup2(b, 1) < 0 || dup2(c, 2) < 0)
        _exit(126);
    closefrom(3);
    if (chdir(dir) != 0)
        _exit(126);
    if (getrlimit(RLIMIT_AS, &rl) == 0) {
        rlim_t m = in->sz_mem;
        if (rl.rlim_max != RLIM_INFINITY && m > rl.rlim_max)
            m = rl.rlim_max;
        rl.rlim_cur = rl.rlim_max = m;
        setrlimit(RLIMIT_AS, &rl);
    }
    rl.rlim_cur = (rlim_t)((in->sz_timeout_ms + 999) / 1000);
    rl.rlim_max = rl.rlim_cur + 1; /* SIGXCPU, then SIGKILL a second later */
    setrlimit(RLIMIT_CPU, &rl);
    rl.rlim_cur = rl.rlim_max = 0;
    setrlimit(RLIMIT_CORE, &rl);
    setrlimit(RLIMIT_FSIZE, &rl); /* members come on stdout: no file is written */
    execve(argv[0], argv, envp);
    _exit(127);
}

/* Run \p argv (argv[0] absolute) in \p dir with the password on stdin,
 * until \p deadline. SZ_RAN with r->status, or why not (the group killed). */
static int sz_run(const struct extract_archive_instance *in, const char *dir, char *const argv[],
                  int64_t deadline, struct sz_run *r)
{
    int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
    char home[PATH_MAX + 8], tmpenv[PATH_MAX + 8];
    char *envp[6];
    int rc = SZ_RAN;
    r->len = r->elen = 0;
    r->status = 0;
    snprintf(home, sizeof home, "HOME=%s", dir);
    snprintf(tmpenv, sizeof tmpenv, "TMPDIR=%s", dir);
    envp[0] = (char *)"PATH=/usr/local/bin:/usr/bin:/bin";
    envp[1] = (char *)"LANG=C.UTF-8";
    envp[2] = (char *)"LC_ALL=C.UTF-8";
    envp[3] = home;
    envp[4] = tmpenv;
    envp[5] = NULL;
    if (pipe2(pin, O_CLOEXEC) != 0 || pipe2(pout, O_CLOEXEC) != 0 || pipe2(perr, O_CLOEXEC) != 0) {
        rc = SZ_SYSERR;
        goto out;
    }
    /* Short (SZ_PW_MAX): the pipe takes it whole before 7-Zip reads. */
    if (write_all(pin[1], in->password, strlen(in->password)) != 0 ||
        write_all(pin[1], "\n", 1) != 0) {
        rc = SZ_SYSERR;
        goto out;
    }
    close(pin[1]);
    pin[1] = -1;
    pid_t pid = fork();
    if (pid < 0) {
        rc = SZ_SYSERR;
        goto out;
    }
    if (pid == 0)
        sz_child(in, dir, pin[0], pout[1], perr[1], argv, envp);
    close(pin[0]);
    close(pout[1]);
    close(perr[1]);
    pin[0] = pout[1] = perr[1] = -1;

    int open_out = 1, open_err = 1;
    while (open_out || open_err) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            rc = SZ_TIMEOUT;
            break;
        }
        struct pollfd p[2] = {{open_out ? pout[0] : -1, POLLIN, 0},
                              {open_err ? perr[0] : -1, POLLIN, 0}};
        int pr = poll(p, 2, left > 1000 ? 1000 : (int)left);
        if (pr < 0 && errno != EINTR) {
            rc = SZ_SYSERR;
            break;
        }
        if (pr <= 0)
            continue;
        if (open_out && p[0].revents) {
            if (*r->cap - r->len < DATA_BLOCK) {
                size_t ncap = *r->cap ? *r->cap * 2 : 4 * DATA_BLOCK;
                if (ncap > r->max + DATA_BLOCK + 1)
                    ncap = r->max + DATA_BLOCK + 1;
                if (ncap < r->len + DATA_BLOCK)
                    ncap = r->len + DATA_BLOCK;
                unsigned char *nb = realloc(*r->out, ncap);
                if (!nb) {
                    rc = SZ_NOMEM;
                    break;
                }
                *r->out = nb;
                *r->cap = ncap;
            }
            ssize_t k = read(pout[0], *r->out + r->len, *r->cap - r->len);
            if (k < 0 && errno != EINTR && errno != EAGAIN) {
                rc = SZ_SYSERR;
                break;
            }
            if (k == 0)
                open_out = 0;
            if (k > 0 && (r->len += (size_t)k) > r->max) {
                rc = SZ_OVER;
                break;
            }
        }
        if (open_err && p[1].revents) {
            char sink[4096];
            char *dst = r->elen < SZ_ERR_MAX ? r->err + r->elen : sink;
            size_t room = r->elen < SZ_ERR_MAX ? SZ_ERR_MAX - r->elen : sizeof sink;
            ssize_t k = read(perr[0], dst, room);
            if (k == 0 || (k < 0 && errno != EINTR && errno != EAGAIN))
                open_err = 0;
            if (k > 0 && dst != sink)
                r->elen += (size_t)k;
        }
    }
    if (rc != SZ_RAN) {
        sz_kill_reap(pid);
        goto out;
    }
    /* Output closed: it has until the deadline to exit. Wait without
     * reaping: while the leader is a zombie its group id cannot be
     * reused, so the group kill is safe. */
    for (;;) {
        siginfo_t si;
        memset(&si, 0, sizeof si);
        int wr = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
        if (wr == 0 && si.si_pid == pid) {
            kill(-pid, SIGKILL); /* anything it left behind */
            while (waitpid(pid, &r->status, 0) < 0 && errno == EINTR)
                ;
            break;
        }
        if ((wr < 0 && errno != EINTR) || now_ms() >= deadline) {
            rc = wr < 0 && errno != EINTR ? SZ_SYSERR : SZ_TIMEOUT;
            sz_kill_reap(pid);
            break;
        }
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
out:
    for (int i = 0; i < 2; i++) {
        if (pin[i] >= 0)
            close(pin[i]);
        if (pout[i] >= 0)
            close(pout[i]);
        if (perr[i] >= 0)
            close(perr[i]);
    }
    r->err[r->elen] = '\0';
    return rc;
}

/* A run that did not end in exit status 0, as a refusal (no content). */
static int sz_refuse(const struct extract_archive_instance *in, enum sz_kind kind, int how,
                     const struct sz_run *r, const char *what, struct intake_error *err)
{
    switch (how) {
    case SZ_TIMEOUT:
        return INTAKE_ERR(err, INTAKE_ETIMEOUT,
                          "archive: 7-Zip timed out after sevenzip_timeout %lld ms (killed)",
                          (long long)in->sz_timeout_ms);
    case SZ_OVER:
        return INTAKE_ERR(err, INTAKE_EFORMAT, "archive: 7-Zip gave more bytes than %s (killed)",
                          what);
    case SZ_NOMEM:
        return INTAKE_ERR(err, INTAKE_ENOMEM, "archive: out of memory for 7-Zip's output");
    case SZ_SYSERR:
        return INTAKE_ERR(err, INTAKE_EIO, "archive: cannot run 7-Zip (errno %d)", errno);
    default: break;
    }
    int st = r->status;
    /* Matched only to pick a reason; its text (member names) is never passed on. */
    if (strstr(r->err, "Wrong password"))
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: encrypted (%s), and the configured password does not open "
                          "it (wrong password)",
                          sz_label[kind]);
    if (strstr(r->err, "Unsupported Method"))
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: encrypted (%s); 7-Zip (%s) cannot decrypt it: unsupported "
                          "method%s",
                          sz_label[kind], in->sevenzip_named,
                          kind == SZ_7Z ? "" : " (this 7-Zip has no RAR codec)");
    if (WIFSIGNALED(st))
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: 7-Zip killed by signal %d (%s): over sevenzip_memory_limit "
                          "or CPU time, or crashed",
                          WTERMSIG(st), strsignal(WTERMSIG(st)));
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "archive: 7-Zip (%s) could not be started",
                          in->sevenzip_named);
    return INTAKE_ERR(err, INTAKE_EFORMAT,
                      "archive: encrypted (%s); 7-Zip cannot read %s (exit status %d): damaged "
                      "or truncated",
                      sz_label[kind], what, WIFEXITED(st) ? WEXITSTATUS(st) : -1);
}

/* One entry of `7z l -slt`. */
struct sz_entry {
    const char *path; /* raw, inside the listing buffer */
    uint64_t size;
    int size_set, folder, other; /* other: a link, device or anti-item */
};

/* The entries of a `7z l -slt` listing (modified in place: lines cut at
 * '\n'). Only what follows the "----------" line is entries; before it is
 * the archive's own block. */
static size_t sz_parse(char *list, size_t len, struct sz_entry *ents, size_t cap, size_t *total)
{
    size_t n = 0;
    int started = 0, have = 0;
    struct sz_entry cur;
    memset(&cur, 0, sizeof cur);
    *total = 0;
    list[len] = '\0';
    for (char *line = list, *end = list + len; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        if (nl)
            *nl = '\0';
        if (!started) {
            started = strcmp(line, "----------") == 0;
        } else if (line[0] == '\0' || strncmp(line, "Path = ", 7) == 0) {
            if (have) {
                if (n < cap)
                    ents[n] = cur;
                n++;
            }
            memset(&cur, 0, sizeof cur);
            have = line[0] != '\0';
            if (have)
                cur.path = line + 7;
        } else if (have && strncmp(line, "Size = ", 7) == 0) {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(line + 7, &end, 10);
            cur.size_set = end != line + 7 && *end == '\0' && errno == 0;
            cur.size = cur.size_set ? (uint64_t)v : 0;
        } else if (have && strcmp(line, "Folder = +") == 0) {
            cur.folder = 1;
        } else if (have && strcmp(line, "Anti = +") == 0) {
            cur.other = 1;
        } else if (have && strncmp(line, "Attributes = ", 13) == 0) {
            /* "A -rw-r--r--", "D drwxr-xr-x", "A lrwxrwxrwx": the Unix mode,
             * when there is one, is the last word of 10 characters. */
            const char *sp = strrchr(line + 13, ' ');
            const char *mode = sp ? sp + 1 : line + 13;
            if (strlen(mode) == 10 && strchr("dlcbps", mode[0])) {
                cur.folder |= mode[0] == 'd';
                cur.other |= mode[0] != 'd';
            }
        }
        line = nl ? nl + 1 : end;
    }
    if (have) {
        if (n < cap)
            ents[n] = cur;
        n++;
    }
    for (size_t i = 0; i < n && i < cap; i++)
        if (!ents[i].folder && !ents[i].other)
            *total += ents[i].size;
    return n;
}

/*
 * The archive through 7-Zip: list, check the limits on the declared sizes,
 * then each regular member on 7-Zip's stdout, one run each, within the
 * same limits as libarchive's path, handed on as a child.
 */
static int sevenzip_read(struct walk *w, enum sz_kind kind, struct intake_error *err)
{
    const struct extract_archive_instance *in = w->in;
    const struct intake_host *host = in->host;
    char dir[PATH_MAX + 64], file[PATH_MAX + 96], name[4096];
    int64_t deadline = now_ms() + in->sz_timeout_ms;
    unsigned char *list = NULL;
    size_t list_cap = 0;
    struct sz_entry *ents = NULL;
    size_t nents = 0;
    int rc = INTAKE_OK;

    if (strlen(in->password) > SZ_PW_MAX || strpbrk(in->password, "\r\n"))
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: encrypted (%s); the configured password is longer than %d "
                          "bytes or has a line break: 7-Zip cannot take it on stdin",
                          sz_label[kind], SZ_PW_MAX);
    snprintf(dir, sizeof dir, "%s/intake-7z-%ld-XXXXXX", in->tmp_dir, (long)getpid());
    if (!mkdtemp(dir)) /* mode 0700 */
        return INTAKE_ERR(err, INTAKE_EIO,
                          "archive: cannot make a private temporary folder (errno %d)", errno);
    snprintf(file, sizeof file, "%s/input.%s", dir, kind == SZ_7Z ? "7z" : "rar");
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || write_all(fd, w->feed.b, w->feed.n) != 0) {
        rc = INTAKE_ERR(err, INTAKE_EIO, "archive: cannot write the temporary file (errno %d)",
                        errno);
        if (fd >= 0)
            close(fd);
        goto done;
    }
    close(fd);

    /* The listing. */
    {
        char *argv[] = {(char *)in->sevenzip,  "l",  "-slt", "-bd", "-sccUTF-8",
                        (char *)sz_type[kind], "--", file,   NULL};
        struct sz_run r = {.out = &list, .cap = &list_cap, .max = SZ_LIST_MAX};
        int how = sz_run(in, dir, argv, deadline, &r);
        if (how != SZ_RAN || !WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
            rc = sz_refuse(in, kind, how, &r, "its listing", err);
            goto done;
        }
        if (r.len + 1 > list_cap) {
            unsigned char *nb = realloc(list, r.len + 1);
            if (!nb) {
                rc = INTAKE_ERR(err, INTAKE_ENOMEM, "archive: out of memory");
                goto done;
            }
            list = nb;
            list_cap = r.len + 1;
        }
        size_t cap = in->max_members < 65536 ? (size_t)in->max_members + 1 : 65537;
        ents = calloc(cap, sizeof *ents);
        if (!ents) {
            rc = INTAKE_ERR(err, INTAKE_ENOMEM, "archive: out of memory");
            goto done;
        }
        uint64_t declared = 0;
        size_t n = sz_parse((char *)list, r.len, ents, cap, &declared);
        if (n > in->max_members) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "archive: more than max_members %llu entries",
                            (unsigned long long)in->max_members);
            goto done;
        }
        if (n >= cap) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                            "archive: more than %zu entries: too many for 7-Zip's path", cap - 1);
            goto done;
        }
        if (n == 0) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT, "archive: no entries (7-Zip lists none)");
            goto done;
        }
        /* Refused on the declared sizes before anything is inflated; the
         * real bytes are checked again as they come. */
        if (declared > in->max_total) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                            "archive: members declare %llu bytes, more than max_total_size %llu",
                            (unsigned long long)declared, (unsigned long long)in->max_total);
            goto done;
        }
        if (declared > in->ratio_min && (double)declared > in->max_ratio * (double)w->feed.n) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                            "archive: compression ratio over %g (%llu bytes declared in %zu): "
                            "zip bomb?",
                            in->max_ratio, (unsigned long long)declared, w->feed.n);
            goto done;
        }
        nents = n;
    }

    /* The members, one 7-Zip run each: the whole archive has been read. */
    w->feed.read = w->feed.n;
    for (size_t i = 0; i < nents; i++) {
        w->entries = i + 1; /* for check_limits' reasons */
        const struct sz_entry *e = &ents[i];
        snprintf(name, sizeof name, "%s", e->path);
        tidy_name(name, sizeof name, i + 1);
        if (e->folder || e->other || skipped_path(in, name) ||
            (e->size_set && e->size == 0 && in->skip_empty)) {
            w->skipped++;
            continue;
        }
        if (!e->size_set) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                            "archive: member %zu has no size in 7-Zip's listing", i + 1);
            goto done;
        }
        if (e->size > in->max_member) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                            "archive: member %zu declares %llu bytes, more than max_member_size "
                            "%llu",
                            i + 1, (unsigned long long)e->size, (unsigned long long)in->max_member);
            goto done;
        }
        /* -spd: the name is a name, not a wildcard. A name that matches
         * nothing or more than one entry gives another byte count than
         * listed, and the archive is refused. */
        char *argv[] = {
            (char *)in->sevenzip,  "x",  "-so", "-bd",           "-y", "-spd", "-sccUTF-8",
            (char *)sz_type[kind], "--", file,  (char *)e->path, NULL};
        struct sz_run r = {.out = &w->buf, .cap = &w->cap, .max = (size_t)e->size};
        int how = sz_run(in, dir, argv, deadline, &r);
        if (how == SZ_OVER) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                            "archive: member %zu gives more bytes than 7-Zip listed (killed)",
                            i + 1);
            goto done;
        }
        if (how != SZ_RAN || !WIFEXITED(r.status) || WEXITSTATUS(r.status) != 0) {
            rc = sz_refuse(in, kind, how, &r, "a member", err);
            goto done;
        }
        if (r.len != e->size) {
            rc = INTAKE_ERR(err, INTAKE_EFORMAT,
                            "archive: member %zu gives %zu bytes, 7-Zip listed %llu", i + 1, r.len,
                            (unsigned long long)e->size);
            goto done;
        }
        w->total += r.len;
        rc = check_limits(w, r.len, err);
        if (rc)
            goto done;
        if (r.len == 0 && in->skip_empty) {
            w->skipped++;
            continue;
        }
        rc = host->doc_add_child(w->doc, w->buf, r.len, name, err);
        if (rc)
            goto done;
        w->members++;
    }
done:
    remove_tree(AT_FDCWD, dir, 0);
    if (list) {
        explicit_bzero(list, list_cap); /* member names */
        free(list);
    }
    free(ents);
    return rc;
}

/* A non-ZIP archive libarchive refused as encrypted, with a password set. */
static int sevenzip_or_refuse(struct walk *w, struct intake_error *err)
{
    const struct extract_archive_instance *in = w->in;
    enum sz_kind kind = sz_kind_of(w->feed.b, w->feed.n);
    if (kind == SZ_NONE)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: encrypted (%s; neither libarchive nor 7-Zip decrypts it)",
                          archive_format_name(w->a) ? archive_format_name(w->a) : "not ZIP");
    if (w->members > 0)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: partly encrypted (%s; a plain member came first): refused "
                          "whole",
                          sz_label[kind]);
    if (!in->sevenzip[0])
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "archive: encrypted (%s; libarchive decrypts only ZIP and 7-Zip, "
                          "sevenzip_command %s, is not installed)",
                          sz_label[kind], in->sevenzip_named);
    w->total = w->entries = w->skipped = 0;
    if (err)
        intake_error_clear(err); /* libarchive's refusal is no longer the answer */
    return sevenzip_read(w, kind, err);
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

/* \p name as an absolute path to an executable in \p out, or "": a bare
 * name is looked up in a fixed PATH (7-Zip runs in its private folder, a
 * relative path would not hold there). */
static void find_program(const char *name, char *out, size_t cap)
{
    static const char *const dirs[] = {"/usr/local/bin", "/usr/bin", "/bin"};
    char buf[PATH_MAX];
    out[0] = '\0';
    if (!name || !name[0])
        return;
    if (strchr(name, '/')) {
        if (realpath(name, buf) && access(buf, X_OK) == 0 && strlen(buf) < cap)
            snprintf(out, cap, "%s", buf);
        return;
    }
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        int k = snprintf(buf, sizeof buf, "%s/%s", dirs[i], name);
        if (k > 0 && (size_t)k < cap && access(buf, X_OK) == 0) {
            snprintf(out, cap, "%s", buf);
            return;
        }
    }
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
    in->sz_timeout_ms = cfg->sevenzip_timeout > 0 ? cfg->sevenzip_timeout : 60000;
    in->sz_mem =
        cfg->sevenzip_memory_limit > 0 ? (rlim_t)cfg->sevenzip_memory_limit : (rlim_t)1 << 30;
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !tmp[0] || strlen(tmp) + 32 >= sizeof in->tmp_dir)
        tmp = "/tmp";
    snprintf(in->tmp_dir, sizeof in->tmp_dir, "%s", tmp);
    sweep_stale(in->tmp_dir, "intake-7z-");
    find_program(cfg->sevenzip_command, in->sevenzip, sizeof in->sevenzip);
    snprintf(in->sevenzip_named, sizeof in->sevenzip_named, "%s",
             cfg->sevenzip_command && cfg->sevenzip_command[0] ? cfg->sevenzip_command : "unset");
    if (cfg->password && *cfg->password && !in->sevenzip[0])
        intake_log_warn(host, ctx, NULL,
                        "sevenzip_command %s not found: encrypted 7z archives will be "
                        "quarantined",
                        in->sevenzip_named);
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
    if (rc == INTAKE_EFORMAT && w.crypt && in->password)
        rc = sevenzip_or_refuse(&w, err);
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
                   "(libarchive; encrypted 7z through 7-Zip in a limited process); bomb limits "
                   "enforced while inflating",
    .options = extract_archive_options,
    .config_size = sizeof(struct extract_archive_config),
    .mime_types = extract_archive_mimes,
    .cb_init = cb_extract_archive_init,
    .cb_process = cb_extract_archive_process,
    .cb_exit = cb_extract_archive_exit,
    .cb_probe = cb_extract_archive_probe,
};

INTAKE_PLUGIN_DEFINE(extract_archive, extract_archive_plugin)
