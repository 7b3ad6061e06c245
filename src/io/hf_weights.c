/* HF checkpoint weights: model.safetensors, or shards listed by
 * model.safetensors.index.json. */
#include "io/hf_weights.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/fileio.h"

static char *path_join(const char *dir, const char *file) {
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = xmalloc(n);
    snprintf(p, n, "%s/%s", dir, file);
    return p;
}

static int file_exists(const char *path) { return access(path, F_OK) == 0; }

/* Index the shard file names (unique, in order of first appearance). */
static int open_shards(HfWeights *w, const char *dir, const char *index_path, cJSON *map) {
    const cJSON *e;
    char **names = NULL;
    int n = 0, rc = 0;
    cJSON_ArrayForEach(e, map) {
        if (!cJSON_IsString(e) || strchr(e->valuestring, '/'))
            return dusk_error("%s: weight_map entry '%s' must name a shard file in the same directory", index_path,
                              e->string);
        int seen = 0;
        for (int i = 0; i < n && !seen; i++) seen = strcmp(names[i], e->valuestring) == 0;
        if (!seen) {
            names = xrealloc(names, sizeof(char *) * (size_t)(n + 1));
            names[n++] = e->valuestring;
        }
    }
    if (n == 0) return dusk_error("%s: weight_map is empty", index_path);
    w->files = xcalloc((size_t)n, sizeof(StFile));
    for (int i = 0; i < n && rc == 0; i++) {
        char *p = path_join(dir, names[i]);
        rc = st_open(&w->files[i], p);
        free(p);
        if (rc == 0) w->n_files++;
    }
    free(names);
    return rc;
}

/* Every tensor the index names must be in the shard it names; no tensor may
 * appear in two shards. */
static int check_index(const HfWeights *w, const char *index_path, const cJSON *map) {
    const cJSON *e;
    cJSON_ArrayForEach(e, map) {
        const StFile *f = NULL;
        for (int i = 0; i < w->n_files && !f; i++) {
            const char *base = strrchr(w->files[i].path, '/');
            if (strcmp(base ? base + 1 : w->files[i].path, e->valuestring) == 0) f = &w->files[i];
        }
        if (!f || !st_find(f, e->string))
            return dusk_error("%s: tensor '%s' is listed in shard %s but not present there", index_path, e->string,
                              e->valuestring);
    }
    for (int i = 0; i < w->n_files; i++)
        for (int t = 0; t < w->files[i].n_tensors; t++)
            for (int j = i + 1; j < w->n_files; j++)
                if (st_find(&w->files[j], w->files[i].tensors[t].name))
                    return dusk_error("%s: tensor '%s' appears in both %s and %s", index_path,
                                      w->files[i].tensors[t].name, w->files[i].path, w->files[j].path);
    return 0;
}

static int open_sharded(HfWeights *w, const char *dir, const char *index_path) {
    char *text = read_file_all(index_path, NULL);
    if (!text) return -1;
    cJSON *root = cJSON_Parse(text);
    free(text);
    int rc;
    cJSON *map = root ? cJSON_GetObjectItemCaseSensitive(root, "weight_map") : NULL;
    if (!root || !cJSON_IsObject(root)) rc = dusk_error("%s: not a valid JSON object", index_path);
    else if (!cJSON_IsObject(map)) rc = dusk_error("%s: missing object 'weight_map'", index_path);
    else rc = open_shards(w, dir, index_path, map);
    if (rc == 0) rc = check_index(w, index_path, map);
    cJSON_Delete(root);
    return rc;
}

int hfw_open(HfWeights *w, const char *dir) {
    memset(w, 0, sizeof *w);
    char *single = path_join(dir, "model.safetensors"), *index = path_join(dir, "model.safetensors.index.json");
    int rc;
    if (file_exists(single)) {
        w->files = xcalloc(1, sizeof(StFile));
        rc = st_open(&w->files[0], single);
        if (rc == 0) w->n_files = 1;
    } else if (file_exists(index)) {
        rc = open_sharded(w, dir, index);
    } else {
        rc = dusk_error("%s: no model.safetensors or model.safetensors.index.json", dir);
    }
    free(single);
    free(index);
    if (rc) hfw_close(w);
    return rc;
}

