/*
 * core/batch.c: the supervisor and its worker processes.
 *
 * The supervisor hashes every input (the SHA-256 is the document id and the
 * job key), asks the store which are already done, and hands the rest to N
 * worker processes over socket pairs. A worker runs extract .. detect,
 * anonymise and export, and sends back only the redacted document. The
 * supervisor then writes the index and marks the job done in ONE store
 * transaction, so a kill -9 at any moment leaves every document either
 * fully committed or still pending, and running the same command again
 * finishes the rest exactly once.
 *
 * A worker that crashes, runs past the deadline or grows past the memory
 * limit is killed and replaced; the document loses one attempt and, after
 * the configured number, is quarantined with the reason.
 *
 * Nothing the supervisor prints or stores names an input file except the
 * one error line per quarantined file on stderr, which the operator needs.
 */
#include "batch.h"
#include "engine_internal.h"
#include "supervisor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <json-c/json.h>
#include <limits.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "doc.h"
#include "engine.h"
#include "log.h"
#include "store.h"
#include "store_files.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#define FRAME_MAGIC 0x4b544e49u /* "INTK" */
#define MAX_JSON    (64u << 20)
#define MAX_BLOB    (1u << 30)

enum task_state {
    T_QUEUED,
    T_RUNNING,
    T_COMMITTING,
    T_DONE,
    T_SKIPPED,
    T_QUARANTINED,
    T_UNREADABLE,
    T_FREE /* a recycled slot (watch) */
};

/* Group commit: at most this many documents, or this old, per transaction. */
#define PEND_MAX 256
#define PEND_MS  200

struct pending {
    long ti;
    json_object *res; /* the worker's result (redacted metadata) */
    char *blob;       /* redacted text */
    uint64_t bl;
    int64_t ms;
    int child;       /* an attachment or member of task ti's document */
    char id[65];     /* a child's own id */
    char parent[65]; /* a child's parent id */
    char **exports;  /* files its exporters wrote, relative to the store */
    size_t nexports;
};

/* A file a worker's exporter wrote for a document whose result has not
 * come yet: removed if the document fails, kept with it otherwise. */
struct export_rec {
    char id[65];
    char *path; /* relative to the store */
};

struct task {
    char *path; /* as found; printed only in the stderr error line */
    char *name; /* relative source name, redacted by the worker before it is stored */
    char id[65];
    uint64_t size;
    int state;
    long tag; /* the source's handle (watch), passed back in on_final */
};

/* Documents sent ahead to a worker, so it never idles while the supervisor
 * commits. Only the first is being processed; a crash is charged to it. */
#define DEPTH 4

struct worker {
    pid_t pid;
    int fd;
    long inflight[DEPTH]; /* task indices in the order sent; [0] is being processed */
    int nin;
    int64_t started_ms;   /* when inflight[0] started */
    int64_t mem_seen_ms;  /* when its RSS was last read */
    int64_t extra_ms;     /* inflight[0]'s deadline grows by its OCR pages */
    struct pending *kids; /* children of inflight[0] received so far */
    size_t nkids, kids_cap;
    struct export_rec *wrote; /* exports of inflight[0] and its children, not yet claimed */
    size_t nwrote, wrote_cap;
    char kill_reason[128];
    unsigned char *buf; /* incoming frame */
    size_t len, cap;
};

struct run {
    struct intake_engine *e;
    const struct intake_store_ops *ops;
    struct intake_store *store;
    const char *store_dir;
    struct intake_run_settings set;
    struct task *tasks;
    size_t ntasks, cap;
    long *queue; /* task indices waiting, FIFO with requeue at the front */
    size_t qhead, qtail, qcap;
    struct worker *w;
    int nworkers;
    int tty;
    uint64_t bytes_total, bytes_done;
    size_t files_total, n_done, n_skipped, n_quar, n_unreadable;
    unsigned long ents[INTAKE_LABEL_COUNT];
    int64_t t0;
    int64_t last_progress;
    int lock_fd;       /* the store lock; workers must not inherit it */
    int64_t commit_ms; /* time in index transactions, for the debug log */
    long ncommits;
    struct pending *pend; /* a parent comes after its children: they commit together */
    size_t npend, pend_cap;
    size_t n_children; /* attachments and archive members stored */
    int64_t pend_since;
    /* Long-running mode (watch): events always JSON, no file names on
     * stderr, finished task slots recycled, each fate reported. */
    int daemon;
    /* The store's file system is full: no new work until it has room (the
     * documents stay queued, no attempt is counted). batch stops; watch
     * tries again after FULL_RETRY_MS. */
    int store_full;
    int64_t full_since;
    intake_sup_final_fn on_final;
    void *user;
    long *freel; /* recycled task slots */
    size_t nfree, freecap;
    struct pollfd *pf; /* workers, then the caller's extra fds */
    size_t pfcap;
};

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
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

/* ---- framing: header {magic, json_len, blob_len}, JSON, blob ---------- */

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        c += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    while (n) {
        ssize_t r = read(fd, c, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static int send_frame(int fd, json_object *j, const void *blob, uint64_t blob_len)
{
    size_t jl;
    const char *js = json_object_to_json_string_length(j, JSON_C_TO_STRING_PLAIN, &jl);
    uint32_t hdr32[2] = {FRAME_MAGIC, (uint32_t)jl};
    if (write_all(fd, hdr32, sizeof hdr32) || write_all(fd, &blob_len, sizeof blob_len) ||
        write_all(fd, js, jl) || (blob_len && write_all(fd, blob, blob_len)))
        return -1;
    return 0;
}

/* Blocking read of one frame (worker side). *blob is malloc'ed. */
static json_object *recv_frame(int fd, char **blob, uint64_t *blob_len)
{
    uint32_t h[2];
    uint64_t bl;
    *blob = NULL;
    if (read_all(fd, h, sizeof h) || read_all(fd, &bl, sizeof bl) || h[0] != FRAME_MAGIC ||
        h[1] > MAX_JSON || bl > MAX_BLOB)
        return NULL;
    char *js = malloc(h[1] + 1);
    if (!js || read_all(fd, js, h[1])) {
        free(js);
        return NULL;
    }
    js[h[1]] = '\0';
    json_object *j = json_tokener_parse(js);
    free(js);
    if (bl) {
        *blob = malloc(bl + 1);
        if (!*blob || read_all(fd, *blob, bl)) {
            free(*blob);
            *blob = NULL;
            json_object_put(j);
            return NULL;
        }
        (*blob)[bl] = '\0';
    }
    *blob_len = bl;
    return j;
}

static const char *jstr(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_string(v) : NULL;
}

static int64_t jint(json_object *o, const char *k)
{
    json_object *v;
    return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

/* ---- worker ----------------------------------------------------------- */

static int read_whole(const char *path, unsigned char **out, size_t *len, struct intake_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return INTAKE_ERR(err, INTAKE_EIO, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return INTAKE_ERR(err, INTAKE_EIO, "not a regular file");
    }
    size_t cap = (size_t)st.st_size + 1, n = 0;
    unsigned char *b = malloc(cap);
    if (!b) {
        close(fd);
        return INTAKE_ERR(err, INTAKE_ENOMEM, "file too large for memory");
    }
    for (;;) {
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(b);
            close(fd);
            return INTAKE_ERR(err, INTAKE_EIO, "read error: %s", strerror(errno));
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == cap) {
            unsigned char *nb = realloc(b, cap *= 2);
            if (!nb) {
                free(b);
                close(fd);
                return INTAKE_ERR(err, INTAKE_ENOMEM, "file too large for memory");
            }
            b = nb;
        }
    }
    close(fd);
    *out = b;
    *len = n;
    return INTAKE_OK;
}

static json_object *result_json(long seq, struct intake_doc *doc)
{
    json_object *r = json_object_new_object();
    json_object_object_add(r, "seq", json_object_new_int64(seq));
    json_object_object_add(r, "ok", json_object_new_boolean(1));
    json_object_object_add(r, "id", json_object_new_string(intake_doc_id(doc)));
    json_object_object_add(r, "mime", json_object_new_string(intake_doc_mime(doc)));
    json_object_object_add(r, "lang", json_object_new_string(intake_doc_lang(doc)));
    const char *v;
    json_object_object_add(
        r, "size", json_object_new_string((v = intake_doc_meta_get(doc, "size")) ? v : "0"));
    json_object_object_add(
        r, "pages", json_object_new_string((v = intake_doc_meta_get(doc, "pages")) ? v : "0"));
    if ((v = intake_doc_source_name(doc)))
        json_object_object_add(r, "name", json_object_new_string(v));
    json_object *ents = json_object_new_array();
    size_t n = 0;
    const struct intake_span *e = intake_doc_entities(doc, &n);
    for (size_t i = 0; i < n; i++) {
        json_object *a = json_object_new_array();
        json_object_array_add(a, json_object_new_int64((int64_t)e[i].start));
        json_object_array_add(a, json_object_new_int64((int64_t)e[i].end));
        json_object_array_add(a, json_object_new_int((int)e[i].label));
        json_object_array_add(a, json_object_new_int((int)e[i].source));
        json_object_array_add(a, json_object_new_double((double)e[i].score));
        json_object_array_add(ents, a);
    }
    json_object_object_add(r, "ents", ents);
    return r;
}

/* The worker process: never returns. Only _exit, so nothing inherited from
 * the supervisor (the store's SQLite connection above all) is touched. */
/* Worker: send one finished child's result, before its parent's, so the
 * supervisor commits them together. */
struct child_sink {
    int fd;
    long seq;
};

static int send_child(void *user, struct intake_doc *c, const struct intake_doc *parent)
{
    const struct child_sink *k = user;
    json_object *res = result_json(k->seq, c);
    json_object_object_add(res, "child_of", json_object_new_string(intake_doc_id(parent)));
    size_t tl = 0;
    const char *text = intake_doc_redacted_text(c, &tl);
    if (send_frame(k->fd, res, text, tl))
        _exit(0); /* the supervisor is gone */
    json_object_put(res);
    return 0;
}

/* Worker: tell the supervisor how many pages this document sends to OCR,
 * so that its deadline grows with them. */
static void send_progress(void *user, uint32_t ocr_pages)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "ocr_pages", json_object_new_int64(ocr_pages));
    send_frame(*(int *)user, p, NULL, 0);
    json_object_put(p);
}

