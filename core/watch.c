/*
 * core/watch.c: `intake watch`, a daemon over inbox folders, and
 * `intake status`.
 *
 * Clerks drop files into an inbox, often slowly and over SMB or NFS. A
 * file is taken only when it is finished: closed after writing
 * (IN_CLOSE_WRITE) or moved in (IN_MOVED_TO), or found by a scan, and its
 * size and mtime unchanged for the settle time. Then it is hashed and
 * handed to the batch engine's supervisor (supervisor.h): the same job
 * table, workers, deadlines, quarantine and group commit, so the
 * exactly-once rules of `intake batch` hold here too. After its commit an
 * original stays, moves to processed/ beside the inbox, or is deleted;
 * a refused one moves to failed/ with a content-free <name>.reason.txt.
 *
 * At start every inbox is scanned in full (files that arrived while the
 * daemon was down), and again every `rescan` (network filesystems where
 * inotify sees nothing). A restart after kill -9 finds every unfinished
 * file still in its inbox, and the job table skips what was committed.
 *
 * File names are personal data: nothing this file logs names one. Logs
 * carry document ids, counts, sizes and a short hash of the path.
 */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <json-c/json.h>
#include <limits.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "store.h"
#include "supervisor.h"

#ifndef INTAKE_PLUGIN_DIR
#define INTAKE_PLUGIN_DIR "/usr/local/lib/intake/plugins-1"
#endif

enum originals { ORIG_KEEP, ORIG_MOVE, ORIG_DELETE };

/* [watch] as the option table fills it. */
struct watch_cfg {
    char **inbox;
    int64_t settle_ms;
    int64_t rescan_ms;
    int64_t growing_ms;
    char **ignore;
    const char *originals;
    int64_t stop_ms;
};

static const struct intake_option watch_options[] = {
    {INTAKE_OPT_LIST, "inbox", NULL, 0, offsetof(struct watch_cfg, inbox),
     "folders to watch, comma-separated (INBOX arguments replace them)", 0, 0},
    {INTAKE_OPT_DURATION, "settle", "500ms", 0, offsetof(struct watch_cfg, settle_ms),
     "a finished file's size and mtime must stay unchanged this long", 0, 3600000},
    {INTAKE_OPT_DURATION, "rescan", "60s", 0, offsetof(struct watch_cfg, rescan_ms),
     "full rescan of every inbox, for network filesystems (0 = never)", 0, 86400000},
    {INTAKE_OPT_DURATION, "report_growing", "10m", 0, offsetof(struct watch_cfg, growing_ms),
     "a file still being written after this long is reported (not taken)", 1, 604800000},
    {INTAKE_OPT_LIST, "ignore", ".*,*.part,*.tmp,~$*,*.crdownload,*.partial,*.swp", 0,
     offsetof(struct watch_cfg, ignore),
     "glob patterns of temporary names to leave alone (matched on every path component)", 0, 0},
    {INTAKE_OPT_STR, "originals", "keep", 0, offsetof(struct watch_cfg, originals),
     "after commit: keep, move (to processed/ beside the inbox) or delete", 0, 0},
    {INTAKE_OPT_DURATION, "stop_timeout", "10s", 0, offsetof(struct watch_cfg, stop_ms),
     "on SIGTERM, how long documents in flight may finish before going back to the queue", 0,
     600000},
    {0},
};

enum cand_state { C_FREE, C_SETTLING, C_QUEUED, C_HANDLED };

/* A file the watcher knows of. */
struct cand {
    char *path;     /* inbox path + "/" + relative path */
    size_t rootlen; /* length of the inbox path in path */
    uint64_t key;   /* hash of path, compared before the string */
    int state;
    int closed;   /* closed after writing, moved in, or found by a scan */
    int reported; /* "still growing" said once */
    int64_t first_ms, change_ms, retry_ms;
    struct stat st; /* identity as last seen: dev, ino, size, mtime */
    char id[65];    /* content hash, valid while st holds */
};

struct wdir {
    int wd;
    char *path;
    size_t rootlen;
};

struct watcher {
    const char *config_path;
    const char *store_dir;
    char **cli_inbox;
    int ncli;
    struct watch_cfg cfg;
    int orig;
    char **inbox; /* absolute */
    size_t ninbox;
    int ifd;
    struct wdir *dirs;
    size_t ndirs, dcap;
    struct cand *c;
    size_t nc, ccap;
    struct intake_sup *sup;
    int64_t next_rescan;
    long n_done, n_dup, n_quar;
};

static int sigpipe_fd[2] = {-1, -1};

static void on_signal(int sig)
{
    char c = sig == SIGHUP ? 'H' : 'T';
    ssize_t w = write(sigpipe_fd[1], &c, 1);
    (void)w;
}

