#include "model/config.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io/json_edit.h"
#include "io/json_text.h"
#include "util/err.h"
#include "util/fileio.h"

void config_defaults(ModelConfig *c) {
    memset(c, 0, sizeof *c);
    strcpy(c->model_type, "llama");
    c->vocab_size = 32000;
    c->hidden_size = 4096;
    c->intermediate_size = 11008;
    c->num_hidden_layers = 32;
    c->num_attention_heads = 32;
    c->num_key_value_heads = 0; /* = num_attention_heads unless given */
    c->head_dim = 0;            /* = hidden / heads unless given */
    c->max_position_embeddings = 2048;
    c->rms_norm_eps = 1e-6f;
    c->rope_theta = 10000.0f;
    c->initializer_range = 0.02f;
    c->bos_token_id = 1;
    c->n_eos = 1;
    c->eos_token_ids[0] = 2;
}

/* Read an optional integer field; errors if present but not an integer. */
static int get_int(const cJSON *root, const char *key, int *out, const char *path) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!it || cJSON_IsNull(it)) return 0;
    if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble) || fabs(it->valuedouble) > 2e9)
        return dusk_error("%s: field '%s' must be an integer", path, key);
    *out = (int)it->valuedouble;
    return 0;
}

static int get_float(const cJSON *root, const char *key, float *out, const char *path) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!it || cJSON_IsNull(it)) return 0;
    if (!cJSON_IsNumber(it)) return dusk_error("%s: field '%s' must be a number", path, key);
    *out = (float)it->valuedouble;
    return 0;
}

static int get_bool(const cJSON *root, const char *key, int *out, const char *path) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!it || cJSON_IsNull(it)) return 0;
    if (!cJSON_IsBool(it)) return dusk_error("%s: field '%s' must be true or false", path, key);
    *out = cJSON_IsTrue(it);
    return 0;
}

int config_parse_eos(ModelConfig *c, const cJSON *root, const char *path) {
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "eos_token_id");
    if (!it || cJSON_IsNull(it)) return 0;
    if (cJSON_IsNumber(it)) {
        c->n_eos = 1;
        c->eos_token_ids[0] = it->valueint;
        return 0;
    }
    if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) > CONFIG_MAX_EOS)
        return dusk_error("%s: field 'eos_token_id' must be an integer or a list of at most %d", path,
                          CONFIG_MAX_EOS);
    c->n_eos = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, it) {
        if (!cJSON_IsNumber(e)) return dusk_error("%s: field 'eos_token_id' has a non-integer entry", path);
        c->eos_token_ids[c->n_eos++] = e->valueint;
    }
    return 0;
}

static int parse_rope_scaling(ModelConfig *c, const cJSON *root, const char *path) {
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(root, "rope_scaling");
    if (!rs || cJSON_IsNull(rs)) return 0;
    if (!cJSON_IsObject(rs)) return dusk_error("%s: field 'rope_scaling' must be an object or null", path);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(rs, "rope_type");
    if (!type) type = cJSON_GetObjectItemCaseSensitive(rs, "type");
    if (!cJSON_IsString(type)) return dusk_error("%s: rope_scaling needs a string 'rope_type'", path);
    if (strcmp(type->valuestring, "default") == 0) return 0;
    if (strcmp(type->valuestring, "llama3") != 0)
        return dusk_error("%s: rope_scaling type '%s' is not supported (supported: llama3, default)", path,
                          type->valuestring);
    c->rope_llama3 = 1;
    c->rope_factor = 8.0f;
    c->rope_low_freq_factor = 1.0f;
    c->rope_high_freq_factor = 4.0f;
    c->rope_original_max_pos = 8192;
    if (get_float(rs, "factor", &c->rope_factor, path) || get_float(rs, "low_freq_factor", &c->rope_low_freq_factor, path) ||
        get_float(rs, "high_freq_factor", &c->rope_high_freq_factor, path) ||
        get_int(rs, "original_max_position_embeddings", &c->rope_original_max_pos, path))
        return dusk_error_prefix("rope_scaling");
    if (!(c->rope_factor > 0) || !(c->rope_high_freq_factor > c->rope_low_freq_factor) ||
        c->rope_original_max_pos <= 0)
        return dusk_error("%s: rope_scaling values out of range", path);
    return 0;
}

