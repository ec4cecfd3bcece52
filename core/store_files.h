/* core/store_files.h: export files in the store (host->store_write). */
#ifndef INTAKE_CORE_STORE_FILES_H
#define INTAKE_CORE_STORE_FILES_H

#include <stddef.h>

#include <intake/error.h>

/** Non-zero when \p dir is a relative folder that stays inside the store. */
int intake_store_dir_ok(const char *dir);
/** Write <store>/<dir>/<name> atomically and durably; ENOSPC is INTAKE_ENOSPC. */
int intake_store_write(const char *store, const char *dir, const char *name, const void *data,
                       size_t len, struct intake_error *err);

#endif