/* Seconds since the epoch with milliseconds, printed as such. */
static json_object *ts_json(const struct timespec *ts)
{
    char b[32];
    snprintf(b, sizeof b, "%lld.%03ld", (long long)ts->tv_sec, ts->tv_nsec / 1000000);
    return json_object_new_double_s((double)ts->tv_sec + (double)(ts->tv_nsec / 1000000) / 1e3, b);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* An opaque handle for a path in log lines: the same file gives the same
 * handle, and it says nothing about the name. */
static void path_handle(const char *path, char out[17])
{
    snprintf(out, 17, "%016llx", (unsigned long long)fnv(path));
}

/* One JSON event on stdout (a daemon's log; the journal keeps it). */
static void wevent(const char *kind, json_object *o)
{
    if (!o)
        o = json_object_new_object();
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    json_object *e = json_object_new_object();
    json_object_object_add(e, "ts", ts_json(&ts));
    json_object_object_add(e, "event", json_object_new_string(kind));
    json_object_object_foreach(o, k, v) json_object_object_add(e, k, json_object_get(v));
    printf("%s\n", json_object_to_json_string_ext(e, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
    fflush(stdout);
    json_object_put(e);
    json_object_put(o);
}

/* ---- configuration ------------------------------------------------------ */

/*
** The config as the engine should see it: the [watch] section turned into
** comment lines, so line numbers in the engine's messages stay right and
** the engine, which knows no section without a `type`, is not confused.
*/
static char *engine_text(const char *path, struct intake_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        INTAKE_ERR(err, INTAKE_ECONFIG, "%s: cannot read: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    char line[8192];
    int in_watch = 0;
    while (buf && fgets(line, sizeof line, f)) {
        const char *p = line + strspn(line, " \t");
        if (*p == '[') {
            const char *q = p + 1 + strspn(p + 1, " \t");
            in_watch = strncmp(q, "watch", 5) == 0 && strchr(" \t]", q[5]);
        }
        const char *out = in_watch ? ";\n" : line;
        size_t l = strlen(out);
        if (in_watch && line[strlen(line) - 1] != '\n')
            out = ";", l = 1;
        if (n + l + 1 > cap) {
            char *nb = realloc(buf, (cap = (cap + l) * 2));
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        memcpy(buf + n, out, l);
        n += l;
    }
    fclose(f);
    if (!buf) {
        INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* Absolute, symlinks resolved, for a path that may not exist yet. */
static int abs_path(const char *p, char out[PATH_MAX])
{
    if (realpath(p, out))
        return 0;
    char dir[PATH_MAX], res[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", p);
    char *slash = strrchr(dir, '/');
    const char *base = p;
    if (slash) {
        *slash = '\0';
        base = p + (slash - dir) + 1;
        if (!dir[0])
            snprintf(dir, sizeof dir, "/");
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    if (!realpath(dir, res))
        return -1;
    if (snprintf(out, PATH_MAX, "%s/%s", strcmp(res, "/") ? res : "", base) >= PATH_MAX)
        return -1;
    return 0;
}

/* \p a is \p b or lies below it. */
static int inside(const char *a, const char *b)
{
    size_t n = strlen(b);
    if (n == 1 && b[0] == '/')
        return 1;
    return strncmp(a, b, n) == 0 && (a[n] == '/' || a[n] == '\0');
}

static void cfg_clear(struct watch_cfg *c)
{
    intake_options_clear(watch_options, c);
    memset(c, 0, sizeof *c);
}

/* Parse [watch] and the plugin path; resolve the inboxes. */
static int load_cfg(struct watcher *W, struct watch_cfg *out, char ***inboxes, size_t *ninbox,
                    char **plugin_path, struct intake_error *err)
{
    struct intake_config *cfg = NULL;
    memset(out, 0, sizeof *out);
    int rc = intake_config_parse(W->config_path, NULL, &cfg, err);
    if (rc)
        return rc;
    rc = intake_options_apply(cfg, intake_config_section(cfg, "watch"), watch_options, NULL, out,
                              err);
    if (rc == 0 && strcmp(out->originals, "keep") && strcmp(out->originals, "move") &&
        strcmp(out->originals, "delete"))
        rc = INTAKE_ERR(err, INTAKE_ECONFIG, "%s: [watch] originals = %s: not keep, move or delete",
                        cfg->path, out->originals);
    const char *env = getenv("INTAKE_PLUGIN_PATH");
    const struct intake_cfg_entry *pd =
        intake_cfg_get(intake_config_section(cfg, "pipeline"), "plugin_dir");
    *plugin_path = strdup(env && *env ? env : pd ? pd->value : INTAKE_PLUGIN_DIR);
    intake_config_destroy(cfg);
    if (rc)
        return rc;
    size_t n = 0;
    char **src = W->ncli ? W->cli_inbox : out->inbox;
    size_t nsrc = W->ncli ? (size_t)W->ncli : 0;
    if (!W->ncli)
        while (src && src[nsrc])
            nsrc++;
    if (nsrc == 0)
        return INTAKE_ERR(err, INTAKE_ECONFIG,
                          "no inbox: name one on the command line or in [watch] inbox");
    char **v = calloc(nsrc + 1, sizeof *v);
    for (size_t i = 0; v && i < nsrc; i++) {
        char a[PATH_MAX];
        struct stat st;
        if (!realpath(src[i], a) || stat(a, &st) != 0 || !S_ISDIR(st.st_mode)) {
            rc = INTAKE_ERR(err, INTAKE_ECONFIG, "inbox %s: %s", src[i],
                            errno ? strerror(errno) : "not a folder");
            break;
        }
        v[n++] = strdup(a);
    }
    if (!v)
        rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    if (rc) {
        for (size_t i = 0; v && i < n; i++)
            free(v[i]);
        free(v);
        return rc;
    }
    *inboxes = v;
    *ninbox = n;
    W->orig = !strcmp(out->originals, "move")     ? ORIG_MOVE
              : !strcmp(out->originals, "delete") ? ORIG_DELETE
                                                  : ORIG_KEEP;
    return INTAKE_OK;
}

/*
** Refuse setups that would leak or loop: the store inside an inbox (its
** exports would be taken in again), an inbox inside the store (documents
** next to the shared corpus), inboxes inside each other, a plugin folder
** others may write (anyone could run code as us on every document).
*/
static int check_safe(char **inbox, size_t n, const char *store, const char *plugin_path,
                      struct intake_error *err)
{
    char st[PATH_MAX];
    if (abs_path(store, st) != 0)
        return INTAKE_ERR(err, INTAKE_ECONFIG, "store %s: cannot resolve: %s", store,
                          strerror(errno));
    for (size_t i = 0; i < n; i++) {
        if (inside(st, inbox[i]))
            return INTAKE_ERR(err, INTAKE_ECONFIG,
                              "refusing to start: the store %s lies inside the inbox %s", st,
                              inbox[i]);
        if (inside(inbox[i], st))
            return INTAKE_ERR(err, INTAKE_ECONFIG,
                              "refusing to start: the inbox %s lies inside the store %s", inbox[i],
                              st);
        for (size_t j = 0; j < n; j++)
            if (i != j && inside(inbox[i], inbox[j]))
                return INTAKE_ERR(err, INTAKE_ECONFIG,
                                  "refusing to start: the inbox %s lies inside the inbox %s",
                                  inbox[i], inbox[j]);
    }
    char *pp = strdup(plugin_path ? plugin_path : "");
    int rc = pp ? 0 : INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    for (char *save = NULL, *d = pp ? strtok_r(pp, ":", &save) : NULL; d && rc == 0;
         d = strtok_r(NULL, ":", &save)) {
        struct stat s;
        if (stat(d, &s) == 0 && (s.st_mode & S_IWOTH) && !(s.st_mode & S_ISVTX))
            rc = INTAKE_ERR(err, INTAKE_ECONFIG,
                            "refusing to start: the plugin directory %s is writable by others", d);
        else if (stat(d, &s) == 0 && s.st_uid != geteuid() && s.st_uid != 0)
            rc =
                INTAKE_ERR(err, INTAKE_ECONFIG,
                           "refusing to start: the plugin directory %s belongs to another user", d);
    }
    free(pp);
    return rc;
}

/* ---- candidates --------------------------------------------------------- */

static int ignored_name(struct watcher *W, const char *name)
{
    for (size_t i = 0; W->cfg.ignore && W->cfg.ignore[i]; i++)
        if (fnmatch(W->cfg.ignore[i], name, 0) == 0)
            return 1;
    return 0;
}

/* Any component of the path below the inbox matches an ignore glob. */
static int ignored_path(struct watcher *W, const char *path, size_t rootlen)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path + rootlen);
    for (char *save = NULL, *p = strtok_r(buf, "/", &save); p; p = strtok_r(NULL, "/", &save))
        if (ignored_name(W, p))
            return 1;
    return 0;
}

static long cand_find(struct watcher *W, const char *path)
{
    uint64_t k = fnv(path);
    for (size_t i = 0; i < W->nc; i++)
        if (W->c[i].state != C_FREE && W->c[i].key == k && strcmp(W->c[i].path, path) == 0)
            return (long)i;
    return -1;
}

static void cand_drop(struct watcher *W, long i)
{
    struct cand *c = &W->c[i];
    free(c->path);
    memset(c, 0, sizeof *c);
    while (W->nc && W->c[W->nc - 1].state == C_FREE)
        W->nc--;
}

static long cand_new(struct watcher *W, const char *path, size_t rootlen)
{
    size_t i = 0;
    while (i < W->nc && W->c[i].state != C_FREE)
        i++;
    if (i == W->nc) {
        if (W->nc == W->ccap) {
            size_t cap = W->ccap ? W->ccap * 2 : 256;
            struct cand *c = realloc(W->c, cap * sizeof *c);
            if (!c)
                return -1;
            W->c = c;
            W->ccap = cap;
        }
        W->nc++;
    }
    struct cand *c = &W->c[i];
    memset(c, 0, sizeof *c);
    c->path = strdup(path);
    if (!c->path)
        return -1;
    c->rootlen = rootlen;
    c->key = fnv(path);
    c->state = C_SETTLING;
    c->first_ms = c->change_ms = now_ms();
    return (long)i;
}

static int same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

enum how { H_CREATE, H_MODIFY, H_CLOSE, H_MOVED, H_SCAN };

/* What an event or a scan says about a file. */
static void note_file(struct watcher *W, const char *path, size_t rootlen, int how)
{
    if (ignored_path(W, path, rootlen))
        return;
    struct stat st;
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return;
    long i = cand_find(W, path);
    if (i < 0) {
        if ((i = cand_new(W, path, rootlen)) < 0)
            return;
        W->c[i].st = st;
        W->c[i].closed = how != H_CREATE && how != H_MODIFY;
        return;
    }
    struct cand *c = &W->c[i];
    if (how == H_SCAN) {
        if (c->state == C_HANDLED && !same_file(&c->st, &st)) {
            c->state = C_SETTLING; /* rewritten in place while kept */
            c->first_ms = c->change_ms = now_ms();
            c->closed = 1;
            c->reported = 0;
            c->st = st;
        }
        return;
    }
    if (c->state == C_HANDLED) {
        c->state = C_SETTLING;
        c->first_ms = now_ms();
        c->reported = 0;
    }
    c->closed = how == H_CLOSE || how == H_MOVED;
    c->change_ms = now_ms();
    if (c->state == C_SETTLING)
        c->st = st; /* a queued file keeps the identity it was hashed with */
}

/* ---- inotify ------------------------------------------------------------ */

static const uint32_t WATCH_MASK = IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_MODIFY |
                                   IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF |
                                   IN_ONLYDIR;

static struct wdir *dir_of(struct watcher *W, int wd)
{
    for (size_t i = 0; i < W->ndirs; i++)
        if (W->dirs[i].wd == wd)
            return &W->dirs[i];
    return NULL;
}

static void add_watch(struct watcher *W, const char *path, size_t rootlen)
{
    int wd = inotify_add_watch(W->ifd, path, WATCH_MASK);
    if (wd < 0) {
        char h[17];
        path_handle(path, h);
        intake_log(INTAKE_LOG_WARN, "cannot watch folder %s: %s (the rescan still covers it)", h,
                   strerror(errno));
        return;
    }
    struct wdir *d = dir_of(W, wd);
    if (d) { /* the same folder again, maybe under a new name */
        char *p = strdup(path);
        if (p) {
            free(d->path);
            d->path = p;
            d->rootlen = rootlen;
        }
        return;
    }
    if (W->ndirs == W->dcap) {
        size_t cap = W->dcap ? W->dcap * 2 : 32;
        struct wdir *nd = realloc(W->dirs, cap * sizeof *nd);
        if (!nd)
            return;
        W->dirs = nd;
        W->dcap = cap;
    }
    W->dirs[W->ndirs].wd = wd;
    W->dirs[W->ndirs].path = strdup(path);
    W->dirs[W->ndirs].rootlen = rootlen;
    if (W->dirs[W->ndirs].path)
        W->ndirs++;
}

static void forget_dir(struct watcher *W, size_t i)
{
    free(W->dirs[i].path);
    W->dirs[i] = W->dirs[--W->ndirs];
}

/* Watch a folder (before listing it, so nothing created meanwhile is
 * missed), then take note of its files and folders, recursively. */
static void scan_dir(struct watcher *W, const char *path, size_t rootlen, int depth)
{
    if (depth > 64)
        return;
    if (W->ifd >= 0)
        add_watch(W, path, rootlen);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") || ignored_name(W, de->d_name))
            continue;
        char p[PATH_MAX];
        if (snprintf(p, sizeof p, "%s/%s", path, de->d_name) >= (int)sizeof p)
            continue;
        struct stat st;
        if (lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            scan_dir(W, p, rootlen, depth + 1);
        else if (S_ISREG(st.st_mode))
            note_file(W, p, rootlen, H_SCAN);
    }
    closedir(d);
}

static void scan_all(struct watcher *W)
{
    for (size_t i = 0; i < W->ninbox; i++)
        scan_dir(W, W->inbox[i], strlen(W->inbox[i]), 0);
}

/* A folder moved out of the inbox: its watches would report stale paths. */
static void unwatch_tree(struct watcher *W, const char *path)
{
    for (size_t i = 0; i < W->ndirs;) {
        if (inside(W->dirs[i].path, path)) {
            inotify_rm_watch(W->ifd, W->dirs[i].wd);
            forget_dir(W, i);
        } else {
            i++;
        }
    }
    for (size_t i = 0; i < W->nc; i++)
        if (W->c[i].state == C_SETTLING && inside(W->c[i].path, path))
            cand_drop(W, (long)i);
}

static void read_events(struct watcher *W)
{
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(W->ifd, buf, sizeof buf);
        if (n <= 0)
            return;
        for (char *p = buf; p < buf + n;) {
            struct inotify_event *ev = (struct inotify_event *)p;
            p += sizeof *ev + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                intake_log(INTAKE_LOG_WARN, "inotify queue overflow: rescanning every inbox");
                scan_all(W);
                continue;
            }
            struct wdir *d = dir_of(W, ev->wd);
            if (!d)
                continue;
            if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF)) {
                if (ev->mask & IN_IGNORED)
                    forget_dir(W, (size_t)(d - W->dirs));
                continue;
            }
            if (!ev->len || ignored_name(W, ev->name))
                continue;
            char path[PATH_MAX];
            if (snprintf(path, sizeof path, "%s/%s", d->path, ev->name) >= (int)sizeof path)
                continue;
            size_t rootlen = d->rootlen;
            if (ev->mask & IN_ISDIR) {
                if (ev->mask & (IN_CREATE | IN_MOVED_TO))
                    scan_dir(W, path, rootlen, 1);
                else if (ev->mask & IN_MOVED_FROM)
                    unwatch_tree(W, path);
                continue;
            }
            if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
                long i = cand_find(W, path);
                if (i >= 0 && W->c[i].state != C_QUEUED)
                    cand_drop(W, i); /* a queued one is settled when its result comes */
                continue;
            }
            int how = (ev->mask & IN_CLOSE_WRITE) ? H_CLOSE
                      : (ev->mask & IN_MOVED_TO)  ? H_MOVED
                      : (ev->mask & IN_CREATE)    ? H_CREATE
                                                  : H_MODIFY;
            note_file(W, path, rootlen, how);
        }
    }
}

/* ---- originals ---------------------------------------------------------- */

static int mkdirs(const char *path)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0750) != 0 && errno != EEXIST)
            return -1;
        *s = '/';
    }
    return mkdir(p, 0750) != 0 && errno != EEXIST ? -1 : 0;
}

