/* Every CUDA kernel of src/ops/cuda against the CPU kernel of ops/ops.h (the
 * reference) on random inputs: several shapes each, odd sizes and grouped
 * kv heads included. Error measure: max |cuda - cpu| / max |cpu| over each
 * output, tolerance 1e-4 (fp32). Also: attention and cross-entropy give the
 * same bits on a second run, and errors come back as -1 with a message.
 * The newer kernels (gemm in fp32 and bf16, linear in bf16, decoding
 * attention, the KV cache store, the row scores, gathers, whole-buffer
 * checks, device copies) are held to references written here in plain C
 * with double sums, each with its own tolerance; copies and gathers exact.
 * Prints one line per kernel. Without a CUDA device: a SKIP line, exit 77.
 * Built only by make CUDA=1. */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "ops/cuda/cuda_mem.h"
#include "ops/cpu/cpu_ops.h"
#include "ops/cuda/cuda_ops.h"
#include "ops/ops.h"
#include "ops/reduce.h"
#include "util/err.h"

#define TOL 1e-4

/* ---- inputs ---- */
static uint64_t g_rng = 0x9E3779B97F4A7C15ull;
static float frand(void) { /* uniform in [-1, 1) */
    g_rng ^= g_rng << 13;
    g_rng ^= g_rng >> 7;
    g_rng ^= g_rng << 17;
    return (float)((g_rng >> 40) * (1.0 / 8388608.0)) - 1.0f;
}
static float *rand_vec(size_t n, float scale) {
    float *x = xmalloc(sizeof(float) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) x[i] = scale * frand();
    return x;
}

/* ---- device helpers: any failure ends the test with the backend's message ---- */
static void must(int rc, const char *what) {
    if (rc) {
        fprintf(stderr, "%s failed: %s\n", what, dusk_last_error());
        exit(1);
    }
}
/* A kernel call: its return code, then a sync so errors name that kernel. */
static void run(int rc, const char *kernel) {
    must(rc, kernel);
    must(cuda_sync(kernel), kernel);
}
static void *dev_alloc(size_t bytes) {
    void *d;
    must(cuda_alloc(&d, bytes ? bytes : 1), "cuda_alloc");
    return d;
}
static void *dev_copy(const void *h, size_t bytes) {
    void *d = dev_alloc(bytes);
    if (bytes) must(cuda_copy_to_device(d, h, bytes), "copy to device");
    return d;
}
static float *dev_f(const float *h, size_t n) { return dev_copy(h, sizeof(float) * n); }
static float *host_f(const float *d, size_t n) {
    float *h = xmalloc(sizeof(float) * (n ? n : 1));
    must(cuda_copy_to_host(h, d, sizeof(float) * n), "copy to host");
    return h;
}

/* ---- comparison and the per-kernel summary ---- */
typedef struct {
    const char *name;
    int compared, failed;
    double worst, tol; /* tol: the largest tolerance its outputs were held to */
} KernelStat;
static KernelStat g_stats[64];
static int g_nstats = 0;

/* One compared output of a kernel whose error measure is err (tol 0: the
 * output must be exact, err counts the wrong values). */
static void record_tol(const char *kernel, const char *what, double err, double tol) {
    KernelStat *s = NULL;
    for (int i = 0; i < g_nstats; i++)
        if (strcmp(g_stats[i].name, kernel) == 0) s = &g_stats[i];
    if (!s) {
        if (g_nstats == (int)(sizeof g_stats / sizeof *g_stats)) {
            fprintf(stderr, "test_cuda_ops: more kernels than g_stats holds\n");
            exit(1);
        }
        s = &g_stats[g_nstats++];
        *s = (KernelStat){kernel, 0, 0, 0.0, tol};
    }
    s->compared++;
    if (tol > s->tol) s->tol = tol;
    if (!isnan(s->worst) && !(err <= s->worst)) s->worst = err; /* a NaN stays */
    s->failed += !(err <= tol);
    CHECK_MSG(err <= tol, "%s %s: error %.3g over %g", kernel, what, err, tol);
}
static void record(const char *kernel, const char *what, double rel) { record_tol(kernel, what, rel, TOL); }
/* max |a - ref| / max |ref| (NaN if a has a NaN). */
static double rel_err(const float *a, const float *ref, size_t n) {
    double diff = 0.0, mag = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - ref[i]);
        if (isnan(d)) return NAN;
        if (d > diff) diff = d;
        if (fabs(ref[i]) > mag) mag = fabs(ref[i]);
    }
    return diff / (mag > 0.0 ? mag : 1.0);
}
static void compare_dev(const char *kernel, const char *what, const float *dev, const float *ref, size_t n) {
    float *h = host_f(dev, n);
    record(kernel, what, rel_err(h, ref, n));
    free(h);
}
static double rel_scalar(double a, double ref) { return fabs(a - ref) / (fabs(ref) > 0.0 ? fabs(ref) : 1.0); }

/* ---- linear ---- */
static void test_linear(int n, int in, int out, int with_bias, int accumulate) {
    size_t ni = (size_t)n * in, no = (size_t)n * out, nw = (size_t)out * in;
    float *x = rand_vec(ni, 1.0f), *w = rand_vec(nw, 0.5f), *b = with_bias ? rand_vec(out, 1.0f) : NULL;
    float *y = xmalloc(sizeof(float) * no);
    linear_forward(y, x, w, b, n, in, out);
    float *dx_ = dev_f(x, ni), *dw_ = dev_f(w, nw), *db_ = b ? dev_f(b, out) : NULL, *dy_ = dev_f(y, no);
    run(cuda_linear_forward(dy_, dx_, dw_, db_, n, in, out), "linear_forward");
    compare_dev("linear_forward", "out", dy_, y, no);

    float *gout = rand_vec(no, 1.0f), *gin = rand_vec(ni, 1.0f), *gw = rand_vec(nw, 1.0f);
    float *gb = with_bias ? rand_vec(out, 1.0f) : NULL;
    float *d_gout = dev_f(gout, no), *d_gin = dev_f(gin, ni), *d_gw = dev_f(gw, nw), *d_gb = gb ? dev_f(gb, out) : NULL;
    linear_backward(gin, gw, gb, gout, x, w, n, in, out, accumulate);
    run(cuda_linear_backward(d_gin, d_gw, d_gb, d_gout, dx_, dw_, n, in, out, accumulate), "linear_backward");
    compare_dev("linear_backward", "dinp", d_gin, gin, ni);
    compare_dev("linear_backward", "dw", d_gw, gw, nw);
    if (gb) compare_dev("linear_backward", "dbias", d_gb, gb, out);
    float *all[] = {x, w, b, y, gout, gin, gw, gb};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
    void *dall[] = {dx_, dw_, db_, dy_, d_gout, d_gin, d_gw, d_gb};
    for (size_t i = 0; i < sizeof dall / sizeof *dall; i++) cuda_free(dall[i]);
}

