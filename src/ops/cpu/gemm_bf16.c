/* The bf16 GEMM driver. K is cut into slices of at most KC_PAIRS pairs;
 * for each slice B is packed, by all the threads, into NR-column panels,
 * then each thread runs its share of C: a contiguous range of MR-row panels
 * (or, when C has few rows, of B's panels), sized by the threads' measured
 * speeds (balance.h), packing its MC-row blocks of A into MR-row panels one
 * at a time and running the micro-kernel over their tiles (the first slice
 * writes beta * C + its products, later ones add theirs). Packing is where
 * fp32 turns into bf16: the packed panels ARE the bf16 copies of the weights
 * and activations feeding the matmul (fp32 masters stay untouched). They
 * live in workspaces kept between calls: 2 bytes per element of B's slice,
 * and per thread of one A block.
 *
 * Why slices: a tile's panels are as deep as the slice. Over the whole of a
 * long K (the lm_head's input gradient sums over the vocabulary, 32000 deep)
 * an A panel outgrows L2 and all of B streams from memory for every 8 rows
 * of C (single thread, small lm_head dinp: ~140 GFLOP/s unsliced, ~290
 * sliced, as the other products).
 *
 * Determinism: the slices are fixed by k alone, and every MR x NR tile of C
 * in a slice is one micro-kernel call fed the same packed panels whichever
 * thread runs it, so the bits do not depend on the thread count and repeat
 * run after run. Inside an OpenMP parallel region (attention calls gemm
 * there) everything runs on the calling thread. */
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ops/cpu/balance.h"
#include "ops/cpu/cpu_ops.h"
#include "ops/cpu/gemm_bf16.h"
#include "ops/ops.h"
#include "util/err.h"

/* A task's block of A stays under ~192 KiB (L2) and at most 128 rows. */
enum { A_BLOCK_BYTES = 192 * 1024, MC_PANELS_MAX = 16 };
/* K slices of at most this many pairs: a B panel of 32 columns then holds
 * at most 256 KiB (L2), an A panel 64 KiB (measured, single thread: 1024
 * pairs slowed the k 4096 tiny lm_head dinp by ~15%, 2048 keeps it whole and
 * doubles the k 32000 small one). Changing it changes where fp32 sums are
 * rounded, so the bits. */
enum { KC_PAIRS = 2048 };
/* B is packed by the threads in units of this many panels: 128 columns, so
 * that the 256-column B of a small weight gradient makes two units a thread
 * (as one unit of 512, one thread packed it while the other waited). */
enum { PACK_B_PANELS = 4 };
/* Below this many multiply-adds (~20 us on one core) a product runs on the
 * calling thread: waking and joining the team would cost about as much, and
 * far more on a machine shared with other work. */
#define BF16_SERIAL_MACS (4.0 * 1024 * 1024)

static const Bf16Kernel *g_kernel;
static pthread_once_t g_kernel_once = PTHREAD_ONCE_INIT;

static int min_int(int a, int b) { return a < b ? a : b; }
static int max_int(int a, int b) { return a > b ? a : b; }
static int ceil_div(int a, int b) { return (a + b - 1) / b; }

/* ---- kernel selection ---- */

int gemm_bf16_set_kernel(const char *name) {
    if (!name || !strcmp(name, "auto")) {
        g_kernel = bf16_kernel_avx512.cpu_has() ? &bf16_kernel_avx512 : &bf16_kernel_plain;
        return 0;
    }
    if (!strcmp(name, "plain")) {
        g_kernel = &bf16_kernel_plain;
        return 0;
    }
    if (strcmp(name, "avx512bf16") != 0)
        return dusk_error("bf16 GEMM kernel must be avx512bf16, plain or auto (got '%s')", name);
    if (!bf16_kernel_avx512.cpu_has())
        return dusk_error("bf16 GEMM kernel 'avx512bf16' cannot run here: this CPU lacks AVX512_BF16");
    g_kernel = &bf16_kernel_avx512;
    return 0;
}

