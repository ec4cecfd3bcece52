/*
 * plugins/extract_legacy/extract_legacy.c: legacy Word, Excel and
 * PowerPoint files (the binary OLE formats) through an external converter.
 *
 * The parsers for these formats are old C code that has seen decades of
 * malformed files; they run in a separate process, never in the worker:
 *
 *   - the bytes go to a file in a private temporary folder (mkdtemp, 0700),
 *     which is also the converter's stdin and working directory, and which
 *     is removed with everything in it whatever happens;
 *   - the converter is fork/exec'ed with RLIMIT_AS (memory), RLIMIT_CPU,
 *     RLIMIT_FSIZE and no core dumps, in a process group of its own, with a
 *     minimal environment and no inherited descriptors;
 *   - its stdout is read with a size cap and a wall-clock deadline; past
 *     either, the whole group is killed (SIGKILL);
 *   - a converter that is killed, crashes, exits non-zero, prints no text
 *     or prints text that is not UTF-8 refuses the document (INTAKE_EFORMAT,
 *     or INTAKE_ETIMEOUT for the deadline) with a reason and no content.
 *
 * Which converter: catdoc for Word (catdoc -d utf-8: body, tables, hidden
 * text, footnotes, headers and comment text; 1-3 ms a file), xls2csv for
 * Excel and catppt for PowerPoint (same package). Each is an instance
 * option (an argv list with %f for the input file), as are the limits: no
 * mutable globals. Measured against LibreOffice headless in the README.
 *
 * PowerPoint files LibreOffice writes keep their text where catppt does
 * not look: when catppt prints no text, LibreOffice headless converts the
 * file to flat ODF (fodp) in the same private folder, under the same
 * limits, with a profile of its own there (-env:UserInstallation, %d), and
 * the text of that XML is read here (libxml2, no network, no DTD). About
 * a second a file against catppt's milliseconds, so a fallback, not the
 * first choice.
 *
 * Lifetimes: the instance (argv templates, limits) is read-only after
 * cb_init; there is no worker state.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <intake/intake.h>

static void sweep_stale(const char *tmp_dir, const char *prefix);

#ifdef LEGACY_HAVE_XML
#include <libxml/parser.h>
#include <libxml/tree.h>
#endif

#define EXTRACT_LEGACY_VERSION "0.2.0"
#define MAX_ARGS               32
#define FALLBACK_DEFAULT                                                                           \
    "/usr/bin/soffice,--headless,--invisible,--norestore,--nologo,--nolockcheck,--nodefault,"      \
    "-env:UserInstallation=file://%d/profile,--convert-to,fodp,--outdir,%d,%f"

struct extract_legacy_config {
    const char *const *doc_command; /* argv, %f = the input file */
    const char *const *xls_command;
    const char *const *ppt_command;
    int64_t timeout;      /* ms, wall clock */
    int64_t cpu_limit;    /* ms of CPU (RLIMIT_CPU, rounded up to seconds) */
    int64_t memory_limit; /* bytes (RLIMIT_AS) */
    int64_t max_output;   /* bytes of converter output */
    int64_t max_bytes;    /* larger files are refused */
    const char *tmp_dir;  /* where the private folders are made */
    int32_t accept_empty; /* a converter that prints nothing: empty page instead of refusal */
    const char *const *ppt_fallback_command; /* argv, %f input, %d private folder; writes fodp */
    int32_t ppt_fallback;                    /* use it when ppt_command finds no text */
};

