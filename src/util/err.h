/* Error reporting shared by every module.
 *
 * Library functions return 0 (or a valid pointer) on success and -1 (or NULL)
 * on failure, after recording a human-readable message with dusk_error().
 * The CLI prints that message and exits non-zero; tests can inspect it. */
#ifndef DUSK_ERR_H
#define DUSK_ERR_H

#include <stddef.h>

#if defined(__GNUC__)
#define DUSK_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define DUSK_PRINTF(a, b)
#endif

/* Record an error message (printf-style). Always returns -1 for convenience:
 *   return dusk_error("%s: bad header", path); */
int dusk_error(const char *fmt, ...) DUSK_PRINTF(1, 2);

/* Prefix the current message with more context: "context: old message". */
int dusk_error_prefix(const char *fmt, ...) DUSK_PRINTF(1, 2);

/* The last recorded message ("" if none). */
const char *dusk_last_error(void);

/* Print "dusk: <message>" to stderr and exit(1). */
void dusk_die(const char *fmt, ...) DUSK_PRINTF(1, 2);

/* Allocation that never returns NULL: aborts with a message on failure. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* printf into a new string (never NULL). */
char *str_printf(const char *fmt, ...) DUSK_PRINTF(1, 2);

#endif