/* Worker: tell the supervisor which file an exporter just wrote, so that
 * it can remove exactly that if the document fails or the worker dies. */
static void send_wrote(void *user, const char *doc_id, const char *relpath)
{
    json_object *p = json_object_new_object();
    json_object_object_add(p, "wrote", json_object_new_string(relpath));
    json_object_object_add(p, "id", json_object_new_string(doc_id));
    send_frame(*(int *)user, p, NULL, 0);
    json_object_put(p);
}

static void worker_main(struct run *R, int fd)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGINT, SIG_IGN); /* the supervisor decides when we stop */
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    if (R->set.memory_limit > 0 && !UNDER_ASAN) {
        /* The supervisor's RSS check enforces the limit with a clear reason;
         * this backstop 1 GiB above it stops a runaway between checks.
         * ASan reserves terabytes of address space, so not there. */
        rlim_t lim = (rlim_t)R->set.memory_limit + ((rlim_t)1 << 30);
        struct rlimit rl = {lim, lim};
        setrlimit(RLIMIT_AS, &rl);
    }
    struct intake_error err;
    intake_error_clear(&err);
    int rc = intake_engine_worker_init_stages(
        R->e, INTAKE_STAGES_ALL & ~INTAKE_STAGE_BIT(INTAKE_STAGE_INDEX), &err);
    json_object *hello = json_object_new_object();
    json_object_object_add(hello, "hello", json_object_new_boolean(rc == 0));
    if (rc)
        json_object_object_add(hello, "reason", json_object_new_string(err.msg));
    send_frame(fd, hello, NULL, 0);
    json_object_put(hello);
    if (rc)
        _exit(3);
    intake_engine_set_progress(R->e, send_progress, &fd);
    intake_engine_set_wrote(R->e, send_wrote, &fd);
    for (;;) {
        char *blob = NULL;
        uint64_t bl = 0;
        json_object *req = recv_frame(fd, &blob, &bl);
        free(blob);
        if (!req)
            _exit(0); /* supervisor closed the socket: done */
        long seq = (long)jint(req, "seq");
        const char *path = jstr(req, "path"), *name = jstr(req, "name"), *id = jstr(req, "id");
        unsigned char *bytes = NULL;
        size_t len = 0;
        struct intake_doc *doc = NULL;
        intake_error_clear(&err);
        rc = read_whole(path ? path : "", &bytes, &len, &err);
        int gone = rc != 0; /* the file, not the document, is the problem */
        if (rc == 0)
            rc = intake_engine_run(R->e, bytes, len, &doc, &err);
        if (bytes) {
            explicit_bzero(bytes, len);
            free(bytes);
        }
        if (rc == 0 && (!id || strcmp(id, intake_doc_id(doc)) != 0)) {
            rc = INTAKE_ERR(&err, INTAKE_ERETRY, "file changed after it was queued");
            gone = 1;
        }
        if (rc == 0)
            rc = intake_engine_finish(R->e, doc, name, &err);
        struct child_sink sink = {fd, seq};
        if (rc == 0)
            rc = intake_engine_each_child(R->e, doc, name, send_child, &sink, &err);
        json_object *res;
        const char *text = NULL;
        size_t tl = 0;
        if (rc == 0) {
            res = result_json(seq, doc);
            text = intake_doc_redacted_text(doc, &tl);
        } else {
            res = json_object_new_object();
            json_object_object_add(res, "seq", json_object_new_int64(seq));
            json_object_object_add(res, "ok", json_object_new_boolean(0));
            json_object_object_add(res, "code", json_object_new_int(rc));
            json_object_object_add(res, "reason", json_object_new_string(err.msg));
            if (gone)
                json_object_object_add(res, "gone", json_object_new_boolean(1));
        }
        int wrc = send_frame(fd, res, text, tl);
        json_object_put(res);
        json_object_put(req);
        intake_doc_destroy(doc);
        if (wrc)
            _exit(0);
    }
}

/* ---- supervisor ------------------------------------------------------- */

static void clear_line(struct run *R)
{
    if (R->tty)
        fputs("\r\033[K", stderr);
}

static void progress(struct run *R, int force)
{
    int64_t t = now_ms();
    if (!R->tty || (!force && t - R->last_progress < 200))
        return;
    R->last_progress = t;
    double secs = (double)(t - R->t0) / 1000.0;
    double rate = secs > 0 ? (double)R->bytes_done / secs : 0;
    size_t finished = R->n_done + R->n_skipped + R->n_quar + R->n_unreadable;
    char eta[32] = "--:--";
    if (rate > 0 && R->bytes_total >= R->bytes_done) {
        long s = (long)((double)(R->bytes_total - R->bytes_done) / rate);
        snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    }
    fprintf(stderr, "\r\033[Kintake: %zu/%zu files, %.1f MB/s, ETA %s", finished, R->files_total,
            rate / 1e6, eta);
    fflush(stderr);
}

/* One JSON line per event when stdout is not a terminal (DESIGN.md). */
static void event(struct run *R, const char *kind, const struct task *t, const char *k2,
                  json_object *extra)
{
    if (R->tty) {
        json_object_put(extra);
        return;
    }
    json_object *o = json_object_new_object();
    if (R->daemon) { /* a daemon's log lines need a time */
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        json_object_object_add(o, "ts", ts_json(&ts));
    }
    json_object_object_add(o, "event", json_object_new_string(kind));
    if (t && t->id[0])
        json_object_object_add(o, "doc", json_object_new_string(t->id));
    if (extra)
        json_object_object_add(o, k2, extra);
    printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE));
    fflush(stdout);
    json_object_put(o);
}

/* A task's fate is final: tell the source; in a daemon, recycle the slot
 * (nothing refers to it any more: it is in no queue, worker or group). */
static void final(struct run *R, long ti, int outcome, const char *reason)
{
    struct task *t = &R->tasks[ti];
    if (R->on_final)
        R->on_final(R->user, t->tag, t->id, outcome, reason);
    if (!R->daemon)
        return;
    free(t->path);
    free(t->name);
    t->path = t->name = NULL;
    t->state = T_FREE;
    if (R->nfree == R->freecap) {
        size_t cap = R->freecap ? R->freecap * 2 : 64;
        long *f = realloc(R->freel, cap * sizeof *f);
        if (!f)
            return; /* the slot is lost, not reused: harmless */
        R->freel = f;
        R->freecap = cap;
    }
    R->freel[R->nfree++] = ti;
}

/* Room for one more task index in the queue (front or back). */
static int queue_room(struct run *R)
{
    if (R->qtail < R->qcap)
        return 0;
    if (R->qhead > 0) {
        memmove(R->queue, R->queue + R->qhead, (R->qtail - R->qhead) * sizeof *R->queue);
        R->qtail -= R->qhead;
        R->qhead = 0;
        return 0;
    }
    size_t cap = R->qcap ? R->qcap * 2 : 64;
    long *q = realloc(R->queue, cap * sizeof *q);
    if (!q)
        return -1;
    R->queue = q;
    R->qcap = cap;
    return 0;
}

/* Write <store>/quarantine/<id>.txt: the reason, nothing of the document. */
static void write_reason(struct run *R, const struct task *t, const char *reason)
{
    char dir[PATH_MAX], tmp[PATH_MAX + 96], path[PATH_MAX + 96];
    snprintf(dir, sizeof dir, "%s/quarantine", R->store_dir);
    mkdir(dir, 0750);
    snprintf(path, sizeof path, "%s/%s.txt", dir, t->id);
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, t->id);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "%s\n", reason);
    fflush(f);
    fsync(fileno(f));
    fclose(f);
    rename(tmp, path);
}

/* A worker exports before the commit; a document quarantined after that
 * must leave nothing behind in redacted/ (invariant 2, fail closed). */
/* Remove what exporters wrote for a document that will not be committed. */
static void remove_exports_id(struct run *R, const char *id)
{
    static const char *const ext[] = {".txt", ".json", ".pdf", ".docx", ".odt", ".xlsx", ".ods"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        char p[PATH_MAX + 96];
        snprintf(p, sizeof p, "%s/redacted/%s%s", R->store_dir, id, ext[i]);
        unlink(p);
    }
}

