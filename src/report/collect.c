/* report_collect: RESULTS/sweep.json plus each row's stage.json and
 * eval/summary.json into a ReportTable. Reads result files only, never
 * models. Every malformed file stops the collection with a message naming
 * it, so no output is made from half-understood input. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "io/json_text.h"
#include "report/table.h"
#include "util/err.h"
#include "util/fileio.h"

const char *const kMetricKeys[N_METRICS] = {"verbmem", "ufk", "sk", "urk", "dc", "privleak", "retain_deviation"};
const char *const kMetricLabels[N_METRICS] = {"VerbMem", "UFK", "SK", "URK", "DC", "PrivLeak", "RetainDeviation"};

/* Parse `path` as one JSON object. Returns 1 (and *out NULL) when the file
 * does not exist and missing_ok is set, 0 on success, -1 on error. */
static int read_json_object(const char *path, int missing_ok, cJSON **out) {
    *out = NULL;
    struct stat st;
    if (missing_ok && stat(path, &st) != 0 && errno == ENOENT) return 1;
    cJSON *root = json_read_file(path, "the file");
    if (!root) return -1;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return dusk_error("%s: expected a JSON object", path);
    }
    *out = root;
    return 0;
}

/* A string member, or NULL when absent or null; -1 when it is another type. */
static int optional_string(const cJSON *obj, const char *key, const char *where, const char **out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    *out = NULL;
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsString(v)) return dusk_error("%s: \"%s\" must be a string", where, key);
    *out = v->valuestring;
    return 0;
}

static int required_string(const cJSON *obj, const char *key, const char *where, const char **out) {
    if (optional_string(obj, key, where, out) != 0) return -1;
    if (!*out || !**out) return dusk_error("%s: \"%s\" is missing (expected a non-empty string)", where, key);
    return 0;
}

/* A row directory stays inside RESULTS: relative, no "." or ".." parts. */
static int check_row_dir(const char *dir, const char *where) {
    if (dir[0] == '/') return dusk_error("%s: \"dir\" \"%s\" must be relative to the results directory", where, dir);
    for (const char *p = dir; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return dusk_error("%s: \"dir\" \"%s\" must be a plain path inside the results directory", where, dir);
        p += n;
        if (*p == '/') p++;
    }
    return 0;
}

static int parse_kind(const char *kind, const char *where, RowKind *out) {
    if (strcmp(kind, "target") == 0) *out = ROW_TARGET;
    else if (strcmp(kind, "retrain") == 0) *out = ROW_RETRAIN;
    else if (strcmp(kind, "method") == 0) *out = ROW_METHOD;
    else return dusk_error("%s: \"kind\" \"%s\" is not one of target, retrain, method", where, kind);
    return 0;
}

/* "epochs": a whole number >= 0; required for method rows. */
static int parse_epochs(const cJSON *obj, RowKind kind, const char *where, long *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "epochs");
    *out = -1;
    if (!v || cJSON_IsNull(v)) {
        if (kind == ROW_METHOD) return dusk_error("%s: a method row needs \"epochs\"", where);
        return 0;
    }
    double e = v->valuedouble;
    if (!cJSON_IsNumber(v) || e < 0 || e > 1e9 || e != floor(e))
        return dusk_error("%s: \"epochs\" must be a whole number >= 0", where);
    *out = (long)e;
    return 0;
}

/* One entry of sweep.json's "rows" into r (status and metrics not yet read). */
static int parse_sweep_row(const cJSON *item, int index, const char *sweep_path, ReportRow *r) {
    char *where = str_printf("%s: rows[%d]", sweep_path, index);
    const char *name, *kind, *dir, *method = NULL;
    int rc = -1;
    if (!cJSON_IsObject(item)) {
        dusk_error("%s: expected an object", where);
        goto done;
    }
    if (required_string(item, "row", where, &name) || required_string(item, "kind", where, &kind) ||
        required_string(item, "dir", where, &dir) || parse_kind(kind, where, &r->kind) || check_row_dir(dir, where) ||
        parse_epochs(item, r->kind, where, &r->epochs))
        goto done;
    if (r->kind == ROW_METHOD && required_string(item, "method", where, &method)) goto done;
    r->row = xstrdup(name);
    r->dir = xstrdup(dir);
    r->method = method ? xstrdup(method) : NULL;
    rc = 0;
done:
    free(where);
    return rc;
}

/* stage.json's "wall_s": {"stage": seconds, ...}. */
static int parse_wall(const cJSON *stage, const char *path, ReportRow *r) {
    const cJSON *wall = cJSON_GetObjectItemCaseSensitive(stage, "wall_s");
    if (!wall || cJSON_IsNull(wall)) return 0;
    if (!cJSON_IsObject(wall)) return dusk_error("%s: \"wall_s\" must be an object of seconds per stage", path);
    r->wall = xcalloc((size_t)cJSON_GetArraySize(wall) + 1, sizeof *r->wall);
    for (const cJSON *c = wall->child; c; c = c->next) {
        if (cJSON_IsNull(c)) continue;
        if (!cJSON_IsNumber(c) || c->valuedouble < 0)
            return dusk_error("%s: \"wall_s\".\"%s\" must be a number of seconds >= 0", path, c->string);
        r->wall[r->n_wall].stage = xstrdup(c->string);
        r->wall[r->n_wall++].seconds = c->valuedouble;
    }
    return 0;
}

