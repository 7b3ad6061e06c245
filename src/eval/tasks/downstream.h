/* Running downstream tasks end to end: every document's requests built,
 * all loglikelihood requests scored together (sorted by length, batched),
 * the generations run, the metrics computed; then results.json and
 * samples_<task>.jsonl written in lm-eval's shape. */
#ifndef DUSK_DOWNSTREAM_H
#define DUSK_DOWNSTREAM_H

#include <cjson/cJSON.h>

#include "eval/tasks/task.h"
#include "eval/tasks/task_scoring.h"
#include "model/llama.h"
#include "tokenizer/tokenizer.h"

typedef struct {
    int batch;    /* sequences per forward pass / prompts per generation batch */
    int add_bos;  /* encode with the tokenizer's special tokens (BOS) */
    int max_len;  /* the model's maximum length (max_position_embeddings) */
    int log_ids;  /* keep every request's token ids for samples_*.jsonl */
    int n_ll_requests, n_gen_requests; /* filled by downstream_run */
    double ll_seconds, gen_seconds;
} DownstreamOptions;

/* scores[n_tasks] filled (free with task_score_free). 0 or -1. */
int downstream_run(Model *m, const Tokenizer *tok, const TaskList *tasks, DownstreamOptions *opt, TaskScore *scores);

/* results.json: {"results": {task|group: {"alias", "metric,filter", ...}},
 * "groups", "group_subtasks", "configs", "n-samples", "config", "dusk_version",
 * "dusk_dc": {"dc": mean of the top-level tasks' headline numbers x 100,
 * "tasks": {name: {"metric", "value"}}}} (dusk eval's DC key reads this);
 * config (owned by the caller) is embedded as "config". */
cJSON *downstream_results_json(const TaskList *tasks, const TaskScore *scores, const cJSON *config);
/* samples_<task>.jsonl lines of one task into path. 0 or -1. */
int downstream_write_samples(const char *path, const Task *t, const TaskScore *s, const DownstreamOptions *opt);

#endif
