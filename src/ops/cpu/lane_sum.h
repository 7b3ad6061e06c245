/* One summation order for the CPU kernels' row sums, shared by their
 * portable loops and their AVX-512 versions (vec_avx512.h), so that a run
 * gives the same bits on a CPU with AVX-512 and on one without (as dusk's
 * GEMM does): element j of a row goes to lane j % 16, each lane adds its
 * elements in order, then the 16 lanes are added as a tree, lane i + lane
 * i + 8, then i + (i + 4), i + (i + 2), and the last two. Internal to
 * src/ops/cpu. */
#ifndef DUSK_OPS_CPU_LANE_SUM_H
#define DUSK_OPS_CPU_LANE_SUM_H

enum { SUM_LANES = 16 };

static inline float lane_tree_sum(float l[SUM_LANES]) {
    for (int w = SUM_LANES / 2; w >= 1; w /= 2)
        for (int i = 0; i < w; i++) l[i] = l[i] + l[i + w];
    return l[0];
}

static inline double lane_tree_sum_d(double l[SUM_LANES]) {
    for (int w = SUM_LANES / 2; w >= 1; w /= 2)
        for (int i = 0; i < w; i++) l[i] = l[i] + l[i + w];
    return l[0];
}

/* sum of x[0..n) in that order */
static inline float lane_sum(const float *x, int n) {
    float l[SUM_LANES] = {0};
    int j0 = 0;
    for (; j0 + SUM_LANES <= n; j0 += SUM_LANES)
        for (int i = 0; i < SUM_LANES; i++) l[i] += x[j0 + i];
    for (int i = 0; j0 + i < n; i++) l[i] += x[j0 + i];
    return lane_tree_sum(l);
}

/* sum of a[x] b[x] over x < n in that order (a product, then an add: no
 * fused multiply-add on either path) */
static inline float lane_dot(const float *a, const float *b, int n) {
    float l[SUM_LANES] = {0};
    int j0 = 0;
    for (; j0 + SUM_LANES <= n; j0 += SUM_LANES)
        for (int i = 0; i < SUM_LANES; i++) l[i] += a[j0 + i] * b[j0 + i];
    for (int i = 0; j0 + i < n; i++) l[i] += a[j0 + i] * b[j0 + i];
    return lane_tree_sum(l);
}

/* sum of x[0..n) as doubles, in that order */
static inline double lane_sum_d(const float *x, int n) {
    double l[SUM_LANES] = {0};
    int j0 = 0;
    for (; j0 + SUM_LANES <= n; j0 += SUM_LANES)
        for (int i = 0; i < SUM_LANES; i++) l[i] += (double)x[j0 + i];
    for (int i = 0; j0 + i < n; i++) l[i] += (double)x[j0 + i];
    return lane_tree_sum_d(l);
}

#endif
