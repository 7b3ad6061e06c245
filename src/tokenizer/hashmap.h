/* Open-addressing hash maps used by the tokenizers: byte strings -> int and
 * 64-bit keys (token-id pairs) -> int. Keys of a StrMap are not copied: the
 * caller keeps them alive and unmoved for the map's lifetime (they point into
 * a vocabulary blob, the text being processed, or an arena owned alongside
 * the map -- never into a buffer freed or reallocated while the map lives). */
#ifndef DUSK_TOKENIZER_HASHMAP_H
#define DUSK_TOKENIZER_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *key; /* NULL marks an empty slot */
    uint32_t len;
    uint32_t hash;
    int value;
} StrMapSlot;

typedef struct {
    StrMapSlot *slots;
    size_t cap; /* power of two */
    size_t count;
} StrMap;

void strmap_init(StrMap *m, size_t expected);
void strmap_free(StrMap *m);
/* Pointer to the value stored for key, or NULL. */
int *strmap_get(const StrMap *m, const char *key, size_t len);
/* Pointer to the value for key, inserting `value` first when absent
 * (*inserted tells which). */
int *strmap_upsert(StrMap *m, const char *key, size_t len, int value, int *inserted);

uint64_t hash_bytes(const void *data, size_t len);

#define U64MAP_EMPTY UINT64_MAX

typedef struct {
    uint64_t *keys; /* U64MAP_EMPTY marks an empty slot */
    int *values;
    size_t cap;
    size_t count;
} U64Map;

void u64map_init(U64Map *m, size_t expected);
void u64map_free(U64Map *m);
int *u64map_get(const U64Map *m, uint64_t key);
int *u64map_upsert(U64Map *m, uint64_t key, int value, int *inserted);

static inline uint64_t pair_key(int left, int right) {
    return ((uint64_t)(uint32_t)left << 32) | (uint32_t)right;
}

#endif
