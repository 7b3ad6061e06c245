/* The one door to matrix products: the process-wide GEMM settings and the
 * dispatch to an implementation: bf16 (gemm_bf16.c) when the precision asks
 * for it, else dusk's own SGEMM (sgemm.c) or OpenBLAS. */
#include <cblas.h>
#include <string.h>

#include "ops/cpu/gemm_bf16.h"
#include "ops/cpu/sgemm.h"
#include "ops/cpu/cpu_ops.h"
#include "util/err.h"

static GemmImpl g_impl = GEMM_IMPL_DUSK;
static Precision g_precision = PRECISION_FP32;

int ops_set_gemm_impl(const char *name) {
    if (!strcmp(name, "dusk")) g_impl = GEMM_IMPL_DUSK;
    else if (!strcmp(name, "openblas")) g_impl = GEMM_IMPL_OPENBLAS;
    else return dusk_error("--gemm must be dusk or openblas (got '%s')", name);
    return 0;
}

int ops_set_precision(const char *name) {
    if (!strcmp(name, "fp32")) g_precision = PRECISION_FP32;
    else if (!strcmp(name, "bf16")) g_precision = PRECISION_BF16;
    else return dusk_error("--precision must be fp32 or bf16 (got '%s')", name);
    return 0;
}

Precision ops_precision(void) { return g_precision; }
GemmImpl ops_gemm_impl(void) { return g_impl; }
const char *ops_gemm_impl_name(void) { return g_impl == GEMM_IMPL_DUSK ? "dusk" : "openblas"; }
const char *ops_precision_name(void) { return g_precision == PRECISION_BF16 ? "bf16" : "fp32"; }
const char *ops_gemm_kernel_name(void) {
    return g_impl == GEMM_IMPL_DUSK ? sgemm_kernel_name() : openblas_get_corename();
}

void cpu_gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
          int ldb, float beta, float *c, int ldc) {
    if (g_precision == PRECISION_BF16) {
        gemm_bf16(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    if (g_impl == GEMM_IMPL_DUSK) {
        sgemm_dusk(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, m, n, k,
                alpha, a, lda, b, ldb, beta, c, ldc);
}
