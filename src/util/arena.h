/* A bump allocator for many small byte copies that all die together: the
 * copies never move (no realloc of a shared buffer), so pointers into them
 * stay valid -- e.g. as hash-map keys -- until arena_free. */
#ifndef DUSK_ARENA_H
#define DUSK_ARENA_H

#include <stddef.h>

typedef struct ArenaBlock ArenaBlock;

typedef struct {
    ArenaBlock *head; /* newest block; NULL when empty */
} Arena;

/* n bytes (n may be 0) that stay put until arena_free. Not aligned for
 * anything but char. */
char *arena_alloc(Arena *a, size_t n);
/* A copy of s[0..n) in the arena. */
char *arena_copy(Arena *a, const char *s, size_t n);
void arena_free(Arena *a);

#endif
