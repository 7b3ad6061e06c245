#include "tokenizer/hf_fields.h"

#include <math.h>

#include "util/err.h"

const cJSON *field_get(const cJSON *obj, const char *key) {
    const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    return cJSON_IsNull(v) ? NULL : v;
}

static const char *sep(const char *path) { return *path ? "." : ""; }

const cJSON *field_object(const cJSON *obj, const char *path, const char *key) {
    const cJSON *v = field_get(obj, key);
    if (!v) return dusk_error("%s%s%s: missing", path, sep(path), key), NULL;
    if (!cJSON_IsObject(v)) return dusk_error("%s%s%s: expected an object", path, sep(path), key), NULL;
    return v;
}

const cJSON *field_array(const cJSON *obj, const char *path, const char *key) {
    const cJSON *v = field_get(obj, key);
    if (!v) return dusk_error("%s%s%s: missing", path, sep(path), key), NULL;
    if (!cJSON_IsArray(v)) return dusk_error("%s%s%s: expected an array", path, sep(path), key), NULL;
    return v;
}

const char *field_string(const cJSON *obj, const char *path, const char *key) {
    const cJSON *v = field_get(obj, key);
    if (!v) return dusk_error("%s%s%s: missing", path, sep(path), key), NULL;
    if (!cJSON_IsString(v)) return dusk_error("%s%s%s: expected a string", path, sep(path), key), NULL;
    return v->valuestring;
}

int field_bool(const cJSON *obj, const char *path, const char *key, int def, int *out) {
    const cJSON *v = field_get(obj, key);
    *out = def;
    if (!v) return 0;
    if (!cJSON_IsBool(v)) return dusk_error("%s%s%s: expected true or false", path, sep(path), key);
    *out = cJSON_IsTrue(v);
    return 0;
}

int field_opt_string(const cJSON *obj, const char *path, const char *key, const char **out) {
    const cJSON *v = field_get(obj, key);
    *out = NULL;
    if (!v) return 0;
    if (!cJSON_IsString(v)) return dusk_error("%s%s%s: expected a string", path, sep(path), key);
    *out = v->valuestring;
    return 0;
}

int item_int(const cJSON *item, const char *path, long lo, long hi, long *out) {
    if (!cJSON_IsNumber(item)) return dusk_error("%s: expected an integer", path);
    double d = item->valuedouble;
    if (!(d >= (double)lo && d <= (double)hi) || floor(d) != d)
        return dusk_error("%s: expected an integer from %ld to %ld, got %.17g", path, lo, hi, d);
    *out = (long)d;
    return 0;
}
