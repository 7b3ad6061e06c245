/* Opening HF checkpoint weights: model.safetensors, or the shards listed by
 * model.safetensors.index.json, cross-checked against that index. Writing
 * lives in hf_weights_write.c. */
#include "io/hf_weights.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/json_text.h"
#include "util/err.h"
#include "util/fileio.h"

static int file_exists(const char *path) { return access(path, F_OK) == 0; }

/* Shard files must sit beside the index: no paths, no "." or "..". */
static int is_plain_file_name(const char *s) {
    return s[0] && !strchr(s, '/') && strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static int cmp_str_ptr(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* cJSON keeps duplicate object keys; a tensor listed twice is ambiguous. */
static int check_map_entries(const cJSON *map, const char *index_path) {
    int n = cJSON_GetArraySize(map), i = 0, rc = 0;
    if (n == 0) return dusk_error("%s: weight_map is empty", index_path);
    const char **names = xmalloc(sizeof(char *) * (size_t)n);
    const cJSON *e;
    cJSON_ArrayForEach(e, map) {
        if (!cJSON_IsString(e) || !is_plain_file_name(e->valuestring)) {
            free(names);
            return dusk_error("%s: weight_map entry for tensor '%s' must be the file name of a shard beside the index",
                              index_path, e->string);
        }
        names[i++] = e->string;
    }
    qsort(names, (size_t)n, sizeof *names, cmp_str_ptr);
    for (i = 1; i < n && rc == 0; i++)
        if (strcmp(names[i], names[i - 1]) == 0)
            rc = dusk_error("%s: tensor '%s' is listed twice in weight_map", index_path, names[i]);
    free(names);
    return rc;
}

/* Position of shard `name` among the first n opened shards, or -1. */
static int shard_index(char *const *shard_names, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(shard_names[i], name) == 0) return i;
    return -1;
}

/* Open each distinct shard once, in order of first mention. */
static int open_shards(HfWeights *w, const char *dir, const char *index_path, const cJSON *map, char ***names_out) {
    int cap = cJSON_GetArraySize(map);
    char **names = xcalloc((size_t)cap, sizeof(char *));
    w->files = xcalloc((size_t)cap, sizeof(StFile));
    *names_out = names;
    const cJSON *e;
    cJSON_ArrayForEach(e, map) {
        if (shard_index(names, w->n_files, e->valuestring) >= 0) continue;
        char *p = path_join(dir, e->valuestring);
        int rc = st_open(&w->files[w->n_files], p);
        free(p);
        if (rc != 0)
            return dusk_error_prefix("%s: shard '%s' (listed for tensor '%s')", index_path, e->valuestring, e->string);
        names[w->n_files++] = xstrdup(e->valuestring);
    }
    return 0;
}

/* The index and the shards must agree exactly: each listed tensor is in the
 * shard named for it, and every tensor of every shard is listed there (which
 * also rules out a tensor present in two shards). */
static int check_index(const HfWeights *w, char *const *shard_names, const char *index_path, const cJSON *map) {
    const cJSON *e;
    cJSON_ArrayForEach(e, map) {
        const StFile *f = &w->files[shard_index(shard_names, w->n_files, e->valuestring)];
        if (!st_find(f, e->string))
            return dusk_error("%s: tensor '%s' is listed in shard %s but missing from %s", index_path, e->string,
                              e->valuestring, f->path);
    }
    for (int i = 0; i < w->n_files; i++)
        for (int t = 0; t < w->files[i].n_tensors; t++) {
            const char *name = w->files[i].tensors[t].name;
            const cJSON *owner = cJSON_GetObjectItemCaseSensitive(map, name);
            if (!owner)
                return dusk_error("%s: tensor '%s' in %s is not listed in the index", index_path, name,
                                  w->files[i].path);
            if (strcmp(owner->valuestring, shard_names[i]) != 0)
                return dusk_error("%s: tensor '%s' appears in both %s and %s", index_path, name, owner->valuestring,
                                  w->files[i].path);
        }
    return 0;
}

static int check_index_root(const cJSON *root, const char *index_path) {
    if (!cJSON_IsObject(root)) return dusk_error("%s: index is not a JSON object", index_path);
    const cJSON *meta = cJSON_GetObjectItemCaseSensitive(root, "metadata");
    if (meta && !cJSON_IsObject(meta) && !cJSON_IsNull(meta))
        return dusk_error("%s: 'metadata' is not an object", index_path);
    if (!cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(root, "weight_map")))
        return dusk_error("%s: missing object 'weight_map'", index_path);
    return 0;
}

static int open_sharded(HfWeights *w, const char *dir, const char *index_path) {
    cJSON *root = json_read_file(index_path, "index");
    if (!root) return -1;
    int rc = check_index_root(root, index_path);
    const cJSON *map = cJSON_GetObjectItemCaseSensitive(root, "weight_map");
    if (rc == 0) rc = check_map_entries(map, index_path);
    char **shard_names = NULL;
    if (rc == 0) rc = open_shards(w, dir, index_path, map, &shard_names);
    if (rc == 0) rc = check_index(w, shard_names, index_path, map);
    for (int i = 0; shard_names && i < w->n_files; i++) free(shard_names[i]);
    free(shard_names);
    cJSON_Delete(root);
    return rc;
}

int hfw_open(HfWeights *w, const char *dir) {
    memset(w, 0, sizeof *w);
    char *single = path_join(dir, "model.safetensors"), *index = path_join(dir, "model.safetensors.index.json");
    int rc;
    if (file_exists(single)) { /* preferred when both exist, as transformers does */
        w->files = xcalloc(1, sizeof(StFile));
        rc = st_open(&w->files[0], single);
        if (rc == 0) w->n_files = 1;
    } else if (file_exists(index)) {
        rc = open_sharded(w, dir, index);
    } else if (!is_directory(dir)) {
        rc = dusk_error("%s: not a checkpoint directory", dir);
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
