/* The bf16 GEMM behind --precision bf16 (gemm_bf16.c): both operands rounded
 * fp32 -> bfloat16 (round to nearest even, as torch's .to(torch.bfloat16)),
 * products accumulated in fp32. The rounding happens while packing, so the
 * packed panels ARE the bf16 copies of the weights and activations that feed
 * the matmul. Two micro-kernels share that packing: AVX512_BF16 (vdpbf16ps)
 * where the CPU has it, else a portable C one. Internal to src/ops/cpu; the
 * engine calls gemm() in ops.h. */
#ifndef DUSK_OPS_CPU_GEMM_BF16_H
#define DUSK_OPS_CPU_GEMM_BF16_H

#include <stddef.h>
#include <stdint.h>

/* Register tile: MR rows of A by NR columns of B. Packed panels hold pairs of
 * consecutive k as one 32-bit word (low half k even, high half k odd): an A
 * panel is [kpairs][MR] words, a B panel [kpairs][NR] words. */
enum { BF16_MR = 8, BF16_NR = 32 };

/* Packs `rows` logical rows of X, k deep, into ceil(rows / R) panels of R
 * rows (the rows past the end zero), panel q at dst + q R kpairs, each
 * [kpairs][R] words, kpairs = (k + 1) / 2. X[r][kk] is src[r * ld + kk] when
 * pairs_contiguous, else src[kk * ld + r]. R is BF16_MR or BF16_NR. */
typedef void (*Bf16PackPanels)(const float *src, ptrdiff_t ld, int pairs_contiguous, int rows, int k, int R,
                               uint32_t *dst);
/* C[mr, nr] = alpha * Apanel Bpanel + beta * C over kpairs pairs (beta == 0:
 * C is not read); mr <= MR, nr <= NR are the real rows/columns. */
typedef void (*Bf16MicroKernel)(int kpairs, const uint32_t *pa, const uint32_t *pb, float *c, ptrdiff_t ldc, int mr,
                                int nr, float alpha, float beta);

/* The same product with A's words where they lie: the word of row i, pair p
 * at pa[i * a_row + p * a_pair] (a packed panel is a_row 1, a_pair MR; rows
 * of bf16_row_words' output a_row ldw, a_pair 1). Same arithmetic, so the
 * same bits as on a packed copy of those words. */
typedef void (*Bf16StridedKernel)(int kpairs, const uint32_t *pa, ptrdiff_t a_row, ptrdiff_t a_pair,
                                  const uint32_t *pb, float *c, ptrdiff_t ldc, int mr, int nr, float alpha, float beta);
/* dst[r * ldw + p] = the word of pair p of row r: src[r * ld + 2p] rounded
 * to bf16 in the low half, src[r * ld + 2p + 1] in the high half (zero past
 * an odd k), for r < rows, p < (k + 1) / 2; the same words, rounded the same
 * way, as pack with pairs_contiguous puts into its panels. */
typedef void (*Bf16RowWords)(const float *src, ptrdiff_t ld, int rows, int k, uint32_t *dst, ptrdiff_t ldw);

typedef struct {
    const char *name; /* "avx512bf16" | "plain" */
    Bf16PackPanels pack;
    Bf16MicroKernel kernel;
    Bf16StridedKernel kernel_strided;
    Bf16RowWords row_words;
    int (*cpu_has)(void);
} Bf16Kernel;

extern const Bf16Kernel bf16_kernel_avx512;
extern const Bf16Kernel bf16_kernel_plain;

/* Force a kernel ("avx512bf16", "plain") or NULL / "auto" for the best this
 * CPU runs. -1 with dusk_error for an unknown name or one the CPU lacks.
 * Without a call, DUSK_GEMM_BF16_KERNEL (same names) decides, else auto. */
int gemm_bf16_set_kernel(const char *name);
/* (ops_bf16_kernel_name() in ops.h names the kernel in use.) Whether it is
 * the AVX512_BF16 one (the CPU then has AVX512_BF16, F, BW, VL and DQ). */
int gemm_bf16_uses_avx512(void);

