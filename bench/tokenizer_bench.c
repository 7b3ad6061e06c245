/* Tokenizer throughput on one core: encode (and decode) files with a
 * tokenizer, best of several rounds, as one JSON line.
 *   tokenizer_bench TOKENIZER ROUNDS FILE... */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tokenizer/tokenizer.h"
#include "util/err.h"
#include "util/fileio.h"

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: tokenizer_bench TOKENIZER ROUNDS FILE...\n");
        return 2;
    }
    double t0 = now();
    Tokenizer *tok = tokenizer_load(argv[1]);
    if (!tok) dusk_die("%s", dusk_last_error());
    double load_s = now() - t0;
    int rounds = atoi(argv[2]), n_files = argc - 3;
    char **text = xcalloc((size_t)n_files, sizeof *text);
    size_t *len = xcalloc((size_t)n_files, sizeof *len), bytes = 0;
    for (int f = 0; f < n_files; f++) {
        if (!(text[f] = read_file_all(argv[3 + f], &len[f]))) dusk_die("%s", dusk_last_error());
        bytes += len[f];
    }
    double best_enc = 1e30, best_dec = 1e30;
    long tokens = 0;
    for (int r = 0; r < (rounds > 0 ? rounds : 1); r++) {
        double enc = 0, dec = 0;
        tokens = 0;
        for (int f = 0; f < n_files; f++) {
            int *ids, n;
            double a = now();
            if (tokenizer_encode(tok, text[f], len[f], 0, &ids, &n) != 0) dusk_die("%s", dusk_last_error());
            double b = now();
            size_t out_len;
            char *back = tokenizer_decode(tok, ids, n, 0, 0, &out_len);
            enc += b - a;
            dec += now() - b;
            tokens += n;
            free(back);
            free(ids);
        }
        if (enc < best_enc) best_enc = enc;
        if (dec < best_dec) best_dec = dec;
    }
    printf("{\"impl\": \"dusk\", \"bytes\": %zu, \"tokens\": %ld, \"load_s\": %.3f, \"encode_s\": %.4f, "
           "\"encode_mb_per_s\": %.2f, \"decode_mb_per_s\": %.1f}\n",
           bytes, tokens, load_s, best_enc, (double)bytes / 1e6 / best_enc, (double)bytes / 1e6 / best_dec);
    for (int f = 0; f < n_files; f++) free(text[f]);
    free(text);
    free(len);
    tokenizer_free(tok);
    return 0;
}