static int check_supported(const cJSON *root, const char *path) {
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "hidden_act");
    if (act && !(cJSON_IsString(act) && strcmp(act->valuestring, "silu") == 0))
        return dusk_error("%s: hidden_act must be \"silu\"", path);
    const cJSON *mlp_bias = cJSON_GetObjectItemCaseSensitive(root, "mlp_bias");
    if (cJSON_IsTrue(mlp_bias)) return dusk_error("%s: mlp_bias = true is not supported", path);
    const cJSON *sw = cJSON_GetObjectItemCaseSensitive(root, "use_sliding_window");
    if (cJSON_IsTrue(sw)) return dusk_error("%s: use_sliding_window = true is not supported", path);
    return 0;
}

int config_parse(ModelConfig *c, const char *json_text, const char *path) {
    config_defaults(c);
    cJSON *root = cJSON_Parse(json_text);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return dusk_error("%s: not a valid JSON object", path);
    }
    int rc = -1;
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, "model_type");
    if (mt) {
        if (!cJSON_IsString(mt) || (strcmp(mt->valuestring, "llama") && strcmp(mt->valuestring, "qwen2"))) {
            dusk_error("%s: model_type must be \"llama\" or \"qwen2\"", path);
            goto done;
        }
        snprintf(c->model_type, sizeof c->model_type, "%s", mt->valuestring);
    }
    int is_qwen2 = strcmp(c->model_type, "qwen2") == 0;
    if (is_qwen2) c->qkv_bias = 1; /* Qwen2 always has q/k/v bias and no o_proj bias */
    int attention_bias = 0;
    if (check_supported(root, path) || get_int(root, "vocab_size", &c->vocab_size, path) ||
        get_int(root, "hidden_size", &c->hidden_size, path) ||
        get_int(root, "intermediate_size", &c->intermediate_size, path) ||
        get_int(root, "num_hidden_layers", &c->num_hidden_layers, path) ||
        get_int(root, "num_attention_heads", &c->num_attention_heads, path) ||
        get_int(root, "num_key_value_heads", &c->num_key_value_heads, path) ||
        get_int(root, "head_dim", &c->head_dim, path) ||
        get_int(root, "max_position_embeddings", &c->max_position_embeddings, path) ||
        get_float(root, "rms_norm_eps", &c->rms_norm_eps, path) || get_float(root, "rope_theta", &c->rope_theta, path) ||
        get_float(root, "initializer_range", &c->initializer_range, path) ||
        get_bool(root, "tie_word_embeddings", &c->tie_word_embeddings, path) ||
        get_bool(root, "attention_bias", &attention_bias, path) || get_int(root, "bos_token_id", &c->bos_token_id, path) ||
        config_parse_eos(c, root, path) || parse_rope_scaling(c, root, path))
        goto done;
    if (attention_bias && !is_qwen2) c->qkv_bias = c->o_bias = 1;
    if (c->num_key_value_heads == 0) c->num_key_value_heads = c->num_attention_heads;
    if (c->head_dim == 0 && c->num_attention_heads > 0) c->head_dim = c->hidden_size / c->num_attention_heads;
    rc = config_validate(c, path);
    if (rc == 0) c->source_json = xstrdup(json_text);
done:
    cJSON_Delete(root);
    return rc;
}

int config_load(ModelConfig *c, const char *path) {
    char *text = read_file_all(path, NULL);
    if (!text) return -1;
    int rc = config_parse(c, text, path);
    free(text);
    return rc;
}

