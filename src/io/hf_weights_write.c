/* Writing HF checkpoint weights the way transformers' save_pretrained does:
 * one model.safetensors, or shards model-0000i-of-0000n.safetensors plus
 * model.safetensors.index.json when the weights exceed the shard size. */
#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/hf_weights.h"
#include "util/err.h"
#include "util/fileio.h"

static const char *const kFormatKey[] = {"format"}, *const kFormatValue[] = {"pt"};

static void shard_name(char *out, size_t cap, int shard, int n_shards) {
    snprintf(out, cap, "model-%05d-of-%05d.safetensors", shard + 1, n_shards);
}

static uint64_t stored_bytes(const StWriteTensor *t) {
    uint64_t n = dtype_size(t->dtype);
    for (int i = 0; i < t->ndim; i++) n *= (uint64_t)(t->shape[i] > 0 ? t->shape[i] : 0);
    return n;
}

/* huggingface_hub's split_state_dict_into_shards: tensors fill the open
 * shard in order; one that would tip it over max closes it; one larger than
 * max becomes a shard of its own at once, so a shard need not be a
 * contiguous run. Shards are numbered in the order they are closed. Fills
 * shard_of[i] and returns the number of shards. */
static int plan_shards(const StWriteTensor *ts, int n, uint64_t max_bytes, int *shard_of) {
    int *group_of = xmalloc(sizeof(int) * (size_t)n), *number = xmalloc(sizeof(int) * (size_t)n);
    int groups = 0, open = -1, n_shards = 0;
    uint64_t open_bytes = 0;
    for (int i = 0; i < n; i++) {
        uint64_t b = stored_bytes(&ts[i]);
        if (b > max_bytes) {
            group_of[i] = groups;
            number[groups++] = n_shards++;
            continue;
        }
        if (open >= 0 && open_bytes + b > max_bytes) {
            number[open] = n_shards++;
            open = -1;
        }
        if (open < 0) open = groups++, open_bytes = 0;
        group_of[i] = open;
        open_bytes += b;
    }
    if (open >= 0) number[open] = n_shards++;
    for (int i = 0; i < n; i++) shard_of[i] = number[group_of[i]];
    free(group_of);
    free(number);
    return n_shards;
}

static int cmp_tensor_ptr_name(const void *a, const void *b) {
    return strcmp((*(const StWriteTensor *const *)a)->name, (*(const StWriteTensor *const *)b)->name);
}

/* The index as save_pretrained writes it: total_size in metadata, then the
 * weight_map with names sorted (json.dumps(sort_keys=True)). */
static int write_index(const char *dir, const StWriteTensor *ts, int n, const int *shard_of, int n_shards) {
    uint64_t total = 0;
    const StWriteTensor **sorted = xmalloc(sizeof(StWriteTensor *) * (size_t)n);
    for (int i = 0; i < n; i++) sorted[i] = &ts[i], total += stored_bytes(&ts[i]);
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_tensor_ptr_name);
    cJSON *root = cJSON_CreateObject();
    char text[64];
    snprintf(text, sizeof text, "%llu", (unsigned long long)total);
    cJSON_AddRawToObject(cJSON_AddObjectToObject(root, "metadata"), "total_size", text);
    cJSON *map = cJSON_AddObjectToObject(root, "weight_map");
    for (int i = 0; i < n; i++) {
        shard_name(text, sizeof text, shard_of[sorted[i] - ts], n_shards);
        cJSON_AddStringToObject(map, sorted[i]->name, text);
    }
    free(sorted);
    char *json = cJSON_Print(root);
    cJSON_Delete(root);
    size_t len = strlen(json);
    json = xrealloc(json, len + 2);
    json[len] = '\n';
    char *p = path_join(dir, "model.safetensors.index.json");
    int rc = write_file_atomic(p, json, len + 1);
    free(p);
    free(json);
    return rc;
}

static int write_one_shard(const char *dir, const StWriteTensor *ts, int n, const int *shard_of, int shard,
                           int n_shards) {
    StWriteTensor *members = xmalloc(sizeof(StWriteTensor) * (size_t)n);
    int count = 0;
    for (int i = 0; i < n; i++)
        if (shard_of[i] == shard) members[count++] = ts[i];
    char name[64];
    shard_name(name, sizeof name, shard, n_shards);
    char *p = path_join(dir, name);
    int rc = st_write(p, members, count, kFormatKey, kFormatValue, 1);
    free(p);
    free(members);
    return rc;
}

