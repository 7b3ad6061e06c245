/* dusk's SGEMM driver, in the BLIS manner: for each NC-wide column block and
 * KC-deep slice of K, B is packed once into NR-wide panels shared by the
 * threads; each thread packs MC-row blocks of A into MR-row panels and runs
 * the micro-kernel over the tiles of its share of C.
 *
 * Determinism: the sum over K is split into slices fixed by k alone, each
 * slice is added to C by the same micro-kernel in the same order, and the
 * threads only divide M and N between them, so the result does not depend on
 * the thread count and repeats bit for bit. */
#include <omp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ops/cpu/sgemm.h"
#include "util/err.h"

/* KC keeps an NR-wide B panel (kc * 32 floats = 32 KiB) in the 48 KiB L1 and
 * is the only constant that changes the arithmetic. MC sizes the packed A
 * block for L2, NC the packed B block; both only divide the work. */
enum { KC_MAX = 256, MC_TARGET = 168, NC_MAX = 2048, MR_MAX = 16, NR_MAX = 32 };
/* Below this many multiply-adds a product runs on the calling thread: the
 * fork/join would cost more than it saves. */
#define SGEMM_SERIAL_MACS (64.0 * 64.0 * 64.0)

static const SgemmKernel *const g_kernels[] = {&sgemm_kernel_avx512, &sgemm_kernel_avx2, &sgemm_kernel_plain};
enum { N_KERNELS = sizeof g_kernels / sizeof g_kernels[0] };
static const SgemmKernel *g_kernel;
static pthread_once_t g_kernel_once = PTHREAD_ONCE_INIT;

static int min_int(int a, int b) { return a < b ? a : b; }
static int ceil_div(int a, int b) { return (a + b - 1) / b; }
static int round_up(int a, int b) { return ceil_div(a, b) * b; }

/* ---- kernel selection ---- */

static const SgemmKernel *best_kernel(void) {
    for (int i = 0; i < N_KERNELS; i++)
        if (g_kernels[i]->cpu_has()) return g_kernels[i];
    return &sgemm_kernel_plain;
}

static int choose_kernel(const char *name) {
    if (!name || !strcmp(name, "auto")) {
        g_kernel = best_kernel();
        return 0;
    }
    for (int i = 0; i < N_KERNELS; i++) {
        if (strcmp(name, g_kernels[i]->name) != 0) continue;
        if (!g_kernels[i]->cpu_has())
            return dusk_error("GEMM kernel '%s' cannot run here: this CPU lacks %s", name,
                              g_kernels[i] == &sgemm_kernel_avx512 ? "AVX-512F" : "AVX2 and FMA");
        g_kernel = g_kernels[i];
        return 0;
    }
    return dusk_error("GEMM kernel must be avx512, avx2, plain or auto (got '%s')", name);
}

static void choose_kernel_from_env(void) {
    const char *env = getenv("DUSK_GEMM_KERNEL");
    if (choose_kernel(env && *env ? env : NULL) != 0) dusk_die("DUSK_GEMM_KERNEL: %s", dusk_last_error());
}

static const SgemmKernel *current_kernel(void) {
    pthread_once(&g_kernel_once, choose_kernel_from_env);
    return g_kernel;
}

int sgemm_set_kernel(const char *name) {
    current_kernel(); /* the environment first, so it cannot override this call later */
    return choose_kernel(name);
}

const char *sgemm_kernel_name(void) { return current_kernel()->name; }

/* ---- per-thread pack buffers, kept between calls ---- */

typedef struct {
    void *raw;
    float *data; /* raw aligned to a cache line */
    size_t cap;  /* floats */
} PackBuf;

static _Thread_local PackBuf tls_pack_a, tls_pack_b;

static float *packbuf_reserve(PackBuf *buf, size_t count) {
    if (count > buf->cap) {
        free(buf->raw);
        buf->raw = xmalloc(count * sizeof(float) + 63);
        buf->data = (float *)(((uintptr_t)buf->raw + 63) & ~(uintptr_t)63);
        buf->cap = count;
    }
    return buf->data;
}

/* ---- the plan of one call ---- */

