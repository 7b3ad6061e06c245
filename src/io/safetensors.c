/* safetensors: validated mmap reader and atomic writer. */
#include "io/safetensors.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fileio.h"

#define ST_MAX_HEADER (100u << 20) /* the reference library's limit */

static int cmp_tensor_name(const void *a, const void *b) {
    return strcmp(((const StTensor *)a)->name, ((const StTensor *)b)->name);
}

static int cmp_tensor_begin(const void *a, const void *b) {
    const StTensor *x = *(const StTensor *const *)a, *y = *(const StTensor *const *)b;
    return (x->begin > y->begin) - (x->begin < y->begin);
}

/* A JSON number that is a non-negative integer representable exactly. */
static int json_u64(const cJSON *it, uint64_t *out) {
    if (!cJSON_IsNumber(it)) return -1;
    double v = it->valuedouble;
    if (!(v >= 0) || v != floor(v) || v > 9007199254740992.0) return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_entry(StTensor *t, const cJSON *e, const char *path, uint64_t data_size) {
    const char *name = t->name;
    if (!cJSON_IsObject(e)) return dusk_error("%s: tensor '%s': entry is not an object", path, name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt)) return dusk_error("%s: tensor '%s': missing string 'dtype'", path, name);
    if (dtype_from_name(dt->valuestring, &t->dtype) != 0)
        return dusk_error("%s: tensor '%s': unsupported dtype '%s' (supported: F32, BF16, F16)", path, name,
                          dt->valuestring);
    if (!cJSON_IsArray(shape)) return dusk_error("%s: tensor '%s': missing array 'shape'", path, name);
    int nd = cJSON_GetArraySize(shape);
    if (nd > ST_MAX_DIMS) return dusk_error("%s: tensor '%s': %d dimensions (at most %d)", path, name, nd, ST_MAX_DIMS);
    t->ndim = nd;
    t->numel = 1;
    for (int i = 0; i < nd; i++) {
        uint64_t dim;
        if (json_u64(cJSON_GetArrayItem(shape, i), &dim) != 0)
            return dusk_error("%s: tensor '%s': shape entry %d is not a non-negative integer", path, name, i);
        if (dim && t->numel > UINT64_MAX / dim / 8)
            return dusk_error("%s: tensor '%s': shape overflows", path, name);
        t->shape[i] = (int64_t)dim;
        t->numel *= dim;
    }
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 || json_u64(cJSON_GetArrayItem(offs, 0), &t->begin) ||
        json_u64(cJSON_GetArrayItem(offs, 1), &t->end))
        return dusk_error("%s: tensor '%s': 'data_offsets' must be [begin, end] integers", path, name);
    if (t->begin > t->end || t->end > data_size)
        return dusk_error("%s: tensor '%s': data_offsets [%llu, %llu] outside the %llu-byte data buffer", path, name,
                          (unsigned long long)t->begin, (unsigned long long)t->end, (unsigned long long)data_size);
    uint64_t want = t->numel * dtype_size(t->dtype);
    if (t->end - t->begin != want)
        return dusk_error("%s: tensor '%s': %llu bytes of data but shape x dtype needs %llu", path, name,
                          (unsigned long long)(t->end - t->begin), (unsigned long long)want);
    return 0;
}

static int parse_metadata(StFile *f, const cJSON *meta, const char *path) {
    if (!cJSON_IsObject(meta)) return dusk_error("%s: '__metadata__' is not an object", path);
    int n = cJSON_GetArraySize(meta);
    f->meta_keys = xcalloc((size_t)n + 1, sizeof(char *));
    f->meta_values = xcalloc((size_t)n + 1, sizeof(char *));
    const cJSON *it;
    cJSON_ArrayForEach(it, meta) {
        if (!cJSON_IsString(it)) return dusk_error("%s: __metadata__ value '%s' is not a string", path, it->string);
        f->meta_keys[f->n_meta] = xstrdup(it->string);
        f->meta_values[f->n_meta] = xstrdup(it->valuestring);
        f->n_meta++;
    }
    return 0;
}

/* Sorted by offset, each tensor must start at or after the previous end. */
static int check_overlaps(const StFile *f, const char *path) {
    if (f->n_tensors < 2) return 0;
    const StTensor **by_off = xmalloc(sizeof(StTensor *) * (size_t)f->n_tensors);
    for (int i = 0; i < f->n_tensors; i++) by_off[i] = &f->tensors[i];
    qsort(by_off, (size_t)f->n_tensors, sizeof *by_off, cmp_tensor_begin);
    int rc = 0;
    for (int i = 1; i < f->n_tensors && rc == 0; i++)
        if (by_off[i]->begin < by_off[i - 1]->end && by_off[i]->end > by_off[i]->begin)
            rc = dusk_error("%s: tensors '%s' and '%s' overlap in the data buffer", path, by_off[i - 1]->name,
                            by_off[i]->name);
    free(by_off);
    return rc;
}

static int parse_header(StFile *f, const char *json, size_t len, const char *path) {
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return dusk_error("%s: header is not a valid JSON object", path);
    }
    int n = cJSON_GetArraySize(root), rc = 0;
    f->tensors = xcalloc((size_t)n + 1, sizeof(StTensor));
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        if (rc) break;
        if (strcmp(e->string, "__metadata__") == 0) {
            rc = parse_metadata(f, e, path);
            continue;
        }
        StTensor *t = &f->tensors[f->n_tensors++];
        t->name = xstrdup(e->string);
        rc = parse_entry(t, e, path, f->data_size);
    }
    cJSON_Delete(root);
    if (rc) return -1;
    qsort(f->tensors, (size_t)f->n_tensors, sizeof(StTensor), cmp_tensor_name);
    for (int i = 1; i < f->n_tensors; i++)
        if (strcmp(f->tensors[i].name, f->tensors[i - 1].name) == 0)
            return dusk_error("%s: duplicate tensor name '%s'", path, f->tensors[i].name);
    return check_overlaps(f, path);
}