static void remove_exports(struct run *R, const struct task *t)
{
    remove_exports_id(R, t->id);
}

static void quarantine(struct run *R, long ti, const char *reason)
{
    struct task *t = &R->tasks[ti];
    remove_exports(R, t);
    struct intake_error err;
    if (R->ops->job_quarantine(R->store, t->id, reason, &err))
        intake_log(INTAKE_LOG_ERROR, "%s", err.msg);
    write_reason(R, t, reason);
    t->state = T_QUARANTINED;
    R->n_quar++;
    R->bytes_done += t->size;
    clear_line(R);
    if (!R->daemon) /* the operator named this path on the command line */
        fprintf(stderr, "intake: %s: %s\n", t->path, reason);
    event(R, "quarantined", t, "reason", json_object_new_string(reason));
    final(R, ti, INTAKE_SUP_QUARANTINED, reason);
}

static void requeue_front(struct run *R, long ti)
{
    if (R->qhead == 0 && queue_room(R) != 0) {
        /* Out of memory: fail closed for this one, it stays pending. */
        quarantine(R, ti, "out of memory in the supervisor");
        return;
    }
    if (R->qhead == 0) {
        memmove(R->queue + 1, R->queue, (R->qtail) * sizeof *R->queue);
        R->qtail++;
    } else {
        R->qhead--;
    }
    R->queue[R->qhead] = ti;
    R->tasks[ti].state = T_QUEUED;
}

/* A failed attempt: quarantine at once for a document the plugins refused
 * (it will fail the same way again), else count and retry. */
/* A document that could not be stored because the store is full goes back
 * to the queue untouched: a full disk is not the document's fault. */
static void store_is_full(struct run *R, long ti)
{
    requeue_front(R, ti);
    if (!R->store_full)
        intake_log(INTAKE_LOG_ERROR,
                   "the store's file system is full: documents stay queued, none is "
                   "quarantined; %s",
                   R->daemon ? "trying again after [pipeline] full_retry"
                             : "free space and run the same command again");
    R->store_full = 1;
    R->full_since = now_ms();
}

static void failed(struct run *R, long ti, int code, const char *reason)
{
    if (code == INTAKE_ENOSPC) {
        store_is_full(R, ti);
        return;
    }
    struct task *t = &R->tasks[ti];
    if (code == INTAKE_EFORMAT || code == INTAKE_ETIMEOUT || code == INTAKE_EINVAL) {
        quarantine(R, ti, reason);
        return;
    }
    int attempts = 0;
    struct intake_error err;
    if (R->ops->job_failed(R->store, t->id, reason, &attempts, &err)) {
        intake_log(INTAKE_LOG_ERROR, "%s", err.msg);
        attempts = (int)R->set.attempts;
    }
    if (attempts >= R->set.attempts) {
        char r[300];
        snprintf(r, sizeof r, "%s (attempt %d of %d)", reason, attempts, (int)R->set.attempts);
        quarantine(R, ti, r);
    } else {
        intake_log(INTAKE_LOG_WARN, "doc=%.12s attempt %d failed: %s; retrying", t->id, attempts,
                   reason);
        requeue_front(R, ti);
    }
}

static int spawn(struct run *R, struct worker *w, struct intake_error *err)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return INTAKE_ERR(err, INTAKE_EIO, "socketpair: %s", strerror(errno));
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        close(sv[0]);
        close(sv[1]);
        return INTAKE_ERR(err, INTAKE_EIO, "fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(sv[0]);
        if (R->lock_fd >= 0)
            close(R->lock_fd); /* a worker outliving us must not hold the store */
        for (int i = 0; i < R->nworkers; i++)
            if (R->w[i].fd >= 0)
                close(R->w[i].fd);
        worker_main(R, sv[1]);
    }
    close(sv[1]);
    w->pid = pid;
    w->fd = sv[0];
    w->nin = 0;
    w->len = 0;
    w->kill_reason[0] = '\0';
    /* Wait for the worker's hello: a worker that cannot start its plugins
     * is a configuration problem, not a document's. */
    char *blob = NULL;
    uint64_t bl;
    struct pollfd hp = {.fd = w->fd, .events = POLLIN};
    int pr;
    while ((pr = poll(&hp, 1, (int)(R->set.timeout_ms > 60000 ? R->set.timeout_ms : 60000))) < 0 &&
           errno == EINTR)
        ;
    json_object *h = pr > 0 ? recv_frame(w->fd, &blob, &bl) : NULL;
    free(blob);
    if (pr == 0)
        kill(w->pid, SIGKILL); /* a plugin hangs in cb_worker_init */
    json_object *ok;
    int good = h && json_object_object_get_ex(h, "hello", &ok) && json_object_get_boolean(ok);
    int rc = INTAKE_OK;
    if (!good)
        rc = INTAKE_ERR(err, INTAKE_ECONFIG, "worker failed to start: %s",
                        h && jstr(h, "reason") ? jstr(h, "reason") : "it exited");
    json_object_put(h);
    return rc;
}

static void remove_stale_temps(const char *dir, pid_t pid);

static void reap(struct run *R, struct worker *w, char *why, size_t whylen)
{
    int status = 0;
    pid_t r = 0;
    for (int i = 0; i < 100 && (r = waitpid(w->pid, &status, WNOHANG)) == 0; i++)
        usleep(10000);
    if (r == 0) {
        kill(w->pid, SIGKILL);
        waitpid(w->pid, &status, 0);
    }
    if (w->kill_reason[0])
        snprintf(why, whylen, "%s", w->kill_reason);
    else if (WIFSIGNALED(status))
        snprintf(why, whylen, "worker crashed: signal %d (%s)", WTERMSIG(status),
                 strsignal(WTERMSIG(status)));
    else
        snprintf(why, whylen, "worker exited with status %d", WEXITSTATUS(status));
    close(w->fd);
    /* what it was writing when it died (host->store_write's temp files) */
    remove_stale_temps(R->store_dir, w->pid);
    w->fd = -1;
    w->pid = 0;
}

/* Resident memory of a worker, from /proc (works under ASan too). */
static int64_t rss_bytes(pid_t pid)
{
    char p[64];
    snprintf(p, sizeof p, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(p, "r");
    long size = 0, res = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &size, &res) != 2)
        res = 0;
    fclose(f);
    return (int64_t)res * sysconf(_SC_PAGESIZE);
}

/*
** Should \p w get one more document now? Sending ahead keeps a worker busy
** while the supervisor commits, which pays for small text files. But a
** large file (a scan, a PDF) goes only to an idle worker, and near the end
** of the queue nobody takes more than one: otherwise one worker was left
** with several slow pages while the other idled (--jobs 2 read six pages
** only 1.2-1.3x faster than --jobs 1).
*/
#define AHEAD_MAX_BYTES (64 * 1024)
static int wants_more(const struct run *R, const struct worker *w)
{
    if (R->qhead >= R->qtail || w->nin >= DEPTH)
        return 0;
    if (w->nin == 0)
        return 1;
    if (R->qtail - R->qhead < (size_t)R->nworkers * DEPTH ||
        R->tasks[R->queue[R->qhead]].size > AHEAD_MAX_BYTES)
        return 0;
    for (int k = 0; k < w->nin; k++)
        if (R->tasks[w->inflight[k]].size > AHEAD_MAX_BYTES)
            return 0;
    return 1;
}

static int dispatch(struct run *R, struct worker *w)
{
    if (R->qhead == R->qtail || w->nin >= DEPTH)
        return 0;
    long ti = R->queue[R->qhead++];
    struct task *t = &R->tasks[ti];
    json_object *q = json_object_new_object();
    json_object_object_add(q, "seq", json_object_new_int64(ti));
    json_object_object_add(q, "path", json_object_new_string(t->path));
    json_object_object_add(q, "name", json_object_new_string(t->name));
    json_object_object_add(q, "id", json_object_new_string(t->id));
    int rc = send_frame(w->fd, q, NULL, 0);
    json_object_put(q);
    t->state = T_RUNNING;
    if (w->nin == 0) {
        w->started_ms = now_ms();
        w->extra_ms = 0;
    }
    w->inflight[w->nin++] = ti;
    return rc; /* a failed write shows up as a dead worker on the next poll */
}

/* The head document is finished (or failed): the next one starts now. */
static long pop_inflight(struct worker *w)
{
    if (w->nin == 0)
        return -1;
    long ti = w->inflight[0];
    memmove(w->inflight, w->inflight + 1, (size_t)(w->nin - 1) * sizeof *w->inflight);
    w->nin--;
    w->started_ms = now_ms();
    w->extra_ms = 0;
    return ti;
}

