/*
 * core/store_files.c: files that export plugins write into the store
 * (host->store_write). One implementation, so that every exporter writes
 * atomically and durably, keeps to the store, and reports a full disk as
 * the store's state rather than the document's fault.
 */
#include "store_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DIR_LEN 1024

/* The folder must stay inside the store, which is what gets handed to
 * another agency: no absolute path, no "..". */
int intake_store_dir_ok(const char *dir)
{
    if (!dir || !*dir || dir[0] == '/' || strlen(dir) >= MAX_DIR_LEN)
        return 0;
    for (const char *p = dir; *p;) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if ((n == 2 && p[0] == '.' && p[1] == '.') || n > 255)
            return 0;
        p += n;
        while (*p == '/')
            p++;
    }
    return 1;
}

static int space_err(int e)
{
    return e == ENOSPC || e == EDQUOT ? INTAKE_ENOSPC : INTAKE_EIO;
}

/* Open (creating with mode 0750 where missing) <store>/<dir>. A folder we
 * create is made durable by syncing its parent, so that files renamed into
 * it cannot vanish with it on power loss. */
int intake_store_open_dir(const char *store, const char *dir, int *out, struct intake_error *err)
{
    int fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return INTAKE_ERR(err, INTAKE_EIO, "cannot open store %s: %s", store, strerror(errno));
    for (const char *p = dir; *p;) {
        char comp[256];
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        memcpy(comp, p, n); /* n <= 255: intake_store_dir_ok */
        comp[n] = '\0';
        p += n;
        while (*p == '/')
            p++;
        if (n == 0 || (n == 1 && comp[0] == '.'))
            continue;
        int created = mkdirat(fd, comp, 0750) == 0;
        if (!created && errno != EEXIST) {
            int e2 = errno;
            close(fd);
            return INTAKE_ERR(err, space_err(e2), "cannot create %s/%s: %s", store, dir,
                              strerror(e2));
        }
        int sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0 || (created && fsync(fd) != 0)) {
            int e2 = errno;
            if (sub >= 0)
                close(sub);
            close(fd);
            return INTAKE_ERR(err, INTAKE_EIO, "cannot open %s/%s: %s", store, dir, strerror(e2));
        }
        close(fd);
        fd = sub;
    }
    *out = fd;
    return INTAKE_OK;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w == 0)
            errno = EIO; /* no progress and no reason given */
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/*
 * Write ".<name>.<pid>.tmp", fsync it, rename it over <name>, fsync the
 * folder (both fsyncs left to intake_store_sync with NOSYNC). The pid keeps concurrent workers
 * apart; a temp file of our own pid can only be left over from an earlier process that had it, and
 * the supervisor removes those of a worker that died (intake_store_remove_temps).
 */
static int name_ok(const char *name)
{
    return name && *name && name[0] != '.' && !strchr(name, '/') && strlen(name) <= 200;
}

int intake_store_write(const char *store, const char *dir, const char *name, const void *data,
                       size_t len, unsigned flags, struct intake_error *err)
{
    if (!store)
        return INTAKE_ERR(err, INTAKE_EINVAL, "this run has no store to write into");
    if (!intake_store_dir_ok(dir))
        return INTAKE_ERR(err, INTAKE_EINVAL, "not a folder inside the store");
    if (!name_ok(name))
        return INTAKE_ERR(err, INTAKE_EINVAL, "not a plain file name");
    int dfd = -1;
    int rc = intake_store_open_dir(store, dir, &dfd, err);
    if (rc)
        return rc;
    rc = intake_store_write_at(dfd, name, data, len, flags, err);
    close(dfd);
    return rc;
}

int intake_store_write_at(int dfd, const char *name, const void *data, size_t len, unsigned flags,
                          struct intake_error *err)
{
    const int sync = !(flags & INTAKE_STORE_WRITE_NOSYNC);
    int rc = INTAKE_OK;
    if (!name_ok(name))
        return INTAKE_ERR(err, INTAKE_EINVAL, "not a plain file name");
    char tmp[256];
    snprintf(tmp, sizeof tmp, ".%s.%ld.tmp", name, (long)getpid());
    int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0 && errno == EEXIST && unlinkat(dfd, tmp, 0) == 0)
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0640);
    if (fd < 0) {
        int e = errno;
        return INTAKE_ERR(err, space_err(e), "cannot create a temp file for %s: %s", name,
                          strerror(e));
    }
    const char *step = NULL;
    int e = 0; /* errno of the first failing step */
    if (write_all(fd, data, len) != 0)
        e = errno, step = "write";
    else if (sync && fsync(fd) != 0)
        e = errno, step = "fsync";
    if (close(fd) != 0 && !step)
        e = errno, step = "close";
    if (!step && renameat(dfd, tmp, dfd, name) != 0)
        e = errno, step = "rename";
    if (step) {
        unlinkat(dfd, tmp, 0);
        rc = INTAKE_ERR(err, space_err(e), "cannot %s %s: %s", step, name, strerror(e));
    } else if (sync && fsync(dfd) != 0) {
        rc =
            INTAKE_ERR(err, INTAKE_EIO, "cannot fsync the folder of %s: %s", name, strerror(errno));
    }
    return rc;
}

int intake_store_sync(const char *store, struct intake_error *err)
{
    int fd = open(store, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return INTAKE_ERR(err, INTAKE_EIO, "cannot open store %s: %s", store, strerror(errno));
    int rc = INTAKE_OK;
    if (syncfs(fd) != 0) {
        int e = errno;
        rc = INTAKE_ERR(err, space_err(e), "cannot sync the store %s: %s", store, strerror(e));
    }
    close(fd);
    return rc;
}
