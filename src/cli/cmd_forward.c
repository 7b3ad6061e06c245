/* dusk forward --model PATH --ids-file F --out LOGITS.safetensors: the raw
 * logits [B, T, V] of a batch, for reference comparisons. */
#include <stdlib.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/ids_file.h"
#include "io/safetensors.h"
#include "util/err.h"

int cmd_forward(int argc, char **argv) {
    ArgSpec o[] = {
        {"model", ARG_VALUE, "HF directory or llama2.c .bin", 0, 0},
        {"ids-file", ARG_VALUE, "a batch: equal-length token id sequences, one per line", 0, 0},
        {"out", ARG_VALUE, "logits (.safetensors, tensor 'logits')", 0, 0},
        CLI_COMPUTE_ARG_SPECS,
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("forward: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("forward", "--model PATH --ids-file F --out LOGITS.safetensors", o, n);
        return 0;
    }
    cli_set_compute(o, n);
    const char *out = args_required(o, n, "out");
    Model m;
    cli_load_model(&m, args_required(o, n, "model"));
    const char *path = args_required(o, n, "ids-file");
    IdSequences s;
    if (ids_file_read(&s, path, m.cfg.vocab_size) != 0) dusk_die("%s", dusk_last_error());
    int T = ids_equal_length(&s, path, 1);
    if (T < 0) dusk_die("%s", dusk_last_error());
    if (T > m.cfg.max_position_embeddings) dusk_die("%s: sequences longer than max_position_embeddings", path);
    int B = s.n_seqs;
    int *ids = xmalloc(sizeof(int) * (size_t)B * T);
    for (int b = 0; b < B; b++)
        for (int t = 0; t < T; t++) ids[b * T + t] = s.seqs[b][t];
    Activations a;
    activations_alloc(&a, &m, B, T, 0);
    model_forward(&m, &a, ids, m.cfg.num_hidden_layers);
    size_t n_logits = (size_t)B * T * m.cfg.vocab_size;
    float *logits = xmalloc(sizeof(float) * n_logits);
    ops_download(logits, a.logits, sizeof(float) * n_logits);
    StWriteTensor t = {.name = "logits", .dtype = DTYPE_F32, .ndim = 3, .shape = {B, T, m.cfg.vocab_size}, .data = logits};
    if (st_write(out, &t, 1, NULL, NULL, 0) != 0) dusk_die("%s", dusk_last_error());
    free(logits);
    activations_free(&a);
    free(ids);
    ids_free(&s);
    model_free(&m);
    return 0;
}