/* The supervisor's view of a finished document, from the worker's result. */
static struct intake_doc *build_doc(json_object *res, const char *text, uint64_t tl,
                                    struct intake_error *err)
{
    const char *id = jstr(res, "id");
    struct intake_doc *doc = intake_doc_create_with_id(id, jstr(res, "mime"));
    if (!doc) {
        INTAKE_ERR(err, INTAKE_EINTERNAL, "bad result from worker");
        return NULL;
    }
    json_object *ents;
    size_t n = 0;
    if (json_object_object_get_ex(res, "ents", &ents) && json_object_is_type(ents, json_type_array))
        n = json_object_array_length(ents);
    struct intake_span *sp = calloc(n ? n : 1, sizeof *sp);
    int rc = sp ? 0 : INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        json_object *a = json_object_array_get_idx(ents, i);
        sp[i].start = (uint64_t)json_object_get_int64(json_object_array_get_idx(a, 0));
        sp[i].end = (uint64_t)json_object_get_int64(json_object_array_get_idx(a, 1));
        sp[i].label = (uint32_t)json_object_get_int(json_object_array_get_idx(a, 2));
        sp[i].source = (uint32_t)json_object_get_int(json_object_array_get_idx(a, 3));
        sp[i].score = (float)json_object_get_double(json_object_array_get_idx(a, 4));
    }
    const char *lang = jstr(res, "lang"), *name = jstr(res, "name");
    if (rc == 0 && lang)
        rc = intake_doc_set_lang(doc, lang, err);
    if (rc == 0)
        rc = intake_doc_set_redaction(doc, text ? text : "", (size_t)tl, sp, n);
    if (rc == 0 && name)
        rc = intake_doc_set_source_name(doc, name);
    if (rc == 0)
        rc = intake_doc_meta_set(doc, "size", jstr(res, "size") ? jstr(res, "size") : "0", err);
    if (rc == 0)
        rc = intake_doc_meta_set(doc, "pages", jstr(res, "pages") ? jstr(res, "pages") : "0", err);
    free(sp);
    if (rc) {
        intake_doc_destroy(doc);
        return NULL;
    }
    return doc;
}

/*
** Commit finished documents [from, to) of the pending list in ONE
** transaction: for each, the index plugins write and the job is marked
** done; then COMMIT. All of them become visible together or none does, so
** exactly-once holds per document while the fsync and transaction cost is
** shared (group commit).
*/
static int commit_group(struct run *R, size_t from, size_t to, struct intake_error *err)
{
    void *db = NULL;
    int rc = R->ops->commit_begin(R->store, &db, err);
    for (size_t i = from; rc == 0 && i < to; i++) {
        struct pending *p = &R->pend[i];
        struct intake_doc *doc = build_doc(p->res, p->blob, p->bl, err);
        if (!doc) {
            rc = err->code ? err->code : INTAKE_EINTERNAL;
            break;
        }
        rc = intake_engine_index(R->e, doc, db, err);
        if (rc == 0)
            rc = p->child
                     ? R->ops->child_done(
                           R->store, p->id, p->parent,
                           (uint64_t)atoll(jstr(p->res, "size") ? jstr(p->res, "size") : "0"), err)
                     : R->ops->job_done(R->store, R->tasks[p->ti].id, err);
        intake_doc_destroy(doc);
    }
    if (rc == 0)
        return R->ops->commit_end(R->store, err);
    R->ops->commit_abort(R->store);
    return rc;
}

/* A path a worker reported: a plain file in a folder inside the store. */
static int export_path_ok(const char *rel)
{
    const char *slash = rel ? strrchr(rel, '/') : NULL;
    if (!slash || slash == rel || strlen(rel) >= 1024)
        return 0;
    char dir[1024];
    memcpy(dir, rel, (size_t)(slash - rel));
    dir[slash - rel] = '\0';
    const char *name = slash + 1;
    return intake_store_dir_ok(dir) && name[0] && name[0] != '.';
}

static void unlink_export(const struct run *R, const char *rel)
{
    char p[PATH_MAX + 1100];
    snprintf(p, sizeof p, "%s/%s", R->store_dir, rel);
    unlink(p);
}

/* A "wrote" frame: remember the file until its document is claimed. */
static int note_wrote(struct worker *w, json_object *res)
{
    const char *id = jstr(res, "id"), *rel = jstr(res, "wrote");
    if (!id || strlen(id) != 64 || !export_path_ok(rel))
        return 0; /* not ours to remove: ignore */
    if (w->nwrote == w->wrote_cap) {
        size_t cap = w->wrote_cap ? w->wrote_cap * 2 : 8;
        struct export_rec *r = realloc(w->wrote, cap * sizeof *r);
        if (!r)
            return -1;
        w->wrote = r;
        w->wrote_cap = cap;
    }
    struct export_rec *r = &w->wrote[w->nwrote];
    if (!(r->path = strdup(rel)))
        return -1;
    memcpy(r->id, id, 65);
    w->nwrote++;
    return 0;
}

/* Move \p w's records of document \p id into \p p, which now owns them.
 * Out of memory: the file is removed now (the document is then missing an
 * export, never holding one of a failed document). */
static void claim_exports(const struct run *R, struct worker *w, const char *id, struct pending *p)
{
    size_t j = 0;
    for (size_t i = 0; i < w->nwrote; i++) {
        struct export_rec *r = &w->wrote[i];
        if (strcmp(r->id, id) != 0) {
            w->wrote[j++] = *r;
            continue;
        }
        char **e = realloc(p->exports, (p->nexports + 1) * sizeof *e);
        if (e) {
            p->exports = e;
            p->exports[p->nexports++] = r->path;
        } else {
            unlink_export(R, r->path);
            free(r->path);
        }
    }
    w->nwrote = j;
}

/* The worker's unclaimed exports go: their document failed or never finished. */
static void drop_worker_exports(const struct run *R, struct worker *w)
{
    for (size_t i = 0; i < w->nwrote; i++) {
        unlink_export(R, w->wrote[i].path);
        free(w->wrote[i].path);
    }
    w->nwrote = 0;
}

/* Everything exported for a pending document that will not be committed. */
static void remove_pending_exports(struct run *R, struct pending *p)
{
    for (size_t i = 0; i < p->nexports; i++)
        unlink_export(R, p->exports[i]);
    /* and what a worker may have renamed into place just before it died */
    if (p->child)
        remove_exports_id(R, p->id);
    else if (p->ti >= 0)
        remove_exports_id(R, R->tasks[p->ti].id);
}

static void pending_clear(struct pending *p)
{
    for (size_t i = 0; i < p->nexports; i++)
        free(p->exports[i]);
    free(p->exports);
    json_object_put(p->res);
    if (p->blob) {
        explicit_bzero(p->blob, p->bl);
        free(p->blob);
    }
    memset(p, 0, sizeof *p);
}

/* Drop the children of a worker's head document (it failed, or the worker
 * died): nothing of them is committed, and what they exported goes too. */
static void drop_kids(struct run *R, struct worker *w)
{
    for (size_t i = 0; i < w->nkids; i++) {
        remove_pending_exports(R, &w->kids[i]);
        pending_clear(&w->kids[i]);
    }
    w->nkids = 0;
}

/* A child result of the worker's head document: kept until its parent's. */
static int add_kid(struct worker *w, json_object *res, const char *blob, uint64_t bl)
{
    const char *id = jstr(res, "id"), *parent = jstr(res, "child_of");
    if (!id || !parent || strlen(id) != 64 || strlen(parent) != 64)
        return -1;
    if (w->nkids == w->kids_cap) {
        size_t cap = w->kids_cap ? w->kids_cap * 2 : 8;
        struct pending *k = realloc(w->kids, cap * sizeof *k);
        if (!k)
            return -1;
        w->kids = k;
        w->kids_cap = cap;
    }
    struct pending *p = &w->kids[w->nkids];
    memset(p, 0, sizeof *p);
    p->blob = malloc(bl + 1);
    if (!p->blob)
        return -1;
    memcpy(p->blob, blob, bl);
    p->blob[bl] = '\0';
    p->bl = bl;
    p->res = json_object_get(res);
    p->ti = w->nin ? w->inflight[0] : -1;
    p->child = 1;
    memcpy(p->id, id, 65);
    memcpy(p->parent, parent, 65);
    w->nkids++;
    return 0;
}

/* Room for \p n more pending entries. */
static int pend_reserve(struct run *R, size_t n)
{
    if (R->npend + n <= R->pend_cap)
        return 0;
    size_t cap = R->pend_cap ? R->pend_cap : PEND_MAX;
    while (cap < R->npend + n)
        cap *= 2;
    struct pending *p = realloc(R->pend, cap * sizeof *p);
    if (!p)
        return -1;
    R->pend = p;
    R->pend_cap = cap;
    return 0;
}

static void committed(struct run *R, struct pending *p)
{
    struct task *t = &R->tasks[p->ti];
    json_object *ents;
    if (json_object_object_get_ex(p->res, "ents", &ents) &&
        json_object_is_type(ents, json_type_array)) {
        for (size_t i = 0, n = json_object_array_length(ents); i < n; i++) {
            int l = json_object_get_int(
                json_object_array_get_idx(json_object_array_get_idx(ents, i), 2));
            if (l > 0 && l < INTAKE_LABEL_COUNT)
                R->ents[l]++;
        }
    }
    if (p->child) {
        R->n_children++;
        return;
    }
    t->state = T_DONE;
    R->n_done++;
    R->bytes_done += t->size;
    json_object *x = json_object_new_object();
    json_object_object_add(x, "ms", json_object_new_int64(p->ms));
    if (jstr(p->res, "name"))
        json_object_object_add(x, "name", json_object_new_string(jstr(p->res, "name")));
    event(R, "done", t, "detail", x);
    final(R, p->ti, INTAKE_SUP_DONE, NULL);
}