/* <parent of the inbox>/<sub>/<path below the inbox>, made unique with
 * ".2", ".3" before the extension when a file of that name is there. */
static int target_for(const struct cand *c, const char *sub, char out[PATH_MAX])
{
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%.*s", (int)c->rootlen, c->path);
    char *slash = strrchr(parent, '/');
    if (!slash)
        return -1;
    *(slash == parent ? slash + 1 : slash) = '\0';
    const char *rel = c->path + c->rootlen + 1;
    char dir[PATH_MAX];
    if (snprintf(out, PATH_MAX, "%s/%s/%s", strcmp(parent, "/") ? parent : "", sub, rel) >=
        PATH_MAX)
        return -1;
    snprintf(dir, sizeof dir, "%s", out);
    *strrchr(dir, '/') = '\0';
    if (mkdirs(dir) != 0)
        return -1;
    struct stat st;
    if (lstat(out, &st) != 0)
        return 0;
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s", out);
    char *dot = strrchr(base, '.');
    if (dot && (dot < strrchr(base, '/') || dot == strrchr(base, '/') + 1))
        dot = NULL;
    char ext[PATH_MAX] = "";
    if (dot) {
        snprintf(ext, sizeof ext, "%s", dot);
        *dot = '\0';
    }
    for (int k = 2; k < 100000; k++) {
        if (snprintf(out, PATH_MAX, "%s.%d%s", base, k, ext) >= PATH_MAX)
            return -1;
        if (lstat(out, &st) != 0)
            return 0;
    }
    return -1;
}

