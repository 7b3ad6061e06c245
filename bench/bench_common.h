/* Shared by the C benchmarks: a monotonic clock, the median helper, and the
 * two model configurations of the engine issue (tiny, small). */
#ifndef DUSK_BENCH_COMMON_H
#define DUSK_BENCH_COMMON_H

#include <string.h>
#include <time.h>

#include "model/config.h"
#include "ops/ops.h"

static inline double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* --precision fp32|bf16 or --gemm dusk|openblas at argv[*i]: applies it,
 * steps *i over its value and returns 1; 0 for anything else. */
static inline int bench_compute_arg(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) return 0;
    if (!strcmp(argv[*i], "--precision") && ops_set_precision(argv[*i + 1]) == 0) return ++*i, 1;
    if (!strcmp(argv[*i], "--gemm") && ops_set_gemm_impl(argv[*i + 1]) == 0) return ++*i, 1;
    return 0;
}

/* tiny: 4 layers, d 256, 8 heads, 4 kv heads, MLP 688, vocab 4096, B 8 x T 256;
 * small: 12 layers, d 768, 12 heads, MLP 2048, vocab 32000, B 4 x T 256. */
static inline void bench_config(const char *name, ModelConfig *c, int *B, int *T) {
    config_defaults(c);
    if (strcmp(name, "tiny") == 0) {
        c->num_hidden_layers = 4, c->hidden_size = 256, c->num_attention_heads = 8, c->num_key_value_heads = 4;
        c->intermediate_size = 688, c->vocab_size = 4096, *B = 8, *T = 256;
    } else {
        c->num_hidden_layers = 12, c->hidden_size = 768, c->num_attention_heads = 12, c->num_key_value_heads = 12;
        c->intermediate_size = 2048, c->vocab_size = 32000, *B = 4, *T = 256;
    }
    c->head_dim = c->hidden_size / c->num_attention_heads;
    c->max_position_embeddings = *T;
}

#endif
