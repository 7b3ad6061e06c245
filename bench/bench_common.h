/* Shared by the C benchmarks: a monotonic clock, the median helper, the
 * compute flags, and the model configurations of the engine issue (tiny,
 * small) and of the CUDA issue (1b). */
#ifndef DUSK_BENCH_COMMON_H
#define DUSK_BENCH_COMMON_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/config.h"
#include "model/llama.h"
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

/* Random weights for a benchmark. tiny and small: model_init_random (HF's
 * normal init; their printed losses stay comparable with earlier runs). 1b:
 * model_init_random would draw 1.2e9 normals on one core, half a minute of
 * each process's share of the GPU machine's time, and a step's time does not
 * depend on the values: uniform values of the same standard deviation
 * (initializer_range) from a counter hash, in parallel; norms 1, biases 0. */
static inline void bench_init_model(Model *m, const char *config, uint64_t seed) {
    if (strcmp(config, "1b") != 0) {
        model_init_random(m, seed);
        return;
    }
    float *host = xmalloc(m->n_params * sizeof(float));
    const float half_width = sqrtf(3.0f) * m->cfg.initializer_range; /* U(-a, a) has sd a / sqrt(3) */
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamInfo *p = &m->tensors[i];
        float *w = host + p->offset;
        int is_norm = strstr(p->name, "norm") != NULL, is_bias = strstr(p->name, ".bias") != NULL;
#pragma omp parallel for schedule(static)
        for (size_t j = 0; j < p->numel; j++) {
            uint64_t z = seed * 0x9E3779B97F4A7C15ull + p->offset + j; /* splitmix64's finaliser */
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
            z ^= z >> 31;
            float u = (float)(z >> 40) * (2.0f / 16777216.0f) - 1.0f; /* [-1, 1) */
            w[j] = is_norm ? 1.0f : is_bias ? 0.0f : half_width * u;
        }
    }
    model_params_from_host(m, host);
    free(host);
}

#endif
