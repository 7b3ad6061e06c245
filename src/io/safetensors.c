/* safetensors reading: mmap the file, then validate every header field before
 * anything touches the data (the writer lives in safetensors_write.c). */
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

#include "io/json_text.h"
#include "util/err.h"
#include "util/fileio.h"

/* The reference library refuses headers above 100 MB; so do we, which also
 * bounds the memory a hostile header can make us allocate. */
#define ST_MAX_HEADER (100u << 20)

static int cmp_tensor_name(const void *a, const void *b) {
    return strcmp(((const StTensor *)a)->name, ((const StTensor *)b)->name);
}

static int cmp_tensor_begin(const void *a, const void *b) {
    const StTensor *x = *(const StTensor *const *)a, *y = *(const StTensor *const *)b;
    return (x->begin > y->begin) - (x->begin < y->begin);
}

/* Dtypes the safetensors format defines but dusk does not load: these get a
 * clearer message than a misspelt dtype would. */
static int is_safetensors_dtype(const char *s) {
    static const char *const known[] = {"BOOL", "U8",  "I8",  "I16", "U16",     "I32",     "U32",     "I64",
                                        "U64",  "F64", "C64", "F4",  "F6_E2M3", "F6_E3M2", "F8_E4M3", "F8_E5M2",
                                        "F8_E8M0"};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(s, known[i]) == 0) return 1;
    return 0;
}

/* A JSON number that is a non-negative integer cJSON holds exactly (a double
 * is exact up to 2^53, far beyond any real tensor). */
static int json_u64(const cJSON *it, uint64_t *out) {
    if (!cJSON_IsNumber(it)) return -1;
    double v = it->valuedouble;
    if (!(v >= 0) || v != floor(v) || v > 9007199254740992.0) return -1;
    *out = (uint64_t)v;
    return 0;
}

static int parse_dtype(StTensor *t, const cJSON *dt, const char *path) {
    if (!cJSON_IsString(dt)) return dusk_error("%s: tensor '%s': missing string 'dtype'", path, t->name);
    if (dtype_from_name(dt->valuestring, &t->dtype) == 0) return 0;
    if (is_safetensors_dtype(dt->valuestring))
        return dusk_error("%s: tensor '%s': unsupported dtype '%s' (dusk loads F32, BF16 and F16)", path, t->name,
                          dt->valuestring);
    return dusk_error("%s: tensor '%s': unknown dtype '%s'", path, t->name, dt->valuestring);
}

static int parse_shape(StTensor *t, const cJSON *shape, const char *path) {
    if (!cJSON_IsArray(shape)) return dusk_error("%s: tensor '%s': missing array 'shape'", path, t->name);
    int nd = cJSON_GetArraySize(shape);
    if (nd > ST_MAX_DIMS)
        return dusk_error("%s: tensor '%s': %d dimensions (at most %d)", path, t->name, nd, ST_MAX_DIMS);
    t->ndim = nd;
    t->numel = 1;
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, shape) {
        uint64_t dim;
        if (json_u64(it, &dim) != 0)
            return dusk_error("%s: tensor '%s': shape entry %d is not a non-negative integer", path, t->name, i);
        /* keep numel * 8 (the widest element) representable */
        if (dim && t->numel > UINT64_MAX / 8 / dim)
            return dusk_error("%s: tensor '%s': shape is too large", path, t->name);
        t->shape[i++] = (int64_t)dim;
        t->numel *= dim;
    }
    return 0;
}

static int parse_offsets(StTensor *t, const cJSON *offs, const char *path, uint64_t data_size) {
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2 || json_u64(cJSON_GetArrayItem(offs, 0), &t->begin) ||
        json_u64(cJSON_GetArrayItem(offs, 1), &t->end))
        return dusk_error("%s: tensor '%s': 'data_offsets' must be [begin, end] non-negative integers", path,
                          t->name);
    if (t->begin > t->end || t->end > data_size)
        return dusk_error("%s: tensor '%s': data_offsets [%llu, %llu] do not fit the %llu-byte data buffer", path,
                          t->name, (unsigned long long)t->begin, (unsigned long long)t->end,
                          (unsigned long long)data_size);
    uint64_t want = t->numel * dtype_size(t->dtype);
    if (t->end - t->begin != want)
        return dusk_error("%s: tensor '%s': data_offsets span %llu bytes but shape and dtype need %llu", path,
                          t->name, (unsigned long long)(t->end - t->begin), (unsigned long long)want);
    return 0;
}

