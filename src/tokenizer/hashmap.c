#include "tokenizer/hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static const char kEmptyKey[1] = "";

/* 64-bit multiply-mix over 8-byte words: fast on short tokens, and good
 * enough spread for linear probing. */
uint64_t hash_bytes(const void *data, size_t len) {
    const unsigned char *p = data;
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (len * 0xFF51AFD7ED558CCDull);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
        h ^= h >> 29;
        p += 8, len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, len);
    h = (h ^ w) * 0xC4CEB9FE1A85EC53ull;
    h ^= h >> 32;
    return h;
}

static size_t capacity_for(size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2) cap *= 2; /* load factor stays under 1/2 */
    return cap;
}

void strmap_init(StrMap *m, size_t expected) {
    m->cap = capacity_for(expected);
    m->count = 0;
    m->slots = xcalloc(m->cap, sizeof *m->slots);
}

void strmap_free(StrMap *m) {
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}

static StrMapSlot *strmap_find(const StrMap *m, const char *key, size_t len, uint32_t h) {
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        StrMapSlot *s = &m->slots[i];
        if (!s->key) return s;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) return s;
    }
}

int *strmap_get(const StrMap *m, const char *key, size_t len) {
    if (!m->cap) return NULL;
    StrMapSlot *s = strmap_find(m, key, len, (uint32_t)hash_bytes(key, len));
    return s->key ? &s->value : NULL;
}

static void strmap_grow(StrMap *m) {
    StrMap bigger;
    bigger.cap = m->cap * 2;
    bigger.count = m->count;
    bigger.slots = xcalloc(bigger.cap, sizeof *bigger.slots);
    for (size_t i = 0; i < m->cap; i++) {
        const StrMapSlot *s = &m->slots[i];
        if (s->key) *strmap_find(&bigger, s->key, s->len, s->hash) = *s;
    }
    free(m->slots);
    *m = bigger;
}

int *strmap_upsert(StrMap *m, const char *key, size_t len, int value, int *inserted) {
    if (!m->cap) strmap_init(m, 8);
    if ((m->count + 1) * 2 > m->cap) strmap_grow(m);
    uint32_t h = (uint32_t)hash_bytes(key, len);
    StrMapSlot *s = strmap_find(m, key, len, h);
    *inserted = !s->key;
    if (!s->key) {
        s->key = len ? key : kEmptyKey;
        s->len = (uint32_t)len;
        s->hash = h;
        s->value = value;
        m->count++;
    }
    return &s->value;
}

static uint64_t mix64(uint64_t k) {
    k ^= k >> 33;
    k *= 0xFF51AFD7ED558CCDull;
    k ^= k >> 33;
    return k;
}

void u64map_init(U64Map *m, size_t expected) {
    m->cap = capacity_for(expected);
    m->count = 0;
    m->keys = xmalloc(m->cap * sizeof *m->keys);
    memset(m->keys, 0xFF, m->cap * sizeof *m->keys);
    m->values = xmalloc(m->cap * sizeof *m->values);
}

void u64map_free(U64Map *m) {
    free(m->keys);
    free(m->values);
    m->keys = NULL;
    m->values = NULL;
    m->cap = m->count = 0;
}

static size_t u64map_slot(const U64Map *m, uint64_t key) {
    size_t mask = m->cap - 1;
    size_t i = mix64(key) & mask;
    while (m->keys[i] != U64MAP_EMPTY && m->keys[i] != key) i = (i + 1) & mask;
    return i;
}

int *u64map_get(const U64Map *m, uint64_t key) {
    if (!m->cap) return NULL;
    size_t i = u64map_slot(m, key);
    return m->keys[i] == key ? &m->values[i] : NULL;
}

static void u64map_grow(U64Map *m) {
    U64Map bigger;
    u64map_init(&bigger, m->cap); /* capacity_for doubles it */
    for (size_t i = 0; i < m->cap; i++) {
        if (m->keys[i] == U64MAP_EMPTY) continue;
        size_t j = u64map_slot(&bigger, m->keys[i]);
        bigger.keys[j] = m->keys[i];
        bigger.values[j] = m->values[i];
    }
    bigger.count = m->count;
    u64map_free(m);
    *m = bigger;
}

int *u64map_upsert(U64Map *m, uint64_t key, int value, int *inserted) {
    if (!m->cap) u64map_init(m, 8);
    if ((m->count + 1) * 2 > m->cap) u64map_grow(m);
    size_t i = u64map_slot(m, key);
    *inserted = m->keys[i] != key;
    if (*inserted) {
        m->keys[i] = key;
        m->values[i] = value;
        m->count++;
    }
    return &m->values[i];
}
