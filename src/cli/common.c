#include "cli/common.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "io/json_text.h"
#include "model/checkpoint.h"
#include "ops/ops.h"
#include "pipeline/common.h"
#include "util/err.h"

void cli_load_model(Model *m, const char *path) {
    if (model_load(m, path) != 0) dusk_die("%s", dusk_last_error());
}

const char *cli_load_generation_model(Model *m, const char *path) {
    const char *source;
    if (pipeline_load_generation_model(m, path, &source) != 0) dusk_die("%s", dusk_last_error());
    return source;
}

Tokenizer *cli_load_tokenizer(const char *path, const char *model_path) {
    Tokenizer *t = pipeline_load_tokenizer(path, model_path);
    if (!t) dusk_die("%s", dusk_last_error());
    return t;
}

void cli_check_tokenizer_fits(const Tokenizer *tok, const Model *m) {
    if (pipeline_check_tokenizer_fits(tok, m) != 0) dusk_die("%s", dusk_last_error());
}

CleanupChoice cli_cleanup_choice(const char *flag, const Tokenizer *tok) {
    CleanupChoice c;
    if (cleanup_choice(&c, flag, tok) != 0) dusk_die("%s", dusk_last_error());
    return c;
}

void cli_set_compute(const ArgSpec *o, int n) {
    long threads = args_long(o, n, "threads", 0);
    if (threads < 0) dusk_die("--threads must be >= 0");
    if (threads > 0) omp_set_num_threads((int)threads);
    if (ops_set_device(args_str(o, n, "device", "cpu")) != 0 ||
        ops_set_gemm_impl(args_str(o, n, "gemm", ops_gemm_impl_name())) != 0 ||
        ops_set_precision(args_str(o, n, "precision", "fp32")) != 0)
        dusk_die("%s", dusk_last_error());
}

DType cli_parse_dtype(const char *s) {
    if (!strcmp(s, "f32") || !strcmp(s, "float32")) return DTYPE_F32;
    if (!strcmp(s, "bf16") || !strcmp(s, "bfloat16")) return DTYPE_BF16;
    if (!strcmp(s, "f16") || !strcmp(s, "float16")) return DTYPE_F16;
    dusk_die("--dtype must be f32, bf16 or f16 (got '%s')", s);
    return DTYPE_F32;
}

void json_print_double(FILE *fp, double v) {
    char buf[32];
    json_format_double(v, buf);
    fputs(buf, fp);
}

void cli_begin_out(OutDir *od, const char *out) {
    if (outdir_begin(od, out) != 0) dusk_die("--out: %s", dusk_last_error());
}

void cli_commit_out(OutDir *od) {
    if (outdir_commit(od) != 0) dusk_die("%s", dusk_last_error());
}