static void choose_kernel_from_env(void) {
    if (g_kernel) return; /* set explicitly before first use */
    const char *env = getenv("DUSK_GEMM_BF16_KERNEL");
    if (gemm_bf16_set_kernel(env) != 0) dusk_die("DUSK_GEMM_BF16_KERNEL: %s", dusk_last_error());
}

static const Bf16Kernel *kernel(void) {
    pthread_once(&g_kernel_once, choose_kernel_from_env);
    return g_kernel;
}

const char *ops_bf16_kernel_name(void) { return kernel()->name; }

int gemm_bf16_uses_avx512(void) { return kernel() == &bf16_kernel_avx512; }

/* ---- workspace: one growing buffer per thread slot, kept between calls so
 * that a step does not map and fault in fresh pages for every product. Slot
 * 0 is the top-level caller, slot 1 + t thread t of a parallel region. ---- */

enum { WS_SLOTS = 257 };
static struct {
    uint32_t *words;
    size_t count;
} g_ws[WS_SLOTS];

/* Panels start on a cache line: every 64-byte B load of the micro-kernel
 * and every 64-byte store of the packing then touches one line, not two
 * (malloc's 16- or 32-byte alignment split them all; the micro-kernel alone,
 * in L1: 4-11% slower on split loads; the train step: within noise). Big
 * ones (the lm_head's weight panels: 49 MB in the small model) go on huge
 * pages (tiny bf16 step +0-2% in 3 rounds, small within noise). */
static uint32_t *panel_alloc(size_t words) {
    if (cpu_alloc_is_large(words * sizeof(uint32_t))) return cpu_alloc_large(words * sizeof(uint32_t));
    void *p = NULL;
    if (posix_memalign(&p, 64, words * sizeof(uint32_t)) != 0) dusk_die("out of memory (bf16 GEMM panels)");
    return p;
}

static uint32_t *workspace(size_t words, uint32_t **owned) {
    int slot = omp_in_parallel() ? 1 + omp_get_thread_num() : 0;
    *owned = NULL;
    if (slot >= WS_SLOTS) return *owned = panel_alloc(words);
    if (g_ws[slot].count < words) {
        free(g_ws[slot].words);
        g_ws[slot].words = panel_alloc(words);
        g_ws[slot].count = words;
    }
    return g_ws[slot].words;
}

/* C = beta * C (BLAS: beta == 0 writes zeros whatever C held). */
static void scale_c(int m, int n, float beta, float *c, int ldc) {
    for (int i = 0; i < m; i++) {
        float *row = c + (size_t)i * ldc;
        if (beta == 0.0f) memset(row, 0, sizeof(float) * n);
        else if (beta != 1.0f)
            for (int j = 0; j < n; j++) row[j] *= beta;
    }
}

typedef struct {
    int ta, tb, m, n, k, kpairs;
    float alpha, beta;
    const float *a, *b;
    int lda, ldb, ldc;
    float *c;
    int mc_panels, n_panels; /* n_panels: B's NR-column panels (fixed by n, the same in every slice) */
} Bf16Job;

/* B unit u: PACK_B_PANELS NR-column panels of the slice's B. */
static void pack_b_unit(const Bf16Job *j, const Bf16Kernel *kern, int u, uint32_t *bpack) {
    int j0 = u * PACK_B_PANELS * BF16_NR;
    kern->pack(j->tb ? j->b + (size_t)j0 * j->ldb : j->b + j0, j->ldb, j->tb,
               min_int(PACK_B_PANELS * BF16_NR, j->n - j0), j->k, BF16_NR, bpack + (size_t)j0 * j->kpairs);
}

/* The MR-row panels of A rows [i0, i0 + rows) into ablock. */
static void pack_a_block(const Bf16Job *j, const Bf16Kernel *kern, int i0, int rows, uint32_t *ablock) {
    kern->pack(j->ta ? j->a + i0 : j->a + (size_t)i0 * j->lda, j->lda, !j->ta, rows, j->k, BF16_MR, ablock);
}

