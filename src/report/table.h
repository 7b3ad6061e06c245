/* The sweep's results table: one row per row of RESULTS/sweep.json, with its
 * status (stage.json) and metrics (eval/summary.json), and the files made
 * from it (summary.md / .csv / .json). The layout of RESULTS is described in
 * README.md ("dusk report"). */
#ifndef DUSK_REPORT_TABLE_H
#define DUSK_REPORT_TABLE_H

typedef enum { METRIC_VERBMEM, METRIC_UFK, METRIC_SK, METRIC_URK, METRIC_DC, METRIC_PRIVLEAK, METRIC_RD, N_METRICS } MetricId;
extern const char *const kMetricKeys[N_METRICS];   /* summary.json keys: "verbmem", ... */
extern const char *const kMetricLabels[N_METRICS]; /* as the paper names them: "VerbMem", ... */

typedef enum { ROW_TARGET, ROW_RETRAIN, ROW_METHOD } RowKind;
typedef enum { STATUS_OK, STATUS_FAILED, STATUS_MISSING } RowStatus;

typedef struct {
    char *stage; /* "train", "eval", ... as stage.json's wall_s names them */
    double seconds;
} StageTime;

typedef struct {
    char *row;    /* the row's name: "Target", "GA", ... */
    RowKind kind;
    char *method; /* method rows only, else NULL */
    long epochs;  /* -1 when the row names none */
    char *dir;    /* relative to RESULTS */
    RowStatus status;
    char *error;        /* failed rows: the failing stage's message */
    char *failed_stage; /* failed rows: NULL when stage.json names none */
    double metric[N_METRICS]; /* NAN when absent or null */
    StageTime *wall;
    int n_wall;
} ReportRow;

typedef struct {
    char *dusk_version; /* of the sweep, from sweep.json; NULL when absent */
    char *config_json;  /* sweep.json's "config", pretty-printed; NULL when absent */
    char *compute_json; /* sweep.json's "compute" (or older "blas"), compact; NULL when absent */
    ReportRow *rows;
    int n_rows;
} ReportTable;

/* Read RESULTS/sweep.json and every row's stage.json and eval/summary.json.
 * A row without stage.json is "missing"; malformed files fail with a message
 * naming the file. 0 or -1 (dusk_error set, *t left empty). */
int report_collect(const char *results_dir, ReportTable *t);
void report_table_free(ReportTable *t);

/* Seconds spent in a stage, NAN when stage.json has none. */
double report_row_wall(const ReportRow *r, const char *stage);
/* The first Target (or Retrain) row, or NULL. */
const ReportRow *report_reference_row(const ReportTable *t, RowKind kind);
const char *report_status_name(RowStatus s); /* "ok" / "failed" / "missing" */

/* The table's columns, shared by every format. */
enum { COL_ROW, COL_EPOCHS, COL_METRIC0, COL_TRAIN_S = COL_METRIC0 + N_METRICS, COL_EVAL_S, COL_STATUS, N_COLUMNS };
extern const char *const kColumnNames[N_COLUMNS];
/* The text of one cell (caller frees). precise: numbers in full (shortest
 * round-trip) and missing values as ""; otherwise 1 decimal and "—". */
char *report_cell(const ReportRow *r, int col, int precise);

/* The outputs (caller frees). */
char *report_markdown(const ReportTable *t);
char *report_csv(const ReportTable *t);
char *report_json(const ReportTable *t);

#endif