/* ---- RMSNorm ---- */
static void test_rmsnorm(int n, int c) {
    size_t nc = (size_t)n * c;
    float *x = rand_vec(nc, 2.0f), *w = rand_vec(c, 1.0f), *y = xmalloc(sizeof(float) * nc);
    float *r = xmalloc(sizeof(float) * n), eps = 1e-5f;
    rmsnorm_forward(y, r, x, w, n, c, eps);
    float *d_x = dev_f(x, nc), *d_w = dev_f(w, c), *d_y = dev_f(y, nc), *d_r = dev_f(r, n);
    run(cuda_rmsnorm_forward(d_y, d_r, d_x, d_w, n, c, eps), "rmsnorm_forward");
    compare_dev("rmsnorm_forward", "out", d_y, y, nc);
    compare_dev("rmsnorm_forward", "rstd", d_r, r, n);

    float *dy = rand_vec(nc, 1.0f), *dx = rand_vec(nc, 1.0f), *dw = rand_vec(c, 1.0f); /* dx, dw accumulate */
    float *d_dy = dev_f(dy, nc), *d_dx = dev_f(dx, nc), *d_dw = dev_f(dw, c), *d_rc = dev_f(r, n);
    rmsnorm_backward(dx, dw, dy, x, w, r, n, c);
    run(cuda_rmsnorm_backward(d_dx, d_dw, d_dy, d_x, d_w, d_rc, n, c), "rmsnorm_backward");
    compare_dev("rmsnorm_backward", "dinp", d_dx, dx, nc);
    compare_dev("rmsnorm_backward", "dw", d_dw, dw, c);
    float *all[] = {x, w, y, r, dy, dx, dw};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
    void *dall[] = {d_x, d_w, d_y, d_r, d_dy, d_dx, d_dw, d_rc};
    for (size_t i = 0; i < sizeof dall / sizeof *dall; i++) cuda_free(dall[i]);
}

/* ---- RoPE ---- */
static void test_rope(int n, int nh, int hd, int max_pos) {
    float *inv_freq = xmalloc(sizeof(float) * (hd / 2));
    for (int i = 0; i < hd / 2; i++) inv_freq[i] = powf(10000.0f, -2.0f * i / hd);
    RopeTable t;
    rope_table_init(&t, inv_freq, hd, max_pos);
    CudaRopeTable dt;
    must(cuda_rope_table_upload(&dt, &t), "rope table upload");
    int *pos = xmalloc(sizeof(int) * n);
    for (int i = 0; i < n; i++) pos[i] = (int)((frand() + 1.0f) * 0.5f * (max_pos - 1) + 0.5f);
    size_t m = (size_t)n * nh * hd;
    float *x = rand_vec(m, 1.0f), *g = rand_vec(m, 1.0f);
    float *d_x = dev_f(x, m), *d_g = dev_f(g, m);
    int *d_pos = dev_copy(pos, sizeof(int) * n);
    rope_forward(x, pos, n, nh, &t);
    rope_backward(g, pos, n, nh, &t);
    run(cuda_rope_forward(d_x, d_pos, n, nh, &dt), "rope_forward");
    run(cuda_rope_backward(d_g, d_pos, n, nh, &dt), "rope_backward");
    compare_dev("rope_forward", "x", d_x, x, m);
    compare_dev("rope_backward", "dx", d_g, g, m);
    cuda_rope_table_free(&dt);
    rope_table_free(&t);
    free(inv_freq), free(pos), free(x), free(g);
    cuda_free(d_x), cuda_free(d_g), cuda_free(d_pos);
}

/* ---- attention ---- */
static int same_bits(const float *d_a, const float *d_b, size_t n) {
    float *a = host_f(d_a, n), *b = host_f(d_b, n);
    int same = memcmp(a, b, sizeof(float) * n) == 0;
    free(a), free(b);
    return same;
}
static void test_attention(int B, int T, int nh, int nkv, int hd) {
    size_t nq = (size_t)B * T * nh * hd, nk = (size_t)B * T * nkv * hd, nl = (size_t)B * nh * T;
    float *q = rand_vec(nq, 1.0f), *k = rand_vec(nk, 1.0f), *v = rand_vec(nk, 1.0f), *dout = rand_vec(nq, 1.0f);
    float *out = xmalloc(sizeof(float) * nq), *lse = xmalloc(sizeof(float) * nl);
    float *dq = xmalloc(sizeof(float) * nq), *dk = xmalloc(sizeof(float) * nk), *dv = xmalloc(sizeof(float) * nk);
    attention_forward(out, lse, q, k, v, B, T, nh, nkv, hd);
    attention_backward(dq, dk, dv, dout, q, k, v, out, lse, B, T, nh, nkv, hd);

    float *d_q = dev_f(q, nq), *d_k = dev_f(k, nk), *d_v = dev_f(v, nk), *d_do = dev_f(dout, nq);
    float *d_out[2], *d_lse[2], *d_dq[2], *d_dk[2], *d_dv[2];
    for (int rep = 0; rep < 2; rep++) { /* twice: the second run must give the same bits */
        d_out[rep] = dev_f(out, nq), d_lse[rep] = dev_f(lse, nl); /* overwritten by the kernels */
        d_dq[rep] = dev_f(dq, nq), d_dk[rep] = dev_f(dk, nk), d_dv[rep] = dev_f(dv, nk);
        must(cuda_memset_zero(d_out[rep], sizeof(float) * nq), "memset");
        must(cuda_memset_zero(d_dq[rep], sizeof(float) * nq), "memset");
        run(cuda_attention_forward(d_out[rep], d_lse[rep], d_q, d_k, d_v, B, T, nh, nkv, hd), "attention_forward");
        run(cuda_attention_backward(d_dq[rep], d_dk[rep], d_dv[rep], d_do, d_q, d_k, d_v, d_out[rep], d_lse[rep], B,
                                    T, nh, nkv, hd),
            "attention_backward");
    }
    compare_dev("attention_forward", "out", d_out[0], out, nq);
    compare_dev("attention_forward", "lse", d_lse[0], lse, nl);
    compare_dev("attention_backward", "dq", d_dq[0], dq, nq);
    compare_dev("attention_backward", "dk", d_dk[0], dk, nk);
    compare_dev("attention_backward", "dv", d_dv[0], dv, nk);
    CHECK_MSG(same_bits(d_out[0], d_out[1], nq) && same_bits(d_lse[0], d_lse[1], nl), "attention_forward repeat");
    CHECK_MSG(same_bits(d_dq[0], d_dq[1], nq) && same_bits(d_dk[0], d_dk[1], nk) && same_bits(d_dv[0], d_dv[1], nk),
              "attention_backward repeat");
    for (int rep = 0; rep < 2; rep++)
        cuda_free(d_out[rep]), cuda_free(d_lse[rep]), cuda_free(d_dq[rep]), cuda_free(d_dk[rep]),
            cuda_free(d_dv[rep]);
    cuda_free(d_q), cuda_free(d_k), cuda_free(d_v), cuda_free(d_do);
    free(q), free(k), free(v), free(dout), free(out), free(lse), free(dq), free(dk), free(dv);
}

/* ---- SwiGLU ---- */
static void test_swiglu(size_t n) {
    float *gate = rand_vec(n, 6.0f), *up = rand_vec(n, 1.0f), *dh = rand_vec(n, 1.0f);
    float *h = xmalloc(sizeof(float) * n), *dg = xmalloc(sizeof(float) * n), *du = xmalloc(sizeof(float) * n);
    swiglu_forward(h, gate, up, n);
    swiglu_backward(dg, du, dh, gate, up, n);
    float *d_gate = dev_f(gate, n), *d_up = dev_f(up, n), *d_dh = dev_f(dh, n);
    float *d_h = dev_f(h, n), *d_dg = dev_f(dg, n), *d_du = dev_f(du, n);
    run(cuda_swiglu_forward(d_h, d_gate, d_up, n), "swiglu_forward");
    run(cuda_swiglu_backward(d_dg, d_du, d_dh, d_gate, d_up, n), "swiglu_backward");
    compare_dev("swiglu_forward", "h", d_h, h, n);
    compare_dev("swiglu_backward", "dgate", d_dg, dg, n);
    compare_dev("swiglu_backward", "dup", d_du, du, n);
    free(gate), free(up), free(dh), free(h), free(dg), free(du);
    cuda_free(d_gate), cuda_free(d_up), cuda_free(d_dh), cuda_free(d_h), cuda_free(d_dg), cuda_free(d_du);
}

