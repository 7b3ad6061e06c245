/* Causal scaled-dot-product attention with grouped-query heads.
 *
 * Each (batch, head) is two cpu_gemm() calls around a row softmax. Forward keeps
 * only the output and each row's log-sum-exp; backward rebuilds the
 * probabilities from them (as flash-attention does), so activation memory
 * is O(T) per head instead of O(T^2). Work is split over (batch, head) with
 * OpenMP, one contiguous share of heads per thread sized by the threads'
 * measured speeds (balance.h; heads are independent tasks, so the bits do
 * not depend on the shares); cpu_gemm() (dusk's or OpenBLAS's) runs on the
 * calling thread inside. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "ops/cpu/attention_rows.h"
#include "ops/cpu/attention_rows_bf16.h"
#include "ops/cpu/balance.h"
#include "ops/cpu/cpu_ops.h"
#include "ops/cpu/gemm_bf16.h"
#include "ops/cpu/sgemm.h"
#include "util/err.h"

/* Thread-private scratch of at least n floats, grown on demand. */
static float *scratch(float **buf, size_t *cap, size_t n) {
    if (*cap < n) {
        free(*buf);
        *buf = xmalloc(n * sizeof(float));
        *cap = n;
    }
    return *buf;
}

/* A head's keys or values as the B operand of its block products: op(B) is
 * [k, n], x itself, or x^T when trans (x stored [n, k]); each query block
 * uses a prefix of it. Packed into the GEMM's panels once for all the query
 * blocks, not once per block (work that grew as T^2 / 64): in bf16 panels
 * under --precision bf16 (tiny bf16 train step 1-2% faster), in dusk's fp32
 * panels when x is transposed (untransposed, the products of 64 query rows
 * read B in place anyway). The bits are those of per-block products. */
typedef enum { HEAD_UNPACKED, HEAD_BF16, HEAD_FP32 } HeadPacking;
typedef struct {
    const float *x;
    int ld, trans, n, k;
    HeadPacking packing;
    Bf16PackedB bf16;
    SgemmPackedB fp32;
} HeadOperand;

static HeadPacking head_packing(int trans, int k) {
    if (ops_precision() == PRECISION_BF16) return bf16_packed_b_fits(k) ? HEAD_BF16 : HEAD_UNPACKED;
    return ops_gemm_impl() == GEMM_IMPL_DUSK && trans && sgemm_packed_b_fits(k) ? HEAD_FP32 : HEAD_UNPACKED;
}

static void head_operand_set(HeadOperand *o, const float *x, int ld, int trans, int n, int k) {
    /* the same kv head again (forward: the query heads of a group): an
     * operand lives within one attention call, so its packing still holds */
    if (o->x == x && o->ld == ld && o->trans == trans && o->n == n && o->k == k) return;
    o->x = x, o->ld = ld, o->trans = trans, o->n = n, o->k = k;
    o->packing = head_packing(trans, k);
    if (o->packing == HEAD_BF16) bf16_packed_b_set(&o->bf16, trans, n, k, x, ld);
    if (o->packing == HEAD_FP32) sgemm_packed_b_set(&o->fp32, trans, n, k, x, ld);
}

static void head_operand_free(HeadOperand *o) {
    bf16_packed_b_free(&o->bf16);
    sgemm_packed_b_free(&o->fp32);
}

/* A thread's bf16 buffers for a block (allocated under bf16 only): its rows
 * as words (ATT_BLOCK rows of ld words), P^T or dS^T as the kernel's A
 * panels (attention_rows_bf16.h), and a block of dO or Q packed as B. */
typedef struct {
    uint32_t *w;
    int ld;
    uint32_t *panels;
    Bf16PackedB rows_b;
} BlockWords;

/* C = alpha A op(B)[:k, :n] + beta C for a block's A (m rows, k wide, lda
 * apart): the queries, the output's gradient, the probabilities or their
 * gradient. band: the causal mask's zeros that the bf16 products skip
 * (gemm_bf16.h; the fp32 ones compute them). Under bf16 A's rows become
 * words in place (bf16_row_words) that the kernel reads as they lie, in half
 * the time of packing them into panels (which transposes every 16 rows;
 * 64 x 160: 0.66 against 1.26 us, and P V as a whole 2.4 against 2.9 us);
 * the bits are those of gemm_bf16. */