typedef struct {
    const SgemmKernel *kern;
    int trans_a, trans_b, m, n, k, lda, ldb, ldc;
    float alpha, beta;
    const float *a, *b;
    float *c;
    int kc;              /* K slice depth (the last slice may be shorter) */
    int mc, mblocks;     /* A blocks: mc rows (a multiple of MR) */
    int nc;              /* B blocks: nc columns (a multiple of NR) */
    int nsplit;          /* each A block's panels of B are split in this many shares */
    int threads;
} Plan;

static Plan make_plan(const SgemmKernel *kern, int m, int n, int k, int threads) {
    Plan p = {.kern = kern, .m = m, .n = n, .k = k, .threads = threads};
    p.kc = ceil_div(k, ceil_div(k, KC_MAX));
    p.nc = round_up(ceil_div(n, ceil_div(n, NC_MAX)), kern->nr);
    int mblocks = ceil_div(m, MC_TARGET);
    p.nsplit = 1;
    if (threads > 1 && mblocks >= threads) mblocks = round_up(mblocks, threads); /* equal shares */
    else if (threads > 1) p.nsplit = ceil_div(threads, mblocks);
    p.mc = round_up(ceil_div(m, mblocks), kern->mr);
    p.mblocks = ceil_div(m, p.mc);
    return p;
}

/* ---- packing ---- */

/* Rows [i0, i0+mc) x K [p0, p0+kc) of op(A) into MR-row panels, each stored
 * k-major (MR values per k); rows past m are zero. */
static void pack_a(const Plan *pl, int i0, int mc, int p0, int kc, float *dst) {
    const int mr = pl->kern->mr;
    for (int ip = 0; ip < mc; ip += mr, dst += (size_t)mr * kc) {
        int rows = min_int(mr, mc - ip);
        if (rows < mr) memset(dst, 0, sizeof(float) * mr * kc);
        for (int i = 0; i < rows; i++) {
            int row = i0 + ip + i;
            if (pl->trans_a) { /* A stored [k, m]: op(A)[row][p] = a[p][row] */
                const float *src = pl->a + (size_t)p0 * pl->lda + row;
                for (int p = 0; p < kc; p++) dst[(size_t)p * mr + i] = src[(size_t)p * pl->lda];
            } else {
                const float *src = pl->a + (size_t)row * pl->lda + p0;
                for (int p = 0; p < kc; p++) dst[(size_t)p * mr + i] = src[p];
            }
        }
    }
}

/* Panels [q0, q1) of the columns [j0, j0+nc) x K [p0, p0+kc) of op(B), each
 * NR columns stored k-major (NR values per k); columns past n are zero. */
static void pack_b(const Plan *pl, int j0, int nc, int p0, int kc, int q0, int q1, float *dst) {
    const int nr = pl->kern->nr;
    for (int q = q0; q < q1; q++) {
        float *panel = dst + (size_t)q * nr * kc;
        int col0 = j0 + q * nr, cols = min_int(nr, nc - q * nr);
        if (cols < nr) memset(panel, 0, sizeof(float) * nr * kc);
        if (pl->trans_b) { /* B stored [n, k]: op(B)[p][col] = b[col][p] */
            for (int j = 0; j < cols; j++) {
                const float *src = pl->b + (size_t)(col0 + j) * pl->ldb + p0;
                for (int p = 0; p < kc; p++) panel[(size_t)p * nr + j] = src[p];
            }
        } else {
            for (int p = 0; p < kc; p++)
                memcpy(panel + (size_t)p * nr, pl->b + (size_t)(p0 + p) * pl->ldb + col0, sizeof(float) * cols);
        }
    }
}

/* ---- the tiles ---- */

/* One MR x NR tile of C at (i, j) with rows x cols of it inside C. Edge
 * tiles go through a local tile so the kernel never writes outside C. */
static void run_tile(const Plan *pl, int kc, const float *pa, const float *pb, int i, int j, int rows, int cols,
                     float beta) {
    const SgemmKernel *kern = pl->kern;
    float *c = pl->c + (size_t)i * pl->ldc + j;
    if (rows == kern->mr && cols == kern->nr) {
        kern->kernel(kc, pa, pb, c, pl->ldc, pl->alpha, beta);
        return;
    }
    _Alignas(64) float tile[MR_MAX * NR_MAX];
    kern->kernel(kc, pa, pb, tile, kern->nr, 1.0f, 0.0f);
    for (int r = 0; r < rows; r++) {
        float *crow = c + (size_t)r * pl->ldc;
        const float *trow = tile + r * kern->nr;
        for (int s = 0; s < cols; s++)
            crow[s] = beta == 0.0f ? pl->alpha * trow[s] : pl->alpha * trow[s] + beta * crow[s];
    }
}