/* ---- log-softmax and cross-entropy ---- */
static void test_softmax(int n, int v) {
    size_t nv = (size_t)n * v;
    float *logits = rand_vec(nv, 8.0f), *ls = xmalloc(sizeof(float) * nv), *lse = xmalloc(sizeof(float) * n);
    for (int i = 0; i < n; i++) lse[i] = (float)cpu_log_softmax_row(ls + (size_t)i * v, logits + (size_t)i * v, v);
    float *d_logits = dev_f(logits, nv), *d_ls = dev_f(ls, nv);
    double *d_lse = dev_alloc(sizeof(double) * n), *lse_gpu = xmalloc(sizeof(double) * n);
    run(cuda_log_softmax_rows(d_ls, d_lse, d_logits, n, v), "log_softmax_rows");
    compare_dev("log_softmax_rows", "out", d_ls, ls, nv);
    must(cuda_copy_to_host(lse_gpu, d_lse, sizeof(double) * n), "copy to host");
    float *lse_gpu_f = xmalloc(sizeof(float) * n);
    for (int i = 0; i < n; i++) lse_gpu_f[i] = (float)lse_gpu[i];
    record("log_softmax_rows", "lse", rel_err(lse_gpu_f, lse, n));

    int *targets = xmalloc(sizeof(int) * n), valid = 0;
    for (int i = 0; i < n; i++) {
        targets[i] = (i % 5 == 2) ? -100 : (int)((frand() + 1.0f) * 0.5f * (v - 1) + 0.5f);
        valid += targets[i] >= 0;
    }
    float scale = 1.0f / (valid ? valid : 1), *dl = xmalloc(sizeof(float) * nv);
    double loss = cross_entropy_forward_backward(dl, logits, targets, n, v, scale), loss_gpu[3];
    int *d_t = dev_copy(targets, sizeof(int) * n);
    float *d_dl = dev_f(dl, nv), *d_alias = dev_f(logits, nv);
    run(cuda_cross_entropy_forward_backward(&loss_gpu[0], d_dl, d_logits, d_t, n, v, scale), "cross_entropy");
    run(cuda_cross_entropy_forward_backward(&loss_gpu[1], NULL, d_logits, d_t, n, v, scale), "cross_entropy");
    run(cuda_cross_entropy_forward_backward(&loss_gpu[2], d_alias, d_alias, d_t, n, v, scale), "cross_entropy");
    record("cross_entropy", "loss", rel_scalar(loss_gpu[0], loss));
    record("cross_entropy", "loss without dlogits", rel_scalar(loss_gpu[1], loss));
    record("cross_entropy", "loss in place", rel_scalar(loss_gpu[2], loss));
    compare_dev("cross_entropy", "dlogits", d_dl, dl, nv);
    compare_dev("cross_entropy", "dlogits in place", d_alias, dl, nv);
    CHECK_MSG(loss_gpu[0] == loss_gpu[1] && loss_gpu[1] == loss_gpu[2] && same_bits(d_dl, d_alias, nv),
              "cross_entropy repeat: %.17g %.17g %.17g", loss_gpu[0], loss_gpu[1], loss_gpu[2]);
    free(logits), free(ls), free(lse), free(lse_gpu), free(lse_gpu_f), free(targets), free(dl);
    cuda_free(d_logits), cuda_free(d_ls), cuda_free(d_lse), cuda_free(d_t), cuda_free(d_dl), cuda_free(d_alias);
}

/* ---- optimizer steps and the sum of squares ---- */
static void test_optim(size_t n) {
    float *p = rand_vec(n, 1.0f), *m = xcalloc(n, sizeof(float)), *v = xcalloc(n, sizeof(float));
    float *d_p = dev_f(p, n), *d_m = dev_f(m, n), *d_v = dev_f(v, n);
    for (long step = 1; step <= 3; step++) {
        float *g = rand_vec(n, 0.1f), *d_g = dev_f(g, n);
        adamw_update(p, g, m, v, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, step);
        run(cuda_adamw_update(d_p, d_g, d_m, d_v, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, step), "adamw_update");
        free(g), cuda_free(d_g);
    }
    compare_dev("adamw_update", "p", d_p, p, n);
    compare_dev("adamw_update", "m", d_m, m, n);
    compare_dev("adamw_update", "v", d_v, v, n);

    float *g = rand_vec(n, 1.0f), *d_g = dev_f(g, n);
    sgd_update(p, g, n, 0.05f, 0.1f);
    run(cuda_sgd_update(d_p, d_g, n, 0.05f, 0.1f), "sgd_update");
    compare_dev("sgd_update", "p", d_p, p, n);

    double ss_gpu;
    run(cuda_sum_squares(&ss_gpu, d_g, n), "sum_squares");
    record("sum_squares", "sum", rel_scalar(ss_gpu, det_sum_squares(g, n)));
    free(p), free(m), free(v), free(g);
    cuda_free(d_p), cuda_free(d_m), cuda_free(d_v), cuda_free(d_g);
}

/* ---- embedding and element-wise ---- */
static void test_elementwise(size_t n, int d, int vocab) {
    float *table = rand_vec((size_t)vocab * d, 1.0f), *dx = rand_vec(n * d, 1.0f), *y = rand_vec(n * d, 1.0f);
    int *ids = xmalloc(sizeof(int) * n);
    for (size_t i = 0; i < n; i++) ids[i] = (int)((i * 31) % vocab); /* ids repeat when n > vocab */
    float *d_table = dev_f(table, (size_t)vocab * d), *d_dx = dev_f(dx, n * d), *d_y = dev_f(y, n * d);
    int *d_ids = dev_copy(ids, sizeof(int) * n);
    float *x = xmalloc(sizeof(float) * n * d), *d_x = dev_alloc(sizeof(float) * n * d);
    embedding_forward(x, table, ids, n, d);
    run(cuda_embedding_forward(d_x, d_table, d_ids, n, d), "embedding_forward");
    compare_dev("embedding_forward", "x", d_x, x, n * d);
    embedding_backward(table, dx, ids, n, d);
    run(cuda_embedding_backward(d_table, d_dx, d_ids, n, d), "embedding_backward");
    compare_dev("embedding_backward", "dtable", d_table, table, (size_t)vocab * d);
    add_inplace(y, dx, n * d);
    run(cuda_add_inplace(d_y, d_dx, n * d), "add_inplace");
    compare_dev("add_inplace", "y", d_y, y, n * d);
    scale_inplace(y, n * d, 0.37f);
    run(cuda_scale_inplace(d_y, n * d, 0.37f), "scale_inplace");
    compare_dev("scale_inplace", "x", d_y, y, n * d);
    free(table), free(dx), free(y), free(ids), free(x);
    cuda_free(d_table), cuda_free(d_dx), cuda_free(d_y), cuda_free(d_ids), cuda_free(d_x);
}

/* ---- the objectives' losses ---- */
static double rel_vec(const double *a, const double *ref, int n) {
    double worst = 0.0;
    for (int i = 0; i < n; i++) worst = fmax(worst, rel_scalar(a[i], ref[i]));
    return worst;
}