static void write_reason_file(const char *target, const char *id, const char *reason)
{
    char p[PATH_MAX + 16];
    snprintf(p, sizeof p, "%s.reason.txt", target);
    FILE *f = fopen(p, "w");
    if (!f)
        return;
    time_t t = time(NULL);
    char when[64];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
    /* The reason comes from the job table: never document content. */
    fprintf(f, "intake refused this file.\ndocument id: %s\nreason: %s\nwhen: %s\n", id,
            reason ? reason : "unknown", when);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
}

/* After a file's fate is committed: keep it, move it, or delete it. */
static void dispose(struct watcher *W, long i, const char *id, int refused, const char *reason)
{
    struct cand *c = &W->c[i];
    json_object *x = json_object_new_object();
    json_object_object_add(x, "doc", json_object_new_string(id));
    if (W->orig == ORIG_KEEP) {
        c->state = C_HANDLED; /* remembered, so a rescan does not hash it again */
        json_object_put(x);
        return;
    }
    char target[PATH_MAX];
    const char *what = refused ? "failed" : W->orig == ORIG_MOVE ? "processed" : "deleted";
    if (!refused && W->orig == ORIG_DELETE) {
        if (unlink(c->path) != 0 && errno != ENOENT) {
            intake_log(INTAKE_LOG_ERROR, "doc=%.12s original not deleted: %s", id, strerror(errno));
            c->state = C_HANDLED;
            json_object_put(x);
            return;
        }
    } else if (target_for(c, refused ? "failed" : "processed", target) != 0 ||
               rename(c->path, target) != 0) {
        intake_log(INTAKE_LOG_ERROR, "doc=%.12s original not moved to %s/: %s", id, what,
                   strerror(errno));
        c->state = C_HANDLED;
        json_object_put(x);
        return;
    } else if (refused) {
        write_reason_file(target, id, reason);
    }
    wevent(what, x);
    cand_drop(W, i);
}

