#include "cli/downstream_args.h"

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

cJSON *downstream_write_outputs(const char *dir, const char *prefix, const TaskList *tl, const TaskScore *scores,
                                const cJSON *config, const DownstreamOptions *opt) {
    cJSON *results = downstream_results_json(tl, scores, config);
    char *name = str_printf("%sresults.json", prefix);
    char *text = json_print_exact(results, 1), *path = path_join(dir, name);
    free(name);
    size_t n = strlen(text);
    text = xrealloc(text, n + 2);
    text[n] = '\n', text[n + 1] = '\0';
    if (write_file_atomic(path, text, n + 1) != 0) dusk_die("%s", dusk_last_error());
    free(text), free(path);
    for (int t = 0; t < tl->n_tasks; t++) {
        name = str_printf("%ssamples_%s.jsonl", prefix, tl->tasks[t].name);
        for (char *p = name; *p; p++) if (*p == '/') *p = '_';
        path = path_join(dir, name);
        if (downstream_write_samples(path, &tl->tasks[t], &scores[t], opt) != 0) dusk_die("%s", dusk_last_error());
        free(path), free(name);
    }
    return results;
}

cJSON *downstream_config(int argc, char **argv, const char *model, const char *task_dir, const TaskOptions *to,
                         const DownstreamOptions *opt) {
    cJSON *c = run_record_new(argc + 1, argv - 1);
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