static const struct intake_option extract_legacy_options[] = {
    {INTAKE_OPT_LIST, "doc_command", "/usr/bin/catdoc,-d,utf-8,-w,%f", 0,
     offsetof(struct extract_legacy_config, doc_command),
     "Word 97-2003 (and 6/95) converter: program and arguments, %f is the input file; UTF-8 text "
     "on stdout",
     0, 0},
    {INTAKE_OPT_LIST, "xls_command", "/usr/bin/xls2csv,-d,utf-8,-q,0,%f", 0,
     offsetof(struct extract_legacy_config, xls_command),
     "Excel 97-2003 converter (program, arguments, %f)", 0, 0},
    {INTAKE_OPT_LIST, "ppt_command", "/usr/bin/catppt,-d,utf-8,%f", 0,
     offsetof(struct extract_legacy_config, ppt_command),
     "PowerPoint 97-2003 converter (program, arguments, %f)", 0, 0},
    {INTAKE_OPT_DURATION, "timeout", "30s", 0, offsetof(struct extract_legacy_config, timeout),
     "wall-clock deadline of one conversion; past it the converter is killed and the file "
     "quarantined",
     1, 86400000},
    {INTAKE_OPT_DURATION, "cpu_limit", "20s", 0, offsetof(struct extract_legacy_config, cpu_limit),
     "CPU time of one conversion (RLIMIT_CPU, whole seconds)", 1, 86400000},
    {INTAKE_OPT_SIZE, "memory_limit", "512M", 0,
     offsetof(struct extract_legacy_config, memory_limit),
     "address space of the converter (RLIMIT_AS)", 16777216, 1099511627776.0},
    {INTAKE_OPT_SIZE, "max_output", "64M", 0, offsetof(struct extract_legacy_config, max_output),
     "more converter output than this quarantines the file", 1, 4294967295.0},
    {INTAKE_OPT_SIZE, "max_bytes", "64M", 0, offsetof(struct extract_legacy_config, max_bytes),
     "larger files are refused", 1, 4294967295.0},
    {INTAKE_OPT_PATH, "tmp_dir", NULL, 0, offsetof(struct extract_legacy_config, tmp_dir),
     "where the private temporary folders are made (unset: $TMPDIR, else /tmp)", 0, 0},
    {INTAKE_OPT_BOOL, "accept_empty", "false", 0,
     offsetof(struct extract_legacy_config, accept_empty),
     "a file the converter finds no text in becomes one empty page instead of a refusal", 0, 0},
    {INTAKE_OPT_LIST, "ppt_fallback_command", FALLBACK_DEFAULT, 0,
     offsetof(struct extract_legacy_config, ppt_fallback_command),
     "PowerPoint converter used when ppt_command finds no text: program and arguments, %f the "
     "input file, %d the private folder; must write %d/input.fodp (flat ODF presentation)",
     0, 0},
    {INTAKE_OPT_BOOL, "ppt_fallback", "true", 0,
     offsetof(struct extract_legacy_config, ppt_fallback),
     "run ppt_fallback_command when ppt_command finds no text (LibreOffice-made files)", 0, 0},
    {0},
};

enum kind { K_DOC = 0, K_XLS = 1, K_PPT = 2, K_COUNT = 3 };
static const char *const kind_name[K_COUNT] = {"Word", "Excel", "PowerPoint"};
static const char *const kind_ext[K_COUNT] = {"doc", "xls", "ppt"};

struct extract_legacy_instance {
    const struct intake_host *host;
    const struct intake_context *ctx;
    const char *const *argv[K_COUNT]; /* borrowed from the core's config until cb_exit */
    int usable[K_COUNT];              /* argv[0] exists and is executable */
    int64_t timeout_ms;
    rlim_t cpu_s;
    rlim_t mem;
    size_t max_output, max_bytes;
    char tmp_dir[PATH_MAX];
    int accept_empty;
    const char *const *fallback; /* PowerPoint fallback argv, NULL when off */
    int fallback_usable;
};

static const char *const default_fallback[] = {"/usr/bin/soffice",
                                               "--headless",
                                               "--invisible",
                                               "--norestore",
                                               "--nologo",
                                               "--nolockcheck",
                                               "--nodefault",
                                               "-env:UserInstallation=file://%d/profile",
                                               "--convert-to",
                                               "fodp",
                                               "--outdir",
                                               "%d",
                                               "%f",
                                               NULL};

static const char *const default_argv[K_COUNT][8] = {
    {"/usr/bin/catdoc", "-d", "utf-8", "-w", "%f", NULL},
    {"/usr/bin/xls2csv", "-d", "utf-8", "-q", "0", "%f", NULL},
    {"/usr/bin/catppt", "-d", "utf-8", "%f", NULL},
};

