/* Attention's backward row steps under --precision bf16
 * (attention_rows_bf16.c): the probabilities' recompute and the scores'
 * gradient of attention_rows.h, handing their results to the next products
 * as bf16 words directly, in the layout each product reads: rows of words
 * (bf16_row_words) for dQ = dS K, which takes the block's rows as A, and the
 * kernel's packed A panels of the transpose (gemm_bf16_panels_prepacked) for
 * dV += P^T dO and dK += dS^T Q. Before, each product re-read the fp32 block
 * to round it (and transposed P and dS through gemm_bf16's packing); dS is
 * no longer stored in fp32 at all. Same words, so the same bits as that path.
 * (The forward's P goes to O = P V through bf16_row_words: handing it over
 * as words from the softmax measured the same.)
 *
 * Layouts, for block rows i0..i1-1 (rows = i1 - i0) against keys 0..i1-1:
 *  - row words: words[(i - i0) * ldw + w] pairs columns 2w, 2w + 1 of row i,
 *    for w < (i1 + 1) / 2;
 *  - transposed panels: key j is row j of the A operand, in ceil(i1 / BF16_MR)
 *    panels of [kpairs][BF16_MR] words (rows past i1 zero), kpairs =
 *    (rows + 1) / 2; the word of key j, pair q holds rows i0 + 2q (low half)
 *    and i0 + 2q + 1 (high half; 0 past i1).
 * An AVX512_BF16 version runs when the bf16 GEMM kernel is avx512bf16 (so
 * DUSK_GEMM_BF16_KERNEL=plain tests the portable one). Internal to
 * src/ops/cpu. */
#ifndef DUSK_OPS_CPU_ATTENTION_ROWS_BF16_H
#define DUSK_OPS_CPU_ATTENTION_ROWS_BF16_H

#include <stdint.h>

/* p holds the block's scores on entry (p[(i - i0) * ld + j], j < i1): P =
 * exp(S - lse[i]) in place of them (0 above the diagonal), and P^T as
 * transposed panels. */
void attention_probs_panels(float *p, int ld, int i0, int i1, const float *lse, uint32_t *panels);

/* dS = P * (dP - rowsum(dO * O)) (0 above the diagonal) as row words and as
 * transposed panels; dp and p are read only (stored like p above), o and
 * dout are the rows' outputs and their gradient, hd wide, ldo apart. The
 * words are those attention_dscores_block's fp32 dS rounds to. */
void attention_dscores_words(const float *dp, const float *p, int ld, const float *o, const float *dout, int ldo,
                             int hd, int i0, int i1, uint32_t *words, int ldw, uint32_t *panels);

#endif
