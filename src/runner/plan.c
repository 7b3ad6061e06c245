/* Rows of the sweep and its configuration record. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "runner/plan.h"
#include "train/objective.h"
#include "util/err.h"
#include "version.h"

/* Every method `dusk unlearn` runs (FT is TV's inner stage, not a method). */
const char *const kSweepDefaultMethods =
    "GA,GA+GD,GA+KL,NPO,NPO+GD,NPO+KL,RMU,SGA,NONE+GD,ME+GD,SimNPO,SimNPO-forget-only,TV,TAU";


static int known_method(const char *name) {
    if (!strcmp(name, "TV") || !strcmp(name, "TAU")) return 1;
    return method_find(name) != NULL && strcmp(name, "FT") != 0;
}

static void add_row(SweepPlan *p, RowKind kind, const char *name, const char *method, int epochs, const char *dir) {
    p->rows = xrealloc(p->rows, sizeof(SweepRow) * (size_t)(p->n + 1));
    SweepRow *r = &p->rows[p->n++];
    r->kind = kind;
    r->name = xstrdup(name);
    r->method = method ? xstrdup(method) : NULL;
    r->epochs = epochs;
    r->dir = xstrdup(dir);
}

/* "1,2,3" → ints in [1, 10000]; -1 with a message otherwise. */
static int parse_epochs(const char *spec, int *out, int max, int *n) {
    *n = 0;
    const char *s = spec;
    while (*s) {
        char *end;
        long v = strtol(s, &end, 10);
        if (end == s || v < 1 || v > 10000 || (*end && *end != ','))
            return dusk_error("--epochs '%s': expected comma-separated whole numbers of epochs in [1, 10000]", spec);
        if (*n == max) return dusk_error("--epochs '%s': at most %d values", spec, max);
        for (int i = 0; i < *n; i++)
            if (out[i] == v) return dusk_error("--epochs '%s': %ld appears twice", spec, v);
        out[(*n)++] = (int)v;
        s = *end ? end + 1 : end;
    }
    return *n ? 0 : dusk_error("--epochs: empty list");
}

static void add_method_rows(SweepPlan *p, const char *m, const int *grid, int n_grid) {
    for (int i = 0; i < n_grid; i++) {
        char *dir = str_printf("%s/epoch%d", m, grid[i]);
        add_row(p, ROW_METHOD, m, m, grid[i], dir);
        free(dir);
    }
}

int sweep_plan_build(SweepPlan *p, const SweepConfig *c) {
    memset(p, 0, sizeof *p);
    int grid[PRESET_MAX_EPOCHS], n_grid = 0;
    if (c->epochs && parse_epochs(c->epochs, grid, PRESET_MAX_EPOCHS, &n_grid) != 0) return -1;
    add_row(p, ROW_TARGET, "Target", NULL, 0, "target");
    add_row(p, ROW_RETRAIN, "Retrain", NULL, 0, "retrain");
    const char *list = c->methods ? c->methods : kSweepDefaultMethods;
    if (!strcmp(list, "all")) list = kSweepDefaultMethods;
    char *copy = xstrdup(list), *save = NULL;
    int rc = 0;
    for (char *m = strtok_r(copy, ",", &save); m && rc == 0; m = strtok_r(NULL, ",", &save)) {
        if (!known_method(m)) {
            rc = dusk_error("--methods: unknown method '%s' (known: %s, or 'all')", m, kSweepDefaultMethods);
            break;
        }
        for (int i = 0; i < p->n; i++)
            if (p->rows[i].method && !strcmp(p->rows[i].method, m)) rc = dusk_error("--methods: '%s' appears twice", m);
        if (rc) break;
        const Preset *ps = c->preset;
        int is_rmu = !strcmp(m, "RMU");
        if (n_grid) add_method_rows(p, m, grid, n_grid);
        else add_method_rows(p, m, is_rmu ? ps->rmu_epochs : ps->epochs, is_rmu ? ps->n_rmu_epochs : ps->n_epochs);
    }
    free(copy);
    if (rc) sweep_plan_free(p);
    return rc;
}

void sweep_plan_free(SweepPlan *p) {
    for (int i = 0; i < p->n; i++) free(p->rows[i].name), free(p->rows[i].method), free(p->rows[i].dir);
    free(p->rows);
    memset(p, 0, sizeof *p);
}

/* An input path as it will be compared on a resume: the real path when it
 * exists (a resume from another directory names the same file), else as
 * given. */
static void add_path(cJSON *o, const char *key, const char *path) {
    if (!path) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    char real[PATH_MAX];
    cJSON_AddStringToObject(o, key, realpath(path, real) ? real : path);
}

