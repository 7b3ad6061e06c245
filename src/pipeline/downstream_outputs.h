/* What `dusk downstream` and `dusk eval --tasks` share: the default task
 * folder, the run configuration recorded in results.json, and writing
 * results.json + samples_<task>.jsonl into a result directory. */
#ifndef DUSK_PIPELINE_DOWNSTREAM_OUTPUTS_H
#define DUSK_PIPELINE_DOWNSTREAM_OUTPUTS_H

#include <cjson/cJSON.h>

#include "eval/tasks/downstream.h"

/* $DUSK_SHARED/downstream, else ../shared/downstream (malloc'd). */
char *downstream_default_task_dir(void);
/* The configuration block of results.json (owned by the caller); argv is
 * the whole command line (argv[0] the program). */
cJSON *downstream_config(int argc, char *const *argv, const char *model, const char *task_dir, const TaskOptions *to,
                         const DownstreamOptions *opt);
/* DIR/<prefix>results.json and DIR/<prefix>samples_<task>.jsonl; *results
 * (if not NULL) receives results.json's tree (caller frees). -1 with a
 * message on a write error. */
int downstream_write_outputs(const char *dir, const char *prefix, const TaskList *tl, const TaskScore *scores,
                             const cJSON *config, const DownstreamOptions *opt, cJSON **results);

#endif
