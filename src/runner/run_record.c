#include "runner/run_record.h"

#include <cblas.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "io/json_text.h"
#include "ops/ops.h"
#include "util/err.h"
#include "util/fileio.h"
#include "version.h"

cJSON *compute_settings_json(void) {
    cJSON *c = cJSON_CreateObject();
    cJSON_AddStringToObject(c, "device", ops_device_name());
    cJSON_AddStringToObject(c, "gemm", ops_gemm_impl_name());
    cJSON_AddStringToObject(c, "gemm_kernel", ops_gemm_kernel_name());
    cJSON_AddStringToObject(c, "precision", ops_precision_name());
    if (ops_precision() == PRECISION_BF16) cJSON_AddStringToObject(c, "bf16_kernel", ops_bf16_kernel_name());
    cJSON_AddNumberToObject(c, "threads", omp_get_max_threads());
    cJSON_AddStringToObject(c, "openblas_kernel", openblas_get_corename());
    const char *forced = getenv("OPENBLAS_CORETYPE");
    if (forced) cJSON_AddStringToObject(c, "OPENBLAS_CORETYPE", forced);
    return c;
}

cJSON *run_record_new(int argc, char *const *argv) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "dusk_version", DUSK_VERSION);
    cJSON *cmd = cJSON_AddArrayToObject(r, "command");
    for (int i = 0; i < argc; i++) cJSON_AddItemToArray(cmd, cJSON_CreateString(argv[i]));
    cJSON_AddNumberToObject(r, "created_unix", (double)time(NULL));
    cJSON_AddItemToObject(r, "compute", compute_settings_json());
    return r;
}

static cJSON *number_array(const double *v, long n) {
    cJSON *a = cJSON_CreateArray();
    for (long i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateNumber(v[i]));
    return a;
}

static cJSON *float_array(const float *v, long n) {
    cJSON *a = cJSON_CreateArray();
    for (long i = 0; i < n; i++) cJSON_AddItemToArray(a, json_create_float(v[i]));
    return a;
}

void run_record_add_training(cJSON *rec, const char *key, const TrainConfig *tc, const TrainLog *log) {
    cJSON *t = cJSON_AddObjectToObject(rec, key);
    cJSON_AddNumberToObject(t, "epochs", tc->epochs);
    cJSON_AddNumberToObject(t, "micro_batch", tc->micro_batch);
    cJSON_AddNumberToObject(t, "grad_accum", tc->grad_accum);
    cJSON_AddNumberToObject(t, "processes", tc->processes);
    cJSON_AddNumberToObject(t, "effective_batch", (double)tc->micro_batch * tc->grad_accum * tc->processes);
    cJSON_AddStringToObject(t, "optimizer", tc->opt.kind == OPT_ADAMW ? "adamw" : "sgd");
    json_add_float_to_object(t, "lr", tc->opt.lr);
    json_add_float_to_object(t, "beta1", tc->opt.beta1);
    json_add_float_to_object(t, "beta2", tc->opt.beta2);
    json_add_float_to_object(t, "eps", tc->opt.eps);
    json_add_float_to_object(t, "weight_decay", tc->opt.weight_decay);
    json_add_float_to_object(t, "max_grad_norm", tc->opt.max_grad_norm);
    cJSON_AddStringToObject(t, "schedule", "linear with warmup (HF get_linear_schedule_with_warmup)");
    cJSON_AddNumberToObject(t, "seed", (double)tc->seed);
    cJSON_AddNumberToObject(t, "max_steps", (double)log->max_steps);
    cJSON_AddNumberToObject(t, "steps_per_epoch", (double)log->steps_per_epoch);
    cJSON_AddNumberToObject(t, "warmup_steps", (double)log->warmup_steps);
    cJSON_AddNumberToObject(t, "steps", (double)log->steps);
    cJSON_AddNumberToObject(t, "tokens", (double)log->tokens);
    cJSON_AddNumberToObject(t, "seconds", log->seconds);
    cJSON_AddItemToObject(t, "loss", number_array(log->loss, log->steps));
    cJSON_AddItemToObject(t, "forget_loss", number_array(log->forget_loss, log->steps));
    cJSON_AddItemToObject(t, "reg_loss", number_array(log->reg_loss, log->steps));
    cJSON_AddItemToObject(t, "lr_per_step", float_array(log->lr, log->steps));
    cJSON_AddItemToObject(t, "grad_norm", number_array(log->grad_norm, log->steps));
}

int run_record_write(const cJSON *rec, const char *dir) {
    if (make_dirs(dir) != 0) return -1;
    char *path = path_join(dir, "run.json");
    int rc = json_write_file(rec, path);
    free(path);
    return rc;
}