static int cb_extract_legacy_init(const struct intake_host *host, const struct intake_context *ctx,
                                  const void *config, void **instance, struct intake_error *err)
{
    const struct extract_legacy_config *cfg = config;
    intake_return_val_if_fail(host && instance, INTAKE_EINVAL);
    struct extract_legacy_instance *in = host->alloc(sizeof *in);
    if (!in)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "extract_legacy: no memory for the instance");
    memset(in, 0, sizeof *in);
    in->host = host;
    in->ctx = ctx;
    for (int k = 0; k < K_COUNT; k++)
        in->argv[k] = default_argv[k];
    in->timeout_ms = 30000;
    in->cpu_s = 20;
    in->mem = (rlim_t)512 << 20;
    in->max_output = in->max_bytes = (size_t)64 << 20;
    const char *tmp = getenv("TMPDIR");
    if (cfg) {
        const char *const *cmds[K_COUNT] = {cfg->doc_command, cfg->xls_command, cfg->ppt_command};
        for (int k = 0; k < K_COUNT; k++)
            if (cmds[k])
                in->argv[k] = cmds[k];
        if (cfg->timeout <= 0 || cfg->cpu_limit <= 0 || cfg->memory_limit <= 0 ||
            cfg->max_output <= 0 || cfg->max_bytes <= 0) {
            host->free(in);
            return INTAKE_ERR(err, INTAKE_ECONFIG, "extract_legacy: limits must be positive");
        }
        in->timeout_ms = cfg->timeout;
        in->cpu_s = (rlim_t)((cfg->cpu_limit + 999) / 1000);
        in->mem = (rlim_t)cfg->memory_limit;
        in->max_output = (size_t)cfg->max_output;
        in->max_bytes = (size_t)cfg->max_bytes;
        in->accept_empty = cfg->accept_empty != 0;
        if (cfg->tmp_dir && cfg->tmp_dir[0])
            tmp = cfg->tmp_dir;
        in->fallback = !cfg->ppt_fallback ? NULL
                       : cfg->ppt_fallback_command && cfg->ppt_fallback_command[0]
                           ? cfg->ppt_fallback_command
                           : default_fallback;
    } else
        in->fallback = default_fallback;
#ifndef LEGACY_HAVE_XML
    in->fallback = NULL; /* its output is XML: no reader built in */
#endif
    if (in->fallback) {
        size_t n = 0;
        while (in->fallback[n])
            n++;
        if (n >= MAX_ARGS || in->fallback[0][0] != '/') {
            host->free(in);
            return INTAKE_ERR(err, INTAKE_ECONFIG,
                              "extract_legacy: ppt_fallback_command needs an absolute program "
                              "path and at most %d arguments",
                              MAX_ARGS - 1);
        }
        in->fallback_usable = access(in->fallback[0], X_OK) == 0;
        if (!in->fallback_usable)
            intake_log_warn(host, ctx, NULL,
                            "PowerPoint fallback %s is not installed: PowerPoint files catppt "
                            "finds no text in will be quarantined",
                            in->fallback[0]);
    }
    if (!tmp || !tmp[0])
        tmp = "/tmp";
    if (strlen(tmp) + 64 >= sizeof in->tmp_dir) {
        host->free(in);
        return INTAKE_ERR(err, INTAKE_ECONFIG, "extract_legacy: tmp_dir path too long");
    }
    snprintf(in->tmp_dir, sizeof in->tmp_dir, "%s", tmp);
    sweep_stale(in->tmp_dir, "intake-legacy-");
    for (int k = 0; k < K_COUNT; k++) {
        const char *const *a = in->argv[k];
        size_t n = 0, f = 0;
        for (; a[n]; n++)
            f += strcmp(a[n], "%f") == 0;
        if (n == 0 || n >= MAX_ARGS || a[0][0] != '/') {
            host->free(in);
            return INTAKE_ERR(err, INTAKE_ECONFIG,
                              "extract_legacy: %s_command needs an absolute program path and at "
                              "most %d arguments",
                              kind_ext[k], MAX_ARGS - 1);
        }
        (void)f; /* no %f: the converter reads stdin (the same file) */
        in->usable[k] = access(a[0], X_OK) == 0;
        if (!in->usable[k])
            intake_log_warn(host, ctx, NULL,
                            "%s converter %s is not installed: %s files will be quarantined",
                            kind_name[k], a[0], kind_name[k]);
    }
    *instance = in;
    return INTAKE_OK;
}

static void cb_extract_legacy_exit(void *instance)
{
    struct extract_legacy_instance *in = instance;
    if (in)
        in->host->free(in);
}

/* ---- what kind of file ---- */

static const unsigned char ole_magic[8] = {0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1};

/* Is the UTF-16LE directory name \p name (with its NUL) in the bytes? */
static int has_stream(const unsigned char *s, size_t n, const char *name)
{
    unsigned char u[80];
    size_t k = 0;
    for (; name[k] && 2 * k + 3 < sizeof u; k++) {
        u[2 * k] = (unsigned char)name[k];
        u[2 * k + 1] = 0;
    }
    u[2 * k] = u[2 * k + 1] = 0;
    return memmem(s, n, u, 2 * k + 2) != NULL;
}

/* The kind from libmagic's type, else from the OLE directory's stream
 * names; -1 when neither says. */