/* Commit what is pending when the group is full, old enough, or \p force. */
static void flush(struct run *R, int force)
{
    if (!R->npend || (!force && R->npend < PEND_MAX && now_ms() - R->pend_since < PEND_MS))
        return;
    struct intake_error err;
    intake_error_clear(&err);
    int64_t t0 = now_ms();
    /* What the workers exported must be on disk before "done" is. */
    int src = intake_store_sync(R->store_dir, &err);
    int grc = src ? src : commit_group(R, 0, R->npend, &err);
    R->commit_ms += now_ms() - t0;
    R->ncommits++;
    if (grc == 0) {
        for (size_t i = 0; i < R->npend; i++)
            committed(R, &R->pend[i]);
    } else if (grc == INTAKE_ENOSPC) {
        for (size_t i = 0; i < R->npend; i++) {
            remove_pending_exports(R, &R->pend[i]); /* done again later; frees room now */
            if (!R->pend[i].child)
                store_is_full(R, R->pend[i].ti);
        }
    } else if (src) {
        /* Not durable, so not done: each document costs an attempt. */
        for (size_t i = 0; i < R->npend; i++) {
            remove_pending_exports(R, &R->pend[i]);
            if (!R->pend[i].child)
                failed(R, R->pend[i].ti, INTAKE_EIO, err.msg);
        }
    } else {
        /* One bad document must not sink the others: commit one by one, a
         * document with its children (which come just before it). */
        for (size_t i = 0, from = 0; i < R->npend; i++) {
            if (R->pend[i].child)
                continue;
            intake_error_clear(&err);
            int rc = commit_group(R, from, i + 1, &err);
            for (size_t k = from; rc == 0 && k <= i; k++)
                committed(R, &R->pend[k]);
            if (rc) {
                for (size_t k = from; k <= i; k++)
                    remove_pending_exports(R, &R->pend[k]);
                failed(R, R->pend[i].ti,
                       rc == INTAKE_ERETRY || rc == INTAKE_ENOSPC ? rc : INTAKE_EINTERNAL, err.msg);
            }
            from = i + 1;
        }
    }
    for (size_t i = 0; i < R->npend; i++)
        pending_clear(&R->pend[i]);
    R->npend = 0;
}

static void on_result(struct run *R, struct worker *w, json_object *res, const char *blob,
                      uint64_t bl)
{
    int64_t started = w->started_ms;
    long ti = pop_inflight(w);
    if (ti < 0 || jint(res, "seq") != ti)
        return;
    struct task *t = &R->tasks[ti];
    (void)t;
    json_object *okv;
    int ok = json_object_object_get_ex(res, "ok", &okv) && json_object_get_boolean(okv);
    json_object *gv;
    if (!ok && R->daemon && json_object_object_get_ex(res, "gone", &gv) &&
        json_object_get_boolean(gv)) {
        /* Deleted or replaced in the inbox after it was hashed: not this
         * content's fault. Its job is dropped; the source looks again. */
        struct intake_error err;
        if (R->ops->job_forget(R->store, t->id, &err))
            intake_log(INTAKE_LOG_WARN, "%s", err.msg);
        drop_worker_exports(R, w);
        drop_kids(R, w);
        event(R, "gone", t, NULL, NULL);
        final(R, ti, INTAKE_SUP_GONE, jstr(res, "reason"));
        return;
    }
    if (!ok) {
        drop_worker_exports(R, w);
        drop_kids(R, w);
        failed(R, ti, (int)jint(res, "code"), jstr(res, "reason") ? jstr(res, "reason") : "failed");
        return;
    }
    char *copy = malloc(bl + 1);
    if (!copy || pend_reserve(R, w->nkids + 1)) {
        free(copy);
        drop_worker_exports(R, w);
        drop_kids(R, w);
        failed(R, ti, INTAKE_ENOMEM, "out of memory in the supervisor");
        return;
    }
    memcpy(copy, blob, bl);
    copy[bl] = '\0';
    if (R->npend == 0)
        R->pend_since = now_ms();
    /* its children first: the group they commit in always holds the parent */
    for (size_t k = 0; k < w->nkids; k++)
        R->pend[R->npend++] = w->kids[k];
    w->nkids = 0;
    struct pending *p = &R->pend[R->npend++];
    memset(p, 0, sizeof *p);
    p->ti = ti;
    p->res = json_object_get(res);
    p->bl = bl;
    p->ms = now_ms() - started;
    p->blob = copy;
    claim_exports(R, w, jstr(res, "id") ? jstr(res, "id") : t->id, p);
    drop_worker_exports(R, w); /* anything left belongs to no document that commits */
    t->state = T_COMMITTING;
    flush(R, 0);
}

/* Read what is available from a worker; handle a complete frame. Returns -1
 * when the worker is gone. */
static int pump(struct run *R, struct worker *w)
{
    if (w->cap - w->len < 65536) {
        size_t cap = w->cap ? w->cap * 2 : 1 << 20;
        unsigned char *b = realloc(w->buf, cap);
        if (!b)
            return -1;
        w->buf = b;
        w->cap = cap;
    }
    ssize_t r = read(w->fd, w->buf + w->len, w->cap - w->len);
    if (r < 0 && (errno == EINTR || errno == EAGAIN))
        return 0;
    if (r <= 0)
        return -1;
    w->len += (size_t)r;
    while (w->len >= 16) {
        uint32_t h[2];
        uint64_t bl;
        memcpy(h, w->buf, 8);
        memcpy(&bl, w->buf + 8, 8);
        if (h[0] != FRAME_MAGIC || h[1] > MAX_JSON || bl > MAX_BLOB)
            return -1;
        size_t need = 16 + h[1] + (size_t)bl;
        if (w->len < need)
            return 0;
        char *js = strndup((char *)w->buf + 16, h[1]);
        json_object *res = js ? json_tokener_parse(js) : NULL;
        free(js);
        if (!res)
            return -1;
        json_object *pg;
        if (jstr(res, "wrote")) {
            if (note_wrote(w, res)) {
                json_object_put(res);
                return -1; /* out of memory: the worker is treated as dead */
            }
        } else if (json_object_object_get_ex(res, "ocr_pages", &pg)) {
            /* progress of the head document (or one of its children) */
            int64_t n = json_object_get_int64(pg);
            if (n > 0 && n < 1000000)
                w->extra_ms += n * R->set.page_timeout_ms;
        } else if (jstr(res, "child_of")) {
            if (add_kid(w, res, (const char *)w->buf + 16 + h[1], bl)) {
                json_object_put(res);
                return -1; /* out of memory: the worker is treated as dead */
            }
            struct pending *kid = &w->kids[w->nkids - 1];
            claim_exports(R, w, kid->id, kid);
        } else {
            on_result(R, w, res, (const char *)w->buf + 16 + h[1], bl);
        }
        json_object_put(res);
        /* Redacted text only, but zero it anyway before reuse. */
        memmove(w->buf, w->buf + need, w->len - need);
        w->len -= need;
    }
    return 0;
}

/* ---- input enumeration ------------------------------------------------ */

static struct run *walk_run; /* nftw has no user pointer; set only during the walk */
static const char *walk_root_name;
static size_t walk_root_len;

static int add_task(struct run *R, const char *path, const char *name)
{
    if (R->ntasks == R->cap) {
        size_t cap = R->cap ? R->cap * 2 : 64;
        struct task *t = realloc(R->tasks, cap * sizeof *t);
        if (!t)
            return -1;
        R->tasks = t;
        R->cap = cap;
    }
    struct task *t = &R->tasks[R->ntasks];
    memset(t, 0, sizeof *t);
    t->path = strdup(path);
    t->name = strdup(name);
    if (!t->path || !t->name)
        return -1;
    R->ntasks++;
    return 0;
}

static int walk_cb(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (type != FTW_F)
        return 0;
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s%s", walk_root_name, path + walk_root_len);
    return add_task(walk_run, path, name) ? -1 : 0;
}

static const struct task *sort_tasks; /* qsort has no user pointer; set only while sorting */

/* By id, then by position (= path order), so the first of equals is kept. */
static int cmp_by_id(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    int c = strcmp(sort_tasks[x].id, sort_tasks[y].id);
    return c ? c : (x < y ? -1 : x > y);
}

static int cmp_task(const void *a, const void *b)
{
    return strcmp(((const struct task *)a)->path, ((const struct task *)b)->path);
}

int intake_hash_file(const char *path, char id[65], uint64_t *size, char *why, size_t wl)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, wl, "cannot read: %s", strerror(errno));
        return -1;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[1 << 16], md[32];
    unsigned mdl = 0;
    uint64_t n = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (ssize_t r; ok && (r = read(fd, buf, sizeof buf)) != 0;) {
        if (r < 0) {
            if (errno == EINTR)
                continue;
            snprintf(why, wl, "read error: %s", strerror(errno));
            ok = 0;
            break;
        }
        n += (uint64_t)r;
        ok = EVP_DigestUpdate(ctx, buf, (size_t)r);
    }
    if (ok)
        ok = EVP_DigestFinal_ex(ctx, md, &mdl) && mdl == 32;
    EVP_MD_CTX_free(ctx);
    close(fd);
    if (!ok) {
        if (!why[0])
            snprintf(why, wl, "cannot hash");
        return -1;
    }
    for (int i = 0; i < 32; i++)
        snprintf(id + 2 * i, 3, "%02x", md[i]);
    *size = n;
    return 0;
}

