/* The sweep's plan: its rows (Target, Retrain, each method at each epoch)
 * and its effective configuration as JSON (RESULTS/sweep.json). */
#ifndef DUSK_RUNNER_PLAN_H
#define DUSK_RUNNER_PLAN_H

#include <cjson/cJSON.h>

#include "runner/sweep.h"

typedef enum { ROW_TARGET, ROW_RETRAIN, ROW_METHOD } RowKind;

typedef struct {
    RowKind kind;
    char *name;    /* "Target", "Retrain", or the method ("GA+GD") */
    char *method;  /* NULL for Target / Retrain */
    int epochs;    /* 0 for Target / Retrain */
    char *dir;     /* relative to RESULTS: "target", "GA+GD/epoch2" */
} SweepRow;

typedef struct {
    SweepRow *rows;
    int n;
} SweepPlan;

/* Rows for c's methods and epoch grids; -1 (message) on an unknown method
 * or a bad epoch list. */
int sweep_plan_build(SweepPlan *p, const SweepConfig *c);
void sweep_plan_free(SweepPlan *p);

/* Everything that decides the sweep's numbers (sweep.json's "config"). */
cJSON *sweep_config_json(const SweepConfig *c, const SweepPlan *p);
/* sweep.json's "rows". */
cJSON *sweep_rows_json(const SweepPlan *p);

/* The first setting where two configurations differ, as "key: a → b"
 * (malloc'd), or NULL when they are equal. */
char *sweep_config_difference(const cJSON *old_cfg, const cJSON *new_cfg);

#endif
