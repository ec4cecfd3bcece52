/*
 * intake: per-plugin option tables (Fluent Bit's config_map).
 *
 * A plugin declares a {0}-terminated array of struct intake_option and the
 * size of its config struct. The core parses the plugin's INI section,
 * rejects unknown keys (with file, line and section), converts and validates
 * values, applies defaults, and writes them into a zeroed config struct at
 * each option's offset. The core owns that struct and every string in it;
 * it stays valid and unchanged until the instance's cb_exit has returned.
 */
#ifndef INTAKE_OPTION_H
#define INTAKE_OPTION_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Value types and the C type the core writes at the option's offset. */
enum intake_option_type {
    INTAKE_OPT_END = 0,      /* terminates the table */
    INTAKE_OPT_STR = 1,      /* const char *  (NULL when unset and no default) */
    INTAKE_OPT_INT = 2,      /* int64_t       decimal, optional sign */
    INTAKE_OPT_BOOL = 3,     /* int32_t 0/1   true/false/yes/no/on/off/1/0 */
    INTAKE_OPT_SIZE = 4,     /* int64_t bytes "64", "512k", "16M", "2G" */
    INTAKE_OPT_DURATION = 5, /* int64_t ms    "250ms", "30s", "5m", "1h"; bare = ms */
    INTAKE_OPT_LIST = 6,     /* const char *const * NULL-terminated; comma-separated */
    INTAKE_OPT_PATH = 7,     /* const char *  a file system path */
    INTAKE_OPT_DOUBLE = 8    /* double */
};

/** Option flags. */
#define INTAKE_OPT_REQUIRED  0x1u /* the section must set it */
#define INTAKE_OPT_SENSITIVE 0x2u /* never logged or echoed (salts, keys) */

/** One row of an option table. */
struct intake_option {
    uint32_t type;           /* enum intake_option_type */
    const char *name;        /* key in the INI section */
    const char *def;         /* default as text, parsed like a config value; NULL = none */
    uint32_t flags;          /* INTAKE_OPT_* flags */
    size_t offset;           /* offsetof(plugin config struct, field) */
    const char *description; /* one line, shown by `intake plugins --help NAME` */
    double min, max;         /* numeric bounds when min < max; ignored otherwise */
};

#ifdef __cplusplus
}
#endif
#endif /* INTAKE_OPTION_H */