static const char *base_name(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/')
        n--;
    const char *s = p + n;
    while (s > p && s[-1] != '/')
        s--;
    return s;
}

static int collect(struct run *R, char **paths, int npaths)
{
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            fprintf(stderr, "intake: %s: %s\n", paths[i], strerror(errno));
            R->n_unreadable++;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            char root[PATH_MAX];
            snprintf(root, sizeof root, "%s", paths[i]);
            size_t rl = strlen(root);
            while (rl > 1 && root[rl - 1] == '/')
                root[--rl] = '\0';
            /* Names are relative to the folder's parent: "case-117/a.pdf". */
            char rootname[PATH_MAX];
            snprintf(rootname, sizeof rootname, "%s", base_name(root));
            size_t rnl = strlen(rootname);
            while (rnl > 1 && rootname[rnl - 1] == '/')
                rootname[--rnl] = '\0';
            walk_run = R;
            walk_root_name = rootname;
            walk_root_len = rl;
            int rc = nftw(root, walk_cb, 32, FTW_PHYS);
            walk_run = NULL;
            if (rc != 0) {
                fprintf(stderr, "intake: %s: cannot walk folder: %s\n", paths[i], strerror(errno));
                R->n_unreadable++;
            }
        } else if (S_ISREG(st.st_mode)) {
            if (add_task(R, paths[i], base_name(paths[i])))
                return -1;
        } else {
            fprintf(stderr, "intake: %s: not a regular file or folder\n", paths[i]);
            R->n_unreadable++;
        }
    }
    if (R->ntasks > 1) /* qsort(NULL, 0) is undefined */
        qsort(R->tasks, R->ntasks, sizeof *R->tasks, cmp_task);
    return 0;
}

static void summary(struct run *R)
{
    clear_line(R);
    double secs = (double)(now_ms() - R->t0) / 1000.0;
    fprintf(stderr,
            "intake: %zu files: %zu done, %zu skipped (duplicates), %zu quarantined%s in %.1f s "
            "(%.2f MB/s, %.1f docs/s)\n",
            R->files_total, R->n_done, R->n_skipped, R->n_quar + R->n_unreadable,
            R->n_unreadable ? " (incl. unreadable)" : "", secs,
            secs > 0 ? (double)R->bytes_done / 1e6 / secs : 0.0,
            secs > 0 ? (double)R->n_done / secs : 0.0);
    char line[1024] = "";
    size_t off = 0;
    json_object *ents = json_object_new_object();
    for (uint32_t l = 1; l < INTAKE_LABEL_COUNT; l++) {
        if (!R->ents[l])
            continue;
        off += (size_t)snprintf(line + off, sizeof line - off, " %s %lu", intake_label_name(l),
                                R->ents[l]);
        json_object_object_add(ents, intake_label_name(l),
                               json_object_new_int64((int64_t)R->ents[l]));
        if (off >= sizeof line)
            break;
    }
    fprintf(stderr, "intake: entities found:%s\n", off ? line : " none");
    if (R->n_children)
        fprintf(stderr,
                "intake: with them %zu attachments and archive members, each its own "
                "document\n",
                R->n_children);

    json_object *x = json_object_new_object();
    json_object_object_add(x, "files", json_object_new_int64((int64_t)R->files_total));
    json_object_object_add(x, "done", json_object_new_int64((int64_t)R->n_done));
    json_object_object_add(x, "children", json_object_new_int64((int64_t)R->n_children));
    json_object_object_add(x, "skipped", json_object_new_int64((int64_t)R->n_skipped));
    json_object_object_add(x, "quarantined",
                           json_object_new_int64((int64_t)(R->n_quar + R->n_unreadable)));
    json_object_object_add(x, "seconds", json_object_new_double(secs));
    json_object_object_add(x, "entities", ents);
    event(R, "summary", NULL, "summary", x);
}

/*
** One supervisor per store: a second `intake batch` on the same store
** would commit beside us. The lock is a flock on <store>/.lock, released by
** the kernel when we exit, however we exit (kill -9 included).
*/
static int lock_store(const char *dir, struct intake_error *err)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/.lock", dir);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0)
        return INTAKE_ERR(err, INTAKE_EIO, "store %s: cannot create lock: %s", dir,
                          strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        close(fd);
        return INTAKE_ERR(err, INTAKE_ECONFIG, "store %s is in use by another intake process", dir);
    }
    return fd; /* kept open for the whole run */
}

/* Temporary files of writers killed mid-write (".<name>.<pid>.tmp") in the
 * store's folders: those of \p pid, or with pid 0 all of them (at start and
 * end, when the lock is held and no worker runs). */
static void remove_stale_temps(const char *dir, pid_t pid)
{
    char suffix[32];
    snprintf(suffix, sizeof suffix, ".%ld.tmp", (long)pid);
    size_t sl = strlen(suffix);
    if (!dir)
        return;
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        char sub[PATH_MAX];
        snprintf(sub, sizeof sub, "%s/%s", dir, de->d_name);
        DIR *s = opendir(sub);
        if (!s)
            continue;
        struct dirent *f;
        while ((f = readdir(s))) {
            size_t n = strlen(f->d_name);
            if (f->d_name[0] == '.' && n > 5 && strcmp(f->d_name + n - 4, ".tmp") == 0 &&
                (!pid || (n > sl && strcmp(f->d_name + n - sl, suffix) == 0)))
                unlinkat(dirfd(s), f->d_name, 0);
        }
        closedir(s);
    }
    closedir(d);
}

/* Worker and extra pollfds, grown as needed. */
static struct pollfd *pollfds(struct run *R, size_t n)
{
    if (n > R->pfcap) {
        struct pollfd *p = realloc(R->pf, n * sizeof *p);
        if (!p)
            return NULL;
        R->pf = p;
        R->pfcap = n;
    }
    return R->pf;
}

/* Kill a worker's documents' process; the head takes the blame. */
static void worker_died(struct run *R, struct worker *w)
{
    char why[256];
    reap(R, w, why, sizeof why);
    /* The head was being processed: it takes the blame.
     * The ones queued behind it go back untouched. */
    drop_worker_exports(R, w);
    drop_kids(R, w);
    long head = pop_inflight(w);
    while (w->nin > 0)
        requeue_front(R, w->inflight[--w->nin]);
    if (head >= 0)
        failed(R, head, INTAKE_EINTERNAL, why);
}

/*
** One turn of the supervisor: keep every worker fed (DEPTH documents
** ahead), wait up to timeout_ms for a result or an extra fd, kill workers
** past the deadline or the memory limit, commit finished groups. The
** batch loop and the watcher both turn this crank. Returns -1 when a worker
** cannot be started (a configuration problem), 1 when there is nothing to
** do and no extra fd to wait for, else 0.
*/
static int run_step(struct run *R, int timeout_ms, struct pollfd *extra, int nextra, int go)
{
    struct intake_error err;
    intake_error_clear(&err);
    struct pollfd *pf = pollfds(R, (size_t)R->nworkers + (size_t)nextra + 1);
    if (!pf)
        return -1;
    int busy = 0, rc = 0;
    if (R->store_full) {
        if (R->daemon && now_ms() - R->full_since >= R->set.full_retry_ms)
            R->store_full = 0; /* try again: one document tells whether there is room */
        else
            go = 0;
    }
    for (int i = 0; i < R->nworkers; i++) {
        struct worker *w = &R->w[i];
        if (go && w->fd < 0 && R->qhead < R->qtail && spawn(R, w, &err)) {
            intake_log(INTAKE_LOG_ERROR, "%s", err.msg);
            rc = -1;
            go = 0;
        }
        while (go && w->fd >= 0 && wants_more(R, w))
            dispatch(R, w);
        busy += w->nin > 0;
        pf[i].fd = w->fd;
        pf[i].events = POLLIN;
        pf[i].revents = 0;
    }
    for (int k = 0; k < nextra; k++) {
        pf[R->nworkers + k] = extra[k];
        pf[R->nworkers + k].revents = 0;
    }
    flush(R, 0);
    if (!busy && (R->qhead == R->qtail || !go)) {
        flush(R, 1); /* idle: nothing to group with; a failed commit may requeue */
        if (nextra == 0 && (R->qhead == R->qtail || !go))
            return rc ? rc : 1;
    }
    if (busy && timeout_ms > 100)
        timeout_ms = 100; /* deadlines and memory are checked between polls */
    int n = poll(pf, (nfds_t)(R->nworkers + nextra), timeout_ms);
    if (n < 0 && errno != EINTR)
        return -1;
    for (int k = 0; k < nextra; k++)
        extra[k].revents = n > 0 ? pf[R->nworkers + k].revents : 0;
    int64_t t = now_ms();
    for (int i = 0; i < R->nworkers; i++) {
        struct worker *w = &R->w[i];
        if (w->fd < 0)
            continue;
        if (w->nin > 0 && !w->kill_reason[0]) {
            if (t - w->started_ms > R->set.timeout_ms + w->extra_ms) {
                snprintf(w->kill_reason, sizeof w->kill_reason, "timed out after %lld ms",
                         (long long)(R->set.timeout_ms + w->extra_ms));
                kill(w->pid, SIGKILL);
            } else if (R->set.memory_limit > 0 && t - w->mem_seen_ms >= 50) {
                /* Read at most every 50 ms: reading /proc at every result
                 * was a tenth of the supervisor's time. RLIMIT_AS in the
                 * worker holds meanwhile. */
                w->mem_seen_ms = t;
                if (rss_bytes(w->pid) > R->set.memory_limit) {
                    snprintf(w->kill_reason, sizeof w->kill_reason,
                             "exceeded the memory limit of %lld MB",
                             (long long)(R->set.memory_limit >> 20));
                    kill(w->pid, SIGKILL);
                }
            }
        }
        if (n > 0 && (pf[i].revents & (POLLIN | POLLHUP | POLLERR)) && pump(R, w) < 0)
            worker_died(R, w);
    }
    progress(R, 0);
    return rc;
}