/* The supervisor's word on a file: committed, duplicate, refused, gone. */
static void on_final(void *user, long tag, const char *id, int outcome, const char *reason)
{
    struct watcher *W = user;
    if (tag < 0 || (size_t)tag >= W->nc || W->c[tag].state != C_QUEUED)
        return;
    struct cand *c = &W->c[tag];
    if (outcome == INTAKE_SUP_DONE)
        W->n_done++;
    else if (outcome == INTAKE_SUP_DUPLICATE)
        W->n_dup++;
    else if (outcome == INTAKE_SUP_QUARANTINED)
        W->n_quar++;
    struct stat st;
    int same = lstat(c->path, &st) == 0 && same_file(&st, &c->st);
    if (!same || outcome == INTAKE_SUP_GONE) {
        /* Replaced or removed meanwhile: what is there now is a new file. */
        if (lstat(c->path, &st) == 0 && S_ISREG(st.st_mode)) {
            c->state = C_SETTLING;
            c->st = st;
            c->first_ms = c->change_ms = now_ms();
            c->closed = 1;
            c->id[0] = '\0';
        } else {
            cand_drop(W, tag);
        }
        return;
    }
    dispose(W, tag, id, outcome == INTAKE_SUP_QUARANTINED, reason);
}

/* ---- settling ----------------------------------------------------------- */

/* Hash a file and confirm it did not change meanwhile. */
static int hash_stable(struct cand *c, char *why, size_t wl)
{
    uint64_t size = 0;
    if (intake_hash_file(c->path, c->id, &size, why, wl) != 0)
        return -1;
    struct stat st;
    if (lstat(c->path, &st) != 0 || !same_file(&st, &c->st) || (uint64_t)st.st_size != size) {
        c->id[0] = '\0';
        return 1;
    }
    return 0;
}

