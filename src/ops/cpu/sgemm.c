/* dusk's SGEMM driver, in the BLIS manner: for each NC-wide column block and
 * KC-deep slice of K, B is packed into NR-wide panels, then each MC-row block
 * of A into MR-row panels, and the micro-kernel runs over the tiles (A is
 * read in place unless its rows alias in L1, see a_read_in_place; B when C
 * has few rows; short edge tiles get kernels with fewer rows). Threads
 * take one share each of whole rows (or columns) of C, sized by their
 * measured speed (balance.h), and pack what they need themselves: no
 * barriers.
 *
 * Determinism: the sum over K is split into slices fixed by k alone, each
 * slice is added to C by the same micro-kernel in the same order, and the
 * threads only divide M and N between them, so the result does not depend on
 * the thread count and repeats bit for bit. */
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "ops/cpu/balance.h"
#include "ops/cpu/sgemm.h"
#include "util/err.h"

/* KC is the only constant that changes the arithmetic (where the sum over K
 * is split); 512 measured best on Zen 5 among 256..683 (fewer passes over C
 * for the long-K dW products; a 64 KiB B panel still streams from L2 fast
 * enough). MC sizes the packed A block for L2 (168 x 512 floats = 336 KiB),
 * NC the packed B block; both only divide the work. */
enum { KC_MAX = 512, MC_TARGET = 168, NC_MAX = 2048, MR_MAX = 16, NR_MAX = 32, A_DIRECT_MAX_PANELS = 2 };
/* B's rows (an untransposed B) are read in place, not packed, when C has at
 * most this many rows: packing B then costs more than the few tiles that
 * reuse each panel lose to reading it strided (measured, single thread,
 * against packing: attention's P V, m 64, 1.17-1.30x; the tiny k/v dW, m
 * 128, 1.04-1.11x; but the m 256 dW products 0.87-0.95x). */
enum { B_DIRECT_MAX_ROWS = 128 };
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

int sgemm_uses_avx512(void) { return current_kernel() == &sgemm_kernel_avx512; }

/* ---- per-thread pack buffers, kept between calls, freed when the thread
 * ends (OpenMP ends a team's extra threads when a smaller team follows) ---- */

typedef struct {
    void *raw;
    float *data; /* raw aligned to a cache line */
    size_t cap;  /* floats */
} PackBuf;

typedef struct {
    PackBuf a, b;
    int registered; /* the thread-exit destructor knows this thread's buffers */
} PackBufs;

static _Thread_local PackBufs tls_pack;
static pthread_key_t g_pack_key;
static pthread_once_t g_pack_key_once = PTHREAD_ONCE_INIT;

static void pack_bufs_free(void *p) {
    PackBufs *bufs = p;
    free(bufs->a.raw), free(bufs->b.raw);
    *bufs = (PackBufs){0};
}

static void pack_key_create(void) {
    if (pthread_key_create(&g_pack_key, pack_bufs_free) != 0) dusk_die("sgemm: pthread_key_create failed");
}

static PackBufs *thread_pack_bufs(void) {
    if (!tls_pack.registered) {
        pthread_once(&g_pack_key_once, pack_key_create);
        pthread_setspecific(g_pack_key, &tls_pack);
        tls_pack.registered = 1;
    }
    return &tls_pack;
}

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
    int kc;       /* K slice depth (the last slice may be shorter) */
    int a_direct; /* few B panels: the kernel reads A in place (packing A would cost as much
                   * as the few tiles that use it) */
    int b_direct; /* few rows of C and B untransposed: B's full panels read in place */
    int threads;
    int split_m;  /* threads share C by rows (else by columns) */
} Plan;

/* Equal block counts: count split into pieces of at most target, each
 * rounded up to a multiple of unit. */
static int block_size(int count, int target, int unit) {
    return round_up(ceil_div(count, ceil_div(count, target)), unit);
}

/* Whether the micro-kernel reads A where it lies rather than from packed
 * panels (Plan.a_direct). Packing costs a pass over A per column block,
 * which only pays when reading in place is slow: an A stored [k, m] is
 * read a row of 14 floats per k step, about as well as a panel (tiny
 * train step, each dW product 3-7% faster in place); a row-major A is
 * read from MR rows lda apart at once, fine unless those rows fall into
 * one or two L1 sets (lda a multiple of 512 floats: the lm_head's dX with
 * k 4096 ran at 2/3 speed in place), where packing wins. With few B
 * panels packing never pays (few tiles reuse each A panel). */