/* Engine, store, lock and index state: everything but the inputs. */
static int run_open(struct run *R, const char *config_path, const char *config_text,
                    const char *const *overrides, const char *store_dir, int jobs,
                    struct intake_error *err)
{
    R->lock_fd = -1;
    umask(027); /* the store is for the agency's eyes until it is handed over */
    R->t0 = now_ms();
    R->store_dir = store_dir;
    int rc = intake_engine_create_with(config_path, config_text, overrides, &R->e, err);
    if (rc)
        return rc;
    intake_engine_settings(R->e, &R->set);
    if (jobs > 0)
        R->set.jobs = jobs;
    if (R->set.jobs <= 0)
        R->set.jobs = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    intake_engine_set_store(R->e, store_dir);
    /* Exports are made durable by one syncfs per commit group (flush). */
    intake_engine_defer_store_sync(R->e, 1);
    if (intake_policy_key_inside(intake_engine_policy(R->e), store_dir))
        return INTAKE_ERR(err, INTAKE_ECONFIG,
                          "refusing to run: the pseudonym key lies inside the store %s, "
                          "which is meant to be shared",
                          store_dir);
    R->ops = intake_store_for(store_dir);
    if ((rc = R->ops->open(store_dir, 0, &R->store, err)))
        return rc;
    if ((R->lock_fd = lock_store(store_dir, err)) < 0)
        return err->code ? err->code : INTAKE_EIO;
    remove_stale_temps(store_dir, 0);
    /* The supervisor is the single index writer: its own index worker state. */
    return intake_engine_worker_init_stages(R->e, INTAKE_STAGE_BIT(INTAKE_STAGE_INDEX), err);
}

/* Close the workers: an idle one exits at EOF, a busy one is killed (its
 * documents stay pending in the store for the next run). */
static void stop_workers(struct run *R)
{
    for (int i = 0; R->w && i < R->nworkers; i++) {
        if (R->w[i].fd >= 0) {
            close(R->w[i].fd);
            if (R->w[i].nin > 0)
                kill(R->w[i].pid, SIGKILL);
            waitpid(R->w[i].pid, NULL, 0);
            R->w[i].fd = -1;
            R->w[i].nin = 0;
        }
        free(R->w[i].buf);
        drop_worker_exports(R, &R->w[i]); /* their documents stay pending */
        free(R->w[i].wrote);
        R->w[i].wrote = NULL;
        R->w[i].wrote_cap = 0;
        drop_kids(R, &R->w[i]);
        free(R->w[i].kids);
        R->w[i].buf = NULL;
        R->w[i].len = R->w[i].cap = 0;
    }
}

static void run_close(struct run *R)
{
    stop_workers(R);
    free(R->w);
    for (size_t i = 0; i < R->npend; i++)
        pending_clear(&R->pend[i]);
    free(R->pend);
    free(R->queue);
    free(R->pf);
    free(R->freel);
    if (R->ncommits) { /* after the workers are reaped, so their time counts */
        struct rusage self, kids;
        getrusage(RUSAGE_SELF, &self);
        getrusage(RUSAGE_CHILDREN, &kids);
        intake_log(INTAKE_LOG_DEBUG,
                   "index: %ld transactions, %lld ms; cpu: supervisor %.2f s, workers %.2f s",
                   R->ncommits, (long long)R->commit_ms,
                   (double)self.ru_utime.tv_sec + self.ru_utime.tv_usec / 1e6 +
                       self.ru_stime.tv_sec + self.ru_stime.tv_usec / 1e6,
                   (double)kids.ru_utime.tv_sec + kids.ru_utime.tv_usec / 1e6 +
                       kids.ru_stime.tv_sec + kids.ru_stime.tv_usec / 1e6);
    }
    for (size_t i = 0; i < R->ntasks; i++) {
        free(R->tasks[i].path);
        free(R->tasks[i].name);
    }
    free(R->tasks);
    if (R->store)
        R->ops->close(R->store);
    if (R->lock_fd >= 0) {
        /* Again at the end: a worker of a killed earlier run may have been
         * still dying when we started. */
        remove_stale_temps(R->store_dir, 0);
        close(R->lock_fd);
    }
    intake_engine_destroy(R->e);
}

static int alloc_workers(struct run *R, int n)
{
    R->nworkers = n;
    R->w = calloc(n ? (size_t)n : 1, sizeof *R->w);
    if (!R->w)
        return -1;
    for (int i = 0; i < n; i++)
        R->w[i].fd = -1;
    return 0;
}