static void block_product(int m, int n, int k, float alpha, const float *a, int lda, const HeadOperand *b,
                          BlockWords *words, float beta, float *c, int ldc, Bf16Band band) {
    switch (b->packing) {
    case HEAD_BF16:
        bf16_row_words(a, lda, m, k, words->w, words->ld);
        gemm_bf16_words_prepacked(m, n, k, alpha, words->w, words->ld, &b->bf16, beta, c, ldc, band);
        break;
    case HEAD_FP32: sgemm_prepacked(0, m, n, k, alpha, a, lda, &b->fp32, beta, c, ldc); break;
    case HEAD_UNPACKED: cpu_gemm(0, b->trans, m, n, k, alpha, a, lda, b->x, b->ld, beta, c, ldc); break;
    }
}

/* Rows are processed in blocks of ATT_BLOCK queries; block [i0, i1) only
 * needs keys [0, i1), which skips most of the masked upper triangle. */
#define ATT_BLOCK 64

/* Operands: keys_t K^T (op(B) = K^T: [hd, T]), values V ([T, hd]). */
static void attention_forward_head(float *oh, float *lse, const float *qh, const HeadOperand *keys_t,
                                   const HeadOperand *values, int T, int hd, int ldq, float scale, float *p,
                                   BlockWords *words) {
    for (int i0 = 0; i0 < T; i0 += ATT_BLOCK) {
        int i1 = i0 + ATT_BLOCK < T ? i0 + ATT_BLOCK : T, rows = i1 - i0;
        Bf16Band out_cols = {BAND_OUT_COLS, i0}, k_upto = {BAND_K_UPTO, i0}; /* block row r is query i0 + r */
        block_product(rows, i1, hd, scale, qh + (size_t)i0 * ldq, ldq, keys_t, words, 0.0f, p, T, out_cols); /* S = Q K^T */
        attention_softmax_block(p, T, i0, i1, NULL, lse);
        block_product(rows, hd, i1, 1.0f, p, T, values, words, 0.0f, oh + (size_t)i0 * ldq, ldq, k_upto); /* O = P V */
    }
}

/* A thread's words for a block's rows up to max(T, hd) wide (rows of whole
 * cache lines), and panels for up to T keys by ATT_BLOCK / 2 pairs. */
static BlockWords block_words_alloc(int T, int hd) {
    int k = T > hd ? T : hd;
    BlockWords bw = {.ld = ((k + 1) / 2 + 15) / 16 * 16};
    if (ops_precision() != PRECISION_BF16) return bw;
    bw.w = xmalloc(sizeof(uint32_t) * (size_t)bw.ld * ATT_BLOCK);
    bw.panels = xmalloc(sizeof(uint32_t) * (size_t)(T + BF16_MR) * (ATT_BLOCK / 2));
    return bw;
}

static void block_words_free(BlockWords *bw) {
    free(bw->w), free(bw->panels);
    bf16_packed_b_free(&bw->rows_b);
}

void cpu_attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, int B, int T,
                       int nh, int nkv, int hd) {
    const int ldq = nh * hd, ldkv = nkv * hd, rep = nh / nkv;
    const float scale = 1.0f / sqrtf((float)hd);
    int sizes[] = {B, T, nh, nkv, hd, ops_precision()};
    BalanceSlot *slot = balance_slot(balance_key("attention_forward", sizes, 6), omp_get_max_threads());
#pragma omp parallel
    {
        float *buf = NULL;
        size_t cap = 0;
        HeadOperand keys_t = {0}, values = {0};
        BlockWords words = block_words_alloc(T, hd);
        int tid = omp_get_thread_num(), nt = omp_get_num_threads(), lo, hi;
        double t0 = omp_get_wtime();
        balance_share(slot, B * nh, tid, nt, &lo, &hi);
        for (int bh = lo; bh < hi; bh++) {
            int b = bh / nh, h = bh % nh, g = h / rep;
            float *p = scratch(&buf, &cap, (size_t)ATT_BLOCK * T);
            size_t kv_off = (size_t)b * T * ldkv + g * hd;
            head_operand_set(&keys_t, k + kv_off, ldkv, 1, T, hd);
            head_operand_set(&values, v + kv_off, ldkv, 0, hd, T);
            attention_forward_head(out + (size_t)b * T * ldq + h * hd, lse + (size_t)bh * T,
                                   q + (size_t)b * T * ldq + h * hd, &keys_t, &values, T, hd, ldq, scale, p, &words);
        }
        balance_record(slot, tid, nt, hi - lo, omp_get_wtime() - t0);
        head_operand_free(&keys_t), head_operand_free(&values);
        block_words_free(&words);
        free(buf);
    }
    balance_update(slot);
}

