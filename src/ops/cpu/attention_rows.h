/* The row-wise steps of attention between its products (attention_rows.c):
 * the causal softmax of a block of query rows and the scores' gradient.
 * An AVX-512 version runs when dusk's GEMM kernel is avx512 (so
 * DUSK_GEMM_KERNEL=avx2 or plain tests the portable one); internal to
 * src/ops/cpu. */
#ifndef DUSK_OPS_CPU_ATTENTION_ROWS_H
#define DUSK_OPS_CPU_ATTENTION_ROWS_H

/* Query rows i0..i1-1 of the probabilities, stored as p[(i - i0) * ld + j]
 * for j < i1 (ld >= i1), holding the scores on entry: P = softmax(S) on and
 * below the diagonal, 0 above. lse_in == NULL: the row log-sum-exp is
 * computed and stored in lse_out[i]; else P = exp(S - lse_in[i]) (the
 * backward's recompute). */
void attention_softmax_block(float *p, int ld, int i0, int i1, const float *lse_in, float *lse_out);

/* dS = P * (dP - rowsum(dO * O)) in place of dP, rows i0..i1-1 (stored like
 * p above), 0 above the diagonal; o and dout are the rows' outputs and their
 * gradient, hd wide, ldo apart. */
void attention_dscores_block(float *dp, const float *p, int ld, const float *o, const float *dout, int ldo, int hd,
                             int i0, int i1);

#endif