int intake_batch_run(const struct intake_batch_opts *o)
{
    struct run R_, *R = &R_;
    memset(R, 0, sizeof *R);
    R->tty = isatty(STDERR_FILENO) && isatty(STDOUT_FILENO);
    struct intake_error err;
    intake_error_clear(&err);
    int exit_code = 2;

    if (run_open(R, o->config_path, NULL, o->overrides, o->store_dir, o->jobs, &err)) {
        fprintf(stderr, "intake: %s\n", err.msg);
        goto out;
    }
    if (collect(R, o->paths, o->npaths)) {
        fprintf(stderr, "intake: out of memory\n");
        goto out;
    }
    R->files_total = R->ntasks + R->n_unreadable;
    R->qcap = R->ntasks + 1;
    R->queue = calloc(R->qcap, sizeof *R->queue);
    if (!R->queue)
        goto out;

    {
        json_object *x = json_object_new_object();
        json_object_object_add(x, "files", json_object_new_int64((int64_t)R->files_total));
        json_object_object_add(x, "jobs", json_object_new_int64(R->set.jobs));
        event(R, "start", NULL, "run", x);
    }
    /* Hash every input: the SHA-256 is the document id and the job key. */
    exit_code = 0;
    for (size_t i = 0; i < R->ntasks && !stop_requested; i++) {
        struct task *t = &R->tasks[i];
        char why[256] = "";
        if (intake_hash_file(t->path, t->id, &t->size, why, sizeof why)) {
            t->id[0] = '\0';
            t->state = T_UNREADABLE;
            R->n_unreadable++;
            fprintf(stderr, "intake: %s: %s\n", t->path, why);
            continue;
        }
        R->bytes_total += t->size;
    }
    /* Same content twice in this run: the first (in path order) is the
     * document, the others are duplicates. Sorting keeps this O(n log n). */
    size_t *order = malloc((R->ntasks ? R->ntasks : 1) * sizeof *order);
    if (!order) {
        exit_code = 2;
        goto out;
    }
    for (size_t i = 0; i < R->ntasks; i++)
        order[i] = i;
    sort_tasks = R->tasks;
    if (R->ntasks > 1)
        qsort(order, R->ntasks, sizeof *order, cmp_by_id);
    sort_tasks = NULL;
    for (size_t k = 1; k < R->ntasks; k++) {
        struct task *a = &R->tasks[order[k - 1]], *b = &R->tasks[order[k]];
        if (a->id[0] && strcmp(a->id, b->id) == 0)
            b->state = T_SKIPPED; /* b comes later in path order: see cmp_by_id */
    }
    free(order);

    /* Ask the store what is already done; queue the rest in one transaction. */
    void *db_unused = NULL;
    if (R->ops->commit_begin(R->store, &db_unused, &err)) {
        fprintf(stderr, "intake: %s\n", err.msg);
        exit_code = 2;
        goto out;
    }
    for (size_t i = 0; i < R->ntasks; i++) {
        struct task *t = &R->tasks[i];
        if (t->state == T_UNREADABLE)
            continue;
        struct intake_job job = {0};
        int dup = t->state == T_SKIPPED;
        if (!dup && R->ops->job_get(R->store, t->id, &job, &err)) {
            fprintf(stderr, "intake: %s\n", err.msg);
            R->ops->commit_abort(R->store);
            exit_code = 2;
            goto out;
        }
        if (dup || job.state == INTAKE_JOB_DONE) {
            t->state = T_SKIPPED;
            R->n_skipped++;
            R->bytes_done += t->size;
            event(R, "skipped", t, "why",
                  json_object_new_string(dup ? "duplicate in this run" : "already processed"));
        } else if (job.state == INTAKE_JOB_QUARANTINED) {
            t->state = T_QUARANTINED;
            R->n_quar++;
            R->bytes_done += t->size;
            clear_line(R);
            fprintf(stderr, "intake: %s: quarantined earlier: %s\n", t->path, job.reason);
            event(R, "quarantined", t, "reason", json_object_new_string(job.reason));
        } else {
            if (R->ops->job_enqueue(R->store, t->id, t->size, &err)) {
                fprintf(stderr, "intake: %s\n", err.msg);
                R->ops->commit_abort(R->store);
                exit_code = 2;
                goto out;
            }
            R->queue[R->qtail++] = (long)i;
        }
    }
    if (R->ops->commit_end(R->store, &err)) {
        fprintf(stderr, "intake: %s\n", err.msg);
        exit_code = 2;
        goto out;
    }
    size_t nq = R->qtail - R->qhead;
    if (alloc_workers(R, (int)(nq < (size_t)R->set.jobs ? nq : (size_t)R->set.jobs))) {
        exit_code = 2;
        goto out;
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    for (int i = 0; i < R->nworkers; i++) {
        if (spawn(R, &R->w[i], &err)) {
            fprintf(stderr, "intake: %s\n", err.msg);
            exit_code = 2;
            goto out;
        }
    }

    while (!stop_requested) {
        int rc = run_step(R, 100, NULL, 0, 1);
        if (rc < 0) {
            exit_code = 2;
            break;
        }
        if (rc == 1)
            break; /* drained */
    }
    flush(R, 1); /* finished work is committed, even when stopping */
    if (R->store_full) {
        clear_line(R);
        fprintf(stderr,
                "intake: stopped: the store's file system is full; %zu documents stay "
                "queued: free space and run the same command again\n",
                (size_t)(R->qtail - R->qhead));
        exit_code = 2;
    } else if (stop_requested) {
        clear_line(R);
        fprintf(stderr, "intake: stopped; documents not finished stay queued for the next run\n");
        exit_code = 2;
    }
    summary(R);
    if (exit_code == 0 && (R->n_quar || R->n_unreadable))
        exit_code = 1;
out:
    run_close(R);
    return exit_code;
}

/* ---- the supervisor API for long-running sources (supervisor.h) -------- */

struct intake_sup {
    struct run R;
};

int intake_sup_open(const struct intake_sup_opts *o, struct intake_sup **out,
                    struct intake_error *err)
{
    *out = NULL;
    struct intake_sup *s = calloc(1, sizeof *s);
    if (!s)
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    struct run *R = &s->R;
    R->daemon = 1;
    R->on_final = o->on_final;
    R->user = o->user;
    int rc = run_open(R, o->config_path, o->config_text, NULL, o->store_dir, o->jobs, err);
    if (rc == 0 && alloc_workers(R, (int)R->set.jobs))
        rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    signal(SIGPIPE, SIG_IGN);
    /* All workers now: one that cannot start its plugins is a configuration
     * problem, and a daemon should say so at start, not at the first file. */
    for (int i = 0; rc == 0 && i < R->nworkers; i++)
        rc = spawn(R, &R->w[i], err);
    if (rc) {
        run_close(R);
        free(s);
        return rc;
    }
    *out = s;
    return INTAKE_OK;
}

void intake_sup_close(struct intake_sup *s)
{
    if (!s)
        return;
    flush(&s->R, 1);
    run_close(&s->R);
    free(s);
}

int intake_sup_submit(struct intake_sup *s, const char *path, const char *name, const char *id,
                      uint64_t size, long tag, struct intake_error *err)
{
    struct run *R = &s->R;
    /* Same content in flight: its outcome will be this file's too, so the
     * source asks again once that one is final (then it is a duplicate). */
    for (size_t i = 0; i < R->ntasks; i++) {
        const struct task *t = &R->tasks[i];
        if ((t->state == T_QUEUED || t->state == T_RUNNING || t->state == T_COMMITTING) &&
            strcmp(t->id, id) == 0)
            return INTAKE_ERETRY;
    }
    long ti;
    if (R->nfree) {
        ti = R->freel[--R->nfree];
    } else {
        if (R->ntasks == R->cap) {
            size_t cap = R->cap ? R->cap * 2 : 64;
            struct task *t = realloc(R->tasks, cap * sizeof *t);
            if (!t)
                return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
            R->tasks = t;
            R->cap = cap;
        }
        ti = (long)R->ntasks++;
    }
    struct task *t = &R->tasks[ti];
    memset(t, 0, sizeof *t);
    t->path = strdup(path);
    t->name = strdup(name);
    snprintf(t->id, sizeof t->id, "%s", id);
    t->size = size;
    t->tag = tag;
    t->state = T_QUEUED;
    R->files_total++;
    R->bytes_total += size;
    struct intake_job job = {0};
    int rc = (!t->path || !t->name) ? INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory")
                                    : R->ops->job_get(R->store, id, &job, err);
    if (rc == 0 && job.state == INTAKE_JOB_DONE) {
        t->state = T_SKIPPED;
        R->n_skipped++;
        event(R, "skipped", t, "why", json_object_new_string("already processed"));
        final(R, ti, INTAKE_SUP_DUPLICATE, NULL);
        return INTAKE_OK;
    }
    if (rc == 0 && job.state == INTAKE_JOB_QUARANTINED) {
        t->state = T_QUARANTINED;
        R->n_quar++;
        event(R, "quarantined", t, "reason", json_object_new_string(job.reason));
        final(R, ti, INTAKE_SUP_QUARANTINED, job.reason);
        return INTAKE_OK;
    }
    if (rc == 0)
        rc = R->ops->job_enqueue(R->store, id, size, err);
    if (rc == 0 && queue_room(R) != 0)
        rc = INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    if (rc) {
        /* Not queued: the slot goes back, the source keeps the file. */
        free(t->path);
        free(t->name);
        t->path = t->name = NULL;
        t->state = T_FREE;
        R->files_total--;
        R->bytes_total -= size;
        if (R->nfree < R->freecap)
            R->freel[R->nfree++] = ti;
        return rc;
    }
    R->queue[R->qtail++] = ti;
    event(R, "queued", t, NULL, NULL);
    return INTAKE_OK;
}

int intake_sup_step(struct intake_sup *s, int timeout_ms, struct pollfd *extra, int nextra,
                    int dispatch)
{
    return run_step(&s->R, timeout_ms, extra, nextra, dispatch) < 0 ? -1 : 0;
}

void intake_sup_flush(struct intake_sup *s)
{
    flush(&s->R, 1);
}

void intake_sup_load(const struct intake_sup *s, long *queued, long *inflight)
{
    const struct run *R = &s->R;
    long n = 0;
    for (int i = 0; i < R->nworkers; i++)
        n += R->w[i].nin;
    *queued = (long)(R->qtail - R->qhead);
    *inflight = n + (long)R->npend;
}

void intake_sup_abandon(struct intake_sup *s)
{
    struct run *R = &s->R;
    flush(R, 1);
    for (int i = 0; i < R->nworkers; i++) {
        struct worker *w = &R->w[i];
        if (w->fd < 0)
            continue;
        if (w->nin > 0)
            kill(w->pid, SIGKILL);
        close(w->fd);
        waitpid(w->pid, NULL, 0);
        w->fd = -1;
        while (w->nin > 0) /* back to the queue, no attempt charged */
            requeue_front(R, w->inflight[--w->nin]);
    }
}

int intake_sup_reload(struct intake_sup *s, const char *config_path, const char *config_text,
                      struct intake_error *err)
{
    struct run *R = &s->R;
    struct intake_engine *e = NULL;
    int rc = intake_engine_create_with(config_path, config_text, NULL, &e, err);
    if (rc)
        return rc;
    struct intake_run_settings set;
    intake_engine_settings(e, &set);
    if (set.jobs <= 0)
        set.jobs = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    if (R->set.jobs > 0 && R->nworkers > 0 && set.jobs != R->nworkers)
        intake_log(INTAKE_LOG_INFO, "reload: %d worker processes", (int)set.jobs);
    intake_engine_set_store(e, R->store_dir);
    if (intake_policy_key_inside(intake_engine_policy(e), R->store_dir))
        rc = INTAKE_ERR(err, INTAKE_ECONFIG,
                        "refusing the new config: the pseudonym key lies inside the store");
    if (rc == 0)
        rc = intake_engine_worker_init_stages(e, INTAKE_STAGE_BIT(INTAKE_STAGE_INDEX), err);
    if (rc) {
        intake_engine_destroy(e);
        return rc;
    }
    flush(R, 1);
    intake_sup_abandon(s); /* nothing in flight by contract; idle workers exit */
    stop_workers(R);
    free(R->w);
    R->w = NULL;
    intake_engine_destroy(R->e);
    R->e = e;
    R->set = set;
    if (alloc_workers(R, (int)set.jobs))
        return INTAKE_ERR(err, INTAKE_ENOMEM, "out of memory");
    return INTAKE_OK; /* workers are forked again on demand by the next step */
}