/* The kv head's operands, set once for its query heads. */
typedef struct {
    HeadOperand keys_t, values_t, keys; /* K^T [hd, T], V^T [hd, T], K [T, hd] */
} KvOperands;

/* One query head, block by block: P from lse; dV += P^T dO; dP = dO V^T;
 * dS = P * (dP - rowsum(dO * O)); dQ = scale dS K; dK += scale dS^T Q.
 * dK and dV must be zeroed by the caller. */
static void attention_backward_head(float *dqh, float *dkg, float *dvg, const float *doh, const float *qh,
                                    const KvOperands *kv, const float *oh, const float *lse, int T, int hd, int ldq,
                                    int ldkv, float scale, float *p, float *dp, BlockWords *words) {
    for (int i0 = 0; i0 < T; i0 += ATT_BLOCK) {
        int i1 = i0 + ATT_BLOCK < T ? i0 + ATT_BLOCK : T, rows = i1 - i0;
        const float *qb = qh + (size_t)i0 * ldq, *dob = doh + (size_t)i0 * ldq;
        Bf16Band out_cols = {BAND_OUT_COLS, i0}, k_upto = {BAND_K_UPTO, i0};
        block_product(rows, i1, hd, scale, qb, ldq, &kv->keys_t, words, 0.0f, p, T, out_cols); /* S = Q K^T */
        attention_softmax_block(p, T, i0, i1, lse, NULL);
        cpu_gemm(1, 0, i1, hd, rows, 1.0f, p, T, dob, ldq, 1.0f, dvg, ldkv);    /* dV += P^T dO */
        block_product(rows, i1, hd, 1.0f, dob, ldq, &kv->values_t, words, 0.0f, dp, T, out_cols); /* dP = dO V^T */
        attention_dscores_block(dp, p, T, oh + (size_t)i0 * ldq, dob, ldq, hd, i0, i1);
        block_product(rows, hd, i1, scale, dp, T, &kv->keys, words, 0.0f, dqh + (size_t)i0 * ldq, ldq, k_upto); /* dQ = dS K */
        cpu_gemm(1, 0, i1, hd, rows, scale, dp, T, qb, ldq, 1.0f, dkg, ldkv); /* dK += dS^T Q */
    }
}

/* attention_backward_head under bf16 (every kv operand packed in bf16):
 * P^T and dS^T go to the dV and dK products as the A panels the row steps
 * make (attention_rows_bf16.h), dS to dQ as words; dO and Q, as B, are
 * packed per block. The bits of the fp32-block path above. */