/* Take every file that has settled; report the ones that never do.
 * Returns the ms until the next settle deadline. */
static int64_t tick(struct watcher *W, int take)
{
    int64_t t = now_ms(), next = 1000;
    for (size_t i = 0; i < W->nc; i++) {
        struct cand *c = &W->c[i];
        if (c->state != C_SETTLING)
            continue;
        if (!c->reported && t - c->first_ms >= W->cfg.growing_ms) {
            char h[17];
            path_handle(c->path, h);
            json_object *x = json_object_new_object();
            json_object_object_add(x, "file", json_object_new_string(h));
            json_object_object_add(x, "size", json_object_new_int64((int64_t)c->st.st_size));
            json_object_object_add(x, "seconds", json_object_new_int64((t - c->first_ms) / 1000));
            json_object_object_add(x, "closed", json_object_new_boolean(c->closed));
            wevent("still_growing", x);
            c->reported = 1;
        }
        if (!c->closed || !take)
            continue;
        int64_t due = c->change_ms + W->cfg.settle_ms;
        if (c->retry_ms > due)
            due = c->retry_ms;
        if (due > t) {
            if (due - t < next)
                next = due - t;
            continue;
        }
        struct stat st;
        if (lstat(c->path, &st) != 0 || !S_ISREG(st.st_mode)) {
            cand_drop(W, (long)i);
            continue;
        }
        if (!same_file(&st, &c->st)) { /* still changing (a network filesystem) */
            c->st = st;
            c->change_ms = t;
            c->id[0] = '\0';
            if (W->cfg.settle_ms < next)
                next = W->cfg.settle_ms;
            continue;
        }
        char why[256] = "";
        if (!c->id[0]) {
            int h = hash_stable(c, why, sizeof why);
            if (h != 0) {
                if (h < 0)
                    intake_log(INTAKE_LOG_WARN, "cannot read a file yet: %s; will retry", why);
                c->change_ms = now_ms();
                c->st.st_size = -1; /* force a fresh look */
                continue;
            }
        }
        char name[PATH_MAX];
        const char *root = c->path, *slash = c->path + c->rootlen;
        const char *base = slash;
        while (base > root && base[-1] != '/')
            base--;
        /* The same source name as `intake batch INBOX` gives: "inbox/case/a.pdf". */
        snprintf(name, sizeof name, "%s", base);
        struct intake_error err;
        intake_error_clear(&err);
        c->state = C_QUEUED; /* before submit: a known outcome is reported at once */
        int rc =
            intake_sup_submit(W->sup, c->path, name, c->id, (uint64_t)c->st.st_size, (long)i, &err);
        if (rc == INTAKE_ERETRY) { /* the same content is in flight */
            c->state = C_SETTLING;
            c->retry_ms = now_ms() + 100;
        } else if (rc) {
            intake_log(INTAKE_LOG_ERROR, "doc=%.12s not queued: %s; will retry", c->id, err.msg);
            c->state = C_SETTLING;
            c->retry_ms = now_ms() + 1000;
        }
        c = NULL; /* on_final may have moved the array's contents */
    }
    return next < 10 ? 10 : next;
}

/* ---- the daemon --------------------------------------------------------- */

