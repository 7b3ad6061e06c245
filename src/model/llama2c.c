/* Import of llama2.c checkpoints (the legacy format: a 7-int header, then
 * fp32 weights grouped by kind across layers). llama2.c rotates interleaved
 * pairs (2i, 2i+1); we use HF's rotate_half pairs (i, i+hd/2), so q and k
 * rows are permuted within each head on import — the same permutation HF's
 * conversion script applies to Meta checkpoints. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/checkpoint.h"
#include "util/err.h"
#include "util/fileio.h"

typedef struct {
    int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
} Llama2cHeader;

/* Copy rows of one [n_heads*hd, cols] matrix from interleaved to half layout. */
static void permute_rotary_rows(float *dst, const float *src, int n_heads, int hd, int cols) {
    for (int h = 0; h < n_heads; h++)
        for (int i = 0; i < hd / 2; i++) {
            const float *even = src + ((size_t)h * hd + 2 * i) * cols;
            const float *odd = even + cols;
            memcpy(dst + ((size_t)h * hd + i) * cols, even, sizeof(float) * cols);
            memcpy(dst + ((size_t)h * hd + i + hd / 2) * cols, odd, sizeof(float) * cols);
        }
}

static int header_to_config(const Llama2cHeader *h, ModelConfig *c, const char *path) {
    if (h->dim <= 0 || h->hidden_dim <= 0 || h->n_layers <= 0 || h->n_heads <= 0 || h->n_kv_heads <= 0 ||
        h->vocab_size == 0 || h->seq_len <= 0 || h->dim % h->n_heads || h->n_heads % h->n_kv_heads ||
        h->dim > (1 << 16) || h->hidden_dim > (1 << 18) || h->n_layers > 1024 || abs(h->vocab_size) > (1 << 22) ||
        h->seq_len > (1 << 20))
        return dusk_error("%s: invalid llama2.c header (dim %d, hidden %d, layers %d, heads %d, kv heads %d, vocab %d, "
                          "seq_len %d)", path, h->dim, h->hidden_dim, h->n_layers, h->n_heads, h->n_kv_heads,
                          h->vocab_size, h->seq_len);
    config_defaults(c);
    c->vocab_size = abs(h->vocab_size);
    c->hidden_size = h->dim;
    c->intermediate_size = h->hidden_dim;
    c->num_hidden_layers = h->n_layers;
    c->num_attention_heads = h->n_heads;
    c->num_key_value_heads = h->n_kv_heads;
    c->head_dim = h->dim / h->n_heads;
    c->max_position_embeddings = h->seq_len;
    c->rms_norm_eps = 1e-5f; /* llama2.c's constant */
    c->tie_word_embeddings = h->vocab_size > 0;
    c->bos_token_id = 1;
    /* run.c ends a sample when the model emits BOS (1); EOS (2) as HF. */
    c->n_eos = 2;
    c->eos_token_ids[0] = 2;
    c->eos_token_ids[1] = 1;
    return config_validate(c, path);
}

int model_load_llama2c(Model *m, const char *path) {
    size_t size;
    char *buf = read_file_all(path, &size);
    if (!buf) return -1;
    Llama2cHeader h;
    if (size < sizeof h) {
        free(buf);
        return dusk_error("%s: truncated llama2.c file (%zu bytes, header needs %zu)", path, size, sizeof h);
    }
    memcpy(&h, buf, sizeof h);
    ModelConfig cfg;
    if (header_to_config(&h, &cfg, path) != 0 || model_create(m, &cfg) != 0) {
        free(buf);
        return -1;
    }
    size_t d = cfg.hidden_size, L = cfg.num_hidden_layers, ff = cfg.intermediate_size, V = cfg.vocab_size;
    size_t hd = cfg.head_dim, kvd = (size_t)cfg.num_key_value_heads * hd, S = cfg.max_position_embeddings;
    size_t expect = V * d + L * (d + d * d + 2 * kvd * d + d * d + d + 3 * ff * d) + d + S * hd;
    if (!cfg.tie_word_embeddings) expect += V * d;
    if (size != sizeof h + expect * sizeof(float)) {
        model_free(m);
        free(buf);
        return dusk_error("%s: file is %zu bytes but its header implies %zu (%d layers, dim %zu, vocab %zu)", path,
                          size, sizeof h + expect * sizeof(float), (int)L, d, V);
    }
    const float *src = (const float *)(buf + sizeof h);
    /* Filled in a host copy laid out as m->params, then uploaded. */
    float *host = xcalloc(m->n_params, sizeof(float));
#define HOST(p) (host + ((p) - m->params))
    memcpy(HOST(m->embed), src, V * d * sizeof(float));
    src += V * d;
    for (size_t l = 0; l < L; l++, src += d) memcpy(HOST(m->layers[l].input_norm), src, d * sizeof(float));
    for (size_t l = 0; l < L; l++, src += d * d) permute_rotary_rows(HOST(m->layers[l].q), src, cfg.num_attention_heads, (int)hd, (int)d);
    for (size_t l = 0; l < L; l++, src += kvd * d) permute_rotary_rows(HOST(m->layers[l].k), src, cfg.num_key_value_heads, (int)hd, (int)d);
    for (size_t l = 0; l < L; l++, src += kvd * d) memcpy(HOST(m->layers[l].v), src, kvd * d * sizeof(float));
    for (size_t l = 0; l < L; l++, src += d * d) memcpy(HOST(m->layers[l].o), src, d * d * sizeof(float));
    for (size_t l = 0; l < L; l++, src += d) memcpy(HOST(m->layers[l].post_norm), src, d * sizeof(float));
    for (size_t l = 0; l < L; l++, src += ff * d) memcpy(HOST(m->layers[l].gate), src, ff * d * sizeof(float)); /* w1 */
    for (size_t l = 0; l < L; l++, src += d * ff) memcpy(HOST(m->layers[l].down), src, d * ff * sizeof(float)); /* w2 */
    for (size_t l = 0; l < L; l++, src += ff * d) memcpy(HOST(m->layers[l].up), src, ff * d * sizeof(float));   /* w3 */
    memcpy(HOST(m->final_norm), src, d * sizeof(float));
    src += d + S * hd; /* skip the legacy freq_cis_real/imag tables */
    if (!cfg.tie_word_embeddings) memcpy(HOST(m->lm_head), src, V * d * sizeof(float));
#undef HOST
    model_params_from_host(m, host);
    free(host);
    free(buf);
    return 0;
}
