/* Strict JSON parsing (UTF-8 check, then cJSON, then nothing but whitespace)
 * and shortest exact number formatting (doubles and floats). */
#include "io/json_text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/fileio.h"

/* Length of the valid UTF-8 sequence starting at s (at most n bytes
 * available), or 0 if it is invalid. Ranges follow RFC 3629 table 3-7. */
static size_t utf8_sequence_length(const uint8_t *s, size_t n) {
    uint8_t c = s[0];
    if (c >= 0x01 && c < 0x80) return 1;
    size_t len;
    uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0) lo = 0xa0;        /* no overlong forms */
        else if (c == 0xed) hi = 0x9f;   /* no UTF-16 surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0) lo = 0x90;        /* no overlong forms */
        else if (c == 0xf4) hi = 0x8f;   /* nothing above U+10FFFF */
    } else {
        return 0; /* NUL, stray continuation byte, 0xc0/0xc1, 0xf5.. */
    }
    if (n < len || s[1] < lo || s[1] > hi) return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xbf) return 0;
    return len;
}

size_t utf8_invalid_offset(const char *text, size_t len) {
    const uint8_t *s = (const uint8_t *)text;
    size_t at = 0;
    while (at < len) {
        size_t k = utf8_sequence_length(s + at, len - at);
        if (k == 0) return at;
        at += k;
    }
    return len;
}

static int is_json_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

cJSON *json_parse_strict(const char *text, size_t len, const char *path, const char *what) {
    size_t bad = utf8_invalid_offset(text, len);
    if (bad < len) {
        dusk_error("%s: %s is not valid UTF-8 (byte %zu)", path, what, bad);
        return NULL;
    }
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!root) {
        size_t at = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
        dusk_error("%s: %s is not valid JSON (error near byte %zu)", path, what, at);
        return NULL;
    }
    size_t at = (size_t)(end - text);
    while (at < len && is_json_space(text[at])) at++;
    if (at < len) {
        cJSON_Delete(root);
        dusk_error("%s: %s has unexpected text after the JSON value (byte %zu)", path, what, at);
        return NULL;
    }
    return root;
}

void json_format_double(double v, char buf[32]) {
    if (!isfinite(v)) {
        snprintf(buf, 32, "null");
        return;
    }
    if (v == floor(v) && fabs(v) < 9007199254740992.0) { /* integers as integers, never 1.28e+05 */
        snprintf(buf, 32, "%.0f", v);
        return;
    }
    for (int prec = 1; prec <= 17; prec++) { /* shortest that round-trips */
        snprintf(buf, 32, "%.*g", prec, v);
        if (strtod(buf, NULL) == v) return;
    }
}

/* The decimal with p significant digits nearest v, moved by `step` units
 * in its last digit, as "<digits>e<exponent>". */
static void float_digits_candidate(float v, int p, int step, char *out, size_t cap) {
    char sci[48];
    snprintf(sci, sizeof sci, "%.*e", p - 1, (double)v); /* "-d.ddde+XX", correctly rounded */
    const char *s = sci;
    int negative = *s == '-';
    if (negative) s++;
    long long digits = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') digits = digits * 10 + (*s - '0');
    int exponent = atoi(s + 1) - (p - 1);
    snprintf(out, cap, "%s%llde%d", negative ? "-" : "", digits + step, exponent);
}

void json_format_float(float v, char buf[32]) {
    if (!isfinite(v)) {
        snprintf(buf, 32, "null");
        return;
    }
    if (v == floorf(v) && fabsf(v) < 16777216.0f) { /* integers (every one below 2^24 is a float) as integers */
        snprintf(buf, 32, "%.0f", (double)v);
        return;
    }
    /* The shortest p: the p-digit decimal nearest v usually reads back as v;
     * at a power of two the gap below v is half the gap above, so the nearest
     * one may fall outside while its neighbour above (or below) reads back. */
    static const int steps[] = {0, 1, -1};
    for (int p = 1; p <= 9; p++)
        for (int i = 0; i < 3; i++) {
            char cand[48];
            float_digits_candidate(v, p, steps[i], cand, sizeof cand);
            if (strtof(cand, NULL) != v) continue;
            snprintf(buf, 32, "%.*g", p, strtod(cand, NULL)); /* same digits, %g layout: 0.001, 1e-05 */
            return;
        }
    snprintf(buf, 32, "%.9g", (double)v); /* not reached: 9 digits always read back */
}

cJSON *json_create_float(float v) {
    char buf[32];
    json_format_float(v, buf);
    return cJSON_CreateNumber(isfinite(v) ? strtod(buf, NULL) : (double)v);
}

cJSON *json_add_float_to_object(cJSON *object, const char *key, float v) {
    cJSON *n = json_create_float(v);
    cJSON_AddItemToObject(object, key, n);
    return n;
}

/* Replace every number below item with a raw literal of its exact value. */
static void numbers_to_exact_raw(cJSON *item) {
    for (cJSON *c = item->child; c; c = c->next) {
        if (cJSON_IsNumber(c)) {
            char buf[32];
            json_format_double(c->valuedouble, buf);
            cJSON *raw = cJSON_CreateRaw(buf);
            raw->string = c->string; /* the key moves over; cJSON frees it with raw */
            c->string = NULL;
            cJSON_ReplaceItemViaPointer(item, c, raw);
            c = raw;
        } else {
            numbers_to_exact_raw(c);
        }
    }
}

char *json_print_exact(const cJSON *item, int formatted) {
    cJSON *copy = cJSON_Duplicate(item, 1);
    if (!copy) return NULL;
    numbers_to_exact_raw(copy);
    char *s = formatted ? cJSON_Print(copy) : cJSON_PrintUnformatted(copy);
    cJSON_Delete(copy);
    return s;
}

cJSON *json_read_file(const char *path, const char *what) {
    size_t len;
    char *text = read_file_all(path, &len);
    if (!text) return NULL;
    cJSON *root = json_parse_strict(text, len, path, what);
    free(text);
    return root;
}

int json_write_file(const cJSON *item, const char *path) {
    char *json = json_print_exact(item, 1);
    size_t len = strlen(json);
    json = xrealloc(json, len + 2);
    json[len] = '\n', json[len + 1] = '\0';
    int rc = write_file_atomic(path, json, len + 1);
    free(json);
    return rc;
}
