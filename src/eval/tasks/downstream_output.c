/* results.json and samples_<task>.jsonl in lm-eval's shape. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/tasks/downstream.h"
#include "io/json_text.h"
#include "util/err.h"
#include "util/fileio.h"
#include "version.h"

/* A number, or null when it is not finite (NaN: undefined here). */
static void add_number(cJSON *o, const char *key, double v) {
    if (isfinite(v)) cJSON_AddItemToObject(o, key, cJSON_CreateNumber(v));
    else cJSON_AddNullToObject(o, key);
}

/* lm-eval writes "N/A" for a standard error it cannot compute. */
static void add_stderr(cJSON *o, const char *key, double v) {
    if (isfinite(v)) cJSON_AddItemToObject(o, key, cJSON_CreateNumber(v));
    else cJSON_AddStringToObject(o, key, "N/A");
}

static void add_metric(cJSON *o, const MetricKey *k, double mean, double stderr) {
    char key[96];
    snprintf(key, sizeof key, "%s,%s", k->metric, k->filter);
    add_number(o, key, mean);
    snprintf(key, sizeof key, "%s_stderr,%s", k->metric, k->filter);
    add_stderr(o, key, stderr);
}

static void add_bbq(cJSON *o, const Task *t, const TaskScore *s) {
    BbqAggregate all;
    bbq_aggregate(t, s, -1, &all);
    add_number(o, "accuracy_amb,none", all.accuracy_amb);
    add_number(o, "accuracy_disamb,none", all.accuracy_disamb);
    add_number(o, "amb_bias_score,none", all.amb_bias);
    add_number(o, "disamb_bias_score,none", all.disamb_bias);
    for (int c = 0; c < BBQ_N_CATEGORIES; c++) {
        BbqAggregate one;
        char key[96];
        bbq_aggregate(t, s, c, &one);
        snprintf(key, sizeof key, "amb_bias_score_%s,none", kBbqCategories[c]);
        add_number(o, key, one.amb_bias);
        snprintf(key, sizeof key, "disamb_bias_score_%s,none", kBbqCategories[c]);
        add_number(o, key, one.disamb_bias);
    }
}

static cJSON *task_result(const Task *t, const TaskScore *s, double *means, double *stderrs) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "alias", t->group ? t->name + 5 : t->name);
    for (int k = 0; k < s->n_keys; k++) {
        double *v = xmalloc(sizeof(double) * (size_t)(s->n_docs > 0 ? s->n_docs : 1));
        for (int i = 0; i < s->n_docs; i++) v[i] = s->docs[i].values[k];
        mean_and_stderr(v, s->n_docs, &means[k], &stderrs[k]);
        free(v);
        add_metric(o, &s->keys[k], means[k], stderrs[k]);
    }
    if (t->scoring == SCORE_BBQ) add_bbq(o, t, s);
    if (t->note) cJSON_AddStringToObject(o, "dusk_note", t->note);
    return o;
}

static const char *const kMmluGroups[4] = {"mmlu_stem", "mmlu_other", "mmlu_social_sciences", "mmlu_humanities"};

/* A size-weighted group of the listed members (subtask results already in results). */
static cJSON *group_result(const char *alias, cJSON *results, char **members, int n) {
    double *means = xmalloc(sizeof(double) * (size_t)n), *se = xmalloc(sizeof(double) * (size_t)n);
    int *sizes = xmalloc(sizeof(int) * (size_t)n);
    for (int i = 0; i < n; i++) {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(results, members[i]);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(r, "acc,none"), *e = cJSON_GetObjectItemCaseSensitive(r, "acc_stderr,none");
        means[i] = cJSON_IsNumber(m) ? m->valuedouble : NAN;
        se[i] = cJSON_IsNumber(e) ? e->valuedouble : 0.0;
        sizes[i] = cJSON_GetObjectItemCaseSensitive(r, "dusk_size")->valueint;
    }
    double mean, stderr;
    group_weighted(means, se, sizes, n, &mean, &stderr);
    long total = 0;
    for (int i = 0; i < n; i++) total += sizes[i];
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "alias", alias);
    add_number(o, "acc,none", mean);
    add_stderr(o, "acc_stderr,none", stderr);
    cJSON_AddNumberToObject(o, "dusk_size", (double)total);
    free(means), free(se), free(sizes);
    return o;
}