static void free_inboxes(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static void reset_watches(struct watcher *W)
{
    if (W->ifd >= 0)
        close(W->ifd);
    for (size_t i = 0; i < W->ndirs; i++)
        free(W->dirs[i].path);
    W->ndirs = 0;
    W->ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (W->ifd < 0)
        intake_log(INTAKE_LOG_WARN, "inotify: %s; relying on the rescan", strerror(errno));
}

/* Run the supervisor without giving it new work until nothing is in
 * flight or \p deadline (ms, monotonic) passes; events are still read. */
static void quiesce(struct watcher *W, int64_t deadline)
{
    for (;;) {
        long q, f;
        intake_sup_load(W->sup, &q, &f);
        if (f == 0 || now_ms() >= deadline)
            return;
        struct pollfd ex[1] = {{.fd = W->ifd, .events = POLLIN}};
        intake_sup_step(W->sup, 100, ex, W->ifd >= 0, 0);
        if (W->ifd >= 0 && (ex[0].revents & POLLIN))
            read_events(W);
    }
}

static void reload(struct watcher *W)
{
    struct intake_error err;
    intake_error_clear(&err);
    struct watch_cfg nc;
    char **inb = NULL, *pp = NULL;
    size_t ninb = 0;
    int old_orig = W->orig;
    int rc = load_cfg(W, &nc, &inb, &ninb, &pp, &err);
    if (rc == 0)
        rc = check_safe(inb, ninb, W->store_dir, pp, &err);
    char *text = rc == 0 ? engine_text(W->config_path, &err) : NULL;
    if (rc == 0 && !text)
        rc = err.code ? err.code : INTAKE_ECONFIG;
    if (rc == 0) {
        quiesce(W, INT64_MAX); /* workers have their deadline: this ends */
        rc = intake_sup_reload(W->sup, W->config_path, text, &err);
    }
    free(text);
    free(pp);
    if (rc) {
        W->orig = old_orig;
        free_inboxes(inb, ninb);
        cfg_clear(&nc);
        intake_log(INTAKE_LOG_ERROR, "reload refused, the old configuration stays: %s", err.msg);
        json_object *x = json_object_new_object();
        json_object_object_add(x, "reason", json_object_new_string(err.msg));
        wevent("reload_failed", x);
        return;
    }
    cfg_clear(&W->cfg);
    W->cfg = nc;
    free_inboxes(W->inbox, W->ninbox);
    W->inbox = inb;
    W->ninbox = ninb;
    /* Files of an inbox no longer watched are left alone. */
    for (size_t i = 0; i < W->nc; i++) {
        int kept = 0;
        for (size_t k = 0; k < W->ninbox && W->c[i].state == C_SETTLING; k++)
            kept |= strlen(W->inbox[k]) == W->c[i].rootlen && inside(W->c[i].path, W->inbox[k]);
        if (W->c[i].state == C_SETTLING && !kept)
            cand_drop(W, (long)i);
    }
    reset_watches(W);
    scan_all(W);
    json_object *x = json_object_new_object();
    json_object_object_add(x, "inboxes", json_object_new_int64((int64_t)W->ninbox));
    json_object_object_add(x, "originals", json_object_new_string(W->cfg.originals));
    wevent("reloaded", x);
}

int intake_watch_run(const struct intake_watch_opts *o)
{
    struct watcher W_, *W = &W_;
    memset(W, 0, sizeof *W);
    W->ifd = -1;
    W->config_path = o->config_path;
    W->store_dir = o->store_dir;
    W->cli_inbox = o->inboxes;
    W->ncli = o->ninboxes;
    struct intake_error err;
    intake_error_clear(&err);
    char *pp = NULL, *text = NULL;
    int rc = load_cfg(W, &W->cfg, &W->inbox, &W->ninbox, &pp, &err);
    if (rc == 0)
        rc = check_safe(W->inbox, W->ninbox, o->store_dir, pp, &err);
    free(pp);
    if (rc == 0 && !(text = engine_text(o->config_path, &err)))
        rc = err.code ? err.code : INTAKE_ECONFIG;
    if (rc) {
        fprintf(stderr, "intake: %s\n", err.msg);
        free(text);
        cfg_clear(&W->cfg);
        free_inboxes(W->inbox, W->ninbox);
        return 2;
    }
    intake_log_set_json(1);
    struct intake_sup_opts so = {.config_path = o->config_path,
                                 .config_text = text,
                                 .store_dir = o->store_dir,
                                 .on_final = on_final,
                                 .user = W};
    rc = intake_sup_open(&so, &W->sup, &err);
    free(text);
    if (rc) {
        intake_log_set_json(0);
        fprintf(stderr, "intake: %s\n", err.msg);
        cfg_clear(&W->cfg);
        free_inboxes(W->inbox, W->ninbox);
        return 2;
    }
    if (pipe2(sigpipe_fd, O_CLOEXEC | O_NONBLOCK) == 0) {
        struct sigaction sa = {0};
        sa.sa_handler = on_signal; /* no SA_RESTART: poll returns at once */
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
    }
    reset_watches(W);
    scan_all(W);
    W->next_rescan = W->cfg.rescan_ms ? now_ms() + W->cfg.rescan_ms : INT64_MAX;
    {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "inboxes", json_object_new_int64((int64_t)W->ninbox));
        json_object_object_add(x, "files", json_object_new_int64((int64_t)W->nc));
        json_object_object_add(x, "originals", json_object_new_string(W->cfg.originals));
        wevent("watching", x);
    }
    int exit_code = 0, stop = 0, want_reload = 0;
    int64_t wait = 10;
    while (!stop) {
        struct pollfd ex[2] = {{.fd = sigpipe_fd[0], .events = POLLIN},
                               {.fd = W->ifd, .events = POLLIN}};
        int64_t until_rescan = W->next_rescan - now_ms();
        if (until_rescan < wait)
            wait = until_rescan < 0 ? 0 : until_rescan;
        if (intake_sup_step(W->sup, (int)wait, ex, W->ifd >= 0 ? 2 : 1, 1) < 0) {
            intake_log(INTAKE_LOG_ERROR, "workers cannot start: stopping");
            exit_code = 2;
            break;
        }
        if (ex[0].revents & POLLIN) {
            char sig[16];
            ssize_t n = read(sigpipe_fd[0], sig, sizeof sig);
            for (ssize_t k = 0; k < n; k++) {
                if (sig[k] == 'H')
                    want_reload = 1;
                else
                    stop = 1;
            }
        }
        if (W->ifd >= 0 && (ex[1].revents & POLLIN))
            read_events(W);
        if (stop)
            break;
        if (want_reload) {
            want_reload = 0;
            reload(W);
            W->next_rescan = W->cfg.rescan_ms ? now_ms() + W->cfg.rescan_ms : INT64_MAX;
        }
        if (now_ms() >= W->next_rescan) {
            scan_all(W);
            W->next_rescan = now_ms() + W->cfg.rescan_ms;
        }
        wait = tick(W, 1);
    }
    /* Stop: no new work; documents in flight may finish within the grace
     * time, then the rest go back to the queue (pending in the store, the
     * files still in the inbox for the next start). */
    wevent("stopping", NULL);
    quiesce(W, now_ms() + W->cfg.stop_ms);
    intake_sup_abandon(W->sup);
    long q, f;
    intake_sup_load(W->sup, &q, &f);
    intake_sup_close(W->sup);
    {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "done", json_object_new_int64(W->n_done));
        json_object_object_add(x, "duplicates", json_object_new_int64(W->n_dup));
        json_object_object_add(x, "quarantined", json_object_new_int64(W->n_quar));
        json_object_object_add(x, "left_queued", json_object_new_int64(q));
        wevent("stopped", x);
    }
    for (size_t i = 0; i < W->nc; i++)
        free(W->c[i].path);
    free(W->c);
    for (size_t i = 0; i < W->ndirs; i++)
        free(W->dirs[i].path);
    free(W->dirs);
    if (W->ifd >= 0)
        close(W->ifd);
    close(sigpipe_fd[0]);
    close(sigpipe_fd[1]);
    cfg_clear(&W->cfg);
    free_inboxes(W->inbox, W->ninbox);
    return exit_code;
}

