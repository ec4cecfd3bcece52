/* core/log.h: the log sink. Only ids, offsets, labels, counts, timings:
 * never document text, span text or original file names. */
#ifndef INTAKE_CORE_LOG_H
#define INTAKE_CORE_LOG_H

#include <stdint.h>

#include <intake/host.h>

struct intake_engine;

/** What the core knows about a plugin instance; plugins see it as opaque. */
struct intake_context {
    const char *type;             /* plugin name */
    const char *name;             /* instance (section) name */
    uint32_t id;                  /* 1-based instance id, stamped on spans */
    int level;                    /* enum intake_log_level */
    const char *store_dir;        /* the run's store, or NULL */
    void *store_db;               /* sqlite3 * during an index-stage call, else NULL */
    struct intake_engine *engine; /* for host services such as identify_lang */
};

/** Parse "error".."trace"; returns -1 for anything else. */
int intake_log_level_parse(const char *s);
const char *intake_log_level_name(int level);
/** Process-wide level for core messages (set once at start-up). */
void intake_log_set_level(int level);
int intake_log_get_level(void);

/** Write every line as a JSON object (ts, level, msg) instead of text. */
void intake_log_set_json(int on);

/** The host->log implementation. */
void intake_log_plugin(const struct intake_context *ctx, const struct intake_doc *doc, int level,
                       const char *fmt, ...) INTAKE_PRINTF(4, 5);
/** Core messages: "intake: <level>: ..." on stderr. */
void intake_log(int level, const char *fmt, ...) INTAKE_PRINTF(2, 3);

#endif