static int a_read_in_place(int trans_a, int n, int lda, const SgemmKernel *kern) {
    if (trans_a || n <= A_DIRECT_MAX_PANELS * kern->nr) return 1;
    return lda % 512 != 0;
}

/* ---- packing ---- */

/* dst[p * width + i] = src[i * ld + p] for i < rows, p < kc: a panel from
 * operand rows that run along K. Walks K one cache line (16 floats) at a
 * time across all rows, so each line is read whole while it is in L1 (the
 * rows of a wide matrix alias to the same L1 sets), in 4x4 SSE transposes
 * (SSE2 is part of x86-64 itself). */
static void pack_transposed(const float *src, int ld, int rows, int kc, int width, float *dst) {
    enum { LINE = 16 };
    for (int p0 = 0; p0 < kc; p0 += LINE) {
        int len = min_int(LINE, kc - p0), i = 0;
#ifdef __SSE2__
        for (; i + 4 <= rows && len == LINE; i += 4)
            for (int p = p0; p < p0 + LINE; p += 4) {
                const float *s = src + (size_t)i * ld + p;
                __m128 r0 = _mm_loadu_ps(s), r1 = _mm_loadu_ps(s + ld);
                __m128 r2 = _mm_loadu_ps(s + 2 * (size_t)ld), r3 = _mm_loadu_ps(s + 3 * (size_t)ld);
                _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
                float *d = dst + (size_t)p * width + i;
                _mm_storeu_ps(d, r0), _mm_storeu_ps(d + width, r1);
                _mm_storeu_ps(d + 2 * width, r2), _mm_storeu_ps(d + 3 * width, r3);
            }
#endif
        for (; i < rows; i++) {
            const float *s = src + (size_t)i * ld + p0;
            float *d = dst + (size_t)p0 * width + i;
            for (int p = 0; p < len; p++) d[(size_t)p * width] = s[p];
        }
    }
}

/* Element (p, x) = src[p * ld + x] for p < kc, x < count (operand rows that
 * run along M or N) into panels of width: panel x / width, at p * width +
 * x % width. 16 rows of K at a time across all panels: each source row is
 * read while it is in L1 (a row of a wide operand is a fresh page; one panel
 * at a time over all of K would come back to it per panel), and each panel
 * gets 16 consecutive rows (writes to a 16 x 14 or 32 window, not one float
 * group per panel per row). SSE copies: a memcpy call would cost more than
 * the 14 or 32 floats of a panel row. */
/* GCC would turn the copy loops below back into memcpy calls. */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_MEMCPY_CALLS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_MEMCPY_CALLS
#endif

NO_MEMCPY_CALLS static void pack_rows(const float *restrict src, int ld, int kc, int count, int width,
                                      float *restrict dst) {
    enum { ROWS = 16 };
    for (int p0 = 0; p0 < kc; p0 += ROWS)
        for (int x0 = 0; x0 < count; x0 += width) {
            int len = min_int(width, count - x0);
            for (int p = p0; p < min_int(p0 + ROWS, kc); p++) {
                const float *s = src + (size_t)p * ld + x0;
                float *d = dst + (size_t)x0 * kc + (size_t)p * width;
                int x = 0;
#ifdef __SSE2__
                /* The same columns ROWS rows on, which this loop reads next time
                 * round: without it the copies wait on L3 (perf, tiny k/v dW:
                 * packing 41% of the product's time without, 28% with). */
                if (p + ROWS < kc) {
                    _mm_prefetch((const char *)(s + (size_t)ROWS * ld), _MM_HINT_T0);
                    _mm_prefetch((const char *)(s + (size_t)ROWS * ld + len - 1), _MM_HINT_T0);
                }
                for (; x + 4 <= len; x += 4) _mm_storeu_ps(d + x, _mm_loadu_ps(s + x));
                if (x + 2 <= len) { /* the 6- and 14-wide panels end in a pair */
                    _mm_storel_epi64((__m128i *)(d + x), _mm_loadl_epi64((const __m128i *)(s + x)));
                    x += 2;
                }
#endif
                for (; x < len; x++) d[x] = s[x];
            }
        }
}