static int kind_of(const unsigned char *s, size_t n, const char *mime)
{
    if (mime) {
        if (strcmp(mime, "application/msword") == 0)
            return K_DOC;
        if (strcmp(mime, "application/vnd.ms-excel") == 0)
            return K_XLS;
        if (strcmp(mime, "application/vnd.ms-powerpoint") == 0)
            return K_PPT;
    }
    if (n < sizeof ole_magic || memcmp(s, ole_magic, sizeof ole_magic) != 0)
        return -1;
    if (has_stream(s, n, "WordDocument"))
        return K_DOC;
    if (has_stream(s, n, "PowerPoint Document"))
        return K_PPT;
    if (has_stream(s, n, "Workbook") || has_stream(s, n, "Book"))
        return K_XLS;
    return -1;
}

/* ---- the private folder ---- */

/* Remove \p dir and everything in it (the converter may leave files). */
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

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- output ---- */

struct out {
    char *p;
    size_t len, cap;
};

static void out_free(struct out *o)
{
    if (o->p) {
        explicit_bzero(o->p, o->cap);
        free(o->p);
    }
    memset(o, 0, sizeof *o);
}

static int out_reserve(struct out *o, size_t more)
{
    if (o->len + more + 1 <= o->cap)
        return 0;
    size_t cap = o->cap ? o->cap : 65536;
    while (cap < o->len + more + 1)
        cap *= 2;
    char *p = malloc(cap);
    if (!p)
        return -1;
    if (o->p) {
        memcpy(p, o->p, o->len);
        explicit_bzero(o->p, o->cap);
        free(o->p);
    }
    o->p = p;
    o->cap = cap;
    return 0;
}

/* ---- running the converter ---- */

struct result {
    int rc;        /* an intake_status */
    char why[200]; /* no content */
    int64_t ms;    /* wall clock of the conversion */
};

static void set_why(struct result *r, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_why(struct result *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    r->rc = rc;
}

/* Kill the converter's whole group and reap it. */
static void kill_reap(pid_t pid)
{
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
}

/* The child side: only async-signal-safe calls until execve. */
static void child(const struct extract_legacy_instance *in, const char *dir, const char *file,
                  int out_w, char *const argv[], char *const envp[])
{
    struct rlimit rl;
    sigset_t none;
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    int infd = open(file, O_RDONLY);
    int nul = open("/dev/null", O_WRONLY);
    if (infd < 0 || nul < 0 || dup2(infd, 0) < 0 || dup2(out_w, 1) < 0 || dup2(nul, 2) < 0)
        _exit(126);
    closefrom(3);
    if (chdir(dir) != 0)
        _exit(126);
    if (getrlimit(RLIMIT_AS, &rl) == 0) {
        rlim_t m = in->mem;
        if (rl.rlim_max != RLIM_INFINITY && m > rl.rlim_max)
            m = rl.rlim_max;
        rl.rlim_cur = rl.rlim_max = m;
        setrlimit(RLIMIT_AS, &rl);
    }
    rl.rlim_cur = in->cpu_s;
    rl.rlim_max = in->cpu_s + 1; /* SIGXCPU, then SIGKILL a second later */
    setrlimit(RLIMIT_CPU, &rl);
    rl.rlim_cur = rl.rlim_max = 0;
    setrlimit(RLIMIT_CORE, &rl);
    rl.rlim_cur = rl.rlim_max = (rlim_t)in->max_output;
    setrlimit(RLIMIT_FSIZE, &rl);
    execve(argv[0], argv, envp);
    _exit(127);
}

/* \p t with every "%d" replaced by \p dir (malloc'd), or NULL when it has none. */
static char *subst_dir(const char *t, const char *dir)
{
    if (!strstr(t, "%d"))
        return NULL;
    size_t cnt = 0, dl = strlen(dir);
    for (const char *p = t; (p = strstr(p, "%d")) != NULL; p += 2)
        cnt++;
    char *o = malloc(strlen(t) + cnt * dl + 1), *w = o;
    if (!o)
        return NULL;
    for (const char *p = t; *p;) {
        if (p[0] == '%' && p[1] == 'd') {
            memcpy(w, dir, dl);
            w += dl;
            p += 2;
        } else
            *w++ = *p++;
    }
    *w = '\0';
    return o;
}

/* The converter's output file \p path into \p o, at most \p cap bytes. */
static void read_output_file(const char *path, size_t cap, struct out *o, struct result *r,
                             const char *label)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        set_why(r, INTAKE_EFORMAT, "%s converter wrote no output file (unreadable or damaged file)",
                label);
        return;
    }
    if ((uint64_t)st.st_size > cap) {
        close(fd);
        set_why(r, INTAKE_EFORMAT, "%s converter wrote more than max_output (%zu bytes)", label,
                cap);
        return;
    }
    if (out_reserve(o, (size_t)st.st_size) != 0) {
        close(fd);
        set_why(r, INTAKE_ENOMEM, "no memory for the converter's output");
        return;
    }
    for (;;) {
        ssize_t got = read(fd, o->p + o->len, o->cap - o->len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0 || (o->len += (size_t)got) >= o->cap - 1)
            break;
    }
    close(fd);
    o->p[o->len] = '\0';
}