void hfw_close(HfWeights *w) {
    for (int i = 0; i < w->n_files; i++) st_close(&w->files[i]);
    free(w->files);
    memset(w, 0, sizeof *w);
}

const StTensor *hfw_find(const HfWeights *w, const char *name, const StFile **file) {
    for (int i = 0; i < w->n_files; i++) {
        const StTensor *t = st_find(&w->files[i], name);
        if (t) {
            if (file) *file = &w->files[i];
            return t;
        }
    }
    return NULL;
}

static uint64_t tensor_bytes(const StWriteTensor *t) {
    uint64_t n = dtype_size(t->dtype);
    for (int i = 0; i < t->ndim; i++) n *= (uint64_t)t->shape[i];
    return n;
}

static int write_index(const char *dir, const StWriteTensor *ts, int n, const int *shard_of, int n_shards,
                       uint64_t total) {
    cJSON *root = cJSON_CreateObject();
    cJSON *meta = cJSON_AddObjectToObject(root, "metadata");
    cJSON_AddNumberToObject(meta, "total_size", (double)total);
    cJSON *map = cJSON_AddObjectToObject(root, "weight_map");
    char fname[64];
    for (int i = 0; i < n; i++) {
        snprintf(fname, sizeof fname, "model-%05d-of-%05d.safetensors", shard_of[i] + 1, n_shards);
        cJSON_AddStringToObject(map, ts[i].name, fname);
    }
    char *json = cJSON_Print(root);
    cJSON_Delete(root);
    char *p = path_join(dir, "model.safetensors.index.json");
    int rc = write_file_atomic(p, json, strlen(json));
    free(p);
    free(json);
    return rc;
}

static const char *const keys[] = {"format"}, *const values[] = {"pt"};

static int write_shards(const char *dir, const StWriteTensor *tensors, int n, uint64_t max_shard_bytes,
                        uint64_t total);

int hfw_write(const char *dir, const StWriteTensor *tensors, int n, uint64_t max_shard_bytes) {
    uint64_t total = 0;
    for (int i = 0; i < n; i++) total += tensor_bytes(&tensors[i]);
    char *single = path_join(dir, "model.safetensors"), *index = path_join(dir, "model.safetensors.index.json");
    int rc;
    if (max_shard_bytes == 0 || total <= max_shard_bytes) {
        rc = st_write(single, tensors, n, keys, values, 1);
        if (rc == 0) unlink(index); /* a stale index would describe other weights */
    } else {
        rc = write_shards(dir, tensors, n, max_shard_bytes, total);
        if (rc == 0) unlink(single); /* loaders prefer model.safetensors */
    }
    free(single);
    free(index);
    return rc;
}

static int write_shards(const char *dir, const StWriteTensor *tensors, int n, uint64_t max_shard_bytes,
                        uint64_t total) {
    /* Greedy packing in order, as save_pretrained: start a new shard when
     * the next tensor would overflow the current one. */
    int *shard_of = xmalloc(sizeof(int) * (size_t)(n ? n : 1)), n_shards = 0;
    uint64_t cur = 0;
    for (int i = 0; i < n; i++) {
        uint64_t b = tensor_bytes(&tensors[i]);
        if (i == 0 || (cur > 0 && cur + b > max_shard_bytes)) n_shards++, cur = 0;
        shard_of[i] = n_shards - 1;
        cur += b;
    }
    int rc = 0;
    for (int s = 0; s < n_shards && rc == 0; s++) {
        int first = 0, count = 0;
        while (shard_of[first] != s) first++;
        while (first + count < n && shard_of[first + count] == s) count++;
        char fname[64];
        snprintf(fname, sizeof fname, "model-%05d-of-%05d.safetensors", s + 1, n_shards);
        char *p = path_join(dir, fname);
        rc = st_write(p, tensors + first, count, keys, values, 1);
        free(p);
    }
    if (rc == 0) rc = write_index(dir, tensors, n, shard_of, n_shards, total);
    free(shard_of);
    return rc;
}
