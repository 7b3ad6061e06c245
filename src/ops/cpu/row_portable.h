/* The portable loops for a row's max and its scaling, shared by the
 * kernels' row steps (softmax.c, attention_rows.c) beside their AVX-512
 * versions in vec_avx512.h; GCC vectorises both. Internal to src/ops/cpu. */
#ifndef DUSK_OPS_CPU_ROW_PORTABLE_H
#define DUSK_OPS_CPU_ROW_PORTABLE_H

/* max over x[0..n), n >= 1 (exact: the order does not matter); a NaN in x
 * is passed over, one in x[0] stays, as row_max_avx512 */
static inline float row_max_portable(const float *x, int n) {
    float mx = x[0];
#pragma omp simd reduction(max : mx)
    for (int j = 1; j < n; j++) mx = x[j] > mx ? x[j] : mx;
    return mx;
}

/* x[j] *= k for j < n */
static inline void scale_row_portable(float *x, int n, float k) {
#pragma omp simd
    for (int j = 0; j < n; j++) x[j] *= k;
}

#endif
