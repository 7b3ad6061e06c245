/* The results table as text: one cell formatter shared by summary.md,
 * summary.csv (and report.html), plus summary.json. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "util/textbuf.h"
#include "io/json_text.h"
#include "report/table.h"
#include "util/err.h"

const char *const kColumnNames[N_COLUMNS] = {"Row",     "Epochs",   "VerbMem",         "UFK",     "SK",
                                             "URK",     "DC",       "PrivLeak",        "RetainDeviation",
                                             "Train s", "Eval s",   "Status"};

#define MISSING_TEXT "\xe2\x80\x94" /* "—" */

static char *number_cell(double v, int precise) {
    if (!isfinite(v)) return xstrdup(precise ? "" : MISSING_TEXT);
    if (!precise) return str_printf("%.1f", v);
    char buf[32];
    json_format_double(v, buf);
    return xstrdup(buf);
}

static char *status_cell(const ReportRow *r) {
    if (r->status == STATUS_FAILED) return str_printf("failed: %s", r->error);
    return xstrdup(report_status_name(r->status));
}

char *report_cell(const ReportRow *r, int col, int precise) {
    switch (col) {
    case COL_ROW: return xstrdup(r->row);
    case COL_EPOCHS: return r->epochs < 0 ? xstrdup(precise ? "" : MISSING_TEXT) : str_printf("%ld", r->epochs);
    case COL_TRAIN_S: return number_cell(report_row_wall(r, "train"), precise);
    case COL_EVAL_S: return number_cell(report_row_wall(r, "eval"), precise);
    case COL_STATUS: return status_cell(r);
    default: return number_cell(r->metric[col - COL_METRIC0], precise);
    }
}

/* A Markdown cell stays on its line and inside its column. */
static void append_md_cell(TextBuf *b, const char *s) {
    tb_append(b, " ", 1);
    for (; *s; s++) {
        if (*s == '|') tb_append(b, "\\|", 2);
        else if (*s == '\n' || *s == '\r' || *s == '\t') tb_append(b, " ", 1);
        else tb_append(b, s, 1);
    }
    tb_append(b, " |", 2);
}

char *report_markdown(const ReportTable *t) {
    TextBuf b = {0};
    tb_append(&b, "|", 1);
    for (int c = 0; c < N_COLUMNS; c++) append_md_cell(&b, kColumnNames[c]);
    tb_append(&b, "\n|", 2);
    for (int c = 0; c < N_COLUMNS; c++) tb_printf(&b, "%s|", c <= COL_EPOCHS || c == COL_STATUS ? "---" : "---:");
    tb_append(&b, "\n", 1);
    for (int i = 0; i < t->n_rows; i++) {
        tb_append(&b, "|", 1);
        for (int c = 0; c < N_COLUMNS; c++) {
            char *cell = report_cell(&t->rows[i], c, 0);
            append_md_cell(&b, cell);
            free(cell);
        }
        tb_append(&b, "\n", 1);
    }
    return b.s;
}

/* RFC 4180: quote a field holding a comma, quote or line break. */
static void append_csv_field(TextBuf *b, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        tb_append(b, s, strlen(s));
        return;
    }
    tb_append(b, "\"", 1);
    for (; *s; s++) tb_append(b, *s == '"' ? "\"\"" : s, *s == '"' ? 2 : 1);
    tb_append(b, "\"", 1);
}

char *report_csv(const ReportTable *t) {
    TextBuf b = {0};
    for (int c = 0; c < N_COLUMNS; c++) {
        if (c) tb_append(&b, ",", 1);
        append_csv_field(&b, kColumnNames[c]);
    }
    tb_append(&b, "\r\n", 2);
    for (int i = 0; i < t->n_rows; i++) {
        for (int c = 0; c < N_COLUMNS; c++) {
            char *cell = report_cell(&t->rows[i], c, 1);
            if (c) tb_append(&b, ",", 1);
            append_csv_field(&b, cell);
            free(cell);
        }
        tb_append(&b, "\r\n", 2);
    }
    return b.s;
}

static void add_string_or_null(cJSON *obj, const char *key, const char *s) {
    if (s) cJSON_AddStringToObject(obj, key, s);
    else cJSON_AddNullToObject(obj, key);
}

static void add_number_or_null(cJSON *obj, const char *key, double v) {
    if (isfinite(v)) cJSON_AddNumberToObject(obj, key, v);
    else cJSON_AddNullToObject(obj, key);
}

static cJSON *row_json(const ReportRow *r) {
    static const char *const kKindNames[] = {"target", "retrain", "method"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "row", r->row);
    cJSON_AddStringToObject(o, "kind", kKindNames[r->kind]);
    add_string_or_null(o, "method", r->method);
    add_number_or_null(o, "epochs", r->epochs < 0 ? NAN : (double)r->epochs);
    cJSON_AddStringToObject(o, "dir", r->dir);
    cJSON_AddStringToObject(o, "status", report_status_name(r->status));
    add_string_or_null(o, "error", r->error);
    add_string_or_null(o, "failed_stage", r->failed_stage);
    for (int m = 0; m < N_METRICS; m++) add_number_or_null(o, kMetricKeys[m], r->metric[m]);
    cJSON *wall = cJSON_AddObjectToObject(o, "wall_s");
    for (int k = 0; k < r->n_wall; k++) cJSON_AddNumberToObject(wall, r->wall[k].stage, r->wall[k].seconds);
    return o;
}

char *report_json(const ReportTable *t) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "columns", cJSON_CreateStringArray(kColumnNames, N_COLUMNS));
    cJSON *rows = cJSON_AddArrayToObject(root, "rows");
    for (int i = 0; i < t->n_rows; i++) cJSON_AddItemToArray(rows, row_json(&t->rows[i]));
    char *text = json_print_exact(root, 1);
    cJSON_Delete(root);
    if (!text) dusk_die("out of memory printing summary.json");
    char *out = str_printf("%s\n", text);
    free(text);
    return out;
}