/*
 * Convert \p n bytes of kind \p k with the argv template \p tmpl ("%f" the
 * input file, "%d" in any argument the private folder). \p outname NULL:
 * the text is the converter's stdout; else stdout is discarded (capped all
 * the same) and the text is the file \p outname it wrote in the folder.
 * The text in \p o (UTF-8 unchecked). \p label names the converter in
 * reasons.
 */
static void convert(const struct extract_legacy_instance *in, int k, const char *const *tmpl,
                    const char *label, const char *outname, const unsigned char *src, size_t n,
                    struct out *o, struct result *r)
{
    char dir[PATH_MAX + 64], file[PATH_MAX + 96], home[PATH_MAX + 72], tmpenv[PATH_MAX + 72];
    char *argv[MAX_ARGS + 1];
    char *owned[MAX_ARGS + 1] = {0};
    char *envp[8];
    size_t discarded = 0;
    int pfd[2] = {-1, -1};
    int64_t t0 = now_ms(), deadline = t0 + in->timeout_ms;
    pid_t pid;

    r->rc = INTAKE_OK;
    snprintf(dir, sizeof dir, "%s/intake-legacy-%ld-XXXXXX", in->tmp_dir, (long)getpid());
    if (!mkdtemp(dir)) { /* mode 0700 */
        set_why(r, INTAKE_EIO, "cannot make a private temporary folder in %s (errno %d)",
                in->tmp_dir, errno);
        return;
    }
    snprintf(file, sizeof file, "%s/input.%s", dir, kind_ext[k]);
    int fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0 || write_all(fd, src, n) != 0) {
        set_why(r, INTAKE_EIO, "cannot write the temporary input file (errno %d)", errno);
        if (fd >= 0)
            close(fd);
        goto cleanup;
    }
    close(fd);

    size_t a = 0;
    for (const char *const *t = tmpl; *t && a < MAX_ARGS; t++) {
        if (strcmp(*t, "%f") == 0) {
            argv[a++] = file;
            continue;
        }
        owned[a] = subst_dir(*t, dir);
        if (!owned[a] && strstr(*t, "%d")) {
            set_why(r, INTAKE_ENOMEM, "no memory for the converter's arguments");
            goto cleanup;
        }
        argv[a] = owned[a] ? owned[a] : (char *)*t;
        a++;
    }
    argv[a] = NULL;
    snprintf(home, sizeof home, "HOME=%s", dir);
    snprintf(tmpenv, sizeof tmpenv, "TMPDIR=%s", dir);
    envp[0] = (char *)"PATH=/usr/bin:/bin";
    envp[1] = (char *)"LANG=C.UTF-8";
    envp[2] = (char *)"LC_ALL=C.UTF-8";
    envp[3] = home;
    envp[4] = tmpenv;
    envp[5] = NULL;

    if (pipe2(pfd, O_CLOEXEC) != 0) {
        set_why(r, INTAKE_EIO, "pipe failed (errno %d)", errno);
        goto cleanup;
    }
    pid = fork();
    if (pid < 0) {
        set_why(r, INTAKE_EIO, "fork failed (errno %d)", errno);
        goto cleanup;
    }
    if (pid == 0)
        child(in, dir, file, pfd[1], argv, envp);
    setpgid(pid, pid); /* also here: no race with a kill before the child did it */
    close(pfd[1]);
    pfd[1] = -1;

    int eof = 0, killed = 0;
    while (!eof) {
        int64_t left = deadline - now_ms();
        if (left <= 0) {
            kill_reap(pid);
            set_why(r, INTAKE_ETIMEOUT, "%s converter timed out after %lld ms (killed)", label,
                    (long long)in->timeout_ms);
            killed = 1;
            break;
        }
        struct pollfd p = {pfd[0], POLLIN, 0};
        int pr = poll(&p, 1, left > 1000 ? 1000 : (int)left);
        if (pr < 0 && errno != EINTR) {
            kill_reap(pid);
            set_why(r, INTAKE_EIO, "poll failed (errno %d)", errno);
            killed = 1;
            break;
        }
        if (pr <= 0)
            continue;
        if (out_reserve(o, 65536) != 0) {
            kill_reap(pid);
            set_why(r, INTAKE_ENOMEM, "no memory for the converter's output");
            killed = 1;
            break;
        }
        ssize_t got = read(pfd[0], o->p + o->len, o->cap - o->len - 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0) {
            eof = 1;
            break;
        }
        if (outname) /* its messages, not the text */
            discarded += (size_t)got;
        else
            o->len += (size_t)got;
        if (o->len > in->max_output || discarded > in->max_output) {
            kill_reap(pid);
            set_why(r, INTAKE_EFORMAT, "%s converter printed more than max_output (%zu bytes)",
                    label, in->max_output);
            killed = 1;
            break;
        }
    }
    if (!killed) {
        /* Output closed: the converter has until the deadline to exit. */
        int st = 0;
        for (;;) {
            /* Wait without reaping: while the leader is a zombie its group
             * id cannot be reused, so the group kill below is safe. */
            siginfo_t si;
            memset(&si, 0, sizeof si);
            int w = waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT);
            if (w == 0 && si.si_pid == pid) {
                kill(-pid, SIGKILL); /* anything it left behind */
                while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
                    ;
                break;
            }
            if (w < 0 && errno != EINTR) {
                set_why(r, INTAKE_EINTERNAL, "waitpid failed (errno %d)", errno);
                kill(-pid, SIGKILL);
                goto cleanup;
            }
            if (now_ms() >= deadline) {
                kill_reap(pid);
                set_why(r, INTAKE_ETIMEOUT, "%s converter timed out after %lld ms (killed)", label,
                        (long long)in->timeout_ms);
                goto cleanup;
            }
            struct timespec ts = {0, 2000000};
            nanosleep(&ts, NULL);
        }
        if (WIFSIGNALED(st)) {
            int sig = WTERMSIG(st);
            if (sig == SIGXCPU || (sig == SIGKILL && in->cpu_s))
                set_why(r, INTAKE_EFORMAT,
                        "%s converter killed by signal %d (%s): over cpu_limit (%llu s) or "
                        "crashed",
                        label, sig, strsignal(sig), (unsigned long long)in->cpu_s);
            else
                set_why(r, INTAKE_EFORMAT, "%s converter crashed: signal %d (%s)", label, sig,
                        strsignal(sig));
        } else if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
            set_why(r, INTAKE_EFORMAT, "%s converter %s could not be started", label, tmpl[0]);
        } else if (WIFEXITED(st) && WEXITSTATUS(st) != 0) {
            set_why(r, INTAKE_EFORMAT,
                    "%s converter exited with status %d (corrupt, encrypted or unsupported file, "
                    "or over memory_limit)",
                    label, WEXITSTATUS(st));
        } else if (outname) {
            char path[PATH_MAX + 300];
            snprintf(path, sizeof path, "%s/%s", dir, outname);
            o->len = 0;
            read_output_file(path, in->max_output, o, r, label);
        }
    }
