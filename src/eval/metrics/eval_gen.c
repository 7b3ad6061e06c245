#include "eval/metrics/eval_gen.h"

#include <stdlib.h>
#include <string.h>

#include "model/generate.h"
#include "util/err.h"

int eval_generate(Model *m, const Tokenizer *tok, char *const *prompts, int n, int max_new, int batch, int cleanup,
                  char **outputs) {
    if (batch < 1) batch = 1;
    for (int start = 0; start < n; start += batch) {
        int k = n - start < batch ? n - start : batch;
        int **ids = xcalloc((size_t)k, sizeof(int *)), *lens = xcalloc((size_t)k, sizeof(int));
        int rc = 0;
        for (int i = 0; i < k && rc == 0; i++)
            rc = tokenizer_encode(tok, prompts[start + i], strlen(prompts[start + i]), 1, &ids[i], &lens[i]);
        Generation *g = xcalloc((size_t)k, sizeof *g);
        if (rc == 0) rc = generate_greedy(m, k, (const int *const *)ids, lens, max_new, 1, g);
        for (int i = 0; i < k; i++) {
            if (rc == 0) {
                size_t len;
                outputs[start + i] = tokenizer_decode_text(tok, g[i].tokens, g[i].n, 1, cleanup, &len);
                if (!outputs[start + i]) rc = -1;
            }
            generation_free(&g[i]);
            free(ids[i]);
        }
        free(g), free(ids), free(lens);
        if (rc) return -1;
    }
    return 0;
}