/* C's rows [r_lo, r_hi) (r_lo on a panel boundary) against B panels
 * [p_lo, p_hi): an M block of mc_panels panels at a time is packed into
 * ablock by the thread that multiplies it (packed by one thread and read by
 * another, the panels crossed between cores) and stays in L2 while the B
 * panels go by. Where the blocks start does not change a tile's bits. */
static void run_region(const Bf16Job *j, const Bf16Kernel *kern, int r_lo, int r_hi, int p_lo, int p_hi,
                       uint32_t *ablock, const uint32_t *bpack) {
    for (int i0 = r_lo; i0 < r_hi; i0 += j->mc_panels * BF16_MR) {
        int mc = min_int(j->mc_panels * BF16_MR, r_hi - i0);
        pack_a_block(j, kern, i0, mc, ablock);
        for (int jp = p_lo; jp < p_hi; jp++) {
            int c0 = jp * BF16_NR, nr = min_int(BF16_NR, j->n - c0);
            for (int r0 = i0; r0 < i0 + mc; r0 += BF16_MR)
                kern->kernel(j->kpairs, ablock + (size_t)(r0 - i0) * j->kpairs, bpack + (size_t)c0 * j->kpairs,
                             j->c + (size_t)r0 * j->ldc + c0, j->ldc, min_int(BF16_MR, j->m - r0), nr, j->alpha,
                             j->beta);
        }
    }
}

/* M blocks that fit the cache; they do not change any result. */
static void plan(Bf16Job *j) {
    int m_panels = ceil_div(j->m, BF16_MR);
    size_t panel_bytes = (size_t)BF16_MR * j->kpairs * sizeof(uint32_t);
    j->mc_panels = max_int(1, min_int(MC_PANELS_MAX, (int)(A_BLOCK_BYTES / panel_bytes)));
    j->mc_panels = min_int(j->mc_panels, m_panels);
}

/* The job of K slice [k0, k0 + kc) of j, k0 even so that no pair straddles
 * two slices. */
static Bf16Job slice_job(const Bf16Job *j, int k0, int kc) {
    Bf16Job s = *j;
    s.k = kc;
    s.kpairs = (kc + 1) / 2;
    s.a = j->ta ? j->a + (size_t)k0 * j->lda : j->a + k0;
    s.b = j->tb ? j->b + k0 : j->b + (size_t)k0 * j->ldb;
    if (k0 > 0) s.beta = 1.0f; /* later slices add to C */
    plan(&s);
    return s;
}

void gemm_bf16(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
               int ldb, float beta, float *c, int ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0 || alpha == 0.0f) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    const Bf16Kernel *kern = kernel();
    int parallel = !omp_in_parallel() && omp_get_max_threads() > 1 && (double)m * n * k >= BF16_SERIAL_MACS;
    int threads = parallel ? omp_get_max_threads() : 1;
    Bf16Job whole = {.ta = trans_a, .tb = trans_b, .m = m, .n = n, .k = k, .kpairs = (k + 1) / 2, .alpha = alpha,
                     .beta = beta, .a = a, .b = b, .lda = lda, .ldb = ldb, .ldc = ldc, .c = c,
                     .n_panels = ceil_div(n, BF16_NR)};
    /* equal slices of at most KC_PAIRS pairs */
    int slice_pairs = ceil_div(whole.kpairs, ceil_div(whole.kpairs, KC_PAIRS)), slice_k = 2 * slice_pairs;
    size_t b_words = (size_t)whole.n_panels * BF16_NR * slice_pairs;
    size_t block_words = (size_t)MC_PANELS_MAX * BF16_MR * slice_pairs; /* an A block, at most */
    int b_units = ceil_div(n, PACK_B_PANELS * BF16_NR);
    if (!parallel) {
        /* no OpenMP construct at all: an "if (0)" region still costs a
         * GOMP_parallel call (a new team inside attention's loop, where
         * every head's block products land; without it the tiny bf16 step
         * ran 17% faster) */
        uint32_t *owned, *bpack = workspace(b_words + block_words, &owned), *ablock = bpack + b_words;
        for (int k0 = 0; k0 < k; k0 += slice_k) {
            Bf16Job j = slice_job(&whole, k0, min_int(slice_k, k - k0));
            for (int u = 0; u < b_units; u++) pack_b_unit(&j, kern, u, bpack);
            run_region(&j, kern, 0, m, 0, j.n_panels, ablock, bpack);
        }
        free(owned);
        return;
    }
    /* Each thread one contiguous share of C's row panels (of B's panels when
     * C has under 4 row panels a thread), sized by the threads' speeds on
     * this product's previous calls. Before, tasks of an M block each were
     * taken dynamically (guided, measured 1-2% faster than equal static
     * shares): on the weight gradients' 9-15 tasks the faster thread waited
     * 94-240 us a call at the end, 7-10 ms a tiny bf16 step in all; these
     * shares measured 2-5% faster than the guided tasks. */
    int m_panels = ceil_div(m, BF16_MR), n_panels = whole.n_panels, split_m = m_panels >= 4 * threads;
    int sizes[] = {trans_a, trans_b, m, n, k, split_m};
    BalanceSlot *slot = balance_slot(balance_key("gemm_bf16", sizes, 6), threads);
    uint32_t *owned, *bpack = workspace(b_words, &owned);