cleanup:
    if (pfd[0] >= 0)
        close(pfd[0]);
    if (pfd[1] >= 0)
        close(pfd[1]);
    /* The input file is the document: wipe nothing on disk we cannot, but
     * never leave it behind. */
    remove_tree(AT_FDCWD, dir, 0);
    for (size_t i = 0; i <= MAX_ARGS; i++)
        free(owned[i]);
    r->ms = now_ms() - t0;
}

/* ---- text clean-up ---- */

static int valid_utf8(const unsigned char *s, size_t n, size_t *bad)
{
    size_t i = 0;
    while (i < n) {
        unsigned c = s[i];
        size_t k = c < 0x80                   ? 0
                   : (c >= 0xC2 && c <= 0xDF) ? 1
                   : (c >> 4) == 0xE          ? 2
                   : (c >= 0xF0 && c <= 0xF4) ? 3
                                              : 9;
        if (k == 9 || k > n - i - 1) {
            *bad = i;
            return 0;
        }
        for (size_t j = 1; j <= k; j++)
            if ((s[i + j] & 0xC0) != 0x80) {
                *bad = i;
                return 0;
            }
        i += k + 1;
    }
    return 1;
}

/* Control characters other than \t \n \r \f (catdoc's field and cell
 * marks, xls2csv's NULs) become spaces; text is never dropped. */
static void clean_controls(char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7F)
            p[i] = ' ';
    }
}

static int only_space(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r' && p[i] != '\f')
            return 0;
    return 1;
}

#ifdef LEGACY_HAVE_XML
/* ---- the PowerPoint fallback's flat ODF ---- */

