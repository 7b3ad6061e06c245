/* Train-step benchmark: forward + backward + AdamW on a random model and
 * random tokens. Prints one JSON line with the median step time, tokens/s,
 * achieved GFLOP/s, model TFLOP/s (6 N per token) and, on the CPU, an sgemm
 * peak measured in the same process; on cuda the peak device memory.
 *   train_step CONFIG(tiny|small|1b) [steps] [--recompute] [--precision fp32|bf16]
 *              [--gemm dusk|openblas] [--device cpu|cuda] [--alternate]
 * --alternate: fp32 and bf16 steps taking turns (steps of each), so that
 * both are timed over the same minutes: the line's step_s, tokens_per_s,
 * gflops and sgemm_peak_gflops (timed after the fp32 steps) are fp32's, and
 * bf16_step_s, bf16_tokens_per_s and bf16_speedup (fp32 step / bf16 step)
 * are added (separate runs minutes apart moved the tiny ratio between 1.43
 * and 1.57; taking turns, three runs 1.56-1.63). */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "model/llama.h"
#include "ops/ops.h"
#include "train/optimizer.h"
#include "util/rng.h"


/* Peak: a square-ish fp32 GEMM (the selected implementation) of the size
 * the model's projections use, timed between the steps (peak_run after
 * each), so that the peak and the step are sampled over the same
 * minutes: this shared machine's speed drifts by 10-20% from one minute to
 * the next, and a peak measured after the steps alone moved the ratio
 * between 0.79 and 0.90 for one binary. The median of all runs. */
typedef struct {
    int m, n, k, runs, cap;
    float *a, *b, *c;
    double *times;
} Peak;

static void peak_init(Peak *p, int m, int n, int k, int cap) {
    *p = (Peak){.m = m, .n = n, .k = k, .cap = cap};
    p->a = calloc((size_t)m * k, 4), p->b = calloc((size_t)k * n, 4), p->c = calloc((size_t)m * n, 4);
    p->times = malloc(sizeof(double) * cap);
    for (size_t i = 0; i < (size_t)m * k; i++) p->a[i] = (float)(i % 7) * 0.1f;
    for (size_t i = 0; i < (size_t)k * n; i++) p->b[i] = (float)(i % 5) * 0.1f;
}

/* warm untimed runs first: the step just evicted the operands, and the
 * first run after it measured 15-20% below the third */
static void peak_run(Peak *p, int warm, int runs) {
    const char *keep = ops_precision_name();
    ops_set_precision("fp32");
    for (int r = 0; r < warm + runs && p->runs < p->cap; r++) {
        double t0 = now_seconds();
        gemm(0, 1, p->m, p->n, p->k, 1.0f, p->a, p->k, p->b, p->k, 0.0f, p->c, p->n);
        if (r >= warm) p->times[p->runs++] = now_seconds() - t0;
    }
    ops_set_precision(keep);
}

static double peak_gflops(Peak *p) {
    qsort(p->times, p->runs, sizeof(double), cmp_double);
    return 2.0 * p->m * p->n * p->k / p->times[p->runs / 2] / 1e9;
}

static void peak_free(Peak *p) { free(p->a), free(p->b), free(p->c), free(p->times); }

/* The median of t[from], t[from + 2], ... up to t[to]: --alternate's fp32
 * steps (even) or bf16 steps (odd). */
static double median_every_other(const double *t, int from, int to) {
    int n = 0;
    double *pick = malloc(sizeof(double) * (size_t)((to - from) / 2 + 1));
    for (int s = from; s <= to; s += 2) pick[n++] = t[s];
    qsort(pick, n, sizeof(double), cmp_double);
    double m = pick[n / 2];
    free(pick);
    return m;
}