static void add_mmlu_groups(const TaskList *tl, cJSON *results, cJSON *groups, cJSON *subtasks) {
    char *present[4];
    int n_present = 0;
    for (int g = 0; g < 4; g++) {
        char **members = NULL;
        int n = 0;
        for (int t = 0; t < tl->n_tasks; t++)
            if (tl->tasks[t].group && strcmp(tl->tasks[t].group, kMmluGroups[g]) == 0 && tl->tasks[t].n_docs > 0) {
                members = xrealloc(members, sizeof(char *) * (size_t)(n + 1));
                members[n++] = tl->tasks[t].name;
            }
        if (n == 0) continue;
        cJSON *r = group_result(kMmluGroups[g] + 4, results, members, n);
        cJSON_AddItemToObject(results, kMmluGroups[g], r);
        cJSON_AddItemToObject(groups, kMmluGroups[g], cJSON_Duplicate(r, 1));
        cJSON_AddItemToObject(subtasks, kMmluGroups[g], cJSON_CreateStringArray((const char *const *)members, n));
        present[n_present++] = (char *)kMmluGroups[g];
        free(members);
    }
    if (n_present == 0) return;
    cJSON *r = group_result("mmlu", results, present, n_present);
    cJSON_AddItemToObject(results, "mmlu", r);
    cJSON_AddItemToObject(groups, "mmlu", cJSON_Duplicate(r, 1));
    cJSON_AddItemToObject(subtasks, "mmlu", cJSON_CreateStringArray((const char *const *)present, n_present));
}

static void strip_sizes(cJSON *obj) {
    cJSON *r;
    cJSON_ArrayForEach(r, obj) cJSON_DeleteItemFromObjectCaseSensitive(r, "dusk_size");
}

/* DC: the mean of every top-level task's headline number x 100 (a task's
 * first metric: acc, mc2's acc, gsm8k strict-match, triviaqa exact_match;
 * the mmlu subjects count once, as the size-weighted mmlu group). */
static void add_dc(cJSON *root, const TaskList *tl, const TaskScore *scores, const cJSON *results) {
    cJSON *dc = cJSON_AddObjectToObject(root, "dusk_dc"), *tasks = cJSON_CreateObject();
    double sum = 0.0;
    int n = 0, mmlu_done = 0;
    for (int t = 0; t < tl->n_tasks; t++) {
        const char *name = tl->tasks[t].name;
        char key[96];
        snprintf(key, sizeof key, "%s,%s", scores[t].keys[0].metric, scores[t].keys[0].filter);
        if (tl->tasks[t].group) {
            if (mmlu_done++) continue;
            name = "mmlu", snprintf(key, sizeof key, "acc,none");
        }
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(results, name), key);
        if (!cJSON_IsNumber(v)) continue;
        cJSON *entry = cJSON_AddObjectToObject(tasks, name);
        cJSON_AddStringToObject(entry, "metric", key);
        cJSON_AddNumberToObject(entry, "value", 100.0 * v->valuedouble);
        sum += 100.0 * v->valuedouble, n++;
    }
    add_number(dc, "dc", n ? sum / n : NAN);
    cJSON_AddItemToObject(dc, "tasks", tasks);
}

cJSON *downstream_results_json(const TaskList *tl, const TaskScore *scores, const cJSON *config) {
    cJSON *root = cJSON_CreateObject(), *results = cJSON_AddObjectToObject(root, "results");
    cJSON *groups = cJSON_AddObjectToObject(root, "groups"), *subtasks = cJSON_AddObjectToObject(root, "group_subtasks");
    cJSON *configs = cJSON_AddObjectToObject(root, "configs"), *nsamples = cJSON_AddObjectToObject(root, "n-samples");
    for (int t = 0; t < tl->n_tasks; t++) {
        const Task *task = &tl->tasks[t];
        double means[SCORE_MAX_KEYS], stderrs[SCORE_MAX_KEYS];
        cJSON *r = task_result(task, &scores[t], means, stderrs);
        cJSON_AddNumberToObject(r, "dusk_size", task->n_docs);
        cJSON_AddItemToObject(results, task->name, r);
        cJSON *c = cJSON_AddObjectToObject(configs, task->name);
        cJSON_AddStringToObject(c, "task", task->name);
        cJSON_AddStringToObject(c, "source", task->source);
        cJSON_AddStringToObject(c, "output_type", task->is_generate ? "generate_until" : "multiple_choice");
        cJSON_AddNumberToObject(c, "num_fewshot", task->num_fewshot);
        cJSON *ns = cJSON_AddObjectToObject(nsamples, task->name);
        cJSON_AddNumberToObject(ns, "original", task->n_available);
        cJSON_AddNumberToObject(ns, "effective", task->n_docs);
    }
    add_mmlu_groups(tl, results, groups, subtasks);
    strip_sizes(results);
    strip_sizes(groups);
    add_dc(root, tl, scores, results);
    cJSON_AddItemToObject(root, "config", cJSON_Duplicate(config, 1));
    cJSON_AddStringToObject(root, "dusk_version", DUSK_VERSION);
    return root;
}

