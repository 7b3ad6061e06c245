#include "eval/tasks/pyrandom.h"

#include <math.h>
#include <stdlib.h>

#include "util/err.h"

enum { MT_N = 624, MT_M = 397 };

static void init_genrand(PyRandom *r, uint32_t s) {
    r->mt[0] = s;
    for (int i = 1; i < MT_N; i++) r->mt[i] = 1812433253u * (r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) + (uint32_t)i;
    r->index = MT_N;
}

/* MT19937's init_by_array, which CPython's seed() calls with the seed's words. */
static void init_by_array(PyRandom *r, const uint32_t *key, int key_len) {
    init_genrand(r, 19650218u);
    int i = 1, j = 0;
    for (int k = MT_N > key_len ? MT_N : key_len; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1664525u)) + key[j] + (uint32_t)j;
        i++, j++;
        if (i >= MT_N) r->mt[0] = r->mt[MT_N - 1], i = 1;
        if (j >= key_len) j = 0;
    }
    for (int k = MT_N - 1; k; k--) {
        r->mt[i] = (r->mt[i] ^ ((r->mt[i - 1] ^ (r->mt[i - 1] >> 30)) * 1566083941u)) - (uint32_t)i;
        i++;
        if (i >= MT_N) r->mt[0] = r->mt[MT_N - 1], i = 1;
    }
    r->mt[0] = 0x80000000u;
}

void pyrandom_seed(PyRandom *r, uint64_t seed) {
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    init_by_array(r, key, key[1] ? 2 : 1);
}

static void twist(PyRandom *r) {
    static const uint32_t mag01[2] = {0u, 0x9908b0dfu};
    for (int k = 0; k < MT_N; k++) {
        uint32_t y = (r->mt[k] & 0x80000000u) | (r->mt[(k + 1) % MT_N] & 0x7fffffffu);
        r->mt[k] = r->mt[(k + MT_M) % MT_N] ^ (y >> 1) ^ mag01[y & 1u];
    }
    r->index = 0;
}

static uint32_t genrand_uint32(PyRandom *r) {
    if (r->index >= MT_N) twist(r);
    uint32_t y = r->mt[r->index++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

uint32_t pyrandom_getrandbits(PyRandom *r, int k) { return genrand_uint32(r) >> (32 - k); }

uint32_t pyrandom_randbelow(PyRandom *r, uint32_t n) {
    int bits = 0;
    for (uint32_t v = n; v; v >>= 1) bits++;
    uint32_t x = pyrandom_getrandbits(r, bits);
    while (x >= n) x = pyrandom_getrandbits(r, bits);
    return x;
}

/* CPython: setsize = 21, plus 4 ** ceil(log(3k, 4)) when k > 5; a pool copy
 * when n <= setsize, otherwise rejection of repeats. */
static int sample_setsize(int k) {
    int setsize = 21;
    if (k > 5) setsize += (int)pow(4.0, ceil(log(3.0 * k) / log(4.0)));
    return setsize;
}

void pyrandom_sample(PyRandom *r, int n, int k, int *out) {
    if (n <= sample_setsize(k)) {
        int *pool = xmalloc(sizeof(int) * (size_t)(n > 0 ? n : 1));
        for (int i = 0; i < n; i++) pool[i] = i;
        for (int i = 0; i < k; i++) {
            int j = (int)pyrandom_randbelow(r, (uint32_t)(n - i));
            out[i] = pool[j];
            pool[j] = pool[n - i - 1];
        }
        free(pool);
        return;
    }
    unsigned char *taken = xcalloc((size_t)n, 1);
    for (int i = 0; i < k; i++) {
        int j = (int)pyrandom_randbelow(r, (uint32_t)n);
        while (taken[j]) j = (int)pyrandom_randbelow(r, (uint32_t)n);
        taken[j] = 1;
        out[i] = j;
    }
    free(taken);
}
