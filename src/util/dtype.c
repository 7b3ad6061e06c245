/* fp32 <-> bf16/f16 conversion and dtype names (safetensors, torch). */
#include "util/dtype.h"

#include <math.h>
#include <string.h>

static const char *const kNames[DTYPE_COUNT] = {"F32", "BF16", "F16"};
static const char *const kTorchNames[DTYPE_COUNT] = {"float32", "bfloat16", "float16"};
static const size_t kSizes[DTYPE_COUNT] = {4, 2, 2};

/* Out-of-range values come from corrupted callers; answer safely. */
size_t dtype_size(DType t) { return (unsigned)t < DTYPE_COUNT ? kSizes[t] : 0; }
const char *dtype_name(DType t) { return (unsigned)t < DTYPE_COUNT ? kNames[t] : "?"; }
const char *dtype_torch_name(DType t) { return (unsigned)t < DTYPE_COUNT ? kTorchNames[t] : "?"; }

int dtype_from_name(const char *s, DType *out) {
    for (int i = 0; i < DTYPE_COUNT; i++)
        if (strcmp(s, kNames[i]) == 0) {
            *out = (DType)i;
            return 0;
        }
    return -1;
}

static uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

static float bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

float bf16_to_f32(uint16_t h) { return bits_f32((uint32_t)h << 16); }

uint16_t f32_to_bf16(float f) {
    uint32_t u = f32_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40); /* quiet NaN */
    uint32_t rounding = 0x7fffu + ((u >> 16) & 1u);
    return (uint16_t)((u + rounding) >> 16);
}

float f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
    /* inf stays inf; NaN comes out quiet, as the F16C instruction (and so
     * torch) produces it */
    if (exp == 0x1f) return bits_f32(sign | 0x7f800000u | (man ? 0x400000u | (man << 13) : 0));
    if (exp == 0) {
        /* subnormal or zero: value = man * 2^-24 */
        float v = ldexpf((float)man, -24);
        return sign ? -v : v;
    }
    return bits_f32(sign | ((exp + 112u) << 23) | (man << 13));
}

uint16_t f32_to_f16(float f) {
    uint32_t u = f32_bits(f);
    uint16_t sign = (uint16_t)((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return sign | 0x7e00u;             /* NaN */
    if (a >= 0x477ff000u) return sign | 0x7c00u;            /* overflow -> inf */
    if (a < 0x38800000u) {                                  /* subnormal half */
        float v = bits_f32(a);
        /* round-to-nearest-even via the FPU: scale so ulp is 1 */
        float scaled = v * 16777216.0f;                     /* 2^24 */
        uint32_t m = (uint32_t)lrintf(scaled);
        return sign | (uint16_t)m;
    }
    uint32_t rounding = 0xfffu + ((a >> 13) & 1u);
    a += rounding;
    return sign | (uint16_t)((a - 0x38000000u) >> 13);
}

void convert_to_f32(float *dst, const void *src, size_t n, DType t) {
    const uint8_t *s = src;
    switch (t) {
    case DTYPE_F32: memcpy(dst, src, n * 4); break;
    case DTYPE_BF16:
        for (size_t i = 0; i < n; i++) dst[i] = bf16_to_f32((uint16_t)(s[2 * i] | (s[2 * i + 1] << 8)));
        break;
    case DTYPE_F16:
        for (size_t i = 0; i < n; i++) dst[i] = f16_to_f32((uint16_t)(s[2 * i] | (s[2 * i + 1] << 8)));
        break;
    default: break;
    }
}

void convert_from_f32(void *dst, const float *src, size_t n, DType t) {
    uint8_t *d = dst;
    switch (t) {
    case DTYPE_F32: memcpy(dst, src, n * 4); break;
    case DTYPE_BF16:
    case DTYPE_F16:
        for (size_t i = 0; i < n; i++) {
            uint16_t h = t == DTYPE_BF16 ? f32_to_bf16(src[i]) : f32_to_f16(src[i]);
            d[2 * i] = (uint8_t)(h & 0xff);
            d[2 * i + 1] = (uint8_t)(h >> 8);
        }
        break;
    default: break;
    }
}