static void test_losses(int B, int T, int V) {
    size_t n = (size_t)B * T, nv = n * V;
    float *logits = rand_vec(nv, 4.0f), *ref = rand_vec(nv, 4.0f), *coef = rand_vec(n, 1.0f);
    int *targets = xmalloc(sizeof(int) * n);
    for (size_t r = 0; r < n; r++) targets[r] = (int)(r % T) == T - 1 ? -1 : (int)((r * 7919) % V);
    for (size_t r = T; r < n && r < 2 * (size_t)T; r++) coef[r] = 0.0f; /* a sequence left out (SGA) */
    float *d_logits = dev_f(logits, nv), *d_ref = dev_f(ref, nv);
    int *d_t = dev_copy(targets, sizeof(int) * n);
    double *nll = xmalloc(sizeof(double) * n), *nll_gpu = xmalloc(sizeof(double) * n);
    rows_nll(nll, logits, targets, (int)n, V);
    run(cuda_rows_nll(nll_gpu, d_logits, d_t, (int)n, V), "rows_nll");
    record("rows_nll", "nll", rel_vec(nll_gpu, nll, (int)n));
    /* a block of rows from the middle of the batch (a fused head's block) */
    size_t r0 = n / 3;
    run(cuda_rows_nll(nll_gpu, d_logits + r0 * V, d_t + r0, (int)(n - r0), V), "rows_nll");
    record("rows_nll", "nll of a block", rel_vec(nll_gpu, nll + r0, (int)(n - r0)));

    float *grad = xmalloc(sizeof(float) * nv), *d_grad = dev_alloc(sizeof(float) * nv);
    rows_nll_grad(grad, logits, targets, (int)n, V, coef);
    run(cuda_rows_nll_grad(d_grad, d_logits, d_t, (int)n, V, coef), "rows_nll_grad");
    compare_dev("rows_nll_grad", "dlogits", d_grad, grad, nv);

    double total, total_gpu;
    float *work = xmalloc(sizeof(float) * nv);
    memcpy(work, logits, sizeof(float) * nv);
    must(cuda_copy_to_device(d_grad, logits, sizeof(float) * nv), "copy");
    total = kl_rows_forward_backward(work, ref, (int)n, V, 0.25f);
    run(cuda_kl_rows_forward_backward(&total_gpu, d_grad, d_ref, (int)n, V, 0.25f), "kl_rows");
    record("kl_rows", "kl", rel_scalar(total_gpu, total));
    compare_dev("kl_rows", "dlogits", d_grad, work, nv);

    memcpy(work, logits, sizeof(float) * nv);
    must(cuda_copy_to_device(d_grad, logits, sizeof(float) * nv), "copy");
    total = uniform_kl_rows_forward_backward(work, targets, (int)n, V, 0.5f);
    run(cuda_uniform_kl_rows_forward_backward(&total_gpu, d_grad, d_t, (int)n, V, 0.5f), "uniform_kl_rows");
    record("uniform_kl_rows", "kl", rel_scalar(total_gpu, total));
    compare_dev("uniform_kl_rows", "dlogits", d_grad, work, nv);

    /* RMU: hidden states [n, V] against one control row and against a matrix */
    for (int per_row = 0; per_row <= 1; per_row++) {
        total = mse_forward_backward(work, logits, ref, per_row, n, V, 0.75f);
        run(cuda_mse_forward_backward(&total_gpu, d_grad, d_logits, d_ref, per_row, n, V, 0.75f), "mse");
        record("mse", per_row ? "loss (row target)" : "loss", rel_scalar(total_gpu, total));
        compare_dev("mse", "dh", d_grad, work, nv);
    }
    free(logits), free(ref), free(coef), free(targets), free(nll), free(nll_gpu), free(grad), free(work);
    cuda_free(d_logits), cuda_free(d_ref), cuda_free(d_t), cuda_free(d_grad);
}

/* ---- gemm in fp32 and bf16, against a double reference ---- */
#define GEMM_TOL 1e-5 /* of |alpha| sum |a||b| + |beta c|: fp32 accumulation only */
/* bf16 against the exact product: each operand is within 2^-8 relative */
#define BF16_BOUND (2.0 * 0x1p-8 + 0x1p-16 + GEMM_TOL)

/* x rounded to bfloat16, nearest-even, a NaN kept (made quiet), as torch. */
static float bf16_round(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    if ((u & 0x7fffffffu) > 0x7f800000u)
        u |= 0x00400000u;
    else
        u += 0x7fffu + ((u >> 16) & 1u);
    u &= 0xffff0000u;
    memcpy(&x, &u, sizeof x);
    return x;
}

/* ref[m, n] = alpha op(A) op(B) + beta C0 in double, the operands rounded to
 * bf16 first when bf16; mag = |alpha| sum |op(A)||op(B)| + |beta C0|, the
 * scale of each element's rounding. beta 0 ignores C0 (it may hold NaN). */
static void gemm_ref(double *ref, double *mag, int ta, int tb, int m, int n, int k, float alpha, const float *a,
                     int lda, const float *b, int ldb, float beta, const float *c0, int ldc, int bf16) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double s = 0.0, s_abs = 0.0;
            for (int l = 0; l < k; l++) {
                float x = ta ? a[(size_t)l * lda + i] : a[(size_t)i * lda + l];
                float y = tb ? b[(size_t)j * ldb + l] : b[(size_t)l * ldb + j];
                if (bf16) x = bf16_round(x), y = bf16_round(y);
                s += (double)x * y;
                s_abs += fabs((double)x * y);
            }
            double c_term = beta == 0.0f ? 0.0 : (double)beta * c0[(size_t)i * ldc + j];
            ref[(size_t)i * n + j] = alpha * s + c_term;
            mag[(size_t)i * n + j] = fabs(alpha) * s_abs + fabs(c_term);
        }
}
/* max over the elements of |c - ref| / mag (NaN if c has a NaN). */
static double gemm_err(const float *c, int ldc, const double *ref, const double *mag, int m, int n) {
    double worst = 0.0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double d = fabs(c[(size_t)i * ldc + j] - ref[(size_t)i * n + j]), s = mag[(size_t)i * n + j];
            if (isnan(d)) return NAN;
            worst = fmax(worst, d / (s > 0.0 ? s : 1.0));
        }
    return worst;
}
/* Values of C past column n (the ldc padding) whose bits changed. */
static int padding_changed(const float *c, const float *c0, int m, int n, int ldc) {
    int changed = 0;
    for (int i = 0; i < m; i++)
        for (int j = n; j < ldc; j++) changed += memcmp(&c[(size_t)i * ldc + j], &c0[(size_t)i * ldc + j], 4) != 0;
    return changed;
}

/* One product in each precision, every operand with a padded leading
 * dimension; A holds bf16 ties (1 + 2^-8 rounds down to 1, 1 + 3 2^-8 up to
 * 1 + 2^-6) so round-half-up or truncation would show. */
