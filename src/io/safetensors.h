/* safetensors reading (mmap, fully validated header) and atomic writing.
 *
 * Format: 8-byte little-endian header length N, N bytes of JSON
 *   {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
 *    "__metadata__": {"k": "v"}}
 * then the byte buffer; offsets are relative to the start of that buffer. */
#ifndef DUSK_SAFETENSORS_H
#define DUSK_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "util/dtype.h"

#define ST_MAX_DIMS 8

typedef struct {
    char *name;
    DType dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    uint64_t numel;
    uint64_t begin, end; /* byte offsets into the data buffer */
} StTensor;

typedef struct {
    char *path;
    void *map;            /* whole-file mapping */
    size_t map_size;
    const uint8_t *data;  /* start of the byte buffer */
    uint64_t data_size;
    int n_tensors;
    StTensor *tensors;    /* sorted by name */
    int n_meta;
    char **meta_keys, **meta_values; /* __metadata__ (string values only) */
} StFile;

/* Open and validate: header length within file, valid JSON object, every
 * tensor has a known dtype (F32/BF16/F16; other dtypes are rejected with a
 * message naming the tensor), non-negative shape, offsets inside the buffer,
 * end-begin == numel*dtype_size, no overlaps between tensors, no duplicate
 * names. Errors name the file and the tensor. Returns 0 or -1. */
int st_open(StFile *f, const char *path);
/* Same checks on an in-memory image (used by the fuzzer); the buffer must
 * outlive f. path is only used in messages. */
int st_parse(StFile *f, const void *buf, size_t size, const char *path);
void st_close(StFile *f);

const StTensor *st_find(const StFile *f, const char *name);
/* Convert the tensor to fp32 into dst (numel floats). */
void st_read_f32(const StFile *f, const StTensor *t, float *dst);

/* One tensor to write: fp32 source data converted to `dtype` on write. */
typedef struct {
    const char *name;
    DType dtype;
    int ndim;
    int64_t shape[ST_MAX_DIMS];
    const float *data;
} StWriteTensor;

/* Write tensors (in the given order) and optional string metadata
 * (n_meta key/value pairs, may be 0) atomically to path. */
int st_write(const char *path, const StWriteTensor *tensors, int n,
             const char *const *meta_keys, const char *const *meta_values, int n_meta);

#endif
