/* dusk inspect PATH: one JSON line per tensor of a .safetensors file or an HF
 * checkpoint directory (name, dtype, shape, fp64 sum, optional sha256 of the
 * stored bytes). --rewrite OUT re-saves the tensors (optionally in another
 * dtype), which lets reference tests check dusk's writer and conversions. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "io/hf_weights.h"
#include "util/err.h"
#include "util/fileio.h"

typedef struct {
    const StFile *file;
    const StTensor *tensor;
} TensorRef;

static int cmp_ref_name(const void *a, const void *b) {
    return strcmp(((const TensorRef *)a)->tensor->name, ((const TensorRef *)b)->tensor->name);
}

/* Every tensor of every file, sorted by name (shards interleave). */
static TensorRef *collect_tensors(const HfWeights *w, int *n_out) {
    int n = 0;
    for (int i = 0; i < w->n_files; i++) n += w->files[i].n_tensors;
    TensorRef *refs = xcalloc((size_t)n + 1, sizeof *refs);
    int k = 0;
    for (int i = 0; i < w->n_files; i++)
        for (int t = 0; t < w->files[i].n_tensors; t++) refs[k++] = (TensorRef){&w->files[i], &w->files[i].tensors[t]};
    qsort(refs, (size_t)n, sizeof *refs, cmp_ref_name);
    *n_out = n;
    return refs;
}

/* A file is opened as a one-file HfWeights so both inputs share the code. */
static void open_input(HfWeights *w, const char *path) {
    if (is_directory(path)) {
        if (hfw_open(w, path) != 0) dusk_die("%s", dusk_last_error());
        return;
    }
    w->n_files = 1;
    w->files = xcalloc(1, sizeof(StFile));
    if (st_open(&w->files[0], path) != 0) dusk_die("%s", dusk_last_error());
}

static void print_json_string(FILE *fp, const char *s) {
    fputc('"', fp);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') fprintf(fp, "\\%c", *p);
        else if (*p < 0x20) fprintf(fp, "\\u%04x", *p);
        else fputc(*p, fp);
    }
    fputc('"', fp);
}

/* Sum in fp64 of the values as fp32, converted in chunks so a large tensor
 * needs no full-size copy. */
static double tensor_sum(const StFile *f, const StTensor *t) {
    enum { CHUNK = 1 << 14 };
    static float buf[CHUNK];
    const uint8_t *src = f->data + t->begin;
    size_t es = dtype_size(t->dtype);
    double sum = 0;
    for (uint64_t at = 0; at < t->numel; at += CHUNK) {
        size_t k = t->numel - at < CHUNK ? (size_t)(t->numel - at) : CHUNK;
        convert_to_f32(buf, src + at * es, k, t->dtype);
        for (size_t i = 0; i < k; i++) sum += buf[i];
    }
    return sum;
}

static void print_sha256(FILE *fp, const StFile *f, const StTensor *t) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!EVP_Digest(f->data + t->begin, (size_t)(t->end - t->begin), md, &len, EVP_sha256(), NULL))
        dusk_die("%s: sha256 of tensor '%s' failed", f->path, t->name);
    fputs(",\"sha256\":\"", fp);
    for (unsigned int i = 0; i < len; i++) fprintf(fp, "%02x", md[i]);
    fputc('"', fp);
}

static void print_tensor(FILE *fp, const TensorRef *r, int with_sha) {
    const StTensor *t = r->tensor;
    fputs("{\"name\":", fp);
    print_json_string(fp, t->name);
    fprintf(fp, ",\"dtype\":\"%s\",\"shape\":[", dtype_name(t->dtype));
    for (int d = 0; d < t->ndim; d++) fprintf(fp, d ? ",%lld" : "%lld", (long long)t->shape[d]);
    fputs("],\"sum\":", fp);
    json_print_double(fp, tensor_sum(r->file, t));
    if (with_sha) print_sha256(fp, r->file, t);
    fputs("}\n", fp);
}