static void test_gemm(int ta, int tb, int m, int n, int k, float alpha, float beta) {
    int a_rows = ta ? k : m, a_cols = ta ? m : k, b_rows = tb ? n : k, b_cols = tb ? k : n;
    int lda = a_cols + 3, ldb = b_cols + 1, ldc = n + 2;
    size_t na = (size_t)a_rows * lda, nb = (size_t)b_rows * ldb, nc = (size_t)m * ldc, nmn = (size_t)m * n;
    float *a = rand_vec(na, 1.0f), *b = rand_vec(nb, 1.0f), *c0 = rand_vec(nc, 1.0f);
    for (size_t i = 0; i < na; i += 7) a[i] = (i % 2 ? -1.0f : 1.0f) * (1.0f + (i % 3 ? 1.0f : 3.0f) * 0x1p-8f);
    if (beta == 0.0f)
        for (size_t i = 0; i < nc; i++) c0[i] = NAN; /* beta 0 overwrites C without reading it */
    double *ref = xmalloc(sizeof(double) * (nmn ? nmn : 1)), *mag = xmalloc(sizeof(double) * (nmn ? nmn : 1));
    float *d_a = dev_f(a, na), *d_b = dev_f(b, nb), *d_c = dev_alloc(sizeof(float) * nc);
    char what[96];
    snprintf(what, sizeof what, "%c%c m %d n %d k %d alpha %g beta %g", ta ? 'T' : 'N', tb ? 'T' : 'N', m, n, k,
             alpha, beta);
    for (int bf16 = 0; bf16 <= 1; bf16++) {
        const char *kernel = bf16 ? "gemm bf16" : "gemm fp32";
        must(ops_set_precision(bf16 ? "bf16" : "fp32"), "ops_set_precision");
        must(cuda_copy_to_device(d_c, c0, sizeof(float) * nc), "copy to device");
        run(cuda_gemm(ta, tb, m, n, k, alpha, d_a, lda, d_b, ldb, beta, d_c, ldc), kernel);
        float *c = host_f(d_c, nc);
        gemm_ref(ref, mag, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c0, ldc, bf16);
        record_tol(kernel, what, gemm_err(c, ldc, ref, mag, m, n), GEMM_TOL);
        record_tol(kernel, "padding of C", padding_changed(c, c0, m, n, ldc), 0);
        if (bf16) {
            gemm_ref(ref, mag, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c0, ldc, 0);
            record_tol("gemm bf16 vs fp32", what, gemm_err(c, ldc, ref, mag, m, n), BF16_BOUND);
        }
        free(c);
    }
    must(ops_set_precision("fp32"), "ops_set_precision");
    free(a), free(b), free(c0), free(ref), free(mag);
    cuda_free(d_a), cuda_free(d_b), cuda_free(d_c);
}

/* Linear layers in bf16: their products are cuda_gemm's, the bias and dbias fp32. */
static void test_linear_bf16(int n, int in, int out) {
    size_t ni = (size_t)n * in, no = (size_t)n * out, nw = (size_t)out * in;
    size_t nmax = ni > no ? ni : no;
    nmax = nmax > nw ? nmax : nw;
    float *x = rand_vec(ni, 1.0f), *w = rand_vec(nw, 0.5f), *b = rand_vec(out, 1.0f), *dout = rand_vec(no, 1.0f);
    float *dinp0 = rand_vec(ni, 1.0f), *dw0 = rand_vec(nw, 1.0f), *db0 = rand_vec(out, 1.0f);
    double *ref = xmalloc(sizeof(double) * nmax), *mag = xmalloc(sizeof(double) * nmax);
    float *d_x = dev_f(x, ni), *d_w = dev_f(w, nw), *d_b = dev_f(b, out), *d_y = dev_alloc(sizeof(float) * no);
    float *d_dout = dev_f(dout, no), *d_dinp = dev_f(dinp0, ni), *d_dw = dev_f(dw0, nw), *d_db = dev_f(db0, out);
    must(ops_set_precision("bf16"), "ops_set_precision");
    run(cuda_linear_forward(d_y, d_x, d_w, d_b, n, in, out), "linear_forward bf16");
    run(cuda_linear_backward(d_dinp, d_dw, d_db, d_dout, d_x, d_w, n, in, out, 1), "linear_backward bf16");
    must(ops_set_precision("fp32"), "ops_set_precision");

    float *y = host_f(d_y, no), *dinp = host_f(d_dinp, ni), *dw = host_f(d_dw, nw), *db = host_f(d_db, out);
    gemm_ref(ref, mag, 0, 1, n, out, in, 1.0f, x, in, w, in, 0.0f, NULL, out, 1); /* y = x w^T + b */
    for (size_t i = 0; i < no; i++) ref[i] += b[i % out], mag[i] += fabs(b[i % out]);
    record_tol("linear_forward bf16", "out", gemm_err(y, out, ref, mag, n, out), GEMM_TOL);
    gemm_ref(ref, mag, 0, 0, n, in, out, 1.0f, dout, out, w, in, 1.0f, dinp0, in, 1); /* dinp += dout w */
    record_tol("linear_backward bf16", "dinp", gemm_err(dinp, in, ref, mag, n, in), GEMM_TOL);
    gemm_ref(ref, mag, 1, 0, out, in, n, 1.0f, dout, out, x, in, 1.0f, dw0, in, 1); /* dw += dout^T x */
    record_tol("linear_backward bf16", "dw", gemm_err(dw, in, ref, mag, out, in), GEMM_TOL);
    for (int j = 0; j < out; j++) { /* dbias += column sums of dout, unrounded */
        ref[j] = db0[j], mag[j] = fabs(db0[j]);
        for (int i = 0; i < n; i++) ref[j] += dout[(size_t)i * out + j], mag[j] += fabs(dout[(size_t)i * out + j]);
    }
    record_tol("linear_backward bf16", "dbias", gemm_err(db, out, ref, mag, 1, out), GEMM_TOL);
    float *all[] = {x, w, b, dout, dinp0, dw0, db0, y, dinp, dw, db};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) free(all[i]);
    free(ref), free(mag);
    void *dall[] = {d_x, d_w, d_b, d_y, d_dout, d_dinp, d_dw, d_db};
    for (size_t i = 0; i < sizeof dall / sizeof *dall; i++) cuda_free(dall[i]);
}

/* ---- decoding attention over a KV cache, and the cache store ---- */
static int rand_below(int n) { /* uniform-ish in [0, n) */
    int r = (int)((frand() + 1.0f) * 0.5f * n);
    return r < n ? r : n - 1;
}

/* out[r, h] = softmax_t(q.k_t / sqrt(hd)) v_t over t <= pos[r] of sequence
 * seq[r], kv head h / (nh / nkv); in double. */
static void attention_cached_ref(float *out, const float *q, const float *kc, const float *vc, const int *seq,
                                 const int *pos, int n, int max_len, int nh, int nkv, int hd) {
    int kvd = nkv * hd;
    double *s = xmalloc(sizeof(double) * max_len), *o = xmalloc(sizeof(double) * hd);
    for (int r = 0; r < n; r++)
        for (int h = 0; h < nh; h++) {
            const float *qv = q + ((size_t)r * nh + h) * hd;
            size_t base = (size_t)seq[r] * max_len * kvd + (size_t)(h / (nh / nkv)) * hd;
            double mx = -INFINITY, sum = 0.0;
            for (int t = 0; t <= pos[r]; t++) {
                s[t] = 0.0;
                for (int d = 0; d < hd; d++) s[t] += (double)qv[d] * kc[base + (size_t)t * kvd + d];
                s[t] /= sqrt((double)hd);
                mx = fmax(mx, s[t]);
            }
            for (int d = 0; d < hd; d++) o[d] = 0.0;
            for (int t = 0; t <= pos[r]; t++) {
                double p = exp(s[t] - mx);
                sum += p;
                for (int d = 0; d < hd; d++) o[d] += p * vc[base + (size_t)t * kvd + d];
            }
            for (int d = 0; d < hd; d++) out[((size_t)r * nh + h) * hd + d] = (float)(o[d] / sum);
        }
    free(s), free(o);
}

