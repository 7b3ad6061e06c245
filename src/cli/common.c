#include "cli/common.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "model/checkpoint.h"
#include "model/generation_config.h"
#include "data/text.h"
#include "io/json_text.h"
#include "util/err.h"
#include "util/fileio.h"

void cli_load_model(Model *m, const char *path) {
    if (model_load(m, path) != 0) dusk_die("%s", dusk_last_error());
}

const char *cli_load_generation_model(Model *m, const char *path) {
    cli_load_model(m, path);
    const char *source;
    if (generation_config_apply(&m->cfg, path, &source) != 0) dusk_die("%s", dusk_last_error());
    return source;
}

Tokenizer *cli_load_tokenizer(const char *path, const char *model_path) {
    if (!path) {
        if (!model_path || !is_directory(model_path))
            dusk_die("--tokenizer is required for %s (no tokenizer.json beside it)", model_path ? model_path : "this model");
        path = model_path;
    }
    Tokenizer *t = tokenizer_load(path);
    if (!t) dusk_die("%s", dusk_last_error());
    return t;
}

char *cli_tokenizer_file(const char *path, const char *model_path) {
    const char *p = path ? path : model_path;
    if (!p) return NULL;
    if (!is_directory(p)) return xstrdup(p);
    size_t n = strlen(p) + sizeof "/tokenizer.json";
    char *f = xmalloc(n);
    snprintf(f, n, "%s/tokenizer.json", p);
    return f;
}

void cli_record_tokenizer(cJSON *obj, const char *path, const char *model_path) {
    char *f = cli_tokenizer_file(path, model_path), sha[65];
    if (!f) return;
    cJSON *t = cJSON_AddObjectToObject(obj, "tokenizer");
    cJSON_AddStringToObject(t, "path", f);
    if (sha256_file_hex(f, sha) == 0) cJSON_AddStringToObject(t, "sha256", sha);
    free(f);
}

void cli_check_tokenizer_fits(const Tokenizer *tok, const Model *m) {
    if (tokenizer_vocab_size(tok) > m->cfg.vocab_size)
        dusk_die("tokenizer/model mismatch: the tokenizer has %d tokens, the model's vocabulary %d",
                 tokenizer_vocab_size(tok), m->cfg.vocab_size);
}

void cli_set_threads(long threads) {
    if (threads < 0) dusk_die("--threads must be >= 0");
    if (threads > 0) omp_set_num_threads((int)threads);
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
