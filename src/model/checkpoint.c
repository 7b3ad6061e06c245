#include "model/checkpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/hf_weights.h"
#include "util/err.h"
#include "util/fileio.h"

static int load_by_kind(Model *m, const char *path) {
    if (is_directory(path)) return model_load_hf(m, path);
    size_t n = strlen(path);
    if (n > 4 && strcmp(path + n - 4, ".bin") == 0) return model_load_llama2c(m, path);
    return dusk_error("%s: not a model (expected an HF checkpoint directory or a llama2.c .bin file)", path);
}

int model_load(Model *m, const char *path) {
    if (load_by_kind(m, path) != 0) return -1;
    const char *bad = model_nonfinite_tensor(m);
    if (!bad) return 0;
    dusk_error("%s: tensor '%s' holds a NaN or infinite value", path, bad);
    model_free(m);
    return -1;
}

/* Names that may appear in HF files but are not parameters we keep. */
static int ignorable(const Model *m, const char *name) {
    if (strstr(name, "rotary_emb.inv_freq")) return 1;
    return m->cfg.tie_word_embeddings && strcmp(name, "lm_head.weight") == 0;
}

static int copy_tensor(Model *m, const ParamInfo *p, const StFile *f, const StTensor *t) {
    int64_t rows = p->shape[0], cols = p->ndim == 2 ? p->shape[1] : 0;
    int ok = t->ndim == p->ndim && t->shape[0] == rows && (p->ndim == 1 || t->shape[1] == cols);
    if (!ok) {
        char got[128] = "", *g = got;
        for (int i = 0; i < t->ndim && g < got + sizeof got - 24; i++)
            g += snprintf(g, 24, i ? ", %lld" : "%lld", (long long)t->shape[i]);
        return dusk_error("%s: tensor '%s' has shape [%s], config.json implies [%lld%s%lld]", f->path, p->name, got,
                          (long long)rows, p->ndim == 2 ? ", " : "", p->ndim == 2 ? (long long)cols : 0LL);
    }
    float *host = xmalloc(sizeof(float) * (p->numel ? p->numel : 1));
    st_read_f32(f, t, host); /* checkpoints stream through the host */
    ops_upload(m->params + p->offset, host, sizeof(float) * p->numel);
    free(host);
    return 0;
}

int model_load_hf(Model *m, const char *dir) {
    char *cfg_path = path_join(dir, "config.json");
    ModelConfig cfg;
    int rc = config_load(&cfg, cfg_path);
    free(cfg_path);
    if (rc) return -1;
    HfWeights w;
    if (hfw_open(&w, dir) != 0) {
        config_free(&cfg);
        return -1;
    }
    rc = model_create(m, &cfg);
    config_free(&cfg);
    if (rc != 0) {
        hfw_close(&w);
        return -1;
    }
    rc = 0;
    for (int i = 0; i < m->n_tensors && rc == 0; i++) {
        const StFile *f;
        const StTensor *t = hfw_find(&w, m->tensors[i].name, &f);
        if (!t) rc = dusk_error("%s: tensor '%s' is missing from the checkpoint", dir, m->tensors[i].name);
        else rc = copy_tensor(m, &m->tensors[i], f, t);
    }
    /* Unknown tensors mean config.json and the weights disagree. */
    for (int fi = 0; fi < w.n_files && rc == 0; fi++)
        for (int ti = 0; ti < w.files[fi].n_tensors && rc == 0; ti++) {
            const char *name = w.files[fi].tensors[ti].name;
            if (!model_find_tensor(m, name) && !ignorable(m, name))
                rc = dusk_error("%s: unexpected tensor '%s' (not part of the model config.json describes)",
                                w.files[fi].path, name);
        }
    hfw_close(&w);
    if (rc) model_free(m);
    return rc;
}

int model_save(const Model *m, const char *dir, DType dtype, unsigned long long max_shard_bytes) {
    if (make_dirs(dir) != 0) return -1;
    char *json = config_to_json(&m->cfg, dtype);
    if (!json) return -1;
    char *cfg_path = path_join(dir, "config.json");
    size_t len = strlen(json);
    if (len == 0 || json[len - 1] != '\n') { /* a loaded config.json keeps its own ending */
        json = xrealloc(json, len + 2);
        json[len++] = '\n';
    }
    int rc = write_file_atomic(cfg_path, json, len);
    free(cfg_path);
    free(json);
    if (rc) return -1;
    float *host = model_params_to_host(m);
    StWriteTensor *ts = xcalloc((size_t)m->n_tensors, sizeof *ts);
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamInfo *p = &m->tensors[i];
        ts[i].name = p->name;
        ts[i].dtype = dtype;
        ts[i].ndim = p->ndim;
        ts[i].shape[0] = p->shape[0];
        ts[i].shape[1] = p->shape[1];
        ts[i].data = host + p->offset;
    }
    rc = hfw_write(dir, ts, m->n_tensors, max_shard_bytes);
    free(ts);
    free(host);
    return rc;
}

int model_save_grads(const Model *m, const char *path, const char *extra_name, const float *extra, int extra_len) {
    StWriteTensor *ts = xcalloc((size_t)m->n_tensors + 1, sizeof *ts);
    float *host = xmalloc(sizeof(float) * m->n_params);
    ops_download(host, m->grads, sizeof(float) * m->n_params);
    int n = 0;
    for (int i = 0; i < m->n_tensors; i++) {
        const ParamInfo *p = &m->tensors[i];
        if (!p->trainable) continue;
        ts[n] = (StWriteTensor){.name = p->name, .dtype = DTYPE_F32, .ndim = p->ndim, .data = host + p->offset};
        ts[n].shape[0] = p->shape[0];
        ts[n].shape[1] = p->shape[1];
        n++;
    }
    if (extra_name) {
        ts[n] = (StWriteTensor){.name = extra_name, .dtype = DTYPE_F32, .ndim = 1, .data = extra};
        ts[n].shape[0] = extra_len;
        n++;
    }
    int rc = st_write(path, ts, n, NULL, NULL, 0);
    free(ts);
    free(host);
    return rc;
}