int st_parse(StFile *f, const void *buf, size_t size, const char *path) {
    memset(f, 0, sizeof *f);
    f->path = xstrdup(path);
    const uint8_t *b = buf;
    if (size < 8) {
        dusk_error("%s: truncated safetensors file (%zu bytes; the header length alone needs 8)", path, size);
        goto fail;
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | b[i];
    if (hlen > size - 8 || hlen > ST_MAX_HEADER) {
        dusk_error("%s: header length %llu does not fit in the %zu-byte file", path, (unsigned long long)hlen, size);
        goto fail;
    }
    f->data = b + 8 + hlen;
    f->data_size = size - 8 - hlen;
    if (parse_header(f, (const char *)b + 8, (size_t)hlen, path) != 0) goto fail;
    return 0;
fail:
    st_close(f);
    return -1;
}

int st_open(StFile *f, const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        memset(f, 0, sizeof *f);
        return dusk_error("%s: cannot open: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        memset(f, 0, sizeof *f);
        return dusk_error("%s: not a regular file", path);
    }
    size_t size = (size_t)st.st_size;
    void *map = size ? mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (size && map == MAP_FAILED) {
        memset(f, 0, sizeof *f);
        return dusk_error("%s: cannot map: %s", path, strerror(errno));
    }
    static const uint8_t empty[1];
    if (st_parse(f, map ? map : empty, size, path) != 0) {
        if (map) munmap(map, size);
        return -1;
    }
    f->map = map;
    f->map_size = size;
    return 0;
}

void st_close(StFile *f) {
    for (int i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    free(f->tensors);
    for (int i = 0; i < f->n_meta; i++) free(f->meta_keys[i]), free(f->meta_values[i]);
    free(f->meta_keys);
    free(f->meta_values);
    if (f->map) munmap(f->map, f->map_size);
    free(f->path);
    memset(f, 0, sizeof *f);
}

const StTensor *st_find(const StFile *f, const char *name) {
    StTensor key = {.name = (char *)name};
    return bsearch(&key, f->tensors, (size_t)f->n_tensors, sizeof(StTensor), cmp_tensor_name);
}

void st_read_f32(const StFile *f, const StTensor *t, float *dst) {
    convert_to_f32(dst, f->data + t->begin, t->numel, t->dtype);
}

/* ---- writing ---- */

static uint64_t tensor_numel(const StWriteTensor *t) {
    uint64_t n = 1;
    for (int i = 0; i < t->ndim; i++) n *= (uint64_t)t->shape[i];
    return n;
}

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
        for (int d = 0; d < ts[i].ndim; d++) cJSON_AddItemToArray(shape, cJSON_CreateNumber((double)ts[i].shape[d]));
        uint64_t bytes = tensor_numel(&ts[i]) * dtype_size(ts[i].dtype);
        cJSON *offs = cJSON_AddArrayToObject(e, "data_offsets");
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)off));
        cJSON_AddItemToArray(offs, cJSON_CreateNumber((double)(off + bytes)));
        off += bytes;
    }
    char *json = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    size_t n_json = strlen(json), padded = (n_json + 7) / 8 * 8; /* pad with spaces to 8 bytes */
    json = xrealloc(json, padded + 1);
    memset(json + n_json, ' ', padded - n_json);
    json[padded] = '\0';
    *len = padded;
    return json;
}

int st_write(const char *path, const StWriteTensor *tensors, int n, const char *const *meta_keys,
             const char *const *meta_values, int n_meta) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(tensors[i].name, tensors[j].name) == 0)
                return dusk_error("%s: refusing to write duplicate tensor name '%s'", path, tensors[i].name);
    size_t hlen;
    char *header = build_header(tensors, n, meta_keys, meta_values, n_meta, &hlen);
    AtomicFile af;
    if (atomic_open(&af, path) != 0) {
        free(header);
        return -1;
    }
    uint8_t len_bytes[8];
    for (int i = 0; i < 8; i++) len_bytes[i] = (uint8_t)((uint64_t)hlen >> (8 * i));
    int ok = fwrite(len_bytes, 1, 8, af.fp) == 8 && fwrite(header, 1, hlen, af.fp) == hlen;
    free(header);
    const size_t chunk = 1 << 16;
    uint8_t *buf = xmalloc(chunk * 4);
    for (int i = 0; ok && i < n; i++) {
        uint64_t numel = tensor_numel(&tensors[i]);
        size_t es = dtype_size(tensors[i].dtype);
        for (uint64_t at = 0; ok && at < numel; at += chunk) {
            size_t k = numel - at < chunk ? (size_t)(numel - at) : chunk;
            convert_from_f32(buf, tensors[i].data + at, k, tensors[i].dtype);
            ok = fwrite(buf, es, k, af.fp) == k;
        }
    }
    free(buf);
    if (!ok) {
        atomic_abort(&af);
        return dusk_error("%s: write failed", path);
    }
    return atomic_commit(&af);
}
