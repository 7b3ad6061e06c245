/* exp(x) for float, written so that loops over it vectorize (no libm call,
 * no branches): Cody-Waite range reduction x = n ln2 + r, |r| <= ln2/2, a
 * degree-6 minimax polynomial for e^r (the classic Cephes expf
 * coefficients), and 2^n built in the exponent bits. Max error about 2 ulp
 * on [-87, 88]; inputs below -87.3 return 0 (no subnormals), above 88.7
 * saturate. Deterministic: the same bits on every run and thread count. */
#ifndef DUSK_FAST_EXP_H
#define DUSK_FAST_EXP_H

#include <stdint.h>
#include <string.h>

static inline float fast_expf(float x) {
    const float log2e = 1.44269504088896341f, ln2_hi = 0.693359375f, ln2_lo = -2.12194440e-4f;
    const float shifter = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
    x = x < -87.3f ? -87.3f : x;
    x = x > 88.7f ? 88.7f : x;
    float t = x * log2e + shifter;
    float n = t - shifter;
    float r = x - n * ln2_hi - n * ln2_lo;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r * r + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &t, sizeof bits);
    /* the low bits of t hold n (+ the shifter's mantissa): rebuild 2^n */
    /* unsigned arithmetic: a NaN input must give garbage, not undefined behaviour */
    uint32_t e = ((uint32_t)bits - 0x4b400000u) + 127u;
    float scale;
    uint32_t sb = e << 23;
    memcpy(&scale, &sb, sizeof scale);
    return p * scale;
}

#endif
