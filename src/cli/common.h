/* Small helpers shared by the model-facing subcommands: the pipeline
 * helpers (pipeline/common.h) that exit with the message on error. */
#ifndef DUSK_CLI_COMMON_H
#define DUSK_CLI_COMMON_H

#include <cjson/cJSON.h>
#include <stdio.h>

#include "cli/args.h"
#include "model/llama.h"
#include "pipeline/cleanup_spaces.h"
#include "tokenizer/tokenizer.h"
#include "util/dtype.h"
#include "util/outdir.h"

/* Load a model or exit with the loader's message. */
void cli_load_model(Model *m, const char *path);
/* The same for generation: the EOS ids become those of generation_config.json
 * beside the model when it names any (as HF generate takes them). Returns
 * where they come from (see generation_config_apply). */
const char *cli_load_generation_model(Model *m, const char *path);
/* The tokenizer at `path`, or (path == NULL) the one inside an HF model
 * directory; exits with a clear message when neither exists. */
Tokenizer *cli_load_tokenizer(const char *path, const char *model_path);
/* Exit with a clear message when the tokenizer has ids the model cannot embed. */
void cli_check_tokenizer_fits(const Tokenizer *tok, const Model *m);
/* The --clean-up-spaces choice (pipeline/cleanup_spaces.h), or exit. */
CleanupChoice cli_cleanup_choice(const char *flag, const Tokenizer *tok);
/* The compute settings every model command takes: --threads (0 = OpenMP's
 * default), --gemm and --precision (ops/ops.h; process-wide). */
#define CLI_COMPUTE_ARG_SPECS                                                                                 \
    {"device", ARG_VALUE, "cpu (default) or cuda (a make CUDA=1 build on a machine with an NVIDIA GPU)", 0, 0}, \
        {"threads", ARG_VALUE, "threads (default: all cores)", 0, 0},                                         \
        {"gemm", ARG_VALUE, "matrix products: dusk (default) or openblas", 0, 0},                              \
        {"precision", ARG_VALUE, "matmul operands: fp32 (default) or bf16 (fp32 accumulation and weights)", 0, 0}
/* Apply the compute settings of CLI_COMPUTE_ARG_SPECS, or exit. */
void cli_set_compute(const ArgSpec *o, int n);
/* Parse "f32" / "bf16" / "f16" or exit. */
DType cli_parse_dtype(const char *s);
/* Start writing the result directory `out` (util/outdir.h): checked, locked
 * and begun before any work, so a bad --out fails at once; exits on error. */
void cli_begin_out(OutDir *od, const char *out);
/* Put the finished directory in place, or exit with the reason. */
void cli_commit_out(OutDir *od);
/* Print a float as JSON (shortest round-trip form; NaN/inf as null). */
void json_print_double(FILE *fp, double v);

#endif