#pragma omp parallel num_threads(threads)
    {
        int tid = omp_get_thread_num(), nt = omp_get_num_threads(), lo, hi;
        balance_share(slot, split_m ? m_panels : n_panels, tid, nt, &lo, &hi);
        uint32_t *own_block, *ablock = workspace(block_words, &own_block);
        double busy = 0.0; /* the share's own work, B's packing left out */
        for (int k0 = 0; k0 < k; k0 += slice_k) {
            Bf16Job j = slice_job(&whole, k0, min_int(slice_k, k - k0));
#pragma omp for schedule(dynamic, 1)
            for (int u = 0; u < b_units; u++) pack_b_unit(&j, kern, u, bpack);
            double t0 = omp_get_wtime();
            if (split_m) run_region(&j, kern, lo * BF16_MR, min_int(hi * BF16_MR, m), 0, n_panels, ablock, bpack);
            else run_region(&j, kern, 0, m, lo, hi, ablock, bpack);
            busy += omp_get_wtime() - t0;
            if (k0 + slice_k < k) {
#pragma omp barrier /* B is repacked for the next slice */
            }
        }
        balance_record(slot, tid, nt, hi - lo, busy);
        free(own_block);
    }
    balance_update(slot);
    free(owned);
}

/* ---- a B operand packed once for several products ---- */

int bf16_packed_b_fits(int k) { return k <= 2 * KC_PAIRS; }

void bf16_packed_b_set(Bf16PackedB *pb, int trans_b, int n, int k, const float *b, int ldb) {
    if (!bf16_packed_b_fits(k)) dusk_die("bf16_packed_b_set: k %d is deeper than one slice (%d)", k, 2 * KC_PAIRS);
    size_t words = (size_t)ceil_div(n, BF16_NR) * BF16_NR * ((k + 1) / 2);
    if (pb->cap < words) {
        free(pb->panels);
        pb->panels = panel_alloc(words);
        pb->cap = words;
    }
    pb->n = n, pb->k = k, pb->kpairs = (k + 1) / 2;
    kernel()->pack(b, ldb, trans_b, n, k, BF16_NR, pb->panels);
}

void bf16_packed_b_free(Bf16PackedB *pb) {
    free(pb->panels);
    *pb = (Bf16PackedB){0};
}

/* ---- A as words already ---- */

void bf16_row_words(const float *src, int ld, int rows, int k, uint32_t *words, int ldw) {
    kernel()->row_words(src, ld, rows, k, words, ldw);
}

static void check_band(const char *fn, Bf16Band band, Bf16BandKind allowed1, Bf16BandKind allowed2) {
    if (band.kind != BAND_NONE && band.kind != allowed1 && band.kind != allowed2)
        dusk_die("%s: band kind %d not supported", fn, (int)band.kind);
    if (band.kind != BAND_NONE && band.diag < 0) dusk_die("%s: band diagonal %d < 0", fn, band.diag);
}