static void test_attention_cached(int n_seq, int max_len, int n, int nh, int nkv, int hd) {
    size_t nkc = (size_t)n_seq * max_len * nkv * hd, nq = (size_t)n * nh * hd, nsc = (size_t)n * nh * max_len;
    float *kc = rand_vec(nkc, 1.0f), *vc = rand_vec(nkc, 1.0f), *q = rand_vec(nq, 3.0f);
    float *ref = xmalloc(sizeof(float) * nq);
    int *seq = xmalloc(sizeof(int) * n), *pos = xmalloc(sizeof(int) * n);
    for (int r = 0; r < n; r++) {
        seq[r] = r % n_seq;
        pos[r] = r == 0 ? 0 : r == 1 ? max_len - 1 : rand_below(max_len);
    }
    attention_cached_ref(ref, q, kc, vc, seq, pos, n, max_len, nh, nkv, hd);
    float *d_kc = dev_f(kc, nkc), *d_vc = dev_f(vc, nkc), *d_q = dev_f(q, nq), *d_sc = dev_alloc(sizeof(float) * nsc);
    int *d_seq = dev_copy(seq, sizeof(int) * n), *d_pos = dev_copy(pos, sizeof(int) * n);
    float *d_out[2];
    for (int rep = 0; rep < 2; rep++) { /* twice: the same bits */
        d_out[rep] = dev_alloc(sizeof(float) * nq);
        run(cuda_attention_forward_cached(d_out[rep], d_q, d_kc, d_vc, d_seq, d_pos, n, max_len, nh, nkv, hd, d_sc),
            "attention_forward_cached");
    }
    char what[96];
    snprintf(what, sizeof what, "out (seqs %d max_len %d rows %d heads %d/%d hd %d)", n_seq, max_len, n, nh, nkv, hd);
    compare_dev("attention_forward_cached", what, d_out[0], ref, nq);
    CHECK_MSG(same_bits(d_out[0], d_out[1], nq), "attention_forward_cached repeat");

    /* a position outside the cache: that row's heads come out NaN, the rest as before */
    pos[0] = max_len;
    must(cuda_copy_to_device(d_pos, pos, sizeof(int) * n), "copy to device");
    run(cuda_attention_forward_cached(d_out[1], d_q, d_kc, d_vc, d_seq, d_pos, n, max_len, nh, nkv, hd, d_sc),
        "attention_forward_cached");
    float *first = host_f(d_out[0], nq), *bad = host_f(d_out[1], nq);
    size_t row = (size_t)nh * hd;
    int wrong = 0;
    for (size_t i = 0; i < nq; i++) wrong += i < row ? !isnan(bad[i]) : memcmp(&bad[i], &first[i], 4) != 0;
    record_tol("attention_forward_cached", "pos outside the cache", wrong, 0);
    free(kc), free(vc), free(q), free(ref), free(seq), free(pos), free(first), free(bad);
    cuda_free(d_kc), cuda_free(d_vc), cuda_free(d_q), cuda_free(d_sc), cuda_free(d_seq), cuda_free(d_pos);
    cuda_free(d_out[0]), cuda_free(d_out[1]);
}

/* Values of two host float arrays whose bits differ. */
static int count_diff_bits(const float *a, const float *b, size_t n) {
    int diff = 0;
    for (size_t i = 0; i < n; i++) diff += memcmp(&a[i], &b[i], sizeof(float)) != 0;
    return diff;
}

/* n rows stored at distinct (seq, pos) slots of a [n_seq, max_len, d] cache. */
static void test_kv_store(int n_seq, int max_len, int n, int d) {
    size_t slots = (size_t)n_seq * max_len, ncache = slots * d;
    float *cache = rand_vec(ncache, 1.0f), *x = rand_vec((size_t)n * d, 1.0f);
    float *d_cache = dev_f(cache, ncache), *d_x = dev_f(x, (size_t)n * d);
    int *seq = xmalloc(sizeof(int) * n), *pos = xmalloc(sizeof(int) * n);
    for (int i = 0; i < n; i++) { /* 7919 is prime and slots is not its multiple: distinct slots */
        size_t slot = ((size_t)i * 7919 + 13) % slots;
        seq[i] = (int)(slot / max_len), pos[i] = (int)(slot % max_len);
        memcpy(cache + slot * d, x + (size_t)i * d, sizeof(float) * d);
    }
    int *d_seq = dev_copy(seq, sizeof(int) * n), *d_pos = dev_copy(pos, sizeof(int) * n);
    run(cuda_kv_store_rows(d_cache, d_x, d_seq, d_pos, n, max_len, d), "kv_store_rows");
    float *got = host_f(d_cache, ncache);
    record_tol("kv_store_rows", "cache", count_diff_bits(got, cache, ncache), 0);
    free(cache), free(x), free(seq), free(pos), free(got);
    cuda_free(d_cache), cuda_free(d_x), cuda_free(d_seq), cuda_free(d_pos);
}

/* ---- scoring rows of logits ---- */
/* Row r of x [n, v] gets a special case by r % 6: 1, ties for the maximum
 * held by different threads; 2, a NaN; 3, +inf; 4, -inf; 5, ties within one
 * thread's stride (256 apart). */
static void plant_row_cases(float *x, int n, int v) {
    for (int r = 1; r < n; r++) {
        float *row = x + (size_t)r * v;
        int j = rand_below(v);
        switch (r % 6) {
        case 1: row[v - 1] = row[v / 2] = row[v > 200 ? 200 : 0] = 50.0f; break;
        case 2: row[j] = NAN; break;
        case 3: row[j] = INFINITY; break;
        case 4: row[j] = -INFINITY; break;
        case 5: row[v > 259 ? 259 : 0] = row[v > 515 ? 515 : v - 1] = 50.0f; break;
        }
    }
}

static void test_argmax(int n, int v) {
    size_t nv = (size_t)n * v;
    float *x = rand_vec(nv, 4.0f);
    plant_row_cases(x, n, v);
    int *best = xmalloc(sizeof(int) * n), wrong = 0;
    float *d_x = dev_f(x, nv);
    must(cuda_argmax_rows(best, d_x, n, v), "argmax_rows");
    for (int r = 0; r < n; r++) {
        const float *row = x + (size_t)r * v;
        int want = 0;
        for (int j = 0; j < v; j++) {
            if (!isfinite(row[j])) {
                want = -1;
                break;
            }
            if (row[j] > row[want]) want = j;
        }
        if (best[r] != want) {
            wrong++;
            fprintf(stderr, "argmax_rows row %d of [%d, %d]: %d, want %d\n", r, n, v, best[r], want);
        }
    }
    record_tol("argmax_rows", "best", wrong, 0);
    free(x), free(best), cuda_free(d_x);
}

/* |a - ref| / max(1, |ref|): for values near 0 an absolute error. */
static double err_unit(double a, double ref) { return fabs(a - ref) / fmax(1.0, fabs(ref)); }

static void test_logsumexp(int n, int v) {
    size_t nv = (size_t)n * v;
    float *x = rand_vec(nv, 8.0f);
    if (n > 1) x[(size_t)v + v / 3] = -INFINITY; /* adds nothing */
    double *lse = xmalloc(sizeof(double) * n), worst = 0.0;
    float *d_x = dev_f(x, nv);
    must(cuda_logsumexp_rows(lse, d_x, n, v), "logsumexp_rows");
    for (int r = 0; r < n; r++) {
        const float *row = x + (size_t)r * v;
        double mx = -INFINITY, sum = 0.0;
        for (int j = 0; j < v; j++) mx = fmax(mx, row[j]);
        for (int j = 0; j < v; j++) sum += exp((double)row[j] - mx);
        double e = err_unit(lse[r], mx + log(sum));
        worst = isnan(e) || e > worst ? e : worst;
    }
    record_tol("logsumexp_rows", "lse", worst, 1e-6);
    free(x), free(lse), cuda_free(d_x);
}

