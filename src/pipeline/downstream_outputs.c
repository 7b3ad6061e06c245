#include "pipeline/downstream_outputs.h"

#include <stdlib.h>
#include <string.h>

#include "io/json_text.h"
#include "runner/run_record.h"
#include "util/err.h"
#include "util/fileio.h"

/* --task-dir, else $DUSK_SHARED/downstream, else ../shared/downstream. */
char *downstream_default_task_dir(void) {
    const char *shared = getenv("DUSK_SHARED");
    if (shared && shared[0]) return str_printf("%s/downstream", shared);
    return xstrdup("../shared/downstream");
}

int downstream_write_outputs(const char *dir, const char *prefix, const TaskList *tl, const TaskScore *scores,
                             const cJSON *config, const DownstreamOptions *opt, cJSON **results) {
    cJSON *res = downstream_results_json(tl, scores, config);
    char *name = str_printf("%sresults.json", prefix);
    char *path = path_join(dir, name);
    free(name);
    int rc = json_write_file(res, path);
    free(path);
    for (int t = 0; rc == 0 && t < tl->n_tasks; t++) {
        name = str_printf("%ssamples_%s.jsonl", prefix, tl->tasks[t].name);
        for (char *p = name; *p; p++) if (*p == '/') *p = '_';
        path = path_join(dir, name);
        rc = downstream_write_samples(path, &tl->tasks[t], &scores[t], opt);
        free(path), free(name);
    }
    if (rc == 0 && results) *results = res;
    else cJSON_Delete(res);
    return rc;
}

cJSON *downstream_config(int argc, char *const *argv, const char *model, const char *task_dir, const TaskOptions *to,
                         const DownstreamOptions *opt) {
    cJSON *c = run_record_new(argc, argv);
    cJSON_AddStringToObject(c, "model", model);
    cJSON_AddStringToObject(c, "task_dir", task_dir);
    if (to->limit > 0) cJSON_AddNumberToObject(c, "limit", to->limit);
    else cJSON_AddNullToObject(c, "limit");
    if (to->num_fewshot >= 0) cJSON_AddNumberToObject(c, "num_fewshot", to->num_fewshot);
    else cJSON_AddNullToObject(c, "num_fewshot");
    cJSON_AddNumberToObject(c, "batch_size", opt->batch);
    cJSON_AddNumberToObject(c, "max_length", opt->max_len);
    cJSON_AddBoolToObject(c, "add_bos_token", opt->add_bos);
    cJSON_AddNumberToObject(c, "fewshot_seed", 1234);
    return c;
}