static int out_add(struct out *o, const char *s, size_t n)
{
    if (out_reserve(o, n) != 0)
        return -1;
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
    return 0;
}

/* ODF white space: runs of space, tab and line break in the XML are one
 * space, none at the start of a line (LibreOffice indents its flat XML). */
static int out_add_collapsed(struct out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ws = c == ' ' || c == '\t' || c == '\n' || c == '\r';
        if (ws && (!o->len || o->p[o->len - 1] == ' ' || o->p[o->len - 1] == '\n' ||
                   o->p[o->len - 1] == '\t'))
            continue;
        if (out_add(o, ws ? " " : &s[i], 1) != 0)
            return -1;
    }
    return 0;
}

/* End a line: no trailing space. */
static int out_line(struct out *o)
{
    if (o->len && o->p[o->len - 1] == ' ')
        o->len--;
    if (!o->len || o->p[o->len - 1] == '\n')
        return 0; /* no empty lines */
    return out_add(o, "\n", 1);
}

static int in_ns(xmlNodePtr n, const char *frag)
{
    return n && n->ns && n->ns->href && strstr((const char *)n->ns->href, frag);
}

static int named(xmlNodePtr n, const char *frag, const char *name)
{
    return n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name) && in_ns(n, frag);
}

/*
 * Every text node of the slides, notes, master pages and their footers,
 * paragraphs on lines of their own; pictures' base64 (office:binary-data)
 * and scripts skipped. Fail closed: anything that is text goes to
 * detection. Document properties (office:meta) are not read: dropped.
 */
static int odp_text(xmlNodePtr n, struct out *t, int depth)
{
    for (; n; n = n->next) {
        if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
            const char *c = (const char *)n->content;
            int textual = in_ns(n->parent, "xmlns:text");
            size_t len = c ? strlen(c) : 0;
            if (!len || (!textual && only_space(c, len)))
                continue; /* indentation between elements */
            if (out_add_collapsed(t, c, len) != 0 || (!textual && out_line(t) != 0))
                return -1;
            continue;
        }
        if (n->type != XML_ELEMENT_NODE || depth > 256)
            continue;
        if (named(n, "xmlns:office", "binary-data") || named(n, "xmlns:office", "scripts") ||
            named(n, "xmlns:office", "meta") || named(n, "xmlns:office", "settings") ||
            named(n, "xmlns:office", "font-face-decls"))
            continue;
        if (named(n, "xmlns:text", "s")) {
            if (out_add(t, " ", 1) != 0)
                return -1;
            continue;
        }
        if (named(n, "xmlns:text", "tab") || named(n, "xmlns:text", "line-break")) {
            if (out_add(t, named(n, "xmlns:text", "tab") ? "\t" : "\n", 1) != 0)
                return -1;
            continue;
        }
        if (odp_text(n->children, t, depth + 1) != 0)
            return -1;
        if ((named(n, "xmlns:text", "p") || named(n, "xmlns:text", "h")) && out_line(t) != 0)
            return -1;
    }
    return 0;
}

/* Replace the flat ODF in \p o by its text. */
static void fodp_to_text(struct out *o, struct result *r)
{
    struct out t = {0};
    if (o->len > INT32_MAX) {
        set_why(r, INTAKE_EFORMAT, "PowerPoint fallback output too large");
        return;
    }
    xmlDocPtr d = xmlReadMemory(o->p ? o->p : "", (int)o->len, NULL, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!d || !xmlDocGetRootElement(d) || d->intSubset || d->extSubset) {
        set_why(r, INTAKE_EFORMAT, "PowerPoint fallback wrote no readable flat ODF");
    } else if (odp_text(xmlDocGetRootElement(d)->children, &t, 0) != 0) {
        set_why(r, INTAKE_ENOMEM, "no memory for the PowerPoint text");
    } else {
        out_free(o);
        *o = t;
        t = (struct out){0};
    }
    if (d)
        xmlFreeDoc(d);
    out_free(&t);
}
#endif

static int cb_extract_legacy_process(void *instance, void *worker, struct intake_doc *doc,
                                     struct intake_error *err)
{
    struct extract_legacy_instance *in = instance;
    const struct intake_host *h;
    const unsigned char *src;
    size_t len = 0, bad = 0;
    struct out o = {0};
    struct result r;
    int rc;
    (void)worker;

