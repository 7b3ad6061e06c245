#include "util/arena.h"

#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* Small copies share 64 KiB blocks; a larger one gets a block of its own. */
enum { kArenaBlockBytes = 64 * 1024 };

struct ArenaBlock {
    ArenaBlock *next;
    size_t used, cap;
    char data[];
};

static ArenaBlock *block_new(size_t cap, ArenaBlock *next) {
    ArenaBlock *b = xmalloc(sizeof *b + cap);
    b->next = next;
    b->used = 0;
    b->cap = cap;
    return b;
}

char *arena_alloc(Arena *a, size_t n) {
    ArenaBlock *b = a->head;
    if (n > kArenaBlockBytes / 4) {
        /* a big copy gets a block of its own, linked behind the head so the
         * head's free space stays in use for the small ones */
        b = block_new(n, b ? b->next : NULL);
        if (a->head) a->head->next = b;
        else a->head = b;
    } else if (!b || b->cap - b->used < n) {
        b = a->head = block_new(kArenaBlockBytes, b);
    }
    char *p = b->data + b->used;
    b->used += n;
    return p;
}

char *arena_copy(Arena *a, const char *s, size_t n) {
    char *p = arena_alloc(a, n);
    if (n) memcpy(p, s, n);
    return p;
}

void arena_free(Arena *a) {
    while (a->head) {
        ArenaBlock *next = a->head->next;
        free(a->head);
        a->head = next;
    }
}