static cJSON *int_array(const int *x, int n) { return n > 0 ? cJSON_CreateIntArray(x, n) : cJSON_CreateArray(); }

static cJSON *mc_sample(const Doc *d, const DocScore *ds, cJSON *line) {
    cJSON *args = cJSON_AddArrayToObject(line, "arguments"), *resps = cJSON_AddArrayToObject(line, "resps");
    for (int c = 0; c < d->n_choices; c++) {
        cJSON *a = cJSON_CreateArray(), *r = cJSON_CreateArray();
        char *cont = str_printf(" %s", d->choices[c]);
        cJSON_AddItemToArray(a, cJSON_CreateString(d->context));
        cJSON_AddItemToArray(a, cJSON_CreateString(cont));
        free(cont);
        cJSON_AddItemToArray(args, a);
        cJSON_AddItemToArray(r, cJSON_CreateNumber(ds->ll[c]));
        cJSON_AddItemToArray(r, cJSON_CreateBool(ds->greedy[c]));
        cJSON_AddItemToArray(resps, r);
    }
    cJSON_AddItemToObject(line, "filtered_resps", cJSON_Duplicate(resps, 1));
    return line;
}

static cJSON *gen_sample(const Doc *d, const DocScore *ds, const TaskScore *s, cJSON *line) {
    cJSON *args = cJSON_AddArrayToObject(line, "arguments"), *a = cJSON_CreateArray(), *kw = cJSON_CreateObject();
    cJSON_AddItemToArray(a, cJSON_CreateString(d->context));
    cJSON_AddItemToObject(kw, "until", cJSON_CreateStringArray((const char *const *)d->until, d->n_until));
    cJSON_AddNumberToObject(kw, "max_gen_toks", d->max_gen);
    cJSON_AddBoolToObject(kw, "do_sample", 0);
    cJSON_AddItemToArray(a, kw);
    cJSON_AddItemToArray(args, a);
    cJSON *resps = cJSON_AddArrayToObject(line, "resps");
    cJSON_AddItemToArray(resps, cJSON_CreateString(ds->response));
    cJSON *filtered = cJSON_AddObjectToObject(line, "filtered_resps");
    for (int k = 0; k < s->n_keys; k++) cJSON_AddStringToObject(filtered, s->keys[k].filter, ds->filtered[k]);
    return line;
}

static cJSON *target_json(const Task *t, const Doc *d) {
    if (t->is_generate) {
        if (t->scoring == SCORE_TRIVIAQA) return cJSON_CreateStringArray((const char *const *)d->answers, d->n_answers);
        return cJSON_CreateString(d->target);
    }
    if (d->n_gold == 1) return cJSON_CreateNumber(d->gold[0]);
    return int_array(d->gold, d->n_gold);
}

static void add_ids(cJSON *line, const DocScore *ds, int is_generate) {
    cJSON *ids = cJSON_AddArrayToObject(line, "dusk_request_ids");
    for (int r = 0; r < ds->n_req; r++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToObject(o, "context", int_array(ds->ctx_ids[r], ds->n_ctx[r]));
        cJSON_AddItemToObject(o, is_generate ? "generated" : "continuation", int_array(ds->cont_ids[r], ds->n_cont[r]));
        cJSON_AddItemToArray(ids, o);
    }
}

int downstream_write_samples(const char *path, const Task *t, const TaskScore *s, const DownstreamOptions *opt) {
    FILE *fp = fopen(path, "w");
    if (!fp) return dusk_error("%s: cannot create", path);
    for (int i = 0; i < t->n_docs; i++) {
        const Doc *d = &t->docs[i];
        const DocScore *ds = &s->docs[i];
        cJSON *line = cJSON_CreateObject();
        cJSON_AddNumberToObject(line, "doc_id", i);
        cJSON_AddItemToObject(line, "target", target_json(t, d));
        if (t->is_generate) gen_sample(d, ds, s, line);
        else mc_sample(d, ds, line);
        for (int k = 0; k < s->n_keys; k++) {
            char key[96];
            snprintf(key, sizeof key, "%s,%s", s->keys[k].metric, s->keys[k].filter);
            cJSON_AddNumberToObject(line, key, ds->values[k]);
        }
        if (opt->log_ids) add_ids(line, ds, t->is_generate);
        char *text = json_print_exact(line, 0);
        fprintf(fp, "%s\n", text);
        free(text);
        cJSON_Delete(line);
    }
    if (fclose(fp) != 0) return dusk_error("%s: write failed", path);
    return 0;
}
