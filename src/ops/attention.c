/* Causal scaled-dot-product attention with grouped-query heads.
 *
 * Each (batch, head) is two sgemm calls around a row softmax. Forward keeps
 * only the output and each row's log-sum-exp; backward rebuilds the
 * probabilities from them (as flash-attention does), so activation memory
 * is O(T) per head instead of O(T^2). Work is split over (batch, head) with
 * OpenMP; the OpenMP build of OpenBLAS runs single-threaded inside. */
#include <cblas.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>

#include "ops/ops.h"
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

/* P[i, j] = exp(S[i, j] - lse_i) for j <= i, 0 above the diagonal. With
 * lse == NULL it is computed (forward) and written to lse_out. */
static void causal_softmax_rows(float *s, int T, const float *lse, float *lse_out) {
    for (int i = 0; i < T; i++) {
        float *row = s + (size_t)i * T;
        float l;
        if (lse) {
            l = lse[i];
        } else {
            float mx = row[0];
            for (int j = 1; j <= i; j++) mx = row[j] > mx ? row[j] : mx;
            double sum = 0.0;
            for (int j = 0; j <= i; j++) sum += exp((double)(row[j] - mx));
            l = mx + (float)log(sum);
            lse_out[i] = l;
        }
        for (int j = 0; j <= i; j++) row[j] = expf(row[j] - l);
        for (int j = i + 1; j < T; j++) row[j] = 0.0f;
    }
}

void attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, int B, int T,
                       int nh, int nkv, int hd) {
    const int ldq = nh * hd, ldkv = nkv * hd, rep = nh / nkv;
    const float scale = 1.0f / sqrtf((float)hd);
#pragma omp parallel
    {
        float *buf = NULL;
        size_t cap = 0;
#pragma omp for schedule(static)
        for (int bh = 0; bh < B * nh; bh++) {
            int b = bh / nh, h = bh % nh, g = h / rep;
            const float *qh = q + (size_t)b * T * ldq + h * hd;
            const float *kg = k + (size_t)b * T * ldkv + g * hd;
            const float *vg = v + (size_t)b * T * ldkv + g * hd;
            float *oh = out + (size_t)b * T * ldq + h * hd;
            float *s = scratch(&buf, &cap, (size_t)T * T);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd, scale, qh, ldq, kg, ldkv, 0.0f, s, T);
            causal_softmax_rows(s, T, NULL, lse + (size_t)bh * T);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T, 1.0f, s, T, vg, ldkv, 0.0f, oh, ldq);
        }
        free(buf);
    }
}

/* For one query head: P from lse; dV += P^T dO; dP = dO V^T;
 * dS = P * (dP - rowsum(dO * O)); dQ = scale dS K; dK += scale dS^T Q. */
static void attention_backward_head(float *dqh, float *dkg, float *dvg, const float *doh, const float *qh,
                                    const float *kg, const float *vg, const float *oh, const float *lse, int T,
                                    int hd, int ldq, int ldkv, float scale, float beta_kv, float *p, float *dp) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd, scale, qh, ldq, kg, ldkv, 0.0f, p, T);
    causal_softmax_rows(p, T, lse, NULL);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T, 1.0f, p, T, doh, ldq, beta_kv, dvg, ldkv);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, T, T, hd, 1.0f, doh, ldq, vg, ldkv, 0.0f, dp, T);
    for (int i = 0; i < T; i++) {
        const float *o = oh + (size_t)i * ldq, *d = doh + (size_t)i * ldq;
        float dot = 0.0f;
        for (int x = 0; x < hd; x++) dot += o[x] * d[x];
        float *pr = p + (size_t)i * T, *dpr = dp + (size_t)i * T;
        for (int j = 0; j <= i; j++) dpr[j] = pr[j] * (dpr[j] - dot);
        for (int j = i + 1; j < T; j++) dpr[j] = 0.0f;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, T, hd, T, scale, dp, T, kg, ldkv, 0.0f, dqh, ldq);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, T, hd, T, scale, dp, T, qh, ldq, beta_kv, dkg, ldkv);
}

void attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                        const float *v, const float *out, const float *lse, int B, int T, int nh, int nkv, int hd) {
    const int ldq = nh * hd, ldkv = nkv * hd, rep = nh / nkv;
    const float scale = 1.0f / sqrtf((float)hd);
    /* One task per (batch, kv head): the query heads sharing a kv head add
     * into its dK/dV in a fixed order, so results do not depend on threads. */
#pragma omp parallel
    {
        float *buf = NULL;
        size_t cap = 0;
#pragma omp for schedule(static)
        for (int bg = 0; bg < B * nkv; bg++) {
            int b = bg / nkv, g = bg % nkv;
            float *work = scratch(&buf, &cap, 2 * (size_t)T * T);
            size_t kv_off = (size_t)b * T * ldkv + g * hd;
            for (int r = 0; r < rep; r++) {
                int h = g * rep + r;
                size_t q_off = (size_t)b * T * ldq + h * hd;
                attention_backward_head(dq + q_off, dk + kv_off, dv + kv_off, dout + q_off, q + q_off, k + kv_off,
                                        v + kv_off, out + q_off, lse + ((size_t)b * nh + h) * T, T, hd, ldq, ldkv,
                                        scale, r == 0 ? 0.0f : 1.0f, work, work + (size_t)T * T);
            }
        }
        free(buf);
    }
}
