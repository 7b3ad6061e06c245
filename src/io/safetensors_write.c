/* safetensors writing: header length, space-padded JSON header, then every
 * tensor's bytes back to back in the given order, all through AtomicFile. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/safetensors.h"
#include "util/err.h"
#include "util/fileio.h"

static uint64_t write_numel(const StWriteTensor *t) {
    uint64_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= (uint64_t)t->shape[i];
    return n;
}

/* Reject what would produce an unreadable or ambiguous file. */
static int check_write_tensor(const char *path, const StWriteTensor *t) {
    if (!t->name) return dusk_error("%s: tensor without a name", path);
    if (strcmp(t->name, "__metadata__") == 0) return dusk_error("%s: '__metadata__' is not a tensor name", path);
    if ((int)t->dtype < 0 || t->dtype >= DTYPE_COUNT) return dusk_error("%s: tensor '%s': bad dtype", path, t->name);
    if (t->ndim < 0 || t->ndim > ST_MAX_DIMS)
        return dusk_error("%s: tensor '%s': %d dimensions (0 to %d allowed)", path, t->name, t->ndim, ST_MAX_DIMS);
    uint64_t numel = 1;
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] < 0) return dusk_error("%s: tensor '%s': negative dimension", path, t->name);
        uint64_t dim = (uint64_t)t->shape[d];
        if (dim && numel > (UINT64_MAX >> 12) / dim) return dusk_error("%s: tensor '%s': too large", path, t->name);
        numel *= dim;
    }
    if (numel && !t->data) return dusk_error("%s: tensor '%s': no data", path, t->name);
    return 0;
}

static int check_write_args(const char *path, const StWriteTensor *ts, int n, const char *const *keys,
                            const char *const *values, int n_meta) {
    if (n < 0 || n_meta < 0) return dusk_error("%s: negative tensor or metadata count", path);
    for (int i = 0; i < n; i++) {
        if (check_write_tensor(path, &ts[i]) != 0) return -1;
        for (int j = 0; j < i; j++)
            if (strcmp(ts[i].name, ts[j].name) == 0)
                return dusk_error("%s: refusing to write duplicate tensor name '%s'", path, ts[i].name);
    }
    for (int i = 0; i < n_meta; i++)
        if (!keys || !values || !keys[i] || !values[i]) return dusk_error("%s: metadata entry %d is missing", path, i);
    return 0;
}

/* cJSON prints numbers through a double ("%1.15g"), which would turn large
 * offsets into exponent notation; raw decimal integers avoid that. */
static void add_u64(cJSON *array, uint64_t v) {
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)v);
    cJSON_AddItemToArray(array, cJSON_CreateRaw(text));
}

/* The JSON header, padded with spaces to a multiple of 8 bytes (as the
 * reference writer does, so the data buffer starts aligned). */
static char *build_header(const StWriteTensor *ts, int n, const char *const *keys, const char *const *values,
                          int n_meta, size_t *len) {
    cJSON *root = cJSON_CreateObject();
    if (n_meta > 0) {
        cJSON *meta = cJSON_AddObjectToObject(root, "__metadata__");
        for (int i = 0; i < n_meta; i++) cJSON_AddStringToObject(meta, keys[i], values[i]);
    }
    uint64_t off = 0;
    for (int i = 0; i < n; i++) {
        cJSON *e = cJSON_AddObjectToObject(root, ts[i].name);
        cJSON_AddStringToObject(e, "dtype", dtype_name(ts[i].dtype));
        cJSON *shape = cJSON_AddArrayToObject(e, "shape");
        for (int d = 0; d < ts[i].ndim; d++) add_u64(shape, (uint64_t)ts[i].shape[d]);
        uint64_t bytes = write_numel(&ts[i]) * dtype_size(ts[i].dtype);
        cJSON *offs = cJSON_AddArrayToObject(e, "data_offsets");
        add_u64(offs, off);
        add_u64(offs, off + bytes);
        off += bytes;
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!json) dusk_die("out of memory while formatting a safetensors header");
    size_t n_json = strlen(json), padded = (n_json + 7) / 8 * 8;
    json = xrealloc(json, padded + 1);
    memset(json + n_json, ' ', padded - n_json);
    json[padded] = '\0';
    *len = padded;
    return json;
}

static int write_prefix(FILE *fp, const char *header, size_t hlen) {
    uint8_t len_bytes[8];
    for (int i = 0; i < 8; i++) len_bytes[i] = (uint8_t)((uint64_t)hlen >> (8 * i));
    return fwrite(len_bytes, 1, 8, fp) == 8 && fwrite(header, 1, hlen, fp) == hlen ? 0 : -1;
}

/* Convert in chunks so a huge tensor never needs a second full-size copy. */
static int write_tensor_data(FILE *fp, const StWriteTensor *t, uint8_t *buf, size_t chunk) {
    uint64_t numel = write_numel(t);
    size_t es = dtype_size(t->dtype);
    for (uint64_t at = 0; at < numel; at += chunk) {
        size_t k = numel - at < chunk ? (size_t)(numel - at) : chunk;
        convert_from_f32(buf, t->data + at, k, t->dtype);
        if (fwrite(buf, es, k, fp) != k) return -1;
    }
    return 0;
}

int st_write(const char *path, const StWriteTensor *tensors, int n, const char *const *meta_keys,
             const char *const *meta_values, int n_meta) {
    if (check_write_args(path, tensors, n, meta_keys, meta_values, n_meta) != 0) return -1;
    size_t hlen;
    char *header = build_header(tensors, n, meta_keys, meta_values, n_meta, &hlen);
    AtomicFile af;
    if (atomic_open(&af, path) != 0) {
        free(header);
        return -1;
    }
    int rc = write_prefix(af.fp, header, hlen);
    free(header);
    const size_t chunk = 1 << 16;
    uint8_t *buf = xmalloc(chunk * sizeof(float));
    for (int i = 0; rc == 0 && i < n; i++) rc = write_tensor_data(af.fp, &tensors[i], buf, chunk);
    free(buf);
    if (rc != 0) {
        int e = errno; /* of the fwrite that failed */
        atomic_abort(&af);
        return dusk_error("%s: write failed: %s", path, strerror(e));
    }
    return atomic_commit(&af);
}
