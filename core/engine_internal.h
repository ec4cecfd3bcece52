/* core/engine_internal.h: engine state shared by the core's own modules. */
#ifndef INTAKE_CORE_ENGINE_INTERNAL_H
#define INTAKE_CORE_ENGINE_INTERNAL_H

#include <sys/types.h>

#include "anonymise.h"
#include "config.h"
#include "engine.h"
#include "log.h"
#include "plugin_loader.h"

struct intake_instance {
    struct intake_context ctx;
    struct intake_loaded_plugin *plugin; /* borrowed from the engine's list */
    const struct intake_cfg_section *section;
    size_t order;   /* position in the config file */
    void *config;   /* filled by the option table; core-owned */
    void *instance; /* from cb_init */
    void *worker;   /* from cb_worker_init, this process only */
    int initialised, worker_ready;
};

struct intake_engine {
    struct intake_config *cfg;
    char *plugin_path;
    int log_level;
    struct intake_policy policy;
    struct intake_loaded_plugin **plugins;
    size_t nplugins;
    struct intake_instance *instances; /* sorted by stage, then config order */
    size_t ninstances;
    struct magic_set *magic;      /* worker state: full libmagic */
    struct magic_set *magic_fast; /* worker state: without soft magic */
    const char **names;           /* instance names by id - 1, for documents */
    char *store_dir;
    int store_sync_deferred; /* see intake_engine_defer_store_sync */
    /* worker state: export folders kept open (a store write opened the
     * store and each path component anew: half its system calls) */
    struct {
        char dir[256];
        int fd;
    } dirfds[4];
    int ndirfds;
    pid_t dirfds_pid;
    struct intake_run_settings settings;
    intake_engine_progress_fn progress; /* worker state: see intake_engine_set_progress */
    intake_engine_wrote_fn wrote;       /* worker state: see intake_engine_set_wrote */
    void *wrote_user;
    const struct intake_doc *exporting; /* worker state: the document in the export stage */
    void *progress_user;
};

const struct intake_policy *intake_engine_policy(const struct intake_engine *e);

#endif