/* count indices of M or N (from 0 at src) x kc of K into panels of width,
 * the last one zero-padded. rows_along_k: the operand's rows run along K
 * (element (p, x) at src[x * ld + p]), else along M/N (src[p * ld + x]). */
static void pack_panels(const float *src, int ld, int rows_along_k, int count, int kc, int width, float *dst) {
    int tail = count % width;
    if (tail) memset(dst + (size_t)(count - tail) * kc, 0, sizeof(float) * width * kc);
    if (!rows_along_k) {
        pack_rows(src, ld, kc, count, width, dst);
        return;
    }
    for (int x0 = 0; x0 < count; x0 += width)
        pack_transposed(src + (size_t)x0 * ld, ld, min_int(width, count - x0), kc, width, dst + (size_t)x0 * kc);
}

/* Rows [i0, i0+mc) x K [p0, p0+kc) of op(A) into MR-row panels. */
static void pack_a(const Plan *pl, int i0, int mc, int p0, int kc, float *dst) {
    if (pl->trans_a) /* A stored [k, m] */
        pack_panels(pl->a + (size_t)p0 * pl->lda + i0, pl->lda, 0, mc, kc, pl->kern->mr, dst);
    else
        pack_panels(pl->a + (size_t)i0 * pl->lda + p0, pl->lda, 1, mc, kc, pl->kern->mr, dst);
}

/* Columns [j0, j0+nc) x K [p0, p0+kc) of op(B) into NR-column panels. */
static void pack_b(const Plan *pl, int j0, int nc, int p0, int kc, float *dst) {
    if (pl->trans_b) /* B stored [n, k] */
        pack_panels(pl->b + (size_t)j0 * pl->ldb + p0, pl->ldb, 1, nc, kc, pl->kern->nr, dst);
    else
        pack_panels(pl->b + (size_t)p0 * pl->ldb + j0, pl->ldb, 0, nc, kc, pl->kern->nr, dst);
}

/* ---- the tiles ---- */

/* C = alpha * tile + beta * C over the rows x cols inside C, rounded as the
 * kernels round (one fma), so a tile's bits do not depend on being an edge. */
static void merge_tile(const Plan *pl, const float *tile, float *c, int rows, int cols, float beta) {
    for (int r = 0; r < rows; r++) {
        float *crow = c + (size_t)r * pl->ldc;
        const float *trow = tile + r * pl->kern->nr;
        for (int s = 0; s < cols; s++)
            crow[s] = beta == 0.0f ? pl->alpha * trow[s] : fmaf(beta, crow[s], pl->alpha * trow[s]);
    }
}

/* A tile's operands: A's element (r, p) at a[r * a_row + p * a_col], B's
 * element (p, j) at b[p * b_step + j]. */
typedef struct {
    const float *a, *b;
    ptrdiff_t a_row, a_col, b_step;
} TileOperands;

/* One tile of C at (i, j), rows x cols of it inside C (the kernel takes
 * the rows). A tile with fewer columns goes through a local tile so the
 * kernel never writes outside C. */
static void run_tile(const Plan *pl, int kc, const TileOperands *o, int i, int j, int rows, int cols, float beta) {
    const SgemmKernel *kern = pl->kern;
    float *c = pl->c + (size_t)i * pl->ldc + j;
    if (cols == kern->nr) {
        kern->kernel(rows, kc, o->a, o->a_row, o->a_col, o->b, o->b_step, c, pl->ldc, pl->alpha, beta);
        return;
    }
    _Alignas(64) float tile[MR_MAX * NR_MAX];
    kern->kernel(rows, kc, o->a, o->a_row, o->a_col, o->b, o->b_step, tile, kern->nr, 1.0f, 0.0f);
    merge_tile(pl, tile, c, rows, cols, beta);
}

/* The tiles of A block rows [i0, i0+mc) and B block columns [j0, j0+nc)
 * over K [p0, p0+kc). A comes from its packed block or, when Plan.a_direct,
 * from its place; B from its packed block except the full panels of a
 * b_direct product. */
