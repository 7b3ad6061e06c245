/* Shares of a recurring parallel loop sized from each thread's speed on the
 * loop's previous runs (balance.c). On a shared machine the cores do not run
 * at the same speed: a neighbour's load slows one of them for seconds at a
 * time, and with equal static shares the other waits at every join. Dynamic
 * scheduling absorbs that but gives up the locality of static shares (each
 * thread reading the rows it wrote in the previous op); shares that follow
 * the measured speeds keep one contiguous share per thread and still let the
 * faster thread take more. Only which thread computes what moves: callers
 * whose units do not change the arithmetic (whole tiles of C) keep their
 * bits. Internal to src/ops/cpu; called from the serial part of the caller
 * (slot lookup and update) and from the threads (share, record). */
#ifndef DUSK_OPS_CPU_BALANCE_H
#define DUSK_OPS_CPU_BALANCE_H

#include <stdint.h>

enum { BALANCE_MAX_THREADS = 64 };

typedef struct {
    uint64_t key;                        /* the loop's shape; 0: a free slot */
    int threads;                         /* the team the fractions are for */
    long runs;                           /* measured runs so far */
    double frac[BALANCE_MAX_THREADS];    /* each thread's share, summing to 1 */
    int units[BALANCE_MAX_THREADS];      /* the last run: units each thread did */
    double seconds[BALANCE_MAX_THREADS]; /* ... and how long it took */
} BalanceSlot;

/* A loop's key: its name and the sizes that fix its work (never 0). */
uint64_t balance_key(const char *loop, const int *sizes, int n_sizes);
/* Turns balancing on or off for the loops that follow (off: equal shares,
 * as DUSK_BALANCE=0), overriding the environment. */
void balance_enable(int on);
/* For tests: every loop run by a team of nt shares by frac[0..nt-1] (summing
 * to 1; a thread may get nothing), whatever was measured; NULL ends it. */
void balance_force(const double *frac, int nt);
/* The slot of the loop `key` (nonzero) on a team of `threads`, NULL when
 * balancing is off (DUSK_BALANCE=0, one thread, more than
 * BALANCE_MAX_THREADS): the caller then shares equally. A new loop may take
 * the slot of one run less often. Not thread-safe: call it outside parallel
 * regions. */
BalanceSlot *balance_slot(uint64_t key, int threads);
/* Thread tid's share [lo, hi) of units 0..units-1: the equal split for a
 * NULL slot or one kept for another team size, else in proportion to the
 * slot's fractions. */
void balance_share(const BalanceSlot *s, int units, int tid, int nt, int *lo, int *hi);
/* Thread tid of a team of nt did `units` units in `seconds` (each thread
 * writes its own; ignored for a slot kept for another team size). */
void balance_record(BalanceSlot *s, int tid, int nt, int units, double seconds);
/* After the join: the fractions move toward the speeds just measured. */
void balance_update(BalanceSlot *s);

#endif
