#include "cli/train_args.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/ids_file.h"
#include "model/checkpoint.h"
#include "runner/run_record.h"
#include "util/err.h"
#include "util/fileio.h"

/* Every numeric flag in its domain before any work: a NaN or out-of-range
 * value would otherwise train to a NaN checkpoint and exit 0. */
static void check_train_flags(const TrainConfig *tc) {
    const OptimizerConfig *c = &tc->opt;
    if (!(isfinite(tc->epochs) && tc->epochs > 0 && tc->epochs <= 1e6))
        dusk_die("--epochs must be a number in (0, 1e6] (got %g)", tc->epochs);
    if (!(isfinite(c->lr) && c->lr > 0)) dusk_die("--lr must be finite and > 0 (got %g)", c->lr);
    if (!(c->beta1 >= 0 && c->beta1 < 1)) dusk_die("--adam-beta1 must be in [0, 1) (got %g)", c->beta1);
    if (!(c->beta2 >= 0 && c->beta2 < 1)) dusk_die("--adam-beta2 must be in [0, 1) (got %g)", c->beta2);
    if (!(isfinite(c->eps) && c->eps > 0)) dusk_die("--adam-eps must be finite and > 0 (got %g)", c->eps);
    if (!(isfinite(c->weight_decay) && c->weight_decay >= 0))
        dusk_die("--weight-decay must be finite and >= 0 (got %g)", c->weight_decay);
    if (!(isfinite(c->max_grad_norm) && c->max_grad_norm >= 0))
        dusk_die("--max-grad-norm must be finite and >= 0 (got %g)", c->max_grad_norm);
}

static int batch_flag(const ArgSpec *o, int n, const char *name, long def) {
    long v = args_long(o, n, name, def);
    if (v < 1 || v > 1000000) dusk_die("--%s must be in [1, 1000000] (got %ld)", name, v);
    return (int)v;
}

void train_config_from_args(TrainConfig *tc, const ArgSpec *o, int n) {
    train_config_defaults(tc);
    tc->epochs = args_double(o, n, "epochs", 5);
    tc->opt.lr = (float)args_double(o, n, "lr", 1e-5);
    tc->micro_batch = batch_flag(o, n, "batch-size", 4);
    tc->grad_accum = batch_flag(o, n, "grad-accum", 8);
    tc->opt.weight_decay = (float)args_double(o, n, "weight-decay", 0.01);
    tc->opt.beta1 = (float)args_double(o, n, "adam-beta1", 0.9);
    tc->opt.beta2 = (float)args_double(o, n, "adam-beta2", 0.999);
    tc->opt.eps = (float)args_double(o, n, "adam-eps", 1e-8);
    tc->opt.max_grad_norm = (float)args_double(o, n, "max-grad-norm", 0.0);
    const char *opt = args_str(o, n, "optimizer", "adamw");
    if (strcmp(opt, "adamw") == 0) tc->opt.kind = OPT_ADAMW;
    else if (strcmp(opt, "sgd") == 0) tc->opt.kind = OPT_SGD;
    else dusk_die("--optimizer must be adamw or sgd (got '%s')", opt);
    tc->seed = (uint64_t)args_long(o, n, "seed", 0);
    tc->progress = !args_flag(o, n, "no-progress");
    tc->allow_nonfinite = args_flag(o, n, "allow-nonfinite");
    check_train_flags(tc);
}

void objective_params_from_args(ObjectiveParams *p, const Method *method, const ArgSpec *o, int n) {
    objective_params_defaults(p, method);
    p->beta = args_double(o, n, "beta", p->beta);
    p->forget_coeff = (float)args_double(o, n, "forget-coeff", p->forget_coeff);
    p->reg_coeff = (float)args_double(o, n, "reg-coeff", p->reg_coeff);
    p->simnpo_delta = (float)args_double(o, n, "simnpo-delta", p->simnpo_delta);
    p->rmu_layer = (int)args_long(o, n, "rmu-layer", p->rmu_layer);
    p->rmu_coeff = (float)args_double(o, n, "rmu-coeff", p->rmu_coeff);
    p->rmu_alpha = (float)args_double(o, n, "rmu-alpha", p->rmu_alpha);
    p->sga_threshold = (float)args_double(o, n, "sga-threshold", p->sga_threshold);
    const char *compat = args_str(o, n, "compat", "none");
    if (strcmp(compat, "release") == 0) p->compat_release = 1;
    else if (strcmp(compat, "none") != 0) dusk_die("--compat must be 'release' or 'none' (got '%s')", compat);
    if (!(p->beta > 0)) dusk_die("--beta must be > 0");
}

ChunkSet chunkset_of(const SeqList *s) {
    ChunkSet c = {s->n, s->T, (const int *const *)s->seqs};
    return c;
}

void read_ids_chunks(SeqList *out, const char *path, int vocab_size, int max_len) {
    IdSequences s;
    if (ids_file_read(&s, path, vocab_size) != 0) dusk_die("%s", dusk_last_error());
    if (ids_equal_length(&s, path, 2) < 0) dusk_die("%s", dusk_last_error());
    if (s.lens[0] > max_len) dusk_die("%s: sequences longer than max_position_embeddings (%d)", path, max_len);
    memset(out, 0, sizeof *out);
    for (int i = 0; i < s.n_seqs; i++) seqlist_append(out, s.seqs[i], s.lens[i]);
    ids_free(&s);
}

static int copy_file(const char *src, const char *dst) {
    size_t len;
    char *buf = read_file_all(src, &len);
    int rc = buf ? write_file_atomic(dst, buf, len) : -1;
    free(buf);
    return rc;
}

int copy_tokenizer_json(const char *tokenizer, const char *out_dir) {
    size_t n = tokenizer ? strlen(tokenizer) : 0;
    if (n < 5 || strcmp(tokenizer + n - 5, ".json") != 0) return 0;
    char dst[4096];
    snprintf(dst, sizeof dst, "%s/tokenizer.json", out_dir);
    return copy_file(tokenizer, dst);
}

int copy_side_files(const char *model_dir, const char *out_dir) {
    static const char *const names[] = {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json",
                                        "generation_config.json"};
    if (!is_directory(model_dir)) return 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char src[4096], dst[4096];
        snprintf(src, sizeof src, "%s/%s", model_dir, names[i]);
        snprintf(dst, sizeof dst, "%s/%s", out_dir, names[i]);
        FILE *fp = fopen(src, "rb");
        if (!fp) continue;
        fclose(fp);
        if (copy_file(src, dst) != 0) return -1;
    }
    return 0;
}

void save_trained_checkpoint(OutDir *od, const Model *m, DType dtype, const char *model_path, const char *tokenizer,
                             const cJSON *rec) {
    if (model_save(m, od->tmp, dtype, 0) != 0 || copy_side_files(model_path, od->tmp) != 0 ||
        copy_tokenizer_json(tokenizer, od->tmp) != 0 || run_record_write(rec, od->tmp) != 0)
        dusk_die("%s", dusk_last_error());
    if (outdir_commit(od) != 0) dusk_die("%s", dusk_last_error());
}
