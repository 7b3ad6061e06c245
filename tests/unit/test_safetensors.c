/* safetensors and HF checkpoint files: round trips in every dtype, the exact
 * byte layout, HF-style sharding, and a catalogue of corrupted files that must
 * each fail with a message naming the file and the problem. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check.h"
#include "io/hf_weights.h"
#include "io/safetensors.h"
#include "util/err.h"

static char g_dir[256];

static char *tmp_path(const char *name) {
    static char buf[8][512];
    static int k = 0;
    char *p = buf[k++ % 8];
    snprintf(p, 512, "%s/%s", g_dir, name);
    return p;
}

static int file_exists(const char *p) { return access(p, F_OK) == 0; }

/* Files in the test directory whose name contains `part`. */
static int count_files_containing(const char *dir, const char *part) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) n += strstr(e->d_name, part) != NULL;
    if (d) closedir(d);
    return n;
}

static void write_bytes(const char *path, const void *data, size_t len) {
    FILE *fp = fopen(path, "wb");
    if (!fp) {
        perror(path);
        exit(2);
    }
    if (len) fwrite(data, 1, len, fp);
    fclose(fp);
}

/* A hand-made safetensors file: length prefix, header text, data_len bytes. */
static void write_raw(const char *path, const char *header, size_t data_len) {
    size_t hl = strlen(header);
    uint8_t *buf = calloc(8 + hl + data_len + 1, 1);
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)((uint64_t)hl >> (8 * i));
    memcpy(buf + 8, header, hl);
    write_bytes(path, buf, 8 + hl + data_len);
    free(buf);
}

/* The whole file in memory (NULL if it cannot be read as a regular file). */
static uint8_t *slurp(const char *path, size_t *len) {
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) return NULL;
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    uint8_t *buf = malloc((size_t)st.st_size + 1);
    *len = fread(buf, 1, (size_t)st.st_size, fp);
    fclose(fp);
    return buf;
}

/* st_open must fail with a message that names the file and contains want
 * (and, when given, the tensor), leaving nothing allocated. st_parse on the
 * same bytes held in memory must fail with the very same message. */
static void expect_st_fail(const char *path, const char *want, const char *tensor) {
    StFile f;
    int rc = st_open(&f, path);
    char msg[2048];
    snprintf(msg, sizeof msg, "%s", dusk_last_error());
    CHECK_MSG(rc == -1, "%s unexpectedly opened", path);
    CHECK_MSG(strstr(msg, path) != NULL, "message '%s' does not name %s", msg, path);
    CHECK_MSG(strstr(msg, want) != NULL, "message '%s' lacks '%s'", msg, want);
    if (tensor) CHECK_MSG(strstr(msg, tensor) != NULL, "message '%s' does not name tensor %s", msg, tensor);
    CHECK(f.tensors == NULL && f.map == NULL && f.n_tensors == 0 && f.path == NULL);
    if (rc == 0) st_close(&f);
    size_t len = 0;
    uint8_t *bytes = slurp(path, &len);
    if (!bytes) return; /* missing file or directory: nothing to parse */
    rc = st_parse(&f, bytes, len, path);
    CHECK_MSG(rc == -1, "st_parse accepted %s", path);
    CHECK_MSG(strcmp(dusk_last_error(), msg) == 0, "st_parse said '%s', st_open '%s'", dusk_last_error(), msg);
    CHECK(f.tensors == NULL && f.path == NULL);
    if (rc == 0) st_close(&f);
    free(bytes);
}

static void expect_hf_fail(const char *dir, const char *want, const char *name) {
    HfWeights w;
    int rc = hfw_open(&w, dir);
    const char *msg = dusk_last_error();
    CHECK_MSG(rc == -1, "%s unexpectedly opened", dir);
    CHECK_MSG(strstr(msg, dir) != NULL, "message '%s' does not name %s", msg, dir);
    CHECK_MSG(strstr(msg, want) != NULL, "message '%s' lacks '%s'", msg, want);
    if (name) CHECK_MSG(strstr(msg, name) != NULL, "message '%s' lacks '%s'", msg, name);
    CHECK(w.n_files == 0 && w.files == NULL);
    if (rc == 0) hfw_close(&w);
}