/* Same contract as gemm() in ops.h (row-major, BLAS alpha/beta: beta == 0
 * never reads C; alpha == 0 or k == 0 leaves beta * C), computed in bf16 x
 * bf16 -> fp32. */
void gemm_bf16(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
               int ldb, float beta, float *c, int ldc);

/* A B operand packed once and used by several products on the calling
 * thread (attention: a head's keys and values serve every block of
 * queries). Zero-initialise; bf16_packed_b_set packs op(B) [k, n] (trans_b:
 * B stored [n, k]), growing the buffer; k at most one K slice
 * (bf16_packed_b_fits). */
typedef struct {
    uint32_t *panels;
    size_t cap; /* words */
    int n, k, kpairs;
} Bf16PackedB;

int bf16_packed_b_fits(int k);
void bf16_packed_b_set(Bf16PackedB *pb, int trans_b, int n, int k, const float *b, int ldb);
void bf16_packed_b_free(Bf16PackedB *pb);
/* The causal mask's zeros in attention's block products, which the two
 * products below skip tile by tile (a 64-row query block against keys
 * [0, i1): the diagonal 64 x 64 square is half masked, 20% of the block
 * products' work). Row r is row r of the call's C (and of A):
 *  BAND_OUT_COLS: only C's columns j <= diag + r are wanted (S = Q K^T and
 *    dP = dO V^T); tiles past every row's diagonal are not computed, and
 *    those elements of C are left as they were;
 *  BAND_K_UPTO: A is zero for k > diag + r (O = P V, dQ = dS K); a tile's
 *    products stop after its last row's diagonal;
 *  BAND_K_FROM: A is zero for k < r - diag (dV += P^T dO, dK += dS^T Q,
 *    keys against the block's queries); a tile's products start at its first
 *    row's.
 * A skipped product of zeros would add +-0 to an accumulator that starts at
 * +0 (so holds +0 or a nonzero), which changes nothing: the computed
 * elements keep their bits. */
typedef enum { BAND_NONE, BAND_OUT_COLS, BAND_K_UPTO, BAND_K_FROM } Bf16BandKind;
typedef struct {
    Bf16BandKind kind;
    int diag;
} Bf16Band;

/* A [m, k] as bf16 words, row-major (bf16_row_words), read where they lie
 * instead of packed into panels (attention's block products: 64 rows of A
 * used for a few tiles only, where packing them took about as long as the
 * products). C = alpha A op(B)[:k, :n] + beta C on the calling thread, with
 * B the first k rows and n columns of the packed op(B) (k even, or all of
 * it): the bits of gemm_bf16 on the fp32 A those words were rounded from and
 * the unpacked B. words: m rows of (k + 1) / 2 words, ldw apart (nothing
 * past row m is read). band: BAND_NONE, BAND_OUT_COLS or BAND_K_UPTO. */
void gemm_bf16_words_prepacked(int m, int n, int k, float alpha, const uint32_t *words, int ldw,
                               const Bf16PackedB *b, float beta, float *c, int ldc, Bf16Band band);
/* A as packed panels already (attention's dV and dK products: P^T and dS^T
 * come out of the row steps that compute P and dS in this layout, see
 * attention_rows_bf16.h): m rows in ceil(m / BF16_MR) panels of [kpairs][MR]
 * words, rows past m zero. C = alpha A op(B) + beta C on the calling thread,
 * B all of a packed op(B) with b->kpairs == kpairs: the bits of gemm_bf16
 * on the fp32 A those words were rounded from. band: BAND_NONE or
 * BAND_K_FROM. */
void gemm_bf16_panels_prepacked(int m, int n, const uint32_t *a_panels, int kpairs, float alpha,
                                const Bf16PackedB *b, float beta, float *c, int ldc, Bf16Band band);
/* words[r * ldw + p] for r < rows, p < (k + 1) / 2: src's rows as bf16 words
 * (Bf16RowWords), by the kernel in use. */
void bf16_row_words(const float *src, int ld, int rows, int k, uint32_t *words, int ldw);

#endif