static int parse_entry(StTensor *t, const cJSON *e, const char *path, uint64_t data_size) {
    if (!cJSON_IsObject(e)) return dusk_error("%s: tensor '%s': entry is not an object", path, t->name);
    if (parse_dtype(t, cJSON_GetObjectItemCaseSensitive(e, "dtype"), path) != 0) return -1;
    if (parse_shape(t, cJSON_GetObjectItemCaseSensitive(e, "shape"), path) != 0) return -1;
    return parse_offsets(t, cJSON_GetObjectItemCaseSensitive(e, "data_offsets"), path, data_size);
}

static int parse_metadata(StFile *f, const cJSON *meta, const char *path) {
    if (f->meta_keys) return dusk_error("%s: '__metadata__' appears twice", path);
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

/* Walk the non-empty tensors in offset order; each must start at or after
 * the furthest end seen so far (comparing only neighbours would miss a large
 * tensor covering several later ones). */
static int check_overlaps(const StFile *f, const char *path) {
    if (f->n_tensors < 2) return 0;
    const StTensor **by_off = xmalloc(sizeof(StTensor *) * (size_t)f->n_tensors);
    for (int i = 0; i < f->n_tensors; i++) by_off[i] = &f->tensors[i];
    qsort(by_off, (size_t)f->n_tensors, sizeof *by_off, cmp_tensor_begin);
    const StTensor *reach = NULL; /* the tensor with the furthest end so far */
    int rc = 0;
    for (int i = 0; i < f->n_tensors && rc == 0; i++) {
        const StTensor *t = by_off[i];
        if (t->begin == t->end) continue;
        if (reach && t->begin < reach->end)
            rc = dusk_error("%s: tensors '%s' and '%s' overlap in the data buffer", path, reach->name, t->name);
        if (!reach || t->end > reach->end) reach = t;
    }
    free(by_off);
    return rc;
}

static int check_duplicates(const StFile *f, const char *path) {
    for (int i = 1; i < f->n_tensors; i++)
        if (strcmp(f->tensors[i].name, f->tensors[i - 1].name) == 0)
            return dusk_error("%s: duplicate tensor name '%s'", path, f->tensors[i].name);
    return 0;
}

static int parse_header(StFile *f, const char *json, size_t len, const char *path) {
    cJSON *root = json_parse_strict(json, len, path, "header");
    if (!root) return -1;
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return dusk_error("%s: header is not a JSON object", path);
    }
    int n = cJSON_GetArraySize(root), rc = 0;
    f->tensors = xcalloc((size_t)n + 1, sizeof(StTensor));
    const cJSON *e;
    cJSON_ArrayForEach(e, root) {
        if (strcmp(e->string, "__metadata__") == 0) {
            rc = parse_metadata(f, e, path);
        } else {
            StTensor *t = &f->tensors[f->n_tensors++];
            t->name = xstrdup(e->string);
            rc = parse_entry(t, e, path, f->data_size);
        }
        if (rc) break;
    }
    cJSON_Delete(root);
    if (rc) return -1;
    qsort(f->tensors, (size_t)f->n_tensors, sizeof(StTensor), cmp_tensor_name);
    if (check_duplicates(f, path) != 0) return -1;
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
    if (hlen > size - 8) {
        dusk_error("%s: header length %llu runs past the end of the %zu-byte file (truncated or not safetensors)",
                   path, (unsigned long long)hlen, size);
        goto fail;
    }
    if (hlen > ST_MAX_HEADER) {
        dusk_error("%s: header length %llu exceeds the %u-byte limit", path, (unsigned long long)hlen, ST_MAX_HEADER);
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

/* Map the whole file read-only; *map is NULL for an empty file. */
static int map_file(const char *path, void **map, size_t *size) {
    int fd = open_regular_file(path, 0);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return dusk_error("%s: cannot stat: %s", path, strerror(errno));
    }
    *size = (size_t)st.st_size;
    *map = NULL;
    if (*size) {
        void *m = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m == MAP_FAILED) {
            int e = errno;
            close(fd);
            return dusk_error("%s: cannot map: %s", path, strerror(e));
        }
        *map = m;
    }
    close(fd);
    return 0;
}

int st_open(StFile *f, const char *path) {
    memset(f, 0, sizeof *f);
    void *map = NULL;
    size_t size = 0;
    if (map_file(path, &map, &size) != 0) return -1;
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
    if (f->n_tensors == 0) return NULL;
    StTensor key = {.name = (char *)name};
    return bsearch(&key, f->tensors, (size_t)f->n_tensors, sizeof(StTensor), cmp_tensor_name);
}

void st_read_f32(const StFile *f, const StTensor *t, float *dst) {
    convert_to_f32(dst, f->data + t->begin, (size_t)t->numel, t->dtype);
}