/* "model-DDDDD-of-DDDDD.safetensors": a shard of some earlier save. */
static int is_shard_file_name(const char *s) {
    static const char pattern[] = "model-#####-of-#####.safetensors";
    if (strlen(s) != sizeof pattern - 1) return 0;
    for (size_t i = 0; pattern[i]; i++)
        if (pattern[i] == '#' ? (s[i] < '0' || s[i] > '9') : s[i] != pattern[i]) return 0;
    return 1;
}

/* Remove shards of earlier saves that the new weights do not use (as
 * save_pretrained does), so the directory never mixes two checkpoints.
 * keep_shards is how many shards the new save wrote (0 for one file). */
static void remove_stale_shards(const char *dir, int keep_shards) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!is_shard_file_name(e->d_name)) continue;
        int shard = atoi(e->d_name + 6), of = atoi(e->d_name + 15);
        if (of == keep_shards && shard >= 1 && shard <= keep_shards) continue;
        char *p = path_join(dir, e->d_name);
        unlink(p);
        free(p);
    }
    closedir(d);
}

static int write_sharded(const char *dir, const StWriteTensor *ts, int n, const int *shard_of, int n_shards) {
    for (int s = 0; s < n_shards; s++)
        if (write_one_shard(dir, ts, n, shard_of, s, n_shards) != 0) return -1;
    if (write_index(dir, ts, n, shard_of, n_shards) != 0) return -1;
    /* Only now that the index is complete: loaders prefer model.safetensors. */
    char *single = path_join(dir, "model.safetensors");
    unlink(single);
    free(single);
    remove_stale_shards(dir, n_shards);
    return 0;
}

static int write_single(const char *dir, const StWriteTensor *ts, int n) {
    char *single = path_join(dir, "model.safetensors");
    int rc = st_write(single, ts, n, kFormatKey, kFormatValue, 1);
    free(single);
    if (rc != 0) return -1;
    char *index = path_join(dir, "model.safetensors.index.json");
    unlink(index); /* a stale index would describe other weights */
    free(index);
    remove_stale_shards(dir, 0);
    return 0;
}

/* st_write checks names within one file; shards need the check overall. */
static int check_unique_names(const char *dir, const StWriteTensor *ts, int n) {
    const StWriteTensor **sorted = xmalloc(sizeof(StWriteTensor *) * (size_t)(n ? n : 1));
    for (int i = 0; i < n; i++) {
        if (!ts[i].name) {
            free(sorted);
            return dusk_error("%s: tensor %d has no name", dir, i);
        }
        sorted[i] = &ts[i];
    }
    qsort(sorted, (size_t)n, sizeof *sorted, cmp_tensor_ptr_name);
    int rc = 0;
    for (int i = 1; i < n && rc == 0; i++)
        if (strcmp(sorted[i]->name, sorted[i - 1]->name) == 0)
            rc = dusk_error("%s: refusing to write duplicate tensor name '%s'", dir, sorted[i]->name);
    free(sorted);
    return rc;
}

int hfw_write(const char *dir, const StWriteTensor *tensors, int n, uint64_t max_shard_bytes) {
    if (n < 0) return dusk_error("%s: negative tensor count", dir);
    if (check_unique_names(dir, tensors, n) != 0) return -1;
    if (make_dirs(dir) != 0) return -1;
    uint64_t total = 0;
    for (int i = 0; i < n; i++) total += stored_bytes(&tensors[i]);
    if (max_shard_bytes == 0 || total <= max_shard_bytes) return write_single(dir, tensors, n);
    int *shard_of = xmalloc(sizeof(int) * (size_t)n);
    int n_shards = plan_shards(tensors, n, max_shard_bytes, shard_of);
    int rc = n_shards == 1 ? write_single(dir, tensors, n) : write_sharded(dir, tensors, n, shard_of, n_shards);
    free(shard_of);
    return rc;
}
