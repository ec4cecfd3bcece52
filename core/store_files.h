/* core/store_files.h: export files in the store (host->store_write). */
#ifndef INTAKE_CORE_STORE_FILES_H
#define INTAKE_CORE_STORE_FILES_H

#include <stddef.h>

#include <intake/error.h>

/** Non-zero when \p dir is a relative folder that stays inside the store. */
int intake_store_dir_ok(const char *dir);
/** intake_store_write flag: leave durability to a later intake_store_sync. */
#define INTAKE_STORE_WRITE_NOSYNC 1u

/** Write <store>/<dir>/<name> atomically, and durably unless \p flags has
 *  INTAKE_STORE_WRITE_NOSYNC; ENOSPC is INTAKE_ENOSPC. */
int intake_store_write(const char *store, const char *dir, const char *name, const void *data,
                       size_t len, unsigned flags, struct intake_error *err);

/** Open (creating where missing, mode 0750) <store>/<dir>; *out is a
 *  directory fd the caller closes. \p dir must pass intake_store_dir_ok. */
int intake_store_open_dir(const char *store, const char *dir, int *out, struct intake_error *err);
/** intake_store_write into an open folder \p dfd (not closed). */
int intake_store_write_at(int dfd, const char *name, const void *data, size_t len, unsigned flags,
                          struct intake_error *err);

/** Make everything written to the store's file system so far durable
 *  (syncfs): one call per commit group instead of two fsyncs per file. */
int intake_store_sync(const char *store, struct intake_error *err);

#endif