/* ---- intake status ------------------------------------------------------ */

struct err_list {
    json_object *arr;
    int json, n;
};

static void one_error(void *user, const char *id, int state, int attempts, const char *reason,
                      int64_t when)
{
    struct err_list *l = user;
    l->n++;
    const char *st = state == INTAKE_JOB_QUARANTINED ? "quarantined"
                     : state == INTAKE_JOB_DONE      ? "done"
                                                     : "pending";
    if (l->json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "doc", json_object_new_string(id));
        json_object_object_add(o, "state", json_object_new_string(st));
        json_object_object_add(o, "attempts", json_object_new_int(attempts));
        json_object_object_add(o, "reason", json_object_new_string(reason ? reason : ""));
        json_object_object_add(o, "when", json_object_new_int64(when));
        json_object_array_add(l->arr, o);
        return;
    }
    char ts[32];
    time_t t = (time_t)when;
    strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", localtime(&t));
    printf("  %s  %.12s  %-11s %s\n", ts, id, st, reason ? reason : "");
}

int intake_status_run(const char *store_dir, int json)
{
    struct intake_error err;
    intake_error_clear(&err);
    const struct intake_store_ops *ops = intake_store_for(store_dir);
    struct intake_store *s = NULL;
    char db[PATH_MAX + 16];
    snprintf(db, sizeof db, "%s/intake.db", store_dir);
    if (access(db, R_OK) != 0) {
        fprintf(stderr, "intake: store %s: %s\n", store_dir, strerror(errno));
        return 2;
    }
    if (ops->open(store_dir, 1, &s, &err)) {
        fprintf(stderr, "intake: %s\n", err.msg);
        return 2;
    }
    int64_t now = time(NULL), all[4], hour[4], day[4];
    int rc = ops->stats(s, now - 3600, all, hour, &err);
    if (rc == 0)
        rc = ops->stats(s, now - 86400, all, day, &err);
    struct err_list l = {.arr = json_object_new_array(), .json = json};
    if (rc) {
        fprintf(stderr, "intake: %s\n", err.msg);
        json_object_put(l.arr);
        ops->close(s);
        return 2;
    }
    double rate = (double)hour[INTAKE_JOB_DONE] / 60.0; /* per minute, over the last hour */
    if (json) {
        json_object *o = json_object_new_object();
        json_object_object_add(o, "queued", json_object_new_int64(all[INTAKE_JOB_PENDING]));
        json_object_object_add(o, "done", json_object_new_int64(all[INTAKE_JOB_DONE]));
        json_object_object_add(o, "quarantined",
                               json_object_new_int64(all[INTAKE_JOB_QUARANTINED]));
        json_object *h = json_object_new_object(), *d = json_object_new_object();
        json_object_object_add(h, "done", json_object_new_int64(hour[INTAKE_JOB_DONE]));
        json_object_object_add(h, "quarantined",
                               json_object_new_int64(hour[INTAKE_JOB_QUARANTINED]));
        json_object_object_add(d, "done", json_object_new_int64(day[INTAKE_JOB_DONE]));
        json_object_object_add(d, "quarantined",
                               json_object_new_int64(day[INTAKE_JOB_QUARANTINED]));
        json_object_object_add(o, "last_hour", h);
        json_object_object_add(o, "last_day", d);
        json_object_object_add(o, "per_minute", json_object_new_double(rate));
        ops->errors(s, 10, one_error, &l, &err);
        json_object_object_add(o, "last_errors", json_object_get(l.arr));
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
    } else {
        printf("queue:       %lld pending\n", (long long)all[INTAKE_JOB_PENDING]);
        printf("last hour:   %lld done, %lld quarantined (%.1f documents/min)\n",
               (long long)hour[INTAKE_JOB_DONE], (long long)hour[INTAKE_JOB_QUARANTINED], rate);
        printf("last day:    %lld done, %lld quarantined\n", (long long)day[INTAKE_JOB_DONE],
               (long long)day[INTAKE_JOB_QUARANTINED]);
        printf("all time:    %lld done, %lld quarantined\n", (long long)all[INTAKE_JOB_DONE],
               (long long)all[INTAKE_JOB_QUARANTINED]);
        printf("last errors:%s\n", "");
        ops->errors(s, 10, one_error, &l, &err);
        if (!l.n)
            printf("  none\n");
    }
    json_object_put(l.arr);
    ops->close(s);
    return 0;
}
