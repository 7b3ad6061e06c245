/* dusk score --model PATH --ids-file F: per-token log-probabilities.
 * For each line: {"token_logprobs": [log p(x_t | x_<t) for t = 1..n-1], "mean_nll": x}. */
#include <stdio.h>
#include <stdlib.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/ids_file.h"
#include "util/err.h"

static void score_sequence(Model *m, const int *ids, int n) {
    int V = m->cfg.vocab_size;
    Activations a;
    activations_alloc(&a, m, 1, n, 0);
    model_forward(m, &a, ids, m->cfg.num_hidden_layers);
    /* log p(ids[t]) = logit of ids[t] at row t-1 - the row's logsumexp */
    int rows = n > 1 ? n - 1 : 1;
    double *lp = xmalloc(sizeof(double) * (size_t)rows);
    int *row = xmalloc(sizeof(int) * (size_t)rows);
    float *logit = xmalloc(sizeof(float) * (size_t)rows);
    for (int t = 0; t < n - 1; t++) row[t] = t;
    logsumexp_rows(lp, a.logits, n - 1, V);
    gather_values(logit, a.logits, row, ids + 1, n - 1, (size_t)V);
    for (int t = 0; t < n - 1; t++) lp[t] = (double)logit[t] - lp[t];
    free(row), free(logit);
    double sum = 0.0;
    fputs("{\"token_logprobs\": [", stdout);
    for (int t = 0; t < n - 1; t++) {
        if (t) fputs(", ", stdout);
        json_print_double(stdout, lp[t]);
        sum += lp[t];
    }
    fputs("], \"mean_nll\": ", stdout);
    if (n > 1) json_print_double(stdout, -sum / (n - 1));
    else fputs("null", stdout);
    fputs("}\n", stdout);
    free(lp);
    activations_free(&a);
}

int cmd_score(int argc, char **argv) {
    ArgSpec o[] = {
        {"model", ARG_VALUE, "HF directory or llama2.c .bin", 0, 0},
        {"ids-file", ARG_VALUE, "token id sequences, one per line", 0, 0},
        CLI_COMPUTE_ARG_SPECS,
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0];
    if (args_parse(o, n, argc, argv, 1, NULL, NULL) != 0) dusk_die("score: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("score", "--model PATH --ids-file F", o, n);
        return 0;
    }
    cli_set_compute(o, n);
    Model m;
    cli_load_model(&m, args_required(o, n, "model"));
    const char *path = args_required(o, n, "ids-file");
    IdSequences s;
    if (ids_file_read(&s, path, m.cfg.vocab_size) != 0) dusk_die("%s", dusk_last_error());
    for (int i = 0; i < s.n_seqs; i++) {
        if (s.lens[i] > m.cfg.max_position_embeddings)
            dusk_die("%s: sequence %d has %d ids, more than max_position_embeddings (%d)", path, i + 1, s.lens[i],
                     m.cfg.max_position_embeddings);
        score_sequence(&m, s.seqs[i], s.lens[i]);
    }
    ids_free(&s);
    model_free(&m);
    return 0;
}
