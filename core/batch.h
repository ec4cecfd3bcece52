/*
 * core/batch.h: `intake batch`: the supervisor, its worker processes, and
 * the exactly-once bookkeeping through the store.
 */
#ifndef INTAKE_CORE_BATCH_H
#define INTAKE_CORE_BATCH_H

struct intake_batch_opts {
    const char *config_path; /* resolved config file */
    const char *store_dir;   /* resolved store directory */
    int jobs;                /* 0: [pipeline] jobs, else one per core */
    char **paths;            /* files and folders to take in */
    int npaths;
    const char *const *overrides; /* "option=value" for plugins (--known-names), or NULL */
};

/** Run a batch to the end. Returns the process exit code (0, 1 or 2). */
int intake_batch_run(const struct intake_batch_opts *o);

#endif
