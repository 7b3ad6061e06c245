/* dusk grad: loss and parameter gradients of one batch.
 *   --ids-file F: the mean next-token cross-entropy over all B*(T-1)
 *     positions (HF outputs.loss); prints {"loss": x}.
 *   --objective NAME --forget-ids F --retain-ids R [--ref PATH]: an
 *     unlearning objective (src/train/methods.c); prints
 *     {"loss": x, "forget_loss": a, "reg_loss": b}.
 * Gradients of every trainable tensor are written as F32 under HF names (and
 * RMU's control vector as "rmu.control"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "cli/train_args.h"
#include "io/ids_file.h"
#include "model/checkpoint.h"
#include "train/objective.h"
#include "util/err.h"

static IdSequences read_batch(const char *path, const Model *m, int *T) {
    IdSequences s;
    if (ids_file_read(&s, path, m->cfg.vocab_size) != 0) dusk_die("%s", dusk_last_error());
    *T = ids_equal_length(&s, path, 2);
    if (*T < 0) dusk_die("%s", dusk_last_error());
    if (*T > m->cfg.max_position_embeddings) dusk_die("%s: sequences longer than max_position_embeddings", path);
    return s;
}

static int *flatten(const IdSequences *s, int T) {
    int *ids = xmalloc(sizeof(int) * (size_t)s->n_seqs * T);
    for (int b = 0; b < s->n_seqs; b++)
        for (int t = 0; t < T; t++) ids[b * T + t] = s->seqs[b][t];
    return ids;
}

static int grad_objective(const ArgSpec *o, int n, const char *out) {
    const char *name = args_str(o, n, "objective", NULL);
    const Method *method = method_find(name);
    if (!method) dusk_die("unknown objective '%s' (known: %s)", name, method_names());
    ObjectiveParams p;
    objective_params_defaults(&p, method);
    objective_params_from_args(&p, o, n);
    const char *model_path = args_required(o, n, "model");
    Model m, ref;
    cli_load_model(&m, model_path);
    Model *refp = NULL;
    if (method->needs_ref) {
        cli_load_model(&ref, args_str(o, n, "ref", model_path));
        refp = &ref;
    }
    int Tf = 0, Tr = 0;
    IdSequences fs = {0}, rs = {0};
    if (method->forget) fs = read_batch(args_required(o, n, "forget-ids"), &m, &Tf);
    if (method->reg) rs = read_batch(args_required(o, n, "retain-ids"), &m, &Tr);
    int *fids = method->forget ? flatten(&fs, Tf) : NULL, *rids = method->reg ? flatten(&rs, Tr) : NULL;
    Batch fb = {fids, fs.n_seqs, Tf}, rb = {rids, rs.n_seqs, Tr};
    Rng rng;
    rng_seed(&rng, (uint64_t)args_long(o, n, "seed", 0));
    ObjectiveCtx ctx;
    const Batch *first = method->forget ? &fb : &rb;
    if (objective_setup(&ctx, method, &m, refp, &p, &rng, first->B, first->T) != 0) dusk_die("%s", dusk_last_error());
    model_zero_grads(&m);
    LossParts parts;
    if (objective_compute(&ctx, method, method->forget ? &fb : NULL, method->reg ? &rb : NULL, 1.0f, &parts) != 0)
        dusk_die("%s", dusk_last_error());
    int rc = model_save_grads(&m, out, ctx.rmu_control ? "rmu.control" : NULL, ctx.rmu_control,
                              m.cfg.hidden_size);
    if (rc != 0) dusk_die("%s", dusk_last_error());
    fputs("{\"loss\": ", stdout);
    json_print_double(stdout, parts.loss);
    fputs(", \"forget_loss\": ", stdout);
    json_print_double(stdout, parts.forget_loss);
    fputs(", \"reg_loss\": ", stdout);
    json_print_double(stdout, parts.reg_loss);
    fputs("}\n", stdout);
    objective_teardown(&ctx);
    free(fids), free(rids);
    if (method->forget) ids_free(&fs);
    if (method->reg) ids_free(&rs);
    if (refp) model_free(refp);
    model_free(&m);
    return 0;
}

int cmd_grad(int argc, char **argv) {
    ArgSpec o[] = {
        {"model", ARG_VALUE, "HF directory or llama2.c .bin", 0, 0},
        {"ids-file", ARG_VALUE, "a batch: equal-length token id sequences, one per line", 0, 0},
        {"out", ARG_VALUE, "gradients (.safetensors)", 0, 0},
        {"recompute", ARG_FLAG, "recompute layer activations in backward (less memory)", 0, 0},
        {"objective", ARG_VALUE, "unlearning objective (method name)", 0, 0},
        {"forget-ids", ARG_VALUE, "forget batch (equal-length id sequences)", 0, 0},
        {"retain-ids", ARG_VALUE, "retain batch (equal-length id sequences)", 0, 0},
        {"ref", ARG_VALUE, "frozen reference model (default: a copy of --model)", 0, 0},
        {"seed", ARG_VALUE, "seed (RMU control vector); default 0", 0, 0},
        OBJECTIVE_ARG_SPECS,
        CLI_COMPUTE_ARG_SPECS,
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("grad: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("grad", "--model PATH --ids-file F --out GRADS.safetensors", o, n);
        return 0;
    }
    cli_set_compute(o, n);
    const char *out = args_required(o, n, "out");
    if (args_str(o, n, "objective", NULL)) return grad_objective(o, n, out);
    Model m;
    cli_load_model(&m, args_required(o, n, "model"));
    const char *path = args_required(o, n, "ids-file");
    IdSequences s;
    if (ids_file_read(&s, path, m.cfg.vocab_size) != 0) dusk_die("%s", dusk_last_error());
    int T = ids_equal_length(&s, path, 2);
    if (T < 0) dusk_die("%s", dusk_last_error());
    if (T > m.cfg.max_position_embeddings) dusk_die("%s: sequences longer than max_position_embeddings", path);
    int B = s.n_seqs;
    int *ids = flatten(&s, T);
    Activations a;
    activations_alloc_fused_head(&a, &m, B, T, args_flag(o, n, "recompute"));
    model_forward(&m, &a, ids, m.cfg.num_hidden_layers);
    float scale = 1.0f / (float)(B * (T - 1));
    model_zero_grads(&m);
    double loss = model_cross_entropy(&m, &a, scale, 1) * scale;
    if (model_save_grads(&m, out, NULL, NULL, 0) != 0) dusk_die("%s", dusk_last_error());
    fputs("{\"loss\": ", stdout);
    json_print_double(stdout, loss);
    fputs("}\n", stdout);
    activations_free(&a);
    free(ids);
    ids_free(&s);
    model_free(&m);
    return 0;
}