/* Values every dtype holds exactly (small integers and halves), so a round
 * trip must reproduce them bit for bit. */
static void fill_exact(float *x, int n, int seed) {
    for (int i = 0; i < n; i++) x[i] = (float)((i * 7 + seed) % 29 - 14) * 0.5f;
}

static void test_round_trip(DType dt) {
    float a[24], b[5], scalar = -3.5f;
    fill_exact(a, 24, 1);
    fill_exact(b, 5, 2);
    StWriteTensor ts[4] = {
        {.name = "z.weight", .dtype = dt, .ndim = 3, .shape = {2, 3, 4}, .data = a},
        {.name = "a.bias", .dtype = dt, .ndim = 1, .shape = {5}, .data = b},
        {.name = "scalar", .dtype = dt, .ndim = 0, .data = &scalar},
        {.name = "empty", .dtype = dt, .ndim = 2, .shape = {0, 7}, .data = NULL},
    };
    const char *keys[] = {"format", "note"}, *vals[] = {"pt", "caf\xc3\xa9 \"quoted\""};
    char *path = tmp_path("rt.safetensors");
    CHECK(st_write(path, ts, 4, keys, vals, 2) == 0);
    StFile f;
    CHECK_MSG(st_open(&f, path) == 0, "%s", dusk_last_error());
    CHECK(f.n_tensors == 4);
    /* sorted by name for bsearch */
    for (int i = 1; i < f.n_tensors; i++) CHECK(strcmp(f.tensors[i - 1].name, f.tensors[i].name) < 0);
    for (int i = 0; i < 4; i++) {
        const StTensor *t = st_find(&f, ts[i].name);
        CHECK_MSG(t != NULL, "%s missing", ts[i].name);
        if (!t) continue;
        CHECK(t->dtype == dt && t->ndim == ts[i].ndim);
        uint64_t numel = 1;
        for (int d = 0; d < t->ndim; d++) {
            CHECK(t->shape[d] == ts[i].shape[d]);
            numel *= (uint64_t)ts[i].shape[d];
        }
        CHECK(t->numel == numel);
        float got[24];
        st_read_f32(&f, t, got);
        for (uint64_t k = 0; k < numel; k++) CHECK_MSG(got[k] == ts[i].data[k], "%s[%d]", ts[i].name, (int)k);
    }
    CHECK(st_find(&f, "missing") == NULL && st_find(&f, "a") == NULL && st_find(&f, "zz") == NULL);
    CHECK(f.n_meta == 2);
    for (int i = 0; i < f.n_meta; i++) {
        int j = strcmp(f.meta_keys[i], "format") == 0 ? 0 : 1;
        CHECK(strcmp(f.meta_keys[i], keys[j]) == 0 && strcmp(f.meta_values[i], vals[j]) == 0);
    }
    st_close(&f);
}

/* The layout the reference library writes: header padded with spaces to a
 * multiple of 8, data back to back in the order given. */
