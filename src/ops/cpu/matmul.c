/* Linear layers via OpenBLAS sgemm (the only place the engine calls BLAS for
 * dense layers). */

#include "ops/cpu/cpu_ops.h"

void cpu_linear_forward(float *out, const float *inp, const float *w, const float *bias, int n, int in, int out_dim) {
    /* out[n, out] = inp[n, in] * w[out, in]^T */
    cpu_gemm(0, 1, n, out_dim, in, 1.0f, inp, in, w, in, 0.0f, out, out_dim);
    if (bias) {
        for (int i = 0; i < n; i++) {
            float *row = out + (size_t)i * out_dim;
            for (int j = 0; j < out_dim; j++) row[j] += bias[j];
        }
    }
}

void cpu_linear_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w,
                     int n, int in, int out_dim, int accumulate_dinp) {
    if (dinp) /* dinp[n, in] = dout[n, out] * w[out, in] */
        cpu_gemm(0, 0, n, in, out_dim, 1.0f, dout, out_dim, w, in,
                    accumulate_dinp ? 1.0f : 0.0f, dinp, in);
    if (dw) /* dw[out, in] += dout^T[out, n] * inp[n, in] */
        cpu_gemm(1, 0, out_dim, in, n, 1.0f, dout, out_dim, inp, in, 1.0f, dw,
                    in);
    if (dbias) {
        for (int i = 0; i < n; i++) {
            const float *row = dout + (size_t)i * out_dim;
            for (int j = 0; j < out_dim; j++) dbias[j] += row[j];
        }
    }
}
