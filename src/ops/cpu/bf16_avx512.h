/* AVX512_BF16 helpers shared by the bf16 GEMM kernel (gemm_bf16_avx512.c)
 * and attention's bf16 row steps (attention_rows_bf16.c): fp32 -> bf16
 * rounding of 32 floats at a time, the pairing of two rows' bf16 values into
 * words, and the store of 16 rows' words into the kernel's packed panels.
 * Only for functions compiled with BF16_TARGET and called where the CPU has
 * those features (bf16_kernel_avx512.cpu_has). Internal to src/ops/cpu. */
#ifndef DUSK_OPS_CPU_BF16_AVX512_H
#define DUSK_OPS_CPU_BF16_AVX512_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>

#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

/* Round 16 floats to bf16 by nearest-even, as f32_to_bf16() (util/dtype.c)
 * does, NaN made quiet with its sign and payload kept: the result sits in
 * the high half of each 32-bit lane, the low half zero. Integer arithmetic:
 * the slow path of round_32 below. */
BF16_TARGET static inline __m512i round_to_bf16_high(__m512 x) {
    __m512i u = _mm512_castps_si512(x);
    __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7FFF)));
    r = _mm512_mask_or_epi32(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), u, _mm512_set1_epi32(0x00400000));
    return _mm512_and_si512(r, _mm512_set1_epi32((int)0xFFFF0000u));
}

BF16_TARGET static inline __mmask16 subnormal_lanes(__m512 x) {
    return _mm512_fpclass_ps_mask(x, 0x20); /* class bit 5: denormal */
}

/* 32 floats (a, then b) rounded to 32 bf16 in the same order: word w of the
 * result is the bf16 of float w. vcvtne2ps2bf16 rounds to nearest even and
 * quiets NaN exactly as f32_to_bf16() does, but flushes subnormal inputs to
 * zero where torch keeps them; a vector holding one takes the integer path. */
BF16_TARGET static inline __m512i round_32(__m512 a, __m512 b) {
    /* kortest: the test stays in the mask registers (OR-ing the masks in
     * general registers put two mask moves on every 32 floats' path) */
    if (!_kortestz_mask16_u8(subnormal_lanes(a), subnormal_lanes(b))) {
        /* word w of the result is 16-bit word 2w+1 of (a, b): the high halves */
        __m512i odd_words = _mm512_set_epi16(63, 61, 59, 57, 55, 53, 51, 49, 47, 45, 43, 41, 39, 37, 35, 33, 31,
                                             29, 27, 25, 23, 21, 19, 17, 15, 13, 11, 9, 7, 5, 3, 1);
        return _mm512_permutex2var_epi16(round_to_bf16_high(a), odd_words, round_to_bf16_high(b));
    }
    return (__m512i)_mm512_cvtne2ps_pbh(b, a);
}

/* Stores the words of rows r0 .. r0+15 (r0 a multiple of 16) for pair p into
 * their panels: one panel when R >= 16, two panels of 8 when R is 8. */
BF16_TARGET static inline void store_16_rows(uint32_t *dst, int R, int kpairs, int panels, int r0, int p, __m512i v) {
    int q = r0 / R;
    uint32_t *at = dst + ((size_t)q * kpairs + p) * R;
    if (R >= 16) {
        _mm512_storeu_si512(at + r0 % R, v);
        return;
    }
    _mm256_storeu_si256((__m256i *)at, _mm512_castsi512_si256(v));
    if (q + 1 < panels) _mm256_storeu_si256((__m256i *)(at + (size_t)R * kpairs), _mm512_extracti64x4_epi64(v, 1));
}

/* Word 2r of the result is word r of v, word 2r + 1 word 16 + r: applied to
 * round_32(lo, hi) of two rows' 16 values, word r of the result pairs row
 * lo's value r (low half) with row hi's (high half) - the word of column r
 * for the pair (lo, hi). */
BF16_TARGET static inline __m512i interleave_rows(__m512i v) {
    const __m512i order = _mm512_set_epi16(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7, 22,
                                           6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    return _mm512_permutexvar_epi16(order, v);
}

#endif