int config_validate(const ModelConfig *c, const char *what) {
    if (c->vocab_size <= 0 || c->hidden_size <= 0 || c->intermediate_size <= 0 || c->num_hidden_layers <= 0 ||
        c->num_attention_heads <= 0 || c->num_key_value_heads <= 0 || c->head_dim <= 0 ||
        c->max_position_embeddings <= 0)
        return dusk_error("%s: sizes must be positive", what);
    if (c->num_attention_heads % c->num_key_value_heads)
        return dusk_error("%s: num_attention_heads (%d) is not a multiple of num_key_value_heads (%d)", what,
                          c->num_attention_heads, c->num_key_value_heads);
    if (c->head_dim % 2) return dusk_error("%s: head_dim (%d) must be even for rotary embeddings", what, c->head_dim);
    if (!(c->rms_norm_eps > 0) || !(c->rope_theta > 0)) return dusk_error("%s: rms_norm_eps and rope_theta must be > 0", what);
    return config_check_size(c, what);
}

/* Sizes are ints, so every product is checked in 64 bits before any
 * allocation: a config must not wrap to a small model, nor ask for more
 * memory than the machine has. */
int config_check_size(const ModelConfig *c, const char *what) {
    long long q = (long long)c->num_attention_heads * c->head_dim, kv = (long long)c->num_key_value_heads * c->head_dim;
    if (q > INT_MAX || kv > INT_MAX)
        return dusk_error("%s: num_attention_heads x head_dim = %lld (key/value: %lld) exceeds %d", what, q, kv, INT_MAX);
    double H = c->hidden_size, I = c->intermediate_size, V = c->vocab_size;
    double per_layer = H * (double)q * 2 + H * (double)kv * 2 + 3 * H * I + 2 * H;
    double params = per_layer * c->num_hidden_layers + V * H * (c->tie_word_embeddings ? 1 : 2) + H;
    double bytes = params * sizeof(float);
    double ram = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE);
    if (!(bytes < ram))
        return dusk_error("%s: hidden_size %d, intermediate_size %d, vocab_size %d, %d layers, %d heads of %d: %.3g "
                          "parameters need %.3g GiB for the weights alone, more than the %.3g GiB of memory here",
                          what, c->hidden_size, c->intermediate_size, c->vocab_size, c->num_hidden_layers,
                          c->num_attention_heads, c->head_dim, params, bytes / (1 << 30), ram / (1 << 30));
    return 0;
}

void config_free(ModelConfig *c) {
    free(c->source_json);
    c->source_json = NULL;
}

/* *text with member key set to value_json (NULL stays NULL). */
static void set_member(char **text, const char *key, const char *value_json) {
    if (!*text) return;
    char *edited = json_object_text_set(*text, key, value_json, "config.json");
    free(*text);
    *text = edited;
}

/* source_json with the dtype members set to the stored dtype where they
 * differ; torch_dtype added if neither is there. */
static char *source_with_dtype(const ModelConfig *c, DType dtype) {
    const char *name = dtype_torch_name(dtype);
    char value[32];
    snprintf(value, sizeof value, "\"%s\"", name);
    cJSON *root = cJSON_Parse(c->source_json);
    char *text = xstrdup(c->source_json);
    static const char *const keys[] = {"torch_dtype", "dtype"}; /* transformers >= 4.56 writes "dtype" */
    int present = 0;
    for (int i = 0; i < 2; i++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, keys[i]);
        if (!it) continue;
        present = 1;
        if (!(cJSON_IsString(it) && strcmp(it->valuestring, name) == 0)) set_member(&text, keys[i], value);
    }
    if (!present) set_member(&text, "torch_dtype", value);
    cJSON_Delete(root);
    return text;
}