/* Every MR x NR tile of C is one micro-kernel call over all k pairs, as in
 * gemm_bf16 (k within one slice: a packed B is), on the same words: a prefix
 * of a packed B is the packing of that prefix (NR-column panels; along K,
 * pairs from the start, so an even k reads whole pairs). So the same bits
 * (a band skips whole tiles, or pairs of zeros at a tile's end). */
void gemm_bf16_words_prepacked(int m, int n, int k, float alpha, const uint32_t *words, int ldw,
                               const Bf16PackedB *b, float beta, float *c, int ldc, Bf16Band band) {
    if (m <= 0 || n <= 0) return;
    if (n > b->n || k > b->k || (k % 2 && k != b->k)) /* not a prefix (an odd k short of all of B splits a pair) */
        dusk_die("gemm_bf16_words_prepacked: %d x %d of a packed B of %d x %d", k, n, b->k, b->n);
    check_band("gemm_bf16_words_prepacked", band, BAND_OUT_COLS, BAND_K_UPTO);
    if (k <= 0 || alpha == 0.0f) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    const Bf16Kernel *kern = kernel();
    int kpairs = (k + 1) / 2;
    for (int c0 = 0; c0 < n; c0 += BF16_NR)
        for (int r0 = 0; r0 < m; r0 += BF16_MR) {
            int mr = min_int(BF16_MR, m - r0), last_diag = band.diag + r0 + mr - 1, pairs = kpairs;
            if (band.kind == BAND_OUT_COLS && c0 > last_diag) continue; /* past every row's diagonal */
            if (band.kind == BAND_K_UPTO) pairs = min_int(kpairs, last_diag / 2 + 1); /* up to k = last_diag */
            kern->kernel_strided(pairs, words + (size_t)r0 * ldw, ldw, 1, b->panels + (size_t)c0 * b->kpairs,
                                 c + (size_t)r0 * ldc + c0, ldc, mr, min_int(BF16_NR, n - c0), alpha, beta);
        }
}

/* Every tile is one micro-kernel call over all kpairs on the same panels as
 * gemm_bf16's (one K slice: k = 2 kpairs is at most a few hundred here), so
 * the same bits (a band skips a tile's leading pairs of zeros). */
void gemm_bf16_panels_prepacked(int m, int n, const uint32_t *a_panels, int kpairs, float alpha,
                                const Bf16PackedB *b, float beta, float *c, int ldc, Bf16Band band) {
    if (m <= 0 || n <= 0) return;
    if (n != b->n || kpairs != b->kpairs)
        dusk_die("gemm_bf16_panels_prepacked: A of %d pairs, n %d against a packed B of %d pairs x %d", kpairs, n,
                 b->kpairs, b->n);
    check_band("gemm_bf16_panels_prepacked", band, BAND_K_FROM, BAND_K_FROM);
    if (kpairs == 0 || alpha == 0.0f) {
        scale_c(m, n, beta, c, ldc);
        return;
    }
    const Bf16Kernel *kern = kernel();
    for (int c0 = 0; c0 < n; c0 += BF16_NR)
        for (int r0 = 0; r0 < m; r0 += BF16_MR) {
            /* pairs wholly before the tile's first row's first live k */
            int skip = band.kind == BAND_K_FROM && r0 > band.diag ? min_int(kpairs, (r0 - band.diag) / 2) : 0;
            float *ct = c + (size_t)r0 * ldc + c0;
            if (skip == kpairs && beta == 1.0f) continue; /* adds nothing */
            kern->kernel(kpairs - skip, a_panels + ((size_t)r0 * kpairs + (size_t)skip * BF16_MR),
                         b->panels + (size_t)c0 * kpairs + (size_t)skip * BF16_NR, ct, ldc, min_int(BF16_MR, m - r0),
                         min_int(BF16_NR, n - c0), alpha, beta);
        }
}