/* The tiles of A block rows [i0, i0+mc) and B panels [q0, q1) of the block
 * starting at column j0. */
static void run_block(const Plan *pl, int kc, const float *apack, const float *bpack, int i0, int mc, int j0,
                      int q0, int q1, float beta) {
    const int mr = pl->kern->mr, nr = pl->kern->nr;
    for (int q = q0; q < q1; q++) {
        int j = j0 + q * nr, cols = min_int(nr, pl->n - j);
        const float *pb = bpack + (size_t)q * nr * kc;
        for (int ip = 0; ip < mc; ip += mr)
            run_tile(pl, kc, apack + (size_t)ip * kc, pb, i0 + ip, j, min_int(mr, mc - ip), cols, beta);
    }
}

/* What thread tid of pl->threads does; bpack is shared by the team. */
static void sgemm_worker(const Plan *pl, float *bpack, int tid) {
    const int nt = pl->threads, nr = pl->kern->nr;
    float *apack = packbuf_reserve(&tls_pack_a, (size_t)pl->mc * pl->kc);
    for (int j0 = 0; j0 < pl->n; j0 += pl->nc) {
        int nc = min_int(pl->nc, pl->n - j0), panels = ceil_div(nc, nr);
        for (int p0 = 0; p0 < pl->k; p0 += pl->kc) {
            int kc = min_int(pl->kc, pl->k - p0);
            float beta = p0 == 0 ? pl->beta : 1.0f; /* later slices add to C */
            pack_b(pl, j0, nc, p0, kc, panels * tid / nt, panels * (tid + 1) / nt, bpack);
            if (nt > 1) {
#pragma omp barrier
            }
            int items = pl->mblocks * pl->nsplit, packed = -1;
            for (int it = items * tid / nt; it < items * (tid + 1) / nt; it++) {
                int ib = it / pl->nsplit, share = it % pl->nsplit, i0 = ib * pl->mc;
                int mc = min_int(pl->mc, pl->m - i0);
                if (ib != packed) pack_a(pl, i0, mc, p0, kc, apack);
                packed = ib;
                run_block(pl, kc, apack, bpack, i0, mc, j0, panels * share / pl->nsplit,
                          panels * (share + 1) / pl->nsplit, beta);
            }
            if (nt > 1) {
#pragma omp barrier
            }
        }
    }
}

/* C = beta * C, with beta == 0 writing zeros whatever C held. */
static void scale_c(int m, int n, float beta, float *c, int ldc) {
    for (int i = 0; i < m; i++) {
        float *row = c + (size_t)i * ldc;
        for (int j = 0; j < n; j++) row[j] = beta == 0.0f ? 0.0f : beta * row[j];
    }
}

static int thread_count(int m, int n, int k) {
    if (omp_in_parallel() || (double)m * n * k < SGEMM_SERIAL_MACS) return 1;
    return omp_get_max_threads();
}

void sgemm_dusk(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda,
                const float *b, int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0.0f) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    Plan pl = make_plan(current_kernel(), m, n, k, thread_count(m, n, k));
    pl.trans_a = trans_a, pl.trans_b = trans_b, pl.lda = lda, pl.ldb = ldb, pl.ldc = ldc;
    pl.alpha = alpha, pl.beta = beta, pl.a = a, pl.b = b, pl.c = c;
    float *bpack = packbuf_reserve(&tls_pack_b, (size_t)pl.nc * pl.kc);
    if (pl.threads == 1) {
        sgemm_worker(&pl, bpack, 0);
        return;
    }
#pragma omp parallel num_threads(pl.threads)
    {
        /* The runtime may give fewer threads than asked: divide by the team. */
        Plan mine = pl;
        mine.threads = omp_get_num_threads();
        sgemm_worker(&mine, bpack, omp_get_thread_num());
    }
}
