/* AVX-512 helpers for the CPU kernels' row loops: exp_avx512, fast_expf
 * (ops/fast_exp.h) on 16 floats at once, and a row's max and scaling, each
 * ending a row with one masked vector.
 *
 * exp_avx512 is fast_expf in intrinsics:
 * the same operations in the same order (no fused multiply-adds), so every
 * lane has the bits fast_expf gives. GCC's own vectorisation of fast_expf
 * turns its two clamps into masks carried through the whole polynomial and
 * leaves a row's last 1..15 elements to an 8-wide and a scalar copy; here the
 * clamps are one max and one min, and a row's tail is one masked vector.
 * Only for functions compiled with target("avx512f"), called where the CPU
 * has it (sgemm_uses_avx512(); the bf16 kernel checks its own features). */
#ifndef DUSK_OPS_CPU_VEC_AVX512_H
#define DUSK_OPS_CPU_VEC_AVX512_H

#include <immintrin.h>

/* The mask of the first count lanes (none for count <= 0, all 16 for count
 * >= 16): a row's tail, or what is left of one. */
static inline __mmask16 first_lanes(int count) {
    return count <= 0 ? 0 : count >= 16 ? 0xFFFF : (__mmask16)((1u << count) - 1);
}

__attribute__((target("avx512f"), always_inline)) static inline __m512 exp_avx512(__m512 x) {
    /* x < -87.3 ? -87.3 : x, then x > 88.7 ? 88.7 : x: max and min return
     * their second operand x when it is NaN, as the comparisons do */
    x = _mm512_max_ps(_mm512_set1_ps(-87.3f), x);
    x = _mm512_min_ps(_mm512_set1_ps(88.7f), x);
    const __m512 shifter = _mm512_set1_ps(12582912.0f);
    __m512 t = _mm512_add_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)), shifter);
    __m512 n = _mm512_sub_ps(t, shifter);
    __m512 r = _mm512_sub_ps(_mm512_sub_ps(x, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f))),
                             _mm512_mul_ps(n, _mm512_set1_ps(-2.12194440e-4f)));
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(5.0000001201e-1f));
    p = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(_mm512_mul_ps(p, r), r), r), _mm512_set1_ps(1.0f));
    /* 2^n from the low bits of t, as fast_expf does */
    __m512i e = _mm512_add_epi32(_mm512_sub_epi32(_mm512_castps_si512(t), _mm512_set1_epi32(0x4b400000)),
                                 _mm512_set1_epi32(127));
    return _mm512_mul_ps(p, _mm512_castsi512_ps(_mm512_slli_epi32(e, 23)));
}

/* lane_tree_sum (lane_sum.h) of the 16 lanes of v: the same additions in the
 * same order, so these sums have the portable loops' bits */
__attribute__((target("avx512f"), always_inline)) static inline float tree_sum_avx512(__m512 v) {
    __m256 t8 = _mm256_add_ps(_mm512_castps512_ps256(v),
                              _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)));
    __m128 t4 = _mm_add_ps(_mm256_castps256_ps128(t8), _mm256_extractf128_ps(t8, 1));
    __m128 t2 = _mm_add_ps(t4, _mm_movehl_ps(t4, t4));
    return _mm_cvtss_f32(_mm_add_ss(t2, _mm_shuffle_ps(t2, t2, 1)));
}

/* the same for 16 double lanes: lo holds lanes 0..7, hi lanes 8..15 */
__attribute__((target("avx512f"), always_inline)) static inline double tree_sum_pd_avx512(__m512d lo, __m512d hi) {
    __m512d t8 = _mm512_add_pd(lo, hi);
    __m256d t4 = _mm256_add_pd(_mm512_castpd512_pd256(t8), _mm512_extractf64x4_pd(t8, 1));
    __m128d t2 = _mm_add_pd(_mm256_castpd256_pd128(t4), _mm256_extractf128_pd(t4, 1));
    return _mm_cvtsd_f64(_mm_add_sd(t2, _mm_unpackhi_pd(t2, t2)));
}

/* max over x[0..n), n >= 1 (exact: the order does not matter). Each lane
 * takes x > mx ? x : mx, as the portable loops do: a NaN in x is passed
 * over, one in x[0] stays. */
__attribute__((target("avx512f"))) static inline float row_max_avx512(const float *x, int n) {
    __m512 mx = _mm512_set1_ps(x[0]);
    int j = 0;
    for (; j + 16 <= n; j += 16) mx = _mm512_max_ps(_mm512_loadu_ps(x + j), mx);
    if (j < n) {
        __mmask16 m = first_lanes(n - j);
        mx = _mm512_mask_max_ps(mx, m, _mm512_maskz_loadu_ps(m, x + j), mx);
    }
    return _mm512_reduce_max_ps(mx);
}

/* x[j] *= k for j < n */
__attribute__((target("avx512f"))) static inline void scale_row_avx512(float *x, int n, float k) {
    __m512 vk = _mm512_set1_ps(k);
    int j = 0;
    for (; j + 16 <= n; j += 16) _mm512_storeu_ps(x + j, _mm512_mul_ps(_mm512_loadu_ps(x + j), vk));
    if (j < n) {
        __mmask16 m = first_lanes(n - j);
        _mm512_mask_storeu_ps(x + j, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, x + j), vk));
    }
}

/* lane_dot (lane_sum.h): a product, then an add, per lane */
__attribute__((target("avx512f"))) static inline float dot_avx512(const float *a, const float *b, int n) {
    __m512 acc = _mm512_setzero_ps();
    int x = 0;
    for (; x + 16 <= n; x += 16)
        acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_loadu_ps(a + x), _mm512_loadu_ps(b + x)));
    if (x < n) {
        __mmask16 m = first_lanes(n - x);
        acc = _mm512_mask_add_ps(acc, m, acc, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, a + x), _mm512_maskz_loadu_ps(m, b + x)));
    }
    return tree_sum_avx512(acc);
}

#endif
