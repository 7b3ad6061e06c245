/* Eval-side throughput, timed inside the process (model load excluded), for
 * bench/decode.sh against bench/decode_torch.py:
 *
 *   decode_mia decode MODEL_DIR IDS_FILE MAX_NEW REPEATS OUT_IDS
 *       greedy decoding of every prompt of IDS_FILE at once (the KV-cached
 *       generate_greedy that `dusk generate` runs). The decode time is that
 *       of a MAX_NEW run minus that of a 1-token run (prefill + first token),
 *       so tokens/s counts the batch's MAX_NEW-1 decode steps alone.
 *   decode_mia mia MODEL_DIR IDS_FILE REPEATS
 *       the MIA scores of every window of IDS_FILE (mia_score_windows, what
 *       `dusk mia` and `dusk eval` run per file).
 *
 * One JSON line each, medians over REPEATS. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "eval/metrics/eval_metrics.h"
#include "io/ids_file.h"
#include "model/checkpoint.h"
#include "model/generate.h"
#include "util/err.h"

static double median(double *x, int n) {
    qsort(x, (size_t)n, sizeof *x, cmp_double);
    return x[n / 2];
}

/* Seconds of one generate_greedy call; the generations are kept in out. */
static double time_generate(Model *m, const IdSequences *s, int max_new, Generation *out) {
    double t0 = now_seconds();
    if (generate_greedy(m, s->n_seqs, (const int *const *)s->seqs, s->lens, max_new, 1, out) != 0)
        dusk_die("%s", dusk_last_error());
    return now_seconds() - t0;
}

static void free_generations(Generation *g, int n) {
    for (int i = 0; i < n; i++) generation_free(&g[i]);
}

static int bench_decode(Model *m, const IdSequences *s, int max_new, int repeats, const char *out_path) {
    int B = s->n_seqs;
    Generation *g = xcalloc((size_t)B, sizeof *g);
    double *first = xmalloc(sizeof(double) * repeats), *rest = xmalloc(sizeof(double) * repeats);
    for (int r = 0; r < repeats; r++) { /* interleaved, so drift hits both alike */
        first[r] = time_generate(m, s, 1, g);
        free_generations(g, B);
        rest[r] = time_generate(m, s, max_new, g) - first[r];
        if (r + 1 < repeats) free_generations(g, B);
    }
    FILE *f = fopen(out_path, "w");
    if (!f) dusk_die("cannot write %s", out_path);
    for (int b = 0; b < B; b++) {
        for (int i = 0; i < g[b].n; i++) fprintf(f, i ? " %d" : "%d", g[b].tokens[i]);
        fputc('\n', f);
    }
    fclose(f);
    free_generations(g, B);
    double t_first = median(first, repeats), t_rest = median(rest, repeats);
    printf("{\"impl\": \"dusk\", \"batch\": %d, \"prompt_len\": %d, \"max_new\": %d, \"prefill_s\": %.6f, "
           "\"decode_s\": %.6f, \"decode_tokens_per_s\": %.2f, \"threads\": %d}\n",
           B, s->lens[0], max_new, t_first, t_rest, B * (max_new - 1) / t_rest, omp_get_max_threads());
    free(g), free(first), free(rest);
    return 0;
}

static int bench_mia(Model *m, const IdSequences *s, int repeats) {
    int n = s->n_seqs;
    const char **texts = xmalloc(sizeof(char *) * n);
    long tokens = 0;
    for (int i = 0; i < n; i++) texts[i] = "", tokens += s->lens[i]; /* zlib of the text: not what is timed */
    MiaScores *sc = xcalloc((size_t)n, sizeof *sc);
    double *t = xmalloc(sizeof(double) * repeats);
    for (int r = 0; r < repeats; r++) {
        double t0 = now_seconds();
        if (mia_score_windows(m, n, (const int *const *)s->seqs, s->lens, texts, sc) != 0)
            dusk_die("%s", dusk_last_error());
        t[r] = now_seconds() - t0;
    }
    double sec = median(t, repeats);
    printf("{\"impl\": \"dusk\", \"windows\": %d, \"tokens\": %ld, \"seconds\": %.6f, \"tokens_per_s\": %.2f, "
           "\"loss\": [",
           n, tokens, sec, tokens / sec);
    for (int i = 0; i < n; i++) printf(i ? ", %.10g" : "%.10g", sc[i].value[MIA_LOSS]);
    printf("], \"minkpp_0.4\": [");
    for (int i = 0; i < n; i++) printf(i ? ", %.10g" : "%.10g", sc[i].value[MIA_MINKPP_FIRST + 3]);
    printf("], \"threads\": %d}\n", omp_get_max_threads());
    free(texts), free(sc), free(t);
    return 0;
}

int main(int argc, char **argv) {
    int decode = argc == 7 && !strcmp(argv[1], "decode"), mia = argc == 5 && !strcmp(argv[1], "mia");
    if (!decode && !mia) {
        fprintf(stderr, "usage: decode_mia decode MODEL_DIR IDS_FILE MAX_NEW REPEATS OUT_IDS\n"
                        "       decode_mia mia MODEL_DIR IDS_FILE REPEATS\n");
        return 2;
    }
    Model m;
    if (model_load(&m, argv[2]) != 0) dusk_die("%s", dusk_last_error());
    IdSequences s;
    if (ids_file_read(&s, argv[3], m.cfg.vocab_size) != 0) dusk_die("%s", dusk_last_error());
    int rc = decode ? bench_decode(&m, &s, atoi(argv[4]), atoi(argv[5]), argv[6]) : bench_mia(&m, &s, atoi(argv[4]));
    ids_free(&s);
    model_free(&m);
    return rc;
}