    intake_return_val_if_fail(in && doc, INTAKE_EINVAL);
    h = in->host;
    src = h->doc_source(doc, &len);
    if (!src || len == 0)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "extract_legacy: empty file");
    if (len > in->max_bytes)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "extract_legacy: file too large (%zu bytes, max_bytes is %zu)", len,
                          in->max_bytes);
    int k = kind_of(src, len, h->doc_mime ? h->doc_mime(doc) : NULL);
    if (k < 0)
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "extract_legacy: an OLE file with no Word, Excel or PowerPoint "
                          "stream (unsupported type)");
    if (!in->usable[k] && access(in->argv[k][0], X_OK) != 0)
        return INTAKE_ERR(err, INTAKE_EFORMAT, "extract_legacy: %s converter %s is not installed",
                          kind_name[k], in->argv[k][0]);
    memset(&r, 0, sizeof r);
    convert(in, k, in->argv[k], kind_name[k], NULL, src, len, &o, &r);
    if (r.rc != INTAKE_OK) {
        out_free(&o);
        return INTAKE_ERR(err, r.rc, "extract_legacy: %s", r.why);
    }
#ifdef LEGACY_HAVE_XML
    /* catppt reads no text from PowerPoint files LibreOffice wrote */
    if (k == K_PPT && in->fallback && only_space(o.p, o.len)) {
        int64_t first = r.ms;
        if (!in->fallback_usable && access(in->fallback[0], X_OK) != 0) {
            out_free(&o);
            return INTAKE_ERR(err, INTAKE_EFORMAT,
                              "extract_legacy: the PowerPoint converter found no text and the "
                              "fallback %s is not installed",
                              in->fallback[0]);
        }
        out_free(&o);
        memset(&r, 0, sizeof r);
        convert(in, k, in->fallback, "PowerPoint fallback (LibreOffice)", "input.fodp", src, len,
                &o, &r);
        if (r.rc == INTAKE_OK)
            fodp_to_text(&o, &r);
        if (r.rc != INTAKE_OK) {
            out_free(&o);
            return INTAKE_ERR(err, r.rc, "extract_legacy: %s", r.why);
        }
        intake_log_debug(h, in->ctx, doc, "catppt found no text (%lld ms); fallback %lld ms",
                         (long long)first, (long long)r.ms);
    }
#endif
    if (!valid_utf8((const unsigned char *)o.p, o.len, &bad)) {
        out_free(&o);
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "extract_legacy: %s converter output is not UTF-8 (byte offset %zu)",
                          kind_name[k], bad);
    }
    clean_controls(o.p, o.len);
    if (only_space(o.p, o.len) && !in->accept_empty) {
        out_free(&o);
        return INTAKE_ERR(err, INTAKE_EFORMAT,
                          "extract_legacy: the %s converter found no text (empty, or a layout "
                          "it cannot read; see accept_empty)",
                          kind_name[k]);
    }
    rc = h->doc_add_page(doc, o.p ? o.p : "", o.len, err);
    if (rc == INTAKE_OK)
        rc = h->doc_meta_set(doc, "format", kind_name[k], err);
    if (rc == INTAKE_OK)
        intake_log_debug(h, in->ctx, doc, "%s converted in %lld ms, %zu bytes of text",
                         kind_name[k], (long long)r.ms, o.len);
    out_free(&o);
    return rc;
}

static int cb_extract_legacy_probe(void *instance, const unsigned char *bytes, size_t len,
                                   const char *mime)
{
    (void)instance;
    (void)mime;
    if (!bytes || len < sizeof ole_magic || memcmp(bytes, ole_magic, sizeof ole_magic) != 0)
        return 0;
    return kind_of(bytes, len, NULL) >= 0 ? 80 : 0;
}

static const char *const extract_legacy_mime_types[] = {
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/x-ole-storage",
    "application/CDFV2",
    "application/vnd.ms-office",
    NULL,
};

static const struct intake_plugin extract_legacy_descriptor = {
    INTAKE_PLUGIN_ABI,
    .stage = INTAKE_STAGE_EXTRACT,
    .flags = 0,
    .name = "extract_legacy",
    .version = EXTRACT_LEGACY_VERSION,
    .description = "Word, Excel, PowerPoint 97-2003 through a converter process (catdoc; "
                   "LibreOffice for PowerPoint catppt cannot read) with time, memory and output "
                   "limits",
    .options = extract_legacy_options,
    .config_size = sizeof(struct extract_legacy_config),
    .mime_types = extract_legacy_mime_types,
    .cb_init = cb_extract_legacy_init,
    .cb_process = cb_extract_legacy_process,
    .cb_exit = cb_extract_legacy_exit,
    .cb_probe = cb_extract_legacy_probe,
};

INTAKE_PLUGIN_DEFINE(extract_legacy, extract_legacy_descriptor)
