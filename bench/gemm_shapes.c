/* Every GEMM shape of the tiny and small train steps, timed with one GEMM
 * implementation; one JSON line per shape with the median GFLOP/s.
 *   gemm_shapes [--gemm dusk|openblas] [--precision fp32|bf16] [--label NAME] [--only TEXT]
 * (--only: just the shapes whose name contains TEXT, e.g. "tiny k/v dW".)
 * Linear layers (src/ops/cpu/matmul.c) run on all OMP_NUM_THREADS threads:
 * forward NT, backward NN (dinp) and TN (dW, beta 1). Attention's block
 * products (src/ops/cpu/attention.c, T 256, query blocks of 64) run inside
 * its parallel loop, so they are timed the same way: every thread of one
 * parallel region runs BATCH calls on its own copy, and GFLOP/s counts all
 * of them. "gflops" is the median repeat, "gflops_best" the fastest (on a
 * shared machine the one least disturbed), "gflops_cpu" the median over the
 * process's CPU seconds (per core; with one thread, immune to time slices
 * lost to other processes). bench/gemm.sh runs this once per implementation
 * and compares. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "ops/ops.h"
#include "util/rng.h"

typedef struct {
    char name[64];
    int ta, tb, m, n, k, lda, ldb, ldc;
    float beta;
    int in_parallel; /* one copy per thread, as inside attention's loop */
} GemmShape;

typedef struct {
    float *a, *b, *c;
} Operands;

static Operands operands_make(const GemmShape *s, Rng *r) {
    size_t na = (size_t)(s->ta ? s->k : s->m) * s->lda, nb = (size_t)(s->tb ? s->n : s->k) * s->ldb;
    size_t nc = (size_t)s->m * s->ldc;
    Operands o = {malloc(na * 4), malloc(nb * 4), malloc(nc * 4)};
    for (size_t i = 0; i < na; i++) o.a[i] = rng_uniform(r) - 0.5f;
    for (size_t i = 0; i < nb; i++) o.b[i] = rng_uniform(r) - 0.5f;
    for (size_t i = 0; i < nc; i++) o.c[i] = 0.0f;
    return o;
}

static void operands_free(Operands *o) { free(o->a), free(o->b), free(o->c); }

static void run_once(const GemmShape *s, const Operands *o) {
    gemm(s->ta, s->tb, s->m, s->n, s->k, 1.0f, o->a, s->lda, o->b, s->ldb, s->beta, o->c, s->ldc);
}

/* Times of one call (of the whole team's BATCH calls each when in_parallel),
 * sorted; *reps gets how many. */
enum { BATCH = 16, MAX_REPS = 31 };

static double cpu_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void time_shape(const GemmShape *s, int threads, double *times, double *cpu_times, int *reps_out) {
    Rng r;
    rng_seed(&r, 7);
    Operands ops[64];
    int copies = s->in_parallel ? threads : 1, calls = s->in_parallel ? BATCH : 1;
    for (int t = 0; t < copies; t++) ops[t] = operands_make(s, &r);
    double flops = 2.0 * s->m * s->n * s->k * copies * calls;
    int reps = (int)(0.25 / (flops / 100e9)); /* ~0.25 s at 100 GFLOP/s */
    reps = reps < 7 ? 7 : reps > MAX_REPS ? MAX_REPS : reps;
    for (int rep = -1; rep < reps; rep++) { /* rep -1 warms up caches and pack buffers */
        double t0 = now_seconds(), c0 = cpu_seconds();
        if (s->in_parallel) {
#pragma omp parallel num_threads(copies)
            for (int i = 0; i < calls; i++) run_once(s, &ops[omp_get_thread_num()]);
        } else {
            run_once(s, &ops[0]);
        }
        if (rep >= 0) times[rep] = now_seconds() - t0, cpu_times[rep] = cpu_seconds() - c0;
    }
    for (int t = 0; t < copies; t++) operands_free(&ops[t]);
    qsort(times, reps, sizeof(double), cmp_double);
    qsort(cpu_times, reps, sizeof(double), cmp_double);
    *reps_out = reps;
}

