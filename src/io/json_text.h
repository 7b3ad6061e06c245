/* Strict JSON parsing of file contents (safetensors headers, HF indexes),
 * and numbers written in their shortest exact decimal form.
 *
 * cJSON alone accepts invalid UTF-8 and silently ignores anything after the
 * first value, so a corrupted header could parse "successfully". */
#ifndef DUSK_JSON_TEXT_H
#define DUSK_JSON_TEXT_H

#include <cjson/cJSON.h>
#include <stddef.h>

/* Offset of the first byte that breaks UTF-8 (overlong forms, surrogates,
 * code points above U+10FFFF and NUL bytes included), or len if none. */
size_t utf8_invalid_offset(const char *text, size_t len);

/* Parse len bytes as exactly one JSON value followed only by whitespace.
 * On failure returns NULL with an error "<path>: <what> ..." naming the
 * byte offset of the problem. */
cJSON *json_parse_strict(const char *text, size_t len, const char *path, const char *what);

/* v as JSON in the shortest form that reads back as the same double
 * (integers without exponent), or null if it is not finite. */
void json_format_double(double v, char buf[32]);

/* v (a C float) as JSON in the shortest decimal that reads back (strtof)
 * as the same float: 1e-3f -> 0.001, not 0.0010000000474974513; integers
 * below 2^24 without exponent; null if not finite. */
void json_format_float(float v, char buf[32]);

/* cJSON has no float type. A float-typed value goes into a tree as the
 * number whose double is its shortest float decimal read as a double
 * (strtod("0.001")), so cJSON_Print and json_print_exact both write the
 * decimal the user gave. Use these for values held in C floats
 * (hyperparameters, config fields); values computed in double keep
 * cJSON_CreateNumber. */
cJSON *json_create_float(float v);
cJSON *json_add_float_to_object(cJSON *object, const char *key, float v);

/* Print like cJSON_Print / cJSON_PrintUnformatted, but every number in the
 * shortest form that reads back as the same double (cJSON itself may print
 * 15 digits that differ in the last bit) and non-finite numbers as null.
 * Results written to files and read back later (e.g. AUROC tables) must
 * compare exactly. malloc'd. */
char *json_print_exact(const cJSON *item, int formatted);
/* The file at path parsed with json_parse_strict (what names it in
 * messages). NULL with a message naming the file when it cannot be read or
 * parsed. */
cJSON *json_read_file(const char *path, const char *what);
/* item printed formatted (json_print_exact) with a final newline, written
 * atomically to path. 0, or -1 with a message naming path. */
int json_write_file(const cJSON *item, const char *path);

#endif