char *config_to_json(const ModelConfig *c, DType dtype) {
    if (c->source_json) return source_with_dtype(c, dtype);
    cJSON *r = cJSON_CreateObject();
    int is_qwen2 = strcmp(c->model_type, "qwen2") == 0;
    cJSON *arch = cJSON_AddArrayToObject(r, "architectures");
    cJSON_AddItemToArray(arch, cJSON_CreateString(is_qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM"));
    cJSON_AddStringToObject(r, "model_type", c->model_type);
    cJSON_AddNumberToObject(r, "vocab_size", c->vocab_size);
    cJSON_AddNumberToObject(r, "hidden_size", c->hidden_size);
    cJSON_AddNumberToObject(r, "intermediate_size", c->intermediate_size);
    cJSON_AddNumberToObject(r, "num_hidden_layers", c->num_hidden_layers);
    cJSON_AddNumberToObject(r, "num_attention_heads", c->num_attention_heads);
    cJSON_AddNumberToObject(r, "num_key_value_heads", c->num_key_value_heads);
    cJSON_AddNumberToObject(r, "head_dim", c->head_dim);
    cJSON_AddNumberToObject(r, "max_position_embeddings", c->max_position_embeddings);
    json_add_float_to_object(r, "rms_norm_eps", c->rms_norm_eps);
    json_add_float_to_object(r, "rope_theta", c->rope_theta);
    json_add_float_to_object(r, "initializer_range", c->initializer_range);
    cJSON_AddBoolToObject(r, "tie_word_embeddings", c->tie_word_embeddings);
    if (!is_qwen2) cJSON_AddBoolToObject(r, "attention_bias", c->o_bias);
    cJSON_AddBoolToObject(r, "mlp_bias", 0);
    cJSON_AddStringToObject(r, "hidden_act", "silu");
    if (c->rope_llama3) {
        cJSON *rs = cJSON_AddObjectToObject(r, "rope_scaling");
        cJSON_AddStringToObject(rs, "rope_type", "llama3");
        json_add_float_to_object(rs, "factor", c->rope_factor);
        json_add_float_to_object(rs, "low_freq_factor", c->rope_low_freq_factor);
        json_add_float_to_object(rs, "high_freq_factor", c->rope_high_freq_factor);
        cJSON_AddNumberToObject(rs, "original_max_position_embeddings", c->rope_original_max_pos);
    } else {
        cJSON_AddNullToObject(r, "rope_scaling");
    }
    if (c->bos_token_id >= 0) cJSON_AddNumberToObject(r, "bos_token_id", c->bos_token_id);
    if (c->n_eos == 1) cJSON_AddNumberToObject(r, "eos_token_id", c->eos_token_ids[0]);
    else if (c->n_eos > 1) {
        cJSON *e = cJSON_AddArrayToObject(r, "eos_token_id");
        for (int i = 0; i < c->n_eos; i++) cJSON_AddItemToArray(e, cJSON_CreateNumber(c->eos_token_ids[i]));
    }
    cJSON_AddStringToObject(r, "torch_dtype", dtype_torch_name(dtype));
    char *s = json_print_exact(r, 1);
    cJSON_Delete(r);
    return s;
}

void config_rope_inv_freq(const ModelConfig *c, float *inv_freq) {
    int half = c->head_dim / 2;
    for (int i = 0; i < half; i++) {
        float f = 1.0f / powf(c->rope_theta, (float)(2 * i) / (float)c->head_dim);
        if (c->rope_llama3) {
            /* Llama-3.1 frequency-dependent scaling: long wavelengths are
             * divided by factor, short ones kept, the band between blended. */
            float low_wavelen = (float)c->rope_original_max_pos / c->rope_low_freq_factor;
            float high_wavelen = (float)c->rope_original_max_pos / c->rope_high_freq_factor;
            float wavelen = 2.0f * (float)M_PI / f;
            if (wavelen > low_wavelen) {
                f = f / c->rope_factor;
            } else if (wavelen >= high_wavelen) {
                float smooth = ((float)c->rope_original_max_pos / wavelen - c->rope_low_freq_factor) /
                               (c->rope_high_freq_factor - c->rope_low_freq_factor);
                f = (1.0f - smooth) * f / c->rope_factor + smooth * f;
            }
        }
        inv_freq[i] = f;
    }
}

int config_is_eos(const ModelConfig *c, int token) {
    for (int i = 0; i < c->n_eos; i++)
        if (c->eos_token_ids[i] == token) return 1;
    return 0;
}
