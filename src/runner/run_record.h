/* run.json: everything a run used and produced (dusk version, the command
 * line, every effective hyperparameter, data hashes, per-step losses),
 * written atomically beside the results. */
#ifndef DUSK_RUN_RECORD_H
#define DUSK_RUN_RECORD_H

#include <cjson/cJSON.h>

#include "train/trainer.h"

/* A new record with "dusk_version", "command" (argv[0..argc)) and "created_unix". */
cJSON *run_record_new(int argc, char *const *argv);
/* Add the optimizer/schedule settings and the per-step log under "training". */
void run_record_add_training(cJSON *rec, const char *key, const TrainConfig *tc, const TrainLog *log);
/* Write rec as DIR/run.json (atomic). */
int run_record_write(const cJSON *rec, const char *dir);

#endif