/* lp, mu, sigma of one row in double (NaN for a NaN or an infinite max). */
static void row_stats_ref(const float *row, int v, int t, double out[3]) {
    double mx = -INFINITY;
    for (int j = 0; j < v; j++) {
        if (isnan(row[j])) mx = NAN;
        if (row[j] > mx) mx = row[j];
    }
    if (!isfinite(mx)) {
        out[0] = out[1] = out[2] = NAN;
        return;
    }
    double s = 0.0, s_y = 0.0;
    for (int j = 0; j < v; j++) s += exp((double)row[j] - mx);
    for (int j = 0; j < v; j++) /* E_p[y] and the variance from p directly, two passes */
        if (row[j] != -INFINITY) s_y += exp((double)row[j] - mx) / s * ((double)row[j] - mx);
    double var = 0.0;
    for (int j = 0; j < v; j++)
        if (row[j] != -INFINITY) {
            double dy = (double)row[j] - mx - s_y;
            var += exp((double)row[j] - mx) / s * dy * dy;
        }
    out[0] = ((double)row[t] - mx) - log(s);
    out[1] = s_y - log(s);
    out[2] = sqrt(var);
}

static void test_logprob_row_stats(int n, int v) {
    size_t nv = (size_t)n * v;
    float *x = rand_vec(nv, 8.0f);
    plant_row_cases(x, n, v);
    if (n > 7) /* every value -inf: the max is infinite */
        for (int j = 0; j < v; j++) x[(size_t)7 * v + j] = -INFINITY;
    int *t = xmalloc(sizeof(int) * n);
    for (int r = 0; r < n; r++) {
        do t[r] = rand_below(v);
        while (v > 1 && x[(size_t)r * v + t[r]] == -INFINITY && r != 7);
    }
    double *stats = xmalloc(sizeof(double) * 3 * n), worst = 0.0;
    float *d_x = dev_f(x, nv);
    int *d_t = dev_copy(t, sizeof(int) * n), wrong_nan = 0;
    must(cuda_logprob_row_stats(stats, stats + n, stats + 2 * n, d_x, d_t, n, v), "logprob_row_stats");
    for (int r = 0; r < n; r++) {
        double want[3];
        row_stats_ref(x + (size_t)r * v, v, t[r], want);
        for (int s = 0; s < 3; s++) {
            double got = stats[(size_t)s * n + r];
            if (isnan(want[s]) || isnan(got))
                wrong_nan += isnan(want[s]) != isnan(got);
            else
                worst = fmax(worst, err_unit(got, want[s]));
        }
    }
    record_tol("logprob_row_stats", "lp, mu, sigma", worst, 1e-9);
    record_tol("logprob_row_stats", "NaN rows", wrong_nan, 0);
    free(x), free(t), free(stats), cuda_free(d_x), cuda_free(d_t);
}

/* ---- gathers with host indices ---- */
static void test_gathers(int n, int rows, int d) {
    size_t ld = (size_t)d + 3, nx = (size_t)rows * ld;
    float *x = rand_vec(nx, 1.0f), *vals = xmalloc(sizeof(float) * n), *want = xmalloc(sizeof(float) * n * ld);
    int *ri = xmalloc(sizeof(int) * n), *ci = xmalloc(sizeof(int) * n);
    for (int i = 0; i < n; i++) ri[i] = rand_below(rows), ci[i] = rand_below((int)ld);
    float *d_x = dev_f(x, nx), *d_dst = dev_alloc(sizeof(float) * n * ld);
    must(cuda_gather_values(vals, d_x, ri, ci, n, ld), "gather_values");
    for (int i = 0; i < n; i++) want[i] = x[(size_t)ri[i] * ld + ci[i]];
    record_tol("gather_values", "out", count_diff_bits(vals, want, n), 0);
    /* rows of width ld (repeats included) */
    run(cuda_gather_rows(d_dst, d_x, ri, n, (int)ld), "gather_rows");
    for (int i = 0; i < n; i++) memcpy(want + (size_t)i * ld, x + (size_t)ri[i] * ld, sizeof(float) * ld);
    float *got = host_f(d_dst, n * ld);
    record_tol("gather_rows", "dst", count_diff_bits(got, want, n * ld), 0);
    free(x), free(vals), free(want), free(ri), free(ci), free(got);
    cuda_free(d_x), cuda_free(d_dst);
}

/* ---- whole buffers: finiteness, negated task vector, device copies ---- */
static void test_buffers(size_t n) {
    float *x = rand_vec(n, 3e38f), *d_x = dev_f(x, n); /* large but finite */
    int ok = -1;
    must(cuda_all_finite(&ok, d_x, n), "all_finite");
    record_tol("all_finite", "finite buffer", ok != 1, 0);
    float bad[] = {NAN, INFINITY, -INFINITY};
    size_t at[] = {n - 1, 0, n / 2};
    for (int c = 0; c < 3; c++) {
        must(cuda_copy_to_device(d_x + at[c], &bad[c], sizeof(float)), "copy to device");
        must(cuda_all_finite(&ok, d_x, n), "all_finite");
        record_tol("all_finite", "one non-finite value", ok != 0, 0);
        must(cuda_copy_to_device(d_x + at[c], &x[at[c]], sizeof(float)), "copy to device");
    }

    float *base = rand_vec(n, 1.0f), *ft = rand_vec(n, 1.0f), *want = xmalloc(sizeof(float) * n);
    float *d_base = dev_f(base, n), *d_ft = dev_f(ft, n), *d_out = dev_alloc(sizeof(float) * n);
    float alphas[] = {0.7f, -1.5f};
    for (int a = 0; a < 2; a++) {
        for (size_t i = 0; i < n; i++) { /* each operation rounded to float, as the CPU's expression */
            volatile float diff = ft[i] - base[i], scaled = alphas[a] * diff;
            want[i] = base[i] - scaled;
        }
        run(cuda_negated_task_vector(d_out, d_base, d_ft, n, alphas[a]), "negated_task_vector");
        float *got = host_f(d_out, n);
        record_tol("negated_task_vector", "out", count_diff_bits(got, want, n), 0);
        free(got);
    }

    /* a plain copy into another buffer, then overlapping copies both ways (as memmove) */
    struct {
        size_t dst_at, src_at;
        int in_place;
    } copies[] = {{0, 0, 0}, {5, 0, 1}, {0, 7, 1}};
    for (int c = 0; c < 3 && n > 7; c++) {
        size_t len = n - (copies[c].dst_at > copies[c].src_at ? copies[c].dst_at : copies[c].src_at);
        float *dst = copies[c].in_place ? d_x : d_out;
        must(cuda_copy_to_device(d_x, x, sizeof(float) * n), "copy to device");
        memcpy(want, x, sizeof(float) * n);
        memmove(want + copies[c].dst_at, want + copies[c].src_at, sizeof(float) * len);
        run(cuda_copy_device(dst + copies[c].dst_at, d_x + copies[c].src_at, sizeof(float) * len), "copy_device");
        float *got = host_f(dst, n);
        record_tol("copy_device", copies[c].in_place ? "overlapping copy" : "copy", count_diff_bits(got, want, n), 0);
        free(got);
    }
    free(x), free(base), free(ft), free(want);
    cuda_free(d_x), cuda_free(d_base), cuda_free(d_ft), cuda_free(d_out);
}

