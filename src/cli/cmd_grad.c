/* dusk grad --model PATH --ids-file F --out GRADS.safetensors: the mean
 * next-token cross-entropy over all B*(T-1) positions (HF outputs.loss) and
 * every parameter's gradient, written as F32 under HF names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/ids_file.h"
#include "model/checkpoint.h"
#include "util/err.h"

/* Flatten a batch into ids[B*T] and next-token targets (-1 at each row end). */
static void batch_targets(const IdSequences *s, int T, int *ids, int *targets) {
    for (int b = 0; b < s->n_seqs; b++)
        for (int t = 0; t < T; t++) {
            ids[b * T + t] = s->seqs[b][t];
            targets[b * T + t] = t + 1 < T ? s->seqs[b][t + 1] : -1;
        }
}

int cmd_grad(int argc, char **argv) {
    ArgSpec o[] = {
        {"model", ARG_VALUE, "HF directory or llama2.c .bin", 0, 0},
        {"ids-file", ARG_VALUE, "a batch: equal-length token id sequences, one per line", 0, 0},
        {"out", ARG_VALUE, "gradients (.safetensors)", 0, 0},
        {"recompute", ARG_FLAG, "recompute layer activations in backward (less memory)", 0, 0},
        {"threads", ARG_VALUE, "threads (default: all cores)", 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("grad: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("grad", "--model PATH --ids-file F --out GRADS.safetensors", o, n);
        return 0;
    }
    cli_set_threads(args_long(o, n, "threads", 0));
    const char *out = args_required(o, n, "out");
    Model m;
    cli_load_model(&m, args_required(o, n, "model"));
    const char *path = args_required(o, n, "ids-file");
    IdSequences s;
    if (ids_file_read(&s, path, m.cfg.vocab_size) != 0) dusk_die("%s", dusk_last_error());
    int T = ids_equal_length(&s, path, 2);
    if (T < 0) dusk_die("%s", dusk_last_error());
    if (T > m.cfg.max_position_embeddings) dusk_die("%s: sequences longer than max_position_embeddings", path);
    int B = s.n_seqs, V = m.cfg.vocab_size;
    int *ids = xmalloc(sizeof(int) * (size_t)B * T), *targets = xmalloc(sizeof(int) * (size_t)B * T);
    batch_targets(&s, T, ids, targets);
    Activations a;
    activations_alloc(&a, &m, B, T, args_flag(o, n, "recompute"));
    model_forward(&m, &a, ids, m.cfg.num_hidden_layers);
    float scale = 1.0f / (float)(B * (T - 1));
    double loss = cross_entropy_forward_backward(a.logits, a.logits, targets, B * T, V, scale) * scale;
    model_zero_grads(&m);
    model_backward(&m, &a, ids, a.logits, -1, NULL);
    if (model_save_grads(&m, out, NULL, NULL, 0) != 0) dusk_die("%s", dusk_last_error());
    fputs("{\"loss\": ", stdout);
    json_print_double(stdout, loss);
    fputs("}\n", stdout);
    activations_free(&a);
    free(ids);
    free(targets);
    ids_free(&s);
    model_free(&m);
    return 0;
}