static void test_layout(void) {
    float x[3] = {1, 2, 3}, y[2] = {4, 5};
    StWriteTensor ts[2] = {{.name = "second_in_sort_but_first", .dtype = DTYPE_F32, .ndim = 1, .shape = {3}, .data = x},
                           {.name = "a", .dtype = DTYPE_BF16, .ndim = 1, .shape = {2}, .data = y}};
    char *path = tmp_path("layout.safetensors");
    CHECK(st_write(path, ts, 2, NULL, NULL, 0) == 0);
    FILE *fp = fopen(path, "rb");
    uint8_t buf[512];
    size_t n = fread(buf, 1, sizeof buf, fp);
    fclose(fp);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | buf[i];
    CHECK(hl % 8 == 0);
    CHECK(n == 8 + hl + 12 + 4);
    CHECK(buf[8] == '{');
    size_t close = 8 + hl - 1;
    while (buf[close] == ' ') close--;
    CHECK(buf[close] == '}');
    CHECK(hl - (close - 8 + 1) < 8); /* fewer than 8 padding spaces */
    float first;
    memcpy(&first, buf + 8 + hl, 4);
    CHECK(first == 1.0f); /* x is stored first although "a" sorts first */
    CHECK(buf[8 + hl + 12] == 0x80 && buf[8 + hl + 13] == 0x40); /* bf16 4.0 = 0x4080, little-endian */
    StFile f;
    CHECK(st_open(&f, path) == 0);
    const StTensor *a = st_find(&f, "a"), *s = st_find(&f, "second_in_sort_but_first");
    CHECK(a && s && s->begin == 0 && s->end == 12 && a->begin == 12 && a->end == 16);
    st_close(&f);
}

static void test_write_rejects(void) {
    float x[2] = {1, 2};
    StWriteTensor dup[2] = {{.name = "w", .dtype = DTYPE_F32, .ndim = 1, .shape = {2}, .data = x},
                            {.name = "w", .dtype = DTYPE_F32, .ndim = 1, .shape = {2}, .data = x}};
    char *path = tmp_path("rejected.safetensors");
    CHECK(st_write(path, dup, 2, NULL, NULL, 0) == -1);
    CHECK(strstr(dusk_last_error(), "duplicate") && strstr(dusk_last_error(), path));
    StWriteTensor neg = {.name = "n", .dtype = DTYPE_F32, .ndim = 1, .shape = {-2}, .data = x};
    CHECK(st_write(path, &neg, 1, NULL, NULL, 0) == -1);
    CHECK(strstr(dusk_last_error(), "negative") != NULL);
    StWriteTensor meta = {.name = "__metadata__", .dtype = DTYPE_F32, .ndim = 1, .shape = {2}, .data = x};
    CHECK(st_write(path, &meta, 1, NULL, NULL, 0) == -1);
    CHECK(!file_exists(path));
    CHECK(count_files_containing(g_dir, ".tmp.") == 0);
    CHECK(st_write(tmp_path("no/such/dir/x.safetensors"), &dup[0], 1, NULL, NULL, 0) == -1);
    CHECK(strstr(dusk_last_error(), "no/such/dir/x.safetensors") != NULL);
}

/* A header length inside the buffer but above the 100 MB limit the reference
 * library enforces: refused before any JSON parsing. calloc'd pages that are
 * never touched cost no memory. */
static void test_huge_header(void) {
    const size_t limit = (size_t)100 << 20, size = limit + 64;
    uint8_t *buf = calloc(size, 1);
    if (!buf) return;
    uint64_t hl = limit + 8;
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)(hl >> (8 * i));
    StFile f;
    CHECK(st_parse(&f, buf, size, "huge-header") == -1);
    CHECK_MSG(strstr(dusk_last_error(), "huge-header: header length 104857608 exceeds the 104857600-byte limit"),
              "%s", dusk_last_error());
    free(buf);
}

/* A ready-made valid file whose bytes the corruption cases edit. */
static const char *kGoodHeader =
    "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
    "\"b\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[8,16]}}";