static void run_block(const Plan *pl, int kc, const float *apack, const float *bpack, int i0, int mc, int j0, int nc,
                      int p0, float beta) {
    const int mr = pl->kern->mr, nr = pl->kern->nr;
    for (int jq = 0; jq < nc; jq += nr) {
        int cols = min_int(nr, nc - jq);
        TileOperands o = {.b = bpack + (size_t)jq * kc, .b_step = nr};
        if (pl->b_direct && cols == nr)
            o.b = pl->b + (size_t)p0 * pl->ldb + j0 + jq, o.b_step = pl->ldb;
        for (int ip = 0; ip < mc; ip += mr) {
            int i = i0 + ip;
            if (!pl->a_direct)
                o.a = apack + (size_t)ip * kc, o.a_row = 1, o.a_col = mr;
            else if (pl->trans_a) /* A stored [k, m] */
                o.a = pl->a + (size_t)p0 * pl->lda + i, o.a_row = 1, o.a_col = pl->lda;
            else
                o.a = pl->a + (size_t)i * pl->lda + p0, o.a_row = pl->lda, o.a_col = 1;
            run_tile(pl, kc, &o, i, j0 + jq, min_int(mr, mc - ip), cols, beta);
        }
    }
}

/* C rows [i_lo, i_hi) x columns [j_lo, j_hi), all of K, on the calling
 * thread with its own pack buffers: for each NC column block and KC slice,
 * pack B once, then each MC row block of A, then the tiles. */
static void sgemm_region(const Plan *pl, int i_lo, int i_hi, int j_lo, int j_hi) {
    if (i_lo >= i_hi || j_lo >= j_hi) return;
    const int mr = pl->kern->mr, nr = pl->kern->nr;
    const int mc = block_size(i_hi - i_lo, MC_TARGET, mr), nc = block_size(j_hi - j_lo, NC_MAX, nr);
    PackBufs *bufs = thread_pack_bufs();
    float *apack = packbuf_reserve(&bufs->a, (size_t)mc * pl->kc);
    float *bpack = packbuf_reserve(&bufs->b, (size_t)nc * pl->kc);
    for (int j0 = j_lo; j0 < j_hi; j0 += nc) {
        int ncur = min_int(nc, j_hi - j0);
        for (int p0 = 0; p0 < pl->k; p0 += pl->kc) {
            int kc = min_int(pl->kc, pl->k - p0);
            float beta = p0 == 0 ? pl->beta : 1.0f; /* later slices add to C */
            int packed_from = pl->b_direct ? ncur - ncur % nr : 0; /* b_direct: the short panel only */
            if (packed_from < ncur)
                pack_b(pl, j0 + packed_from, ncur - packed_from, p0, kc, bpack + (size_t)packed_from * kc);
            for (int i0 = i_lo; i0 < i_hi; i0 += mc) {
                int mcur = min_int(mc, i_hi - i0);
                if (!pl->a_direct) pack_a(pl, i0, mcur, p0, kc, apack);
                run_block(pl, kc, apack, bpack, i0, mcur, j0, ncur, p0, beta);
            }
        }
    }
}

/* Share tid of nt: its rows (or columns) of C, in whole MR rows or NR
 * columns (tiles never straddle shares, so every tile is the same as on one
 * thread), sized by the balance slot; everything it needs is packed by the
 * thread that runs it, so threads never wait for one another. */
static void sgemm_share(const Plan *pl, BalanceSlot *slot, int tid, int nt) {
    int count = pl->split_m ? pl->m : pl->n, unit = pl->split_m ? pl->kern->mr : pl->kern->nr, u_lo, u_hi;
    double t0 = omp_get_wtime();
    balance_share(slot, ceil_div(count, unit), tid, nt, &u_lo, &u_hi);
    int lo = min_int(count, u_lo * unit), hi = min_int(count, u_hi * unit);
    if (pl->split_m) sgemm_region(pl, lo, hi, 0, pl->n);
    else sgemm_region(pl, 0, pl->m, lo, hi);
    balance_record(slot, tid, nt, u_hi - u_lo, omp_get_wtime() - t0);
}

