/* Embedding lookup and its gradient, residual adds, scaling, the KV cache's
 * stores, the finiteness check and task-vector arithmetic: small kernels,
 * but behind ops.h so that model and trainer never loop over activations
 * or gradients themselves (a GPU backend keeps them on the device). */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "ops/cpu/cpu_ops.h"
#include "ops/parallel.h"

void cpu_embedding_forward(float *x, const float *table, const int *ids, size_t n, int d) {
#pragma omp parallel for schedule(static) if (n * d >= OPS_PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) memcpy(x + i * d, table + (size_t)ids[i] * d, (size_t)d * sizeof(float));
}

void cpu_embedding_backward(float *dtable, const float *dx, const int *ids, size_t n, int d) {
    /* threads split the columns, so each table entry is added to by one
     * thread, in row order */
#pragma omp parallel if (n * d >= OPS_PARALLEL_MIN)
    {
        int nt = omp_get_num_threads(), t = omp_get_thread_num();
        int lo = (int)((long)d * t / nt), hi = (int)((long)d * (t + 1) / nt);
        for (size_t i = 0; i < n; i++) {
            float *row = dtable + (size_t)ids[i] * d;
            const float *src = dx + i * d;
            for (int j = lo; j < hi; j++) row[j] += src[j];
        }
    }
}

/* Zeroing a gradient buffer (440 MB for a 110M-parameter model, every
 * step) is bound by memory bandwidth, which one core does not use up: the
 * threads clear pieces of 1 MiB. */
void cpu_zero(void *p, size_t bytes) {
    enum { PIECE = 1 << 20 };
    size_t pieces = (bytes + PIECE - 1) / PIECE;
    char *base = p;
#pragma omp parallel for schedule(static) if (pieces >= 4)
    for (size_t i = 0; i < pieces; i++) memset(base + i * PIECE, 0, i + 1 < pieces ? PIECE : bytes - i * PIECE);
}

void cpu_add_inplace(float *y, const float *x, size_t n) {
#pragma omp parallel for simd schedule(static) if (n >= OPS_PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) y[i] += x[i];
}

void cpu_scale_inplace(float *x, size_t n, float s) {
#pragma omp parallel for simd schedule(static) if (n >= OPS_PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) x[i] *= s;
}

int cpu_all_finite(const float *x, size_t n) {
    int bad = 0;
#pragma omp parallel for simd reduction(| : bad) schedule(static) if (n >= OPS_PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) bad |= !isfinite(x[i]);
    return !bad;
}

void cpu_negated_task_vector(float *out, const float *base, const float *finetuned, size_t n, float alpha) {
#pragma omp parallel for simd schedule(static) if (n >= OPS_PARALLEL_MIN)
    for (size_t i = 0; i < n; i++) out[i] = base[i] - alpha * (finetuned[i] - base[i]);
}

void cpu_kv_store_rows(float *cache, const float *x, const int *seq, const int *pos, int n, int max_len, int d) {
    for (int i = 0; i < n; i++)
        memcpy(cache + ((size_t)seq[i] * max_len + pos[i]) * d, x + (size_t)i * d, sizeof(float) * (size_t)d);
}
