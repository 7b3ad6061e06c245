/* Every CUDA kernel of src/ops/cuda against the CPU kernel of ops/ops.h (the
 * reference) on random inputs: several shapes each, odd sizes and grouped
 * kv heads included. Error measure: max |cuda - cpu| / max |cpu| over each
 * output, tolerance 1e-4 (fp32). Also: attention and cross-entropy give the
 * same bits on a second run, and errors come back as -1 with a message.
 * Prints one line per kernel. Without a CUDA device: a SKIP line, exit 77.
 * Built only by make CUDA=1. */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "ops/cuda/cuda_mem.h"
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
    int compared;
    double worst;
} KernelStat;
static KernelStat g_stats[48];
static int g_nstats = 0;

static void record(const char *kernel, const char *what, double rel) {
    KernelStat *s = NULL;
    for (int i = 0; i < g_nstats; i++)
        if (strcmp(g_stats[i].name, kernel) == 0) s = &g_stats[i];
    if (!s) {
        s = &g_stats[g_nstats++];
        *s = (KernelStat){kernel, 0, 0.0};
    }
    s->compared++;
    if (!isnan(s->worst) && !(rel <= s->worst)) s->worst = rel; /* a NaN stays */
    CHECK_MSG(rel <= TOL, "%s %s: relative error %.3g over %g", kernel, what, rel, TOL);
}
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
    for (int i = 0; i < n; i++) lse[i] = (float)log_softmax_row(ls + (size_t)i * v, logits + (size_t)i * v, v);
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
    float *logits = rand_vec(nv, 4.0f), *ref = rand_vec(nv, 4.0f), *coef = rand_vec((size_t)B, 1.0f);
    int *targets = xmalloc(sizeof(int) * n);
    for (size_t r = 0; r < n; r++) targets[r] = (int)(r % T) == T - 1 ? -1 : (int)((r * 7919) % V);
    if (B > 1) coef[1] = 0.0f; /* a sequence left out (SGA) */
    float *d_logits = dev_f(logits, nv), *d_ref = dev_f(ref, nv);
    int *d_t = dev_copy(targets, sizeof(int) * n);
    double *nll = xmalloc(sizeof(double) * B), *nll_gpu = xmalloc(sizeof(double) * B);
    sequence_nll(nll, logits, targets, B, T, V);
    run(cuda_sequence_nll(nll_gpu, d_logits, d_t, B, T, V), "sequence_nll");
    record("sequence_nll", "nll", rel_vec(nll_gpu, nll, B));
    sequence_mean_prob(nll, logits, targets, B, T, V);
    run(cuda_sequence_mean_prob(nll_gpu, d_logits, d_t, B, T, V), "sequence_mean_prob");
    record("sequence_mean_prob", "pbar", rel_vec(nll_gpu, nll, B));

    float *grad = xmalloc(sizeof(float) * nv), *d_grad = dev_alloc(sizeof(float) * nv);
    sequence_nll_grad(grad, logits, targets, B, T, V, coef);
    run(cuda_sequence_nll_grad(d_grad, d_logits, d_t, B, T, V, coef), "sequence_nll_grad");
    compare_dev("sequence_nll_grad", "dlogits", d_grad, grad, nv);

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
    test_errors();

    for (int i = 0; i < g_nstats; i++)
        printf("cuda %-20s %3d outputs compared  max rel err %.2e  (tol %.0e)  %s\n", g_stats[i].name,
               g_stats[i].compared, g_stats[i].worst, TOL, g_stats[i].worst <= TOL ? "ok" : "FAIL");
    cuda_shutdown();
    return check_report("test_cuda_ops");
}