static void test_corrupt_files(void) {
    char *p = tmp_path("bad.safetensors");
    write_raw(p, kGoodHeader, 16);
    StFile f;
    CHECK_MSG(st_open(&f, p) == 0, "%s", dusk_last_error());
    if (f.n_tensors) st_close(&f);

    write_bytes(p, "\x10\0\0", 3);
    expect_st_fail(p, "truncated", NULL);
    write_bytes(p, "", 0);
    expect_st_fail(p, "truncated", NULL);
    write_raw(p, kGoodHeader, 10); /* data cut short */
    expect_st_fail(p, "do not fit the 10-byte data buffer", "'b'");
    write_raw(p, kGoodHeader, 0);
    expect_st_fail(p, "do not fit", "'a'");
    {
        uint8_t buf[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0, '{', '}'};
        write_bytes(p, buf, sizeof buf);
        expect_st_fail(p, "header length 65535 runs past the end", NULL);
        uint8_t huge[16] = {0xf0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, '{', '}'};
        write_bytes(p, huge, sizeof huge);
        expect_st_fail(p, "runs past the end", NULL);
    }
    write_raw(p, "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], ", 8);
    expect_st_fail(p, "header is not valid JSON", NULL);
    write_raw(p, "not json at all!", 0);
    expect_st_fail(p, "header is not valid JSON", NULL);
    write_raw(p, "{} {}", 0);
    expect_st_fail(p, "unexpected text after the JSON value", NULL);
    write_raw(p, "[1,2]", 0);
    expect_st_fail(p, "header is not a JSON object", NULL);
    write_raw(p, "{\"\xff\":{}}", 0);
    expect_st_fail(p, "not valid UTF-8 (byte 2)", NULL);
    write_raw(p, "{\"\xed\xa0\x80\":{}}", 0); /* UTF-8-encoded surrogate */
    expect_st_fail(p, "not valid UTF-8", NULL);
    write_raw(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8);
    expect_st_fail(p, "data_offsets [8, 0]", "'a'");
    write_raw(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0]}}", 8);
    expect_st_fail(p, "'data_offsets' must be [begin, end]", "'a'");
    write_raw(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,-8]}}", 8);
    expect_st_fail(p, "'data_offsets' must be", "'a'");
    write_raw(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8);
    expect_st_fail(p, "span 8 bytes but shape and dtype need 12", "'a'");
    write_raw(p, "{\"a\":{\"dtype\":\"BF16\",\"shape\":[4],\"data_offsets\":[0,4]}}", 8);
    expect_st_fail(p, "need 8", "'a'");
    /* shape whose byte size wraps around 2^64 */
    write_raw(p, "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 8);
    expect_st_fail(p, "shape is too large", "'a'");
    write_raw(p,
              "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
              "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
              12);
    expect_st_fail(p, "overlap", "'b'");
    /* a big tensor covering a later one, with an empty tensor between them */
    write_raw(p,
              "{\"big\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},"
              "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
              "\"in\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
              16);
    expect_st_fail(p, "'big' and 'in' overlap", NULL);
    write_raw(p,
              "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
              "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}",
              16);
    expect_st_fail(p, "duplicate tensor name 'a'", NULL);
    write_raw(p, "{\"ids\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
    expect_st_fail(p, "unsupported dtype 'I64'", "'ids'");
    write_raw(p, "{\"d\":{\"dtype\":\"F64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
    expect_st_fail(p, "unsupported dtype 'F64'", "'d'");
    write_raw(p, "{\"q\":{\"dtype\":\"FP32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8);
    expect_st_fail(p, "unknown dtype 'FP32'", "'q'");
    write_raw(p, "{\"q4\":{\"dtype\":\"Q4\",\"shape\":[8],\"data_offsets\":[0,4]}}", 4);
    expect_st_fail(p, "unknown dtype 'Q4'", "'q4'");
    write_raw(p, "{\"n\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", 4);
    expect_st_fail(p, "missing string 'dtype'", "'n'");
    write_raw(p, "{\"q\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 8);
    expect_st_fail(p, "missing string 'dtype'", "'q'");
    write_raw(p, "{\"neg\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8);
    expect_st_fail(p, "shape entry 0 is not a non-negative integer", "'neg'");
    write_raw(p, "{\"fr\":{\"dtype\":\"F32\",\"shape\":[2,1.5],\"data_offsets\":[0,8]}}", 8);
    expect_st_fail(p, "shape entry 1", "'fr'");
    write_raw(p, "{\"s\":{\"dtype\":\"F32\",\"shape\":\"2\",\"data_offsets\":[0,8]}}", 8);
    expect_st_fail(p, "missing array 'shape'", "'s'");
    write_raw(p, "{\"t\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}}", 8);
    expect_st_fail(p, "shape entry 0 is not a non-negative integer", "'t'");
    write_raw(p, "{\"u\":{\"dtype\":\"F32\",\"shape\":[1,null],\"data_offsets\":[0,4]}}", 8);
    expect_st_fail(p, "shape entry 1 is not a non-negative integer", "'u'");
    write_raw(p, "{\"v\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4);
    expect_st_fail(p, "missing array 'shape'", "'v'");
    write_raw(p, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4);
    expect_st_fail(p, "'data_offsets' must be [begin, end]", "'w'");
    write_raw(p, "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8);
    expect_st_fail(p, "'data_offsets' must be [begin, end]", "'x'");
    write_raw(p, "{\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.5,4]}}", 8);
    expect_st_fail(p, "'data_offsets' must be [begin, end]", "'y'");
    write_raw(p, "{\"deep\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 8);
    expect_st_fail(p, "9 dimensions", "'deep'");
    write_raw(p, "{\"x\":[1,2]}", 0);
    expect_st_fail(p, "entry is not an object", "'x'");
    write_raw(p, "{\"__metadata__\":{\"format\":1}}", 0);
    expect_st_fail(p, "value 'format' is not a string", NULL);
    write_raw(p, "{\"__metadata__\":{\"a\":\"1\"},\"__metadata__\":{\"b\":\"2\"}}", 0);
    expect_st_fail(p, "'__metadata__' appears twice", NULL);
    write_raw(p, "{\"__metadata__\":[]}", 0);
    expect_st_fail(p, "'__metadata__' is not an object", NULL);
    expect_st_fail(tmp_path("does-not-exist.safetensors"), "cannot open", NULL);
    expect_st_fail(g_dir, "not a regular file", NULL);

    /* st_parse on memory reports the same problems without touching a file */
    const char mem[] = "\x05\0\0\0\0\0\0\0{\"a\":";
    CHECK(st_parse(&f, mem, sizeof mem - 1, "memory-image") == -1);
    CHECK(strstr(dusk_last_error(), "memory-image") && strstr(dusk_last_error(), "not valid JSON"));
    test_huge_header();
}

/* HF sharding as huggingface_hub plans it (derived by hand from its rules):
 * sizes 40,40,100,40,30 with max 90 -> [t2], [t0,t1], [t3,t4]. */
static void test_sharded(void) {
    float buf[25];
    fill_exact(buf, 25, 3);
    StWriteTensor ts[5] = {
        {.name = "t0", .dtype = DTYPE_F32, .ndim = 1, .shape = {10}, .data = buf},
        {.name = "t1", .dtype = DTYPE_BF16, .ndim = 2, .shape = {4, 5}, .data = buf + 1},
        {.name = "t2", .dtype = DTYPE_F32, .ndim = 1, .shape = {25}, .data = buf},
        {.name = "t3", .dtype = DTYPE_F16, .ndim = 1, .shape = {20}, .data = buf + 2},
        {.name = "t4", .dtype = DTYPE_F16, .ndim = 1, .shape = {15}, .data = buf + 3},
    };
    char *dir = tmp_path("hf");
    CHECK_MSG(hfw_write(dir, ts, 5, 90) == 0, "%s", dusk_last_error());
    char path[600];
    const char *expect_shard[5] = {"model-00002-of-00003.safetensors", "model-00002-of-00003.safetensors",
                                   "model-00001-of-00003.safetensors", "model-00003-of-00003.safetensors",
                                   "model-00003-of-00003.safetensors"};
    HfWeights w;
    CHECK_MSG(hfw_open(&w, dir) == 0, "%s", dusk_last_error());
    CHECK(w.n_files == 3);
    for (int i = 0; i < 5; i++) {
        const StFile *f = NULL;
        const StTensor *t = hfw_find(&w, ts[i].name, &f);
        CHECK_MSG(t != NULL, "%s missing", ts[i].name);
        if (!t) continue;
        CHECK_MSG(strstr(f->path, expect_shard[i]) != NULL, "%s in %s", ts[i].name, f->path);
        CHECK(t->dtype == ts[i].dtype && t->numel == (uint64_t)(ts[i].ndim == 2 ? 20 : ts[i].shape[0]));
        float got[25];
        st_read_f32(f, t, got);
        for (uint64_t k = 0; k < t->numel; k++) CHECK(got[k] == ts[i].data[k]);
    }
    CHECK(hfw_find(&w, "t5", NULL) == NULL);
    hfw_close(&w);
    snprintf(path, sizeof path, "%s/model.safetensors.index.json", dir);
    FILE *fp = fopen(path, "rb");
    char idx[4096] = "";
    size_t n = fp ? fread(idx, 1, sizeof idx - 1, fp) : 0;
    if (fp) fclose(fp);
    idx[n] = '\0';
    cJSON *root = cJSON_Parse(idx);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    const cJSON *total = cJSON_GetObjectItemCaseSensitive(meta, "total_size");
    CHECK(cJSON_IsNumber(total) && total->valuedouble == 250); /* 40+40+100+40+30 bytes */
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
    CHECK(cJSON_GetArraySize(map) == 5);
    for (int i = 0; i < 5; i++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(map, ts[i].name);
        CHECK(cJSON_IsString(e) && strcmp(e->valuestring, expect_shard[i]) == 0);
    }
    cJSON_Delete(root);
    CHECK(count_files_containing(dir, "-of-00003.safetensors") == 3);

    /* re-saving as one file removes the shards and index of the old save */
    CHECK(hfw_write(dir, ts, 5, 0) == 0);
    CHECK(count_files_containing(dir, "-of-") == 0 && !file_exists(path));
    CHECK(hfw_open(&w, dir) == 0 && w.n_files == 1);
    hfw_close(&w);
    /* and sharding again removes model.safetensors (loaders prefer it) */
    CHECK(hfw_write(dir, ts, 5, 100) == 0);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    CHECK(!file_exists(path));
    CHECK(count_files_containing(dir, "-of-") >= 2);
    /* duplicate names are refused even when they would land in different shards */
    StWriteTensor dup[2] = {ts[2], ts[0]};
    dup[1].name = ts[2].name;
    CHECK(hfw_write(tmp_path("hf_dup"), dup, 2, 50) == -1);
    CHECK(strstr(dusk_last_error(), "duplicate tensor name 't2'") != NULL);
    CHECK(count_files_containing(tmp_path("hf_dup"), ".safetensors") == 0);
    /* a single oversized tensor is one shard: written as model.safetensors */
    CHECK(hfw_write(dir, ts + 2, 1, 10) == 0);
    CHECK(file_exists(path) && count_files_containing(dir, "-of-") == 0);
}

static void write_index(const char *dir, const char *json) {
    char p[600];
    snprintf(p, sizeof p, "%s/model.safetensors.index.json", dir);
    write_bytes(p, json, strlen(json));
}

static void write_shard(const char *dir, const char *name, const char *header, size_t data_len) {
    char p[600];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    write_raw(p, header, data_len);
}

static void test_bad_checkpoints(void) {
    char *dir = tmp_path("badhf");
    mkdir(dir, 0777);
    expect_hf_fail(dir, "no model.safetensors or model.safetensors.index.json", NULL);
    expect_hf_fail(tmp_path("no-such-dir"), "not a checkpoint directory", NULL);
    const char *h1 = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    const char *h2 = "{\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    write_shard(dir, "s1.safetensors", h1, 4);
    write_shard(dir, "s2.safetensors", h2, 4);
    write_index(dir, "{\"metadata\":{},\"weight_map\":{\"x\":\"s1.safetensors\",\"y\":\"s2.safetensors\"}}");
    HfWeights w;
    CHECK_MSG(hfw_open(&w, dir) == 0, "%s", dusk_last_error());
    CHECK(w.n_files == 2 && hfw_find(&w, "y", NULL) != NULL);
    hfw_close(&w);

    write_index(dir, "{\"weight_map\":{\"x\":\"s1.safetensors\",\"y\":\"missing.safetensors\"}}");
    expect_hf_fail(dir, "missing.safetensors: cannot open", "'y'");
    write_index(dir, "{\"weight_map\":{\"x\":\"s1.safetensors\",\"y\":\"s1.safetensors\"}}");
    expect_hf_fail(dir, "tensor 'y' is listed in shard s1.safetensors but missing", NULL);
    write_index(dir, "{\"weight_map\":{\"x\":\"s1.safetensors\"}}");
    write_shard(dir, "s1.safetensors",
                "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                "\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                8);
    expect_hf_fail(dir, "tensor 'y'", "is not listed in the index");
    write_index(dir, "{\"weight_map\":{\"x\":\"s1.safetensors\",\"y\":\"s2.safetensors\"}}");
    expect_hf_fail(dir, "tensor 'y' appears in both", "s1.safetensors");
    write_shard(dir, "s1.safetensors", h1, 4);
    write_index(dir, "{\"weight_map\":{\"x\":\"s1.safetensors\",\"x\":\"s1.safetensors\"}}");
    expect_hf_fail(dir, "tensor 'x' is listed twice", NULL);
    write_index(dir, "{\"weight_map\":{\"x\":\"../s1.safetensors\"}}");
    expect_hf_fail(dir, "must be the file name of a shard", "'x'");
    write_index(dir, "{\"weight_map\":{\"x\":7}}");
    expect_hf_fail(dir, "must be the file name of a shard", "'x'");
    write_index(dir, "{\"weight_map\":{}}");
    expect_hf_fail(dir, "weight_map is empty", NULL);
    write_index(dir, "{\"weight_map\":[]}");
    expect_hf_fail(dir, "missing object 'weight_map'", NULL);
    write_index(dir, "{\"metadata\":{\"total_size\":4}}");
    expect_hf_fail(dir, "model.safetensors.index.json: missing object 'weight_map'", NULL);
    write_index(dir, "[\"s1.safetensors\"]");
    expect_hf_fail(dir, "index is not a JSON object", NULL);
    write_index(dir, "{\"metadata\":5,\"weight_map\":{\"x\":\"s1.safetensors\"}}");
    expect_hf_fail(dir, "'metadata' is not an object", NULL);
    write_index(dir, "{\"weight_map\":{\"x\":\"s1.safetensors\"}");
    expect_hf_fail(dir, "model.safetensors.index.json: index is not valid JSON", NULL);
    write_index(dir, "{\"weight_map\":{\"x\":\"s1.safetensors\"}}\n\xc3");
    expect_hf_fail(dir, "index is not valid UTF-8", NULL);
    /* a corrupt shard: the message names the index and the shard file */
    write_index(dir, "{\"weight_map\":{\"x\":\"s1.safetensors\"}}");
    write_shard(dir, "s1.safetensors", h1, 2);
    expect_hf_fail(dir, "s1.safetensors: tensor 'x': data_offsets", "model.safetensors.index.json");
}

static void remove_tree(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(p);
        else unlink(p);
    }
    if (d) closedir(d);
    rmdir(dir);
}

int main(void) {
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof g_dir, "%s/dusk_st_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(g_dir)) {
        perror("mkdtemp");
        return 2;
    }
    test_round_trip(DTYPE_F32);
    test_round_trip(DTYPE_BF16);
    test_round_trip(DTYPE_F16);
    test_layout();
    test_write_rejects();
    test_corrupt_files();
    test_sharded();
    test_bad_checkpoints();
    remove_tree(g_dir);
    return check_report("test_safetensors");
}
