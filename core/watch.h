/*
 * core/watch.h: `intake watch` (a daemon over inbox folders) and
 * `intake status` (what the store's job table says).
 */
#ifndef INTAKE_CORE_WATCH_H
#define INTAKE_CORE_WATCH_H

struct intake_watch_opts {
    const char *config_path; /* resolved config file */
    const char *store_dir;   /* resolved store directory */
    char **inboxes;          /* from the command line; none: [watch] inbox */
    int ninboxes;
};

/** Run until SIGTERM/SIGINT. Returns the exit code: 0 after a clean stop,
 *  2 on a configuration error or an unsafe setup (one line on stderr). */
int intake_watch_run(const struct intake_watch_opts *o);

/** Print queue depth, recent throughput and the last errors of a store
 *  (\p json: one JSON object). Returns the exit code. */
int intake_status_run(const char *store_dir, int json);

#endif