/* stage.json: status, error, failed stage and wall times. */
static int parse_stage(const cJSON *stage, const char *path, ReportRow *r) {
    const char *status, *error, *failed_stage;
    if (required_string(stage, "status", path, &status) || optional_string(stage, "error", path, &error) ||
        optional_string(stage, "failed_stage", path, &failed_stage))
        return -1;
    if (strcmp(status, "ok") == 0) r->status = STATUS_OK;
    else if (strcmp(status, "failed") == 0) r->status = STATUS_FAILED;
    else return dusk_error("%s: \"status\" \"%s\" is not \"ok\" or \"failed\"", path, status);
    if (r->status == STATUS_FAILED) {
        r->error = xstrdup(error ? error : "(no message)");
        r->failed_stage = failed_stage ? xstrdup(failed_stage) : NULL;
    }
    return parse_wall(stage, path, r);
}

/* eval/summary.json: the seven metrics, each a number, null or absent. */
static int parse_metrics(const cJSON *summary, const char *path, ReportRow *r) {
    for (int m = 0; m < N_METRICS; m++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(summary, kMetricKeys[m]);
        if (!v || cJSON_IsNull(v)) continue;
        if (!cJSON_IsNumber(v)) return dusk_error("%s: \"%s\" must be a number or null", path, kMetricKeys[m]);
        r->metric[m] = v->valuedouble;
    }
    return 0;
}

/* The row's stage.json, and its eval/summary.json when the row finished. */
static int read_row_files(const char *results_dir, ReportRow *r) {
    for (int m = 0; m < N_METRICS; m++) r->metric[m] = NAN;
    char *row_dir = path_join(results_dir, r->dir);
    char *stage_path = path_join(row_dir, "stage.json"), *summary_path = path_join(row_dir, "eval/summary.json");
    cJSON *stage = NULL, *summary = NULL;
    int rc = read_json_object(stage_path, 1, &stage);
    if (rc == 1) {
        r->status = STATUS_MISSING;
        rc = 0;
    } else if (rc == 0) {
        rc = parse_stage(stage, stage_path, r);
        if (rc == 0 && r->status == STATUS_OK) {
            rc = read_json_object(summary_path, 1, &summary);
            if (rc == 1) rc = dusk_error("%s: missing, but %s says the row finished", summary_path, stage_path);
            else if (rc == 0) rc = parse_metrics(summary, summary_path, r);
        }
    }
    cJSON_Delete(stage);
    cJSON_Delete(summary);
    free(row_dir);
    free(stage_path);
    free(summary_path);
    return rc;
}

/* dusk_version, config and blas: shown in the report as recorded. */
static int parse_sweep_header(const cJSON *sweep, const char *path, ReportTable *t) {
    const char *version;
    if (optional_string(sweep, "dusk_version", path, &version) != 0) return -1;
    t->dusk_version = version ? xstrdup(version) : NULL;
    const cJSON *config = cJSON_GetObjectItemCaseSensitive(sweep, "config");
    if (config && !cJSON_IsNull(config)) {
        if (!cJSON_IsObject(config)) return dusk_error("%s: \"config\" must be an object", path);
        t->config_json = json_print_exact(config, 1);
    }
    /* "compute" since the GEMM of dusk's own; sweeps before it recorded "blas" */
    const cJSON *compute = cJSON_GetObjectItemCaseSensitive(sweep, "compute");
    if (!compute) compute = cJSON_GetObjectItemCaseSensitive(sweep, "blas");
    if (compute && !cJSON_IsNull(compute)) t->compute_json = json_print_exact(compute, 0);
    return 0;
}

static int parse_sweep(const cJSON *sweep, const char *path, const char *results_dir, ReportTable *t) {
    if (parse_sweep_header(sweep, path, t) != 0) return -1;
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(sweep, "rows");
    if (!cJSON_IsArray(rows)) return dusk_error("%s: \"rows\" must be an array of rows", path);
    t->rows = xcalloc((size_t)cJSON_GetArraySize(rows) + 1, sizeof *t->rows);
    int index = 0;
    for (const cJSON *item = rows->child; item; item = item->next, index++) {
        ReportRow *r = &t->rows[t->n_rows++];
        r->epochs = -1;
        if (parse_sweep_row(item, index, path, r) != 0 || read_row_files(results_dir, r) != 0) return -1;
    }
    return 0;
}

int report_collect(const char *results_dir, ReportTable *t) {
    memset(t, 0, sizeof *t);
    if (!is_directory(results_dir)) return dusk_error("%s: not a results directory", results_dir);
    char *path = path_join(results_dir, "sweep.json");
    cJSON *sweep = NULL;
    int rc = read_json_object(path, 0, &sweep);
    if (rc == 0) rc = parse_sweep(sweep, path, results_dir, t);
    cJSON_Delete(sweep);
    free(path);
    if (rc != 0) report_table_free(t);
    return rc;
}

void report_table_free(ReportTable *t) {
    for (int i = 0; i < t->n_rows; i++) {
        ReportRow *r = &t->rows[i];
        free(r->row);
        free(r->method);
        free(r->dir);
        free(r->error);
        free(r->failed_stage);
        for (int k = 0; k < r->n_wall; k++) free(r->wall[k].stage);
        free(r->wall);
    }
    free(t->rows);
    free(t->dusk_version);
    free(t->config_json);
    free(t->compute_json);
    memset(t, 0, sizeof *t);
}

double report_row_wall(const ReportRow *r, const char *stage) {
    for (int k = 0; k < r->n_wall; k++)
        if (strcmp(r->wall[k].stage, stage) == 0) return r->wall[k].seconds;
    return NAN;
}

const ReportRow *report_reference_row(const ReportTable *t, RowKind kind) {
    for (int i = 0; i < t->n_rows; i++)
        if (t->rows[i].kind == kind) return &t->rows[i];
    return NULL;
}

const char *report_status_name(RowStatus s) {
    return s == STATUS_OK ? "ok" : s == STATUS_FAILED ? "failed" : "missing";
}
