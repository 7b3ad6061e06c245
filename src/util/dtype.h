/* Floating-point storage types and their conversion to/from fp32.
 * dusk computes in fp32; BF16/F16 exist only in checkpoints. */
#ifndef DUSK_DTYPE_H
#define DUSK_DTYPE_H

#include <stddef.h>
#include <stdint.h>

typedef enum { DTYPE_F32 = 0, DTYPE_BF16, DTYPE_F16, DTYPE_COUNT } DType;

/* Bytes per element. */
size_t dtype_size(DType t);
/* safetensors spelling: "F32", "BF16", "F16". */
const char *dtype_name(DType t);
/* torch spelling, as HF config.json's torch_dtype: "float32", "bfloat16", "float16". */
const char *dtype_torch_name(DType t);
/* Parse a safetensors dtype string; -1 if unknown/unsupported. */
int dtype_from_name(const char *s, DType *out);

float bf16_to_f32(uint16_t h);
/* Round to nearest even, NaN stays NaN (as torch's .to(bfloat16)). */
uint16_t f32_to_bf16(float f);
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);

/* Convert n little-endian elements of type t at src into fp32 dst. */
void convert_to_f32(float *dst, const void *src, size_t n, DType t);
/* Convert n fp32 values into type t (little-endian) at dst. */
void convert_from_f32(void *dst, const float *src, size_t n, DType t);

#endif