int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "tiny";
    int steps = argc > 2 ? atoi(argv[2]) : 5;
    if (steps < 1) {
        fprintf(stderr, "train_step: steps must be at least 1 (got '%s')\n", argv[2]);
        return 2;
    }
    int recompute = 0, alternate = 0;
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--recompute")) recompute = 1;
        else if (!strcmp(argv[i], "--alternate")) alternate = 1;
        else if (!bench_compute_arg(argc, argv, &i)) {
            fprintf(stderr, "train_step: bad argument '%s'\n", argv[i]);
            return 2;
        }
    }
    ModelConfig c;
    int B, T;
    bench_config(name, &c, &B, &T);
    Model m;
    model_create(&m, &c);
    bench_init_model(&m, name, 1);
    Activations a;
    activations_alloc_fused_head(&a, &m, B, T, recompute); /* as dusk finetune */
    int N = B * T, *ids = malloc(sizeof(int) * N);
    Rng r;
    rng_seed(&r, 2);
    for (int i = 0; i < N; i++) ids[i] = (int)rng_below(&r, c.vocab_size);
    OptimizerConfig oc;
    optimizer_config_defaults(&oc);
    Optimizer opt;
    optimizer_init(&opt, &m, &oc);
    if (alternate && ops_device() != DEVICE_CPU) {
        fprintf(stderr, "train_step: --alternate runs on the CPU backend only\n");
        return 2;
    }
    int runs = alternate ? 2 * steps + 1 : steps; /* alternate: step 0 warms fp32 up, step 1 bf16 */
    double *times = malloc(sizeof(double) * (runs + 1)), loss = 0;
    /* at least 31 peak runs in all (with 7, one stall of the other core
     * moved the median by up to 25%) */
    int peaked = alternate ? steps : runs; /* steps followed by peak runs */
    int peak_per_step = peaked >= 16 ? 2 : (31 + peaked - 1) / peaked;
    Peak peak = {0};
    int on_cpu = ops_device() == DEVICE_CPU; /* the peak is a host GEMM: measured on the CPU backend only */
    if (on_cpu) peak_init(&peak, N, c.hidden_size, c.hidden_size, peak_per_step * peaked);
    for (int s = 0; s <= runs; s++) { /* step 0 is warm-up */
        if (alternate) ops_set_precision(s % 2 ? "bf16" : "fp32");
        double t0 = now_seconds();
        model_forward(&m, &a, ids, c.num_hidden_layers);
        float scale = 1.0f / (B * (T - 1));
        model_zero_grads(&m);
        loss = model_cross_entropy(&m, &a, scale, 1) * scale;
        optimizer_step(&opt, &m);
        times[s] = seconds_since(t0);
        /* alternate: after the fp32 steps only (after a bf16 step the
         * fp32 peak measured lower, which would flatter fp32's share) */
        if (on_cpu && s > 0 && (!alternate || s % 2 == 0)) peak_run(&peak, 2, peak_per_step);
    }
    double med, bf16_med = 0;
    if (alternate) { /* the line's step, tokens/s and GFLOP/s: fp32's (steps 0 and 1 warm up) */
        med = median_every_other(times, 2, runs), bf16_med = median_every_other(times, 3, runs);
        ops_set_precision("fp32");
    } else {
        qsort(times + 1, runs, sizeof(double), cmp_double);
        med = times[1 + runs / 2];
    }
    /* FLOPs actually computed: 6 per weight per token for every matmul
     * weight (embedding lookup excluded, lm_head included), plus attention's
     * seven T x T-sized products per head (QK^T and PV forward; recomputed
     * QK^T, dV, dP, dQ, dK backward) over the causal row blocks of 64 that
     * the fp32 kernel evaluates (block [i0, i1) against keys [0, i1)). The
     * bf16 products skip the masked tiles of each block's diagonal square
     * (Bf16Band), so for bf16 this is the same work counted, not all of it
     * computed: its gflops compare with fp32's as a speed ratio would. */
    double block_area = 0;
    for (int i0 = 0; i0 < T; i0 += 64) block_area += (double)((i0 + 64 < T ? i0 + 64 : T) - i0) * (i0 + 64 < T ? i0 + 64 : T);
    double linear_w = bench_matmul_weights(&c);
    double attn = (double)c.num_hidden_layers * B * c.num_attention_heads * block_area * c.head_dim * 2.0 * 7;
    double flops = 6.0 * linear_w * N + attn;
    printf("{\"impl\": \"dusk\", \"config\": \"%s\", \"threads\": %d, \"B\": %d, \"T\": %d, \"step_s\": %.4f, "
           "\"tokens_per_s\": %.1f, \"gflops\": %.1f, \"model_tflops\": %.2f, ",
           name, omp_get_max_threads(), B, T, med, N / med, flops / med / 1e9, 6.0 * linear_w * N / med / 1e12);
    if (on_cpu) printf("\"sgemm_peak_gflops\": %.1f, ", peak_gflops(&peak)), peak_free(&peak);
    else printf("\"sgemm_peak_gflops\": null, ");
    if (alternate)
        printf("\"bf16_step_s\": %.4f, \"bf16_tokens_per_s\": %.1f, \"bf16_speedup\": %.3f, ", bf16_med,
               N / bf16_med, med / bf16_med);
    printf("\"loss\": %.4f, \"precision\": \"%s\", \"gemm\": \"%s\", \"gemm_kernel\": \"%s\", \"bf16_kernel\": \"%s\", ",
           loss, ops_precision_name(), ops_gemm_impl_name(), ops_gemm_kernel_name(), ops_bf16_kernel_name());
    bench_print_device_keys();
    printf("}\n");
    free(times), free(ids);
    optimizer_free(&opt);
    activations_free(&a);
    model_free(&m);
    return 0;
}