/* ---- errors come back as -1 with a message, never an exit ---- */
static void test_errors(void) {
    void *huge = NULL;
    int rc = cuda_alloc(&huge, (size_t)1 << 60);
    CHECK_MSG(rc == -1 && huge == NULL && strncmp(dusk_last_error(), "CUDA error: ", 12) == 0 &&
                  strstr(dusk_last_error(), "cudaMalloc"),
              "huge allocation: rc %d, message '%s'", rc, dusk_last_error());
    float *d;
    must(cuda_alloc((void **)&d, sizeof(float) * 4096), "cuda_alloc");
    rc = cuda_attention_forward(d, d, d, d, d, 1, 2, 2, 2, 256);
    CHECK_MSG(rc == -1 && strstr(dusk_last_error(), "head_dim 256"), "head_dim 256: rc %d, message '%s'", rc,
              dusk_last_error());
    rc = cuda_attention_forward(d, d, d, d, d, 1, 2, 3, 2, 4);
    CHECK_MSG(rc == -1 && strstr(dusk_last_error(), "bad shape"), "3 heads over 2 kv heads: rc %d, message '%s'", rc,
              dusk_last_error());
    must(cuda_sync("after the error checks"), "sync"); /* nothing was left broken */
    cuda_free(d);
    printf("cuda errors: huge allocation, head_dim 256 and a bad GQA shape each return -1 with a message\n");
}

int main(void) {
    if (cuda_device_count() < 1) {
        printf("SKIP test_cuda_ops: skipped: no CUDA device\n");
        return 77;
    }
    must(cuda_init(), "cuda_init");
    /* n, in, out, bias, accumulate_dinp */
    int lin[][5] = {{1, 1, 1, 1, 0}, {7, 13, 5, 1, 1}, {33, 257, 129, 0, 0}, {64, 96, 160, 1, 1}, {128, 512, 384, 0, 1}};
    for (size_t i = 0; i < sizeof lin / sizeof *lin; i++) test_linear(lin[i][0], lin[i][1], lin[i][2], lin[i][3], lin[i][4]);
    int norm[][2] = {{1, 1}, {5, 17}, {33, 300}, {64, 2048}};
    for (size_t i = 0; i < sizeof norm / sizeof *norm; i++) test_rmsnorm(norm[i][0], norm[i][1]);
    int rope[][4] = {{1, 1, 2, 4}, {37, 3, 8, 64}, {50, 4, 64, 128}, {17, 2, 128, 40}};
    for (size_t i = 0; i < sizeof rope / sizeof *rope; i++) test_rope(rope[i][0], rope[i][1], rope[i][2], rope[i][3]);
    /* B, T, heads, kv heads, head_dim */
    int att[][5] = {{1, 1, 1, 1, 4},   {2, 37, 4, 2, 4},    {3, 33, 2, 2, 6},   {1, 65, 8, 2, 16},
                    {2, 129, 6, 3, 64}, {1, 100, 4, 1, 128}, {1, 300, 4, 4, 32}, {2, 70, 12, 4, 96}};
    for (size_t i = 0; i < sizeof att / sizeof *att; i++) test_attention(att[i][0], att[i][1], att[i][2], att[i][3], att[i][4]);
    size_t sw[] = {1, 1000, 4097};
    for (size_t i = 0; i < sizeof sw / sizeof *sw; i++) test_swiglu(sw[i]);
    int sm[][2] = {{1, 1}, {3, 7}, {17, 1001}, {8, 32000}, {4, 128256}};
    for (size_t i = 0; i < sizeof sm / sizeof *sm; i++) test_softmax(sm[i][0], sm[i][1]);
    size_t opt[] = {1, 1001, 100003};
    for (size_t i = 0; i < sizeof opt / sizeof *opt; i++) test_optim(opt[i]);
    int elem[][3] = {{1, 1, 1}, {37, 17, 5}, {300, 256, 1000}};
    for (size_t i = 0; i < sizeof elem / sizeof *elem; i++) test_elementwise((size_t)elem[i][0], elem[i][1], elem[i][2]);
    int loss_shapes[][3] = {{1, 2, 1}, {3, 5, 17}, {2, 33, 1001}, {4, 16, 32000}};
    for (size_t i = 0; i < sizeof loss_shapes / sizeof *loss_shapes; i++)
        test_losses(loss_shapes[i][0], loss_shapes[i][1], loss_shapes[i][2]);
    /* trans_a, trans_b, m, n, k */
    int gm[][3] = {{1, 1, 1}, {7, 13, 5}, {33, 17, 65}, {64, 96, 160}, {129, 65, 257}};
    float ab[][2] = {{1.0f, 0.0f}, {0.5f, 1.0f}, {-1.25f, 0.75f}};
    for (int t = 0; t < 4; t++)
        for (size_t i = 0; i < sizeof gm / sizeof *gm; i++)
            test_gemm(t / 2, t % 2, gm[i][0], gm[i][1], gm[i][2], ab[(t + i) % 3][0], ab[(t + i) % 3][1]);
    test_gemm(0, 1, 5, 7, 0, 1.0f, 0.5f); /* k 0: C = beta C */
    test_gemm(1, 0, 3, 4, 0, 1.0f, 0.0f);
    int lin_bf16[][3] = {{1, 1, 1}, {7, 13, 5}, {33, 257, 129}};
    for (size_t i = 0; i < sizeof lin_bf16 / sizeof *lin_bf16; i++)
        test_linear_bf16(lin_bf16[i][0], lin_bf16[i][1], lin_bf16[i][2]);
    /* sequences, max_len, rows, heads, kv heads, head_dim */
    int cached[][6] = {{1, 1, 1, 1, 1, 4},      {2, 9, 3, 4, 2, 5},       {3, 40, 7, 8, 2, 64},
                       {2, 300, 5, 4, 1, 128},  {4, 65, 9, 6, 3, 96},     {1, 33, 2, 2, 2, 200}};
    for (size_t i = 0; i < sizeof cached / sizeof *cached; i++)
        test_attention_cached(cached[i][0], cached[i][1], cached[i][2], cached[i][3], cached[i][4], cached[i][5]);
    int kv[][4] = {{1, 1, 1, 1}, {3, 17, 20, 5}, {4, 64, 100, 128}};
    for (size_t i = 0; i < sizeof kv / sizeof *kv; i++) test_kv_store(kv[i][0], kv[i][1], kv[i][2], kv[i][3]);
    int rows_shapes[][2] = {{1, 1}, {8, 7}, {13, 1001}, {8, 32000}, {8, 128256}};
    for (size_t i = 0; i < sizeof rows_shapes / sizeof *rows_shapes; i++) {
        test_argmax(rows_shapes[i][0], rows_shapes[i][1]);
        test_logsumexp(rows_shapes[i][0], rows_shapes[i][1]);
        test_logprob_row_stats(rows_shapes[i][0], rows_shapes[i][1]);
    }
    int gather[][3] = {{1, 1, 1}, {37, 5, 17}, {1000, 300, 256}};
    for (size_t i = 0; i < sizeof gather / sizeof *gather; i++) test_gathers(gather[i][0], gather[i][1], gather[i][2]);
    size_t buffers[] = {1, 1001, ((size_t)1 << 20) + 3};
    for (size_t i = 0; i < sizeof buffers / sizeof *buffers; i++) test_buffers(buffers[i]);
    test_errors();

    for (int i = 0; i < g_nstats; i++)
        printf("cuda %-24s %3d outputs compared  max err %.2e  (tol %.0e)  %s\n", g_stats[i].name,
               g_stats[i].compared, g_stats[i].worst, g_stats[i].tol, g_stats[i].failed ? "FAIL" : "ok");
    cuda_shutdown();
    return check_report("test_cuda_ops");
}