static int is_safetensors_name(const char *path) {
    size_t len = strlen(path);
    return len >= 12 && strcmp(path + len - 12, ".safetensors") == 0;
}

/* Re-save every tensor, in dtype *to when given: OUT ending in .safetensors
 * is one file (keeping a single input file's metadata), anything else an HF
 * checkpoint directory. */
static void rewrite(const TensorRef *refs, int n, const char *out, const DType *to, uint64_t max_shard,
                    const HfWeights *w) {
    StWriteTensor *ts = xcalloc((size_t)n + 1, sizeof *ts);
    for (int i = 0; i < n; i++) {
        const StTensor *t = refs[i].tensor;
        float *data = xmalloc(sizeof(float) * (size_t)(t->numel ? t->numel : 1));
        st_read_f32(refs[i].file, t, data);
        ts[i] = (StWriteTensor){.name = t->name, .dtype = to ? *to : t->dtype,
                                .ndim = t->ndim, .data = data};
        memcpy(ts[i].shape, t->shape, sizeof t->shape);
    }
    int rc;
    if (is_safetensors_name(out)) {
        const StFile *f = w->n_files == 1 ? &w->files[0] : NULL;
        rc = st_write(out, ts, n, f ? (const char *const *)f->meta_keys : NULL,
                      f ? (const char *const *)f->meta_values : NULL, f ? f->n_meta : 0);
    } else {
        rc = hfw_write(out, ts, n, max_shard);
    }
    for (int i = 0; i < n; i++) free((void *)ts[i].data);
    free(ts);
    if (rc != 0) dusk_die("%s", dusk_last_error());
}

int cmd_inspect(int argc, char **argv) {
    ArgSpec o[] = {
        {"sha256", ARG_FLAG, "also print the sha256 of each tensor's stored bytes", 0, 0},
        {"rewrite", ARG_VALUE, "re-save the tensors to OUT (.safetensors file, else an HF directory)", 0, 0},
        {"dtype", ARG_VALUE, "with --rewrite: f32, bf16 or f16 (default: keep each tensor's dtype)", 0, 0},
        {"max-shard-bytes", ARG_VALUE, "with --rewrite to a directory: shard above this many bytes", 0, 0},
        {"help", ARG_FLAG, "show this help", 0, 0},
    };
    int n = sizeof o / sizeof o[0], n_pos = 0;
    char **pos = NULL;
    if (args_parse(o, n, argc, argv, 1, &pos, &n_pos) != 0) dusk_die("inspect: %s", dusk_last_error());
    if (args_flag(o, n, "help")) {
        args_usage("inspect", "PATH (.safetensors file or HF checkpoint directory)", o, n);
        free(pos);
        return 0;
    }
    if (n_pos != 1) dusk_die("inspect: expected exactly one PATH (a .safetensors file or HF directory)");
    long max_shard = args_long(o, n, "max-shard-bytes", 0);
    if (max_shard < 0) dusk_die("inspect: --max-shard-bytes must be >= 0");
    const char *out = args_str(o, n, "rewrite", NULL), *dtype = args_str(o, n, "dtype", NULL);
    if (dtype && !out) dusk_die("inspect: --dtype only applies with --rewrite");
    if (max_shard && (!out || is_safetensors_name(out)))
        dusk_die("inspect: --max-shard-bytes only applies with --rewrite to a directory");
    /* check the options before any output appears */
    DType to = dtype ? cli_parse_dtype(dtype) : DTYPE_F32;
    HfWeights w = {0};
    open_input(&w, pos[0]);
    int n_t;
    TensorRef *refs = collect_tensors(&w, &n_t);
    for (int i = 0; i < n_t; i++) print_tensor(stdout, &refs[i], args_flag(o, n, "sha256"));
    if (out) rewrite(refs, n_t, out, dtype ? &to : NULL, (uint64_t)max_shard, &w);
    free(refs);
    hfw_close(&w);
    free(pos);
    if (fflush(stdout) != 0) dusk_die("inspect: cannot write to stdout");
    return 0;
}
