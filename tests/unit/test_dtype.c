/* BF16/F16 <-> F32 conversion, exhaustively over every 16-bit pattern.
 * The references are computed independently here in double precision from
 * the IEEE definitions (sign, exponent, significand), not with bit tricks. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "util/dtype.h"

static uint32_t bits_of(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* Value of a binary16 / bfloat16 pattern; exp_bits and man_bits describe
 * the format (5/10 and 8/7). */
static double decode_small_float(uint16_t h, int exp_bits, int man_bits) {
    int sign = h >> 15, e = (h >> man_bits) & ((1 << exp_bits) - 1), m = h & ((1 << man_bits) - 1);
    int bias = (1 << (exp_bits - 1)) - 1, e_max = (1 << exp_bits) - 1;
    double v;
    if (e == e_max) v = m ? NAN : INFINITY;
    else if (e == 0) v = ldexp(m, 1 - bias - man_bits);
    else v = ldexp((1 << man_bits) + m, e - bias - man_bits);
    return sign ? -v : v;
}

static int same_float(float got, double want) {
    if (isnan(want)) return isnan(got);
    return got == (float)want && !signbit(got) == !signbit(want);
}

static void test_decode_all(void) {
    int bad_f16 = 0, bad_bf16 = 0;
    for (uint32_t h = 0; h < 65536; h++) {
        bad_f16 += !same_float(f16_to_f32((uint16_t)h), decode_small_float((uint16_t)h, 5, 10));
        bad_bf16 += !same_float(bf16_to_f32((uint16_t)h), decode_small_float((uint16_t)h, 8, 7));
    }
    CHECK_MSG(bad_f16 == 0, "%d f16 patterns decode wrongly", bad_f16);
    CHECK_MSG(bad_bf16 == 0, "%d bf16 patterns decode wrongly", bad_bf16);
}

/* For every finite pattern h and its successor: h itself, the midpoint (a
 * tie: goes to the even pattern), and the floats just either side of it. */
static int check_rounding(uint16_t (*enc)(float), int exp_bits, int man_bits, uint16_t sign) {
    int bad = 0;
    uint16_t inf = (uint16_t)(sign | (((1u << exp_bits) - 1) << man_bits));
    for (uint16_t h = sign; h < inf; h++) {
        double lo = decode_small_float(h, exp_bits, man_bits);
        /* the successor of the largest finite value is where the next
         * binade would start: 2^(e_max - bias) */
        double hi = h + 1 == inf ? copysign(ldexp(1, 1 << (exp_bits - 1)), lo)
                                 : decode_small_float((uint16_t)(h + 1), exp_bits, man_bits);
        float mid = (float)((lo + hi) / 2); /* exact: one more bit than the format */
        uint16_t even = (h & 1) ? (uint16_t)(h + 1) : h;
        bad += enc((float)lo) != h;
        bad += enc(mid) != even;
        bad += enc(nextafterf(mid, (float)lo)) != h;
        bad += enc(nextafterf(mid, (float)hi * 2)) != (uint16_t)(h + 1);
    }
    return bad;
}

static void test_encode_rounding(void) {
    CHECK_MSG(check_rounding(f32_to_f16, 5, 10, 0) == 0, "f16 positive");
    CHECK_MSG(check_rounding(f32_to_f16, 5, 10, 0x8000) == 0, "f16 negative");
    CHECK_MSG(check_rounding(f32_to_bf16, 8, 7, 0) == 0, "bf16 positive");
    CHECK_MSG(check_rounding(f32_to_bf16, 8, 7, 0x8000) == 0, "bf16 negative");
}

static void test_specials(void) {
    CHECK(f32_to_f16(INFINITY) == 0x7c00 && f32_to_f16(-INFINITY) == 0xfc00);
    CHECK(f32_to_bf16(INFINITY) == 0x7f80 && f32_to_bf16(-INFINITY) == 0xff80);
    CHECK(f32_to_f16(1e30f) == 0x7c00 && f32_to_f16(-65520.0f) == 0xfc00 && f32_to_f16(65519.996f) == 0x7bff);
    CHECK(f32_to_bf16(3.4028235e38f) == 0x7f80); /* FLT_MAX rounds up to inf */
    CHECK(f32_to_f16(-0.0f) == 0x8000 && f32_to_bf16(-0.0f) == 0x8000);
    /* below half the smallest f16 subnormal (2^-25) everything is zero */
    CHECK(f32_to_f16(ldexpf(1, -25)) == 0 && f32_to_f16(nextafterf(ldexpf(1, -25), 1)) == 1);
    CHECK(f32_to_f16(ldexpf(1, -140)) == 0 && f32_to_f16(-ldexpf(1, -140)) == 0x8000);
    /* f32 subnormals in bf16 */
    CHECK(f32_to_bf16(ldexpf(1, -149)) == 0 && f32_to_bf16(ldexpf(1, -133)) == 1);
    /* NaNs stay NaN, even with payload only in the bits that are dropped */
    float nans[3];
    uint32_t pat[3] = {0x7f800001u, 0xffc00000u, 0x7fbfffffu};
    memcpy(nans, pat, sizeof nans);
    for (int i = 0; i < 3; i++) {
        CHECK(isnan(bf16_to_f32(f32_to_bf16(nans[i]))));
        CHECK(isnan(f16_to_f32(f32_to_f16(nans[i]))));
    }
    CHECK((bits_of(f16_to_f32(0x7c01)) & 0x00400000u) != 0); /* comes out quiet */
}

static void test_buffers(void) {
    const float src[3] = {1.0f, -2.0f, 0.5f};
    uint8_t b16[6], f16[6], f32[12];
    convert_from_f32(b16, src, 3, DTYPE_BF16);
    convert_from_f32(f16, src, 3, DTYPE_F16);
    convert_from_f32(f32, src, 3, DTYPE_F32);
    /* little-endian: bf16 1.0 = 0x3f80, f16 -2.0 = 0xc000 */
    CHECK(b16[0] == 0x80 && b16[1] == 0x3f && f16[2] == 0x00 && f16[3] == 0xc0);
    CHECK(f32[0] == 0 && f32[3] == 0x3f);
    float back[3];
    const uint8_t *bufs[3] = {f32, b16, f16};
    for (int t = 0; t < 3; t++) {
        convert_to_f32(back, bufs[t], 3, (DType)t);
        CHECK(memcmp(back, src, sizeof back) == 0);
    }
    DType d;
    CHECK(dtype_from_name("BF16", &d) == 0 && d == DTYPE_BF16 && dtype_size(d) == 2);
    CHECK(dtype_from_name("F32", &d) == 0 && d == DTYPE_F32 && dtype_size(d) == 4);
    CHECK(dtype_from_name("bf16", &d) == -1 && dtype_from_name("F64", &d) == -1);
    CHECK(strcmp(dtype_name(DTYPE_F16), "F16") == 0);
}

int main(void) {
    test_decode_all();
    test_encode_rounding();
    test_specials();
    test_buffers();
    return check_report("test_dtype");
}