static void attention_backward_head_bf16(float *dqh, float *dkg, float *dvg, const float *doh, const float *qh,
                                         const KvOperands *kv, const float *oh, const float *lse, int T, int hd,
                                         int ldq, int ldkv, float scale, float *p, float *dp, BlockWords *words) {
    for (int i0 = 0; i0 < T; i0 += ATT_BLOCK) {
        int i1 = i0 + ATT_BLOCK < T ? i0 + ATT_BLOCK : T, rows = i1 - i0, kpairs = (rows + 1) / 2;
        const float *qb = qh + (size_t)i0 * ldq, *dob = doh + (size_t)i0 * ldq;
        /* S, dP: query i0 + r needs keys up to it; dQ: dS is zero past them;
         * dV, dK: key j has probabilities only from query j on */
        Bf16Band out_cols = {BAND_OUT_COLS, i0}, k_upto = {BAND_K_UPTO, i0}, k_from = {BAND_K_FROM, i0};
        block_product(rows, i1, hd, scale, qb, ldq, &kv->keys_t, words, 0.0f, p, T, out_cols); /* S = Q K^T */
        attention_probs_panels(p, T, i0, i1, lse, words->panels);
        bf16_packed_b_set(&words->rows_b, 0, hd, rows, dob, ldq);
        gemm_bf16_panels_prepacked(i1, hd, words->panels, kpairs, 1.0f, &words->rows_b, 1.0f, dvg, ldkv, k_from); /* dV += P^T dO */
        block_product(rows, i1, hd, 1.0f, dob, ldq, &kv->values_t, words, 0.0f, dp, T, out_cols); /* dP = dO V^T */
        attention_dscores_words(dp, p, T, oh + (size_t)i0 * ldq, dob, ldq, hd, i0, i1, words->w, words->ld,
                                words->panels);
        gemm_bf16_words_prepacked(rows, hd, i1, scale, words->w, words->ld, &kv->keys.bf16, 0.0f,
                                  dqh + (size_t)i0 * ldq, ldq, k_upto); /* dQ = dS K */
        bf16_packed_b_set(&words->rows_b, 0, hd, rows, qb, ldq);
        gemm_bf16_panels_prepacked(i1, hd, words->panels, kpairs, scale, &words->rows_b, 1.0f, dkg, ldkv, k_from); /* dK += dS^T Q */
    }
}

static int kv_all_bf16(const KvOperands *kv) {
    return kv->keys_t.packing == HEAD_BF16 && kv->values_t.packing == HEAD_BF16 && kv->keys.packing == HEAD_BF16;
}

static void zero_strided(float *x, int rows, int cols, int ld) {
    for (int r = 0; r < rows; r++) memset(x + (size_t)r * ld, 0, sizeof(float) * cols);
}

void cpu_attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                        const float *v, const float *out, const float *lse, int B, int T, int nh, int nkv, int hd) {
    const int ldq = nh * hd, ldkv = nkv * hd, rep = nh / nkv;
    const float scale = 1.0f / sqrtf((float)hd);
    /* One task per (batch, kv head): the query heads sharing a kv head add
     * into its dK/dV in a fixed order, so results do not depend on threads. */
    int sizes[] = {B, T, nh, nkv, hd, ops_precision()};
    BalanceSlot *slot = balance_slot(balance_key("attention_backward", sizes, 6), omp_get_max_threads());
#pragma omp parallel
    {
        float *buf = NULL;
        size_t cap = 0;
        KvOperands kv = {0};
        BlockWords words = block_words_alloc(T, hd);
        int tid = omp_get_thread_num(), nt = omp_get_num_threads(), lo, hi;
        double t0 = omp_get_wtime();
        balance_share(slot, B * nkv, tid, nt, &lo, &hi);
        for (int bg = lo; bg < hi; bg++) {
            int b = bg / nkv, g = bg % nkv;
            float *work = scratch(&buf, &cap, 2 * (size_t)ATT_BLOCK * T);
            size_t kv_off = (size_t)b * T * ldkv + g * hd;
            head_operand_set(&kv.keys_t, k + kv_off, ldkv, 1, T, hd);
            head_operand_set(&kv.values_t, v + kv_off, ldkv, 1, T, hd);
            head_operand_set(&kv.keys, k + kv_off, ldkv, 0, hd, T);
            zero_strided(dk + kv_off, T, hd, ldkv);
            zero_strided(dv + kv_off, T, hd, ldkv);
            for (int r = 0; r < rep; r++) {
                int h = g * rep + r;
                size_t q_off = (size_t)b * T * ldq + h * hd;
                (kv_all_bf16(&kv) ? attention_backward_head_bf16 : attention_backward_head)(
                    dq + q_off, dk + kv_off, dv + kv_off, dout + q_off, q + q_off, &kv, out + q_off,
                    lse + ((size_t)b * nh + h) * T, T, hd, ldq, ldkv, scale, work, work + (size_t)ATT_BLOCK * T, &words);
            }
        }
        balance_record(slot, tid, nt, hi - lo, omp_get_wtime() - t0);
        head_operand_free(&kv.keys_t), head_operand_free(&kv.values_t), head_operand_free(&kv.keys);
        block_words_free(&words);
        free(buf);
    }
    balance_update(slot);
}