static int add_linear(GemmShape *out, const char *cfg, const char *w, int N, int out_dim, int in) {
    GemmShape fwd = {.ta = 0, .tb = 1, .m = N, .n = out_dim, .k = in, .lda = in, .ldb = in, .ldc = out_dim};
    GemmShape dinp = {.ta = 0, .tb = 0, .m = N, .n = in, .k = out_dim, .lda = out_dim, .ldb = in, .ldc = in};
    GemmShape dw = {.ta = 1, .tb = 0, .m = out_dim, .n = in, .k = N, .lda = out_dim, .ldb = in, .ldc = in, .beta = 1};
    snprintf(fwd.name, sizeof fwd.name, "%s %s fwd", cfg, w);
    snprintf(dinp.name, sizeof dinp.name, "%s %s dinp", cfg, w);
    snprintf(dw.name, sizeof dw.name, "%s %s dW", cfg, w);
    out[0] = fwd, out[1] = dinp, out[2] = dw;
    return 3;
}

/* The block products of one head for query rows [i0, i1 = i0 + 64): S = Q K^T
 * (NT), O = P V (NN), dV += P^T dO (TN); dP, dQ, dK repeat these shapes. */
static int add_attention(GemmShape *out, const char *cfg, int T, int hd, int ldq, int ldkv, int i1) {
    GemmShape s = {.ta = 0, .tb = 1, .m = 64, .n = i1, .k = hd, .lda = ldq, .ldb = ldkv, .ldc = T};
    GemmShape pv = {.ta = 0, .tb = 0, .m = 64, .n = hd, .k = i1, .lda = T, .ldb = ldkv, .ldc = ldq};
    GemmShape dv = {.ta = 1, .tb = 0, .m = i1, .n = hd, .k = 64, .lda = T, .ldb = ldq, .ldc = ldkv, .beta = 1};
    snprintf(s.name, sizeof s.name, "%s attn QK^T i1=%d", cfg, i1);
    snprintf(pv.name, sizeof pv.name, "%s attn PV i1=%d", cfg, i1);
    snprintf(dv.name, sizeof dv.name, "%s attn P^TdO i1=%d", cfg, i1);
    s.in_parallel = pv.in_parallel = dv.in_parallel = 1;
    out[0] = s, out[1] = pv, out[2] = dv;
    return 3;
}

static int config_shapes(GemmShape *out, const char *cfg) {
    ModelConfig c;
    int B, T, n = 0;
    bench_config(cfg, &c, &B, &T);
    int N = B * T, d = c.hidden_size, hd = c.head_dim, q = c.num_attention_heads * hd, kv = c.num_key_value_heads * hd;
    n += add_linear(out + n, cfg, "q/o", N, q, d); /* o is [d, q]: the same shapes when q == d */
    if (kv != q) n += add_linear(out + n, cfg, "k/v", N, kv, d);
    n += add_linear(out + n, cfg, "gate/up", N, c.intermediate_size, d);
    n += add_linear(out + n, cfg, "down", N, d, c.intermediate_size);
    n += add_linear(out + n, cfg, "lm_head", N, c.vocab_size, d);
    for (int i1 = 128; i1 <= T; i1 += 128) n += add_attention(out + n, cfg, T, hd, q, kv, i1);
    return n;
}

int main(int argc, char **argv) {
    const char *label = NULL, *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (bench_compute_arg(argc, argv, &i)) continue;
        if (i + 1 < argc && !strcmp(argv[i], "--label")) label = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--only")) only = argv[++i];
        else {
            fprintf(stderr, "gemm_shapes: bad argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!label) label = ops_gemm_impl_name();
    GemmShape shapes[64];
    int n = config_shapes(shapes, "tiny");
    n += config_shapes(shapes + n, "small");
    int threads = omp_get_max_threads();
    if (threads > 64) threads = 64;
    for (int i = 0; i < n; i++) {
        const GemmShape *s = &shapes[i];
        if (only && !strstr(s->name, only)) continue;
        double times[MAX_REPS], cpu_times[MAX_REPS];
        int reps;
        time_shape(s, threads, times, cpu_times, &reps);
        double flops = 2.0 * s->m * s->n * s->k * (s->in_parallel ? threads * BATCH : 1);
        printf("{\"label\": \"%s\", \"kernel\": \"%s\", \"shape\": \"%s\", \"op\": \"%c%c\", \"m\": %d, \"n\": %d, "
               "\"k\": %d, \"threads\": %d, \"per_thread_copy\": %d, \"reps\": %d, \"gflops\": %.2f, "
               "\"gflops_best\": %.2f, \"gflops_cpu\": %.2f, \"precision\": \"%s\"}\n",
               label, ops_gemm_kernel_name(), s->name, s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->m, s->n, s->k,
               threads, s->in_parallel, reps, flops / times[reps / 2] / 1e9, flops / times[0] / 1e9,
               flops / cpu_times[reps / 2] / 1e9, ops_precision_name());
        fflush(stdout);
    }
    return 0;
}
