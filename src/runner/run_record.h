/* run.json: everything a run used and produced (dusk version, the command
 * line, every effective hyperparameter, data hashes, per-step losses),
 * written atomically beside the results. */
#ifndef DUSK_RUN_RECORD_H
#define DUSK_RUN_RECORD_H

#include <cjson/cJSON.h>

#include "train/trainer.h"

/* The compute settings of this process: GEMM implementation and kernel,
 * precision, threads, OpenBLAS's kernel (and OPENBLAS_CORETYPE when set). */
cJSON *compute_settings_json(void);
/* A new record with "dusk_version", "command" (argv[0..argc)), "created_unix" and
 * "compute" (compute_settings_json). */
cJSON *run_record_new(int argc, char *const *argv);
/* Add the optimizer/schedule settings and the per-step log under "training". */
void run_record_add_training(cJSON *rec, const char *key, const TrainConfig *tc, const TrainLog *log);
/* Write rec as DIR/run.json (atomic). */
int run_record_write(const cJSON *rec, const char *dir);

#endif
