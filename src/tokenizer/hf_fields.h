/* Typed access to tokenizer.json fields. Every failure records an error
 * naming the field by its path, e.g. "model.merges[12]: expected a string". */
#ifndef DUSK_TOKENIZER_HF_FIELDS_H
#define DUSK_TOKENIZER_HF_FIELDS_H

#include <cjson/cJSON.h>

/* item = obj[key]; missing or JSON null gives NULL (no error). */
const cJSON *field_get(const cJSON *obj, const char *key);

/* A required object/array/string member; NULL with an error when missing or
 * of another type. path names obj (e.g. "model"). */
const cJSON *field_object(const cJSON *obj, const char *path, const char *key);
const cJSON *field_array(const cJSON *obj, const char *path, const char *key);
const char *field_string(const cJSON *obj, const char *path, const char *key);

/* Optional members: *out keeps def when missing or null. 0 or -1. */
int field_bool(const cJSON *obj, const char *path, const char *key, int def, int *out);
int field_opt_string(const cJSON *obj, const char *path, const char *key, const char **out);

/* An integer in [lo, hi] (JSON numbers are doubles: must be integral). */
int item_int(const cJSON *item, const char *path, long lo, long hi, long *out);

#endif
