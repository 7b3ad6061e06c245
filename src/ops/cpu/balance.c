/* Feedback-sized static shares (balance.h). */
#include "ops/cpu/balance.h"

#include <stdlib.h>
#include <string.h>

/* Loops a process balances: the GEMM shapes of a train step (about 20 in a
 * Llama step: 3 per linear shape, plus attention's two loops) and those of
 * its evaluations. A key is looked for among PROBES slots from its hash; when
 * none is free, the one run least often is given to the new loop (a one-off
 * shape of an evaluation must not keep a train step's from being balanced). */
enum { SLOTS = 256, PROBES = 8 };
/* How far one run moves the fractions: a thread preempted once (a 10 ms
 * stall in a 1 ms product) costs the next runs a little, not half their
 * share; a slowdown lasting seconds is followed within ~10 runs. */
#define RATE 0.1
/* No share below half or above one and a half of the equal one. */
#define LOW 0.5
#define HIGH 1.5

static BalanceSlot g_slots[SLOTS];
static int g_enabled = -1;
static double g_forced[BALANCE_MAX_THREADS];
static int g_forced_threads; /* 0: none forced */

static int enabled(void) {
    if (g_enabled < 0) {
        const char *env = getenv("DUSK_BALANCE");
        g_enabled = !(env && !strcmp(env, "0"));
    }
    return g_enabled;
}

uint64_t balance_key(const char *loop, const int *sizes, int n_sizes) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a over the name, then the sizes' bytes */
    for (const char *c = loop; *c; c++) h = (h ^ (unsigned char)*c) * 1099511628211ull;
    for (int i = 0; i < n_sizes; i++)
        for (int b = 0; b < 4; b++) h = (h ^ (((uint32_t)sizes[i] >> (8 * b)) & 0xFF)) * 1099511628211ull;
    return h ? h : 1;
}

void balance_enable(int on) { g_enabled = on != 0; }

void balance_force(const double *frac, int nt) {
    g_forced_threads = frac && nt >= 1 && nt <= BALANCE_MAX_THREADS ? nt : 0;
    for (int t = 0; t < g_forced_threads; t++) g_forced[t] = frac[t];
}

BalanceSlot *balance_slot(uint64_t key, int threads) {
    if (threads < 2 || threads > BALANCE_MAX_THREADS || key == 0 || !enabled()) return NULL;
    uint64_t h = key * 0x9E3779B97F4A7C15ull, start = (h ^ h >> 32) % SLOTS;
    BalanceSlot *least = NULL;
    for (int probe = 0; probe < PROBES; probe++) {
        BalanceSlot *s = &g_slots[(start + probe) % SLOTS];
        if (s->key == key && s->threads == threads) return s;
        if (s->key == 0) {
            least = s;
            break;
        }
        if (!least || s->runs < least->runs) least = s;
    }
    memset(least, 0, sizeof *least);
    least->key = key, least->threads = threads;
    for (int t = 0; t < threads; t++) least->frac[t] = 1.0 / threads;
    return least;
}

void balance_share(const BalanceSlot *s, int units, int tid, int nt, int *lo, int *hi) {
    const double *frac = g_forced_threads == nt ? g_forced : s && s->threads == nt ? s->frac : NULL;
    if (!frac) {
        *lo = (int)((int64_t)units * tid / nt);
        *hi = (int)((int64_t)units * (tid + 1) / nt);
        return;
    }
    /* cumulative fractions, rounded to whole units; the last share ends at units */
    double before = 0.0;
    for (int t = 0; t < tid; t++) before += frac[t];
    *lo = (int)(before * units + 0.5);
    *hi = tid == nt - 1 ? units : (int)((before + frac[tid]) * units + 0.5);
    if (*lo > units) *lo = units;
    if (*hi > units) *hi = units;
    if (*hi < *lo) *hi = *lo;
}

void balance_record(BalanceSlot *s, int tid, int nt, int units, double seconds) {
    if (!s || s->threads != nt) return;
    s->units[tid] = units;
    s->seconds[tid] = seconds;
}

void balance_update(BalanceSlot *s) {
    if (!s) return;
    int nt = s->threads, measured = 1;
    double speed[BALANCE_MAX_THREADS], total = 0.0;
    for (int t = 0; t < nt; t++) {
        /* a thread with no units (or an unmeasurably short share) says nothing */
        if (s->units[t] <= 0 || s->seconds[t] <= 0.0) measured = 0;
        else speed[t] = s->units[t] / s->seconds[t], total += speed[t];
        s->units[t] = 0; /* so that a run that records nothing changes nothing */
    }
    if (!measured) return;
    s->runs++;
    double sum = 0.0;
    for (int t = 0; t < nt; t++) {
        double f = (1.0 - RATE) * s->frac[t] + RATE * speed[t] / total;
        if (f < LOW / nt) f = LOW / nt;
        if (f > HIGH / nt) f = HIGH / nt;
        s->frac[t] = f;
        sum += f;
    }
    for (int t = 0; t < nt; t++) s->frac[t] /= sum;
}
