/* Shared by the C benchmarks: a monotonic clock, the median helper, the
 * compute flags, and the model configurations of the engine issue (tiny,
 * small) and of the CUDA issue (1b). */
#ifndef DUSK_BENCH_COMMON_H
#define DUSK_BENCH_COMMON_H

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model/config.h"
#include "ops/ops.h"
#include "util/err.h"

static inline double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static inline int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Seconds since an earlier now_seconds(), after the queued kernels finish:
 * a GPU runs them asynchronously, so the clock alone would stop early. */
static inline double seconds_since(double t0) {
    ops_sync();
    return now_seconds() - t0;
}

/* --precision fp32|bf16, --gemm dusk|openblas or --device cpu|cuda at
 * argv[*i]: applies it, steps *i over its value and returns 1; 0 for
 * anything else (a rejected --device prints why). */
static inline int bench_compute_arg(int argc, char **argv, int *i) {
    if (*i + 1 >= argc) return 0;
    if (!strcmp(argv[*i], "--precision") && ops_set_precision(argv[*i + 1]) == 0) return ++*i, 1;
    if (!strcmp(argv[*i], "--gemm") && ops_set_gemm_impl(argv[*i + 1]) == 0) return ++*i, 1;
    if (!strcmp(argv[*i], "--device")) {
        if (ops_set_device(argv[*i + 1]) == 0) return ++*i, 1;
        fprintf(stderr, "%s\n", dusk_last_error());
    }
    return 0;
}

/* The JSON keys every benchmark line ends with: the device, and on cuda the
 * peak of the backend's live device allocations (model, gradients,
 * optimizer state, activations; not the CUDA context). */
static inline void bench_print_device_keys(void) {
    printf("\"device\": \"%s\"", ops_device_name());
    if (ops_device() == DEVICE_CUDA) printf(", \"peak_mem_gib\": %.2f", ops_memory_peak() / 1073741824.0);
}

/* Weights of every matmul (the attention and MLP projections and lm_head;
 * the embedding lookup is not a product): the N of "6 N FLOPs per trained
 * token". Tied embeddings count once, as lm_head. */
static inline double bench_matmul_weights(const ModelConfig *c) {
    return (double)c->num_hidden_layers *
               ((double)c->hidden_size * (c->num_attention_heads + 2 * c->num_key_value_heads) * c->head_dim +
                (double)c->num_attention_heads * c->head_dim * c->hidden_size +
                3.0 * c->hidden_size * c->intermediate_size) +
           (double)c->vocab_size * c->hidden_size;
}

/* tiny: 4 layers, d 256, 8 heads, 4 kv heads, MLP 688, vocab 4096, B 8 x T 256;
 * small: 12 layers, d 768, 12 heads, MLP 2048, vocab 32000, B 4 x T 256;
 * 1b: Llama-3.2-1B's shape: 16 layers, d 2048, 32 heads, 8 kv heads, MLP
 * 8192, vocab 128256, tied embeddings, rope theta 500000 with llama3
 * scaling, B 4 x T 1024 (bench/hf_train_step.py builds the same in HF). */
static inline void bench_config(const char *name, ModelConfig *c, int *B, int *T) {
    config_defaults(c);
    if (strcmp(name, "tiny") == 0) {
        c->num_hidden_layers = 4, c->hidden_size = 256, c->num_attention_heads = 8, c->num_key_value_heads = 4;
        c->intermediate_size = 688, c->vocab_size = 4096, *B = 8, *T = 256;
    } else if (strcmp(name, "1b") == 0) {
        c->num_hidden_layers = 16, c->hidden_size = 2048, c->num_attention_heads = 32, c->num_key_value_heads = 8;
        c->intermediate_size = 8192, c->vocab_size = 128256, *B = 4, *T = 1024;
        c->tie_word_embeddings = 1, c->rms_norm_eps = 1e-5f, c->rope_theta = 500000.0f, c->initializer_range = 0.02f;
        c->rope_llama3 = 1, c->rope_factor = 32.0f, c->rope_low_freq_factor = 1.0f, c->rope_high_freq_factor = 4.0f;
        c->rope_original_max_pos = 8192;
    } else {
        c->num_hidden_layers = 12, c->hidden_size = 768, c->num_attention_heads = 12, c->num_key_value_heads = 12;
        c->intermediate_size = 2048, c->vocab_size = 32000, *B = 4, *T = 256;
    }
    c->head_dim = c->hidden_size / c->num_attention_heads;
    c->max_position_embeddings = *T;
}

#endif