static void add_preset(cJSON *cfg, const Preset *ps, const SweepConfig *c) {
    cJSON *j = cJSON_AddObjectToObject(cfg, "preset");
    cJSON_AddStringToObject(j, "name", ps->name);
    if (!c->data) {
        cJSON *g = cJSON_AddObjectToObject(j, "generated_corpus");
        cJSON_AddNumberToObject(g, "shared", ps->gen_shared);
        cJSON_AddNumberToObject(g, "unique", ps->gen_unique);
        cJSON_AddNumberToObject(g, "holdout", ps->gen_holdout);
        cJSON_AddNumberToObject(g, "verbatim", ps->gen_verbatim);
        cJSON_AddNumberToObject(g, "icl", ps->gen_icl);
        cJSON_AddNumberToObject(g, "qa_per_profile", ps->gen_qa_per_profile);
        cJSON_AddNumberToObject(g, "prompt_words", ps->gen_prompt_words);
        cJSON_AddNumberToObject(g, "gt_words", ps->gen_gt_words);
        cJSON_AddNumberToObject(g, "qa_in_docs", ps->gen_qa_in_docs);
    }
    if (!c->base_model && !c->target) {
        cJSON *m = cJSON_AddObjectToObject(j, "model_from_scratch");
        cJSON_AddNumberToObject(m, "vocab_size", ps->vocab_size);
        cJSON_AddNumberToObject(m, "hidden_size", ps->hidden);
        cJSON_AddNumberToObject(m, "intermediate_size", ps->intermediate);
        cJSON_AddNumberToObject(m, "num_hidden_layers", ps->layers);
        cJSON_AddNumberToObject(m, "num_attention_heads", ps->heads);
        cJSON_AddNumberToObject(m, "num_key_value_heads", ps->kv_heads);
        cJSON_AddNumberToObject(m, "max_position_embeddings", ps->max_positions);
    }
    cJSON_AddNumberToObject(j, "seq_len", ps->seq_len);
    if (!c->target) {
        cJSON *f = cJSON_AddObjectToObject(j, "finetune");
        cJSON_AddNumberToObject(f, "epochs", ps->ft_epochs);
        cJSON_AddNumberToObject(f, "lr", ps->ft_lr);
        cJSON_AddNumberToObject(f, "batch_size", ps->ft_batch);
        cJSON_AddNumberToObject(f, "grad_accum", ps->ft_accum);
    }
    cJSON *u = cJSON_AddObjectToObject(j, "unlearn");
    cJSON_AddNumberToObject(u, "lr", ps->ul_lr);
    cJSON_AddNumberToObject(u, "rmu_lr", ps->rmu_lr);
    cJSON_AddNumberToObject(u, "rmu_coeff", ps->rmu_coeff);
    cJSON_AddNumberToObject(u, "tau_sga_epochs", ps->sga_epochs);
    cJSON_AddNumberToObject(u, "batch_size", ps->ul_batch);
    cJSON_AddNumberToObject(u, "grad_accum", ps->ul_accum);
    cJSON *e = cJSON_AddObjectToObject(j, "eval");
    cJSON_AddNumberToObject(e, "mia_window", ps->mia_window);
    cJSON_AddNumberToObject(e, "batch", ps->eval_batch);
}

cJSON *sweep_config_json(const SweepConfig *c, const SweepPlan *p) {
    cJSON *cfg = cJSON_CreateObject();
    if (c->data) add_path(cfg, "data", c->data);
    else cJSON_AddStringToObject(cfg, "data", "generated (RESULTS/data)");
    add_path(cfg, "base_model", c->base_model);
    add_path(cfg, "target", c->target);
    add_path(cfg, "retrain", c->retrain);
    cJSON_AddStringToObject(cfg, "forget", c->forget ? c->forget : "Chronological");
    if (c->tasks) cJSON_AddStringToObject(cfg, "tasks", c->tasks);
    else cJSON_AddStringToObject(cfg, "tasks", "the data's world/world_mc.jsonl, if any");
    add_path(cfg, "task_dir", c->task_dir);
    cJSON_AddStringToObject(cfg, "compat", c->compat_release ? "release" : "none");
    cJSON_AddNumberToObject(cfg, "seed", (double)c->seed);
    add_preset(cfg, c->preset, c);
    cJSON *grid = cJSON_AddObjectToObject(cfg, "epoch_grid");
    for (int i = 0; i < p->n; i++) {
        const SweepRow *r = &p->rows[i];
        if (r->kind != ROW_METHOD) continue;
        cJSON *a = cJSON_GetObjectItemCaseSensitive(grid, r->method);
        if (!a) a = cJSON_AddArrayToObject(grid, r->method);
        cJSON_AddItemToArray(a, cJSON_CreateNumber(r->epochs));
    }
    return cfg;
}

cJSON *sweep_rows_json(const SweepPlan *p) {
    static const char *const kinds[] = {"target", "retrain", "method"};
    cJSON *rows = cJSON_CreateArray();
    for (int i = 0; i < p->n; i++) {
        const SweepRow *r = &p->rows[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "row", r->name);
        cJSON_AddStringToObject(o, "kind", kinds[r->kind]);
        if (r->method) {
            cJSON_AddStringToObject(o, "method", r->method);
            cJSON_AddNumberToObject(o, "epochs", r->epochs);
        }
        cJSON_AddStringToObject(o, "dir", r->dir);
        cJSON_AddItemToArray(rows, o);
    }
    return rows;
}

static char *brief(const cJSON *v) {
    if (!v) return xstrdup("(absent)");
    char *s = cJSON_PrintUnformatted(v);
    return s ? s : xstrdup("?");
}

/* Depth-first: the path of the first differing leaf. */
static char *difference_at(const cJSON *a, const cJSON *b, const char *path) {
    if (a && b && cJSON_IsObject(a) && cJSON_IsObject(b)) {
        const cJSON *e;
        cJSON_ArrayForEach(e, a) {
            char *sub = str_printf("%s%s%s", path, *path ? "." : "", e->string);
            char *d = difference_at(e, cJSON_GetObjectItemCaseSensitive(b, e->string), sub);
            free(sub);
            if (d) return d;
        }
        cJSON_ArrayForEach(e, b) if (!cJSON_GetObjectItemCaseSensitive(a, e->string)) {
            char *sub = str_printf("%s%s%s", path, *path ? "." : "", e->string);
            char *d = difference_at(NULL, e, sub);
            free(sub);
            return d;
        }
        return NULL;
    }
    if (a && b && cJSON_Compare(a, b, 1)) return NULL;
    char *x = brief(a), *y = brief(b);
    char *d = str_printf("%s: %s → %s", path, x, y);
    free(x), free(y);
    return d;
}

char *sweep_config_difference(const cJSON *old_cfg, const cJSON *new_cfg) {
    return difference_at(old_cfg, new_cfg, "");
}