/* The balance key of a product: its shape, transposes and split. */
static uint64_t share_key(const Plan *pl) {
    int sizes[] = {pl->m, pl->n, pl->k, pl->trans_a, pl->trans_b, pl->split_m};
    return balance_key("sgemm", sizes, 6);
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
    const SgemmKernel *kern = current_kernel();
    Plan pl = {.kern = kern, .trans_a = trans_a, .trans_b = trans_b, .m = m, .n = n, .k = k, .lda = lda,
               .ldb = ldb, .ldc = ldc, .alpha = alpha, .beta = beta, .a = a, .b = b, .c = c};
    pl.kc = block_size(k, KC_MAX, 1);
    pl.a_direct = a_read_in_place(trans_a, n, lda, kern);
    pl.b_direct = !trans_b && m <= B_DIRECT_MAX_ROWS;
    pl.threads = thread_count(m, n, k);
    /* Splitting rows makes every share pack all of B (n x k, a read and a
     * write), splitting columns pack (or, in place, read) all of A (m x k):
     * repeat the smaller. (Tiny train step, the q/o dW product, m = n =
     * 256 with A in place: 270 -> 290 GFLOP/s split by columns.) */
    pl.split_m = pl.a_direct ? 2 * n <= m : n <= m;
    if (pl.threads == 1) {
        sgemm_region(&pl, 0, m, 0, n);
        return;
    }
    /* One share per thread, thread t taking the t-th rows (or columns), as
     * the element-wise kernels' static schedules do: the rows of A a thread
     * reads are then mostly the ones it wrote in the step before, in its own
     * L2. (Two chunks per thread taken dynamically, which let a thread that
     * lost its core hold back a quarter of C rather than half, made the tiny
     * fp32 train step 1-2% slower: 8 of 8 runs taking turns step by step in
     * one process; the small step the same within noise. Smaller chunks,
     * 8 per thread, made it 3-4% slower. Threads packing one shared B and
     * then taking small row tasks, as gemm_bf16 does, measured 10-15% slower
     * on every split-by-rows product of the tiny step: the barrier, and half
     * of B coming from the other core's cache.) The shares follow each
     * thread's speed on this shape's previous calls (balance.h): when a
     * neighbour slowed one core of this shared machine, the other waited
     * 6-13 ms a tiny fp32 step at the joins with equal shares. */
    BalanceSlot *slot = balance_slot(share_key(&pl), pl.threads);
#pragma omp parallel num_threads(pl.threads)
    sgemm_share(&pl, slot, omp_get_thread_num(), omp_get_num_threads());
    balance_update(slot);
}

/* ---- a B operand packed once for several products ---- */

int sgemm_packed_b_fits(int k) { return k >= 1 && k <= KC_MAX; }

void sgemm_packed_b_set(SgemmPackedB *pb, int trans_b, int n, int k, const float *b, int ldb) {
    if (!sgemm_packed_b_fits(k)) dusk_die("sgemm_packed_b_set: k %d is not within one slice (1..%d)", k, KC_MAX);
    const SgemmKernel *kern = current_kernel();
    size_t count = (size_t)round_up(n, kern->nr) * k;
    if (pb->cap < count) {
        free(pb->panels);
        pb->panels = xmalloc(count * sizeof(float));
        pb->cap = count;
    }
    pb->kern = kern, pb->n = n, pb->k = k;
    pack_panels(b, ldb, trans_b, n, k, kern->nr, pb->panels);
}

void sgemm_packed_b_free(SgemmPackedB *pb) {
    free(pb->panels);
    *pb = (SgemmPackedB){0};
}

/* sgemm_dusk splits no K of at most KC_MAX, and a tile's bits do not depend
 * on whether A was packed (the kernel does the same operations for either
 * stride form) nor on which panel buffer B's panel sits in: so a prefix of
 * the panels with A in place gives sgemm_dusk's bits. */
void sgemm_prepacked(int trans_a, int m, int n, int k, float alpha, const float *a, int lda, const SgemmPackedB *b,
                     float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (n > b->n || k != b->k) dusk_die("sgemm_prepacked: %d x %d of a packed B of %d x %d", k, n, b->k, b->n);
    if (alpha == 0.0f) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    Plan pl = {.kern = b->kern, .trans_a = trans_a, .m = m, .n = n, .k = k, .lda = lda, .ldc = ldc,
               .alpha = alpha, .beta = beta, .a = a, .c = c, .kc = k, .a_direct = 1, .threads = 1};
    run_block(&pl, k, NULL, b->panels, 0, m, 0, n, 0, beta);
}
