/* The backend behind ops.h: which device runs the kernels, the memory they
 * work on, and one small function per kernel that sends the call to the CPU
 * implementation (ops/cpu/) or its CUDA twin (ops/cuda/, make CUDA=1 only).
 *
 * The guard (DUSK_OPS_GUARD=1, CPU only) makes backend memory behave like a
 * GPU's from the host's point of view: it is mapped inaccessible, and a
 * kernel opens only the allocations its pointer arguments lie in, for the
 * length of the call. A host loop over a model's parameters or activations
 * then faults at once, host memory handed to a kernel stops the run with the
 * kernel's and argument's names, and so does a kernel reaching past the
 * buffers it was given; the tests run the whole pipeline so. */
#include "ops/ops.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ops/cpu/cpu_ops.h"
#include "ops/reduce.h"
#include "util/err.h"

#ifdef DUSK_CUDA
#include "ops/cuda/cuda_mem.h"
#include "ops/cuda/cuda_ops.h"
#endif

static Device g_device = DEVICE_CPU;

int ops_set_device(const char *name) {
    if (!strcmp(name, "cpu")) {
        g_device = DEVICE_CPU;
        return 0;
    }
    if (strcmp(name, "cuda")) return dusk_error("--device must be cpu or cuda (got '%s')", name);
#ifdef DUSK_CUDA
    if (cuda_device_count() < 1) return dusk_error("--device cuda: no CUDA device is visible on this machine");
    if (cuda_init() != 0) return dusk_error_prefix("--device cuda");
    g_device = DEVICE_CUDA;
    return 0;
#else
    return dusk_error("--device cuda: this dusk was built without CUDA (build it with make CUDA=1)");
#endif
}

Device ops_device(void) { return g_device; }
const char *ops_device_name(void) { return g_device == DEVICE_CUDA ? "cuda" : "cpu"; }

#ifdef DUSK_CUDA
/* A backend call failed (a CUDA error): its message, and exit(1). */
static void backend_fail(void) { dusk_die("%s", dusk_last_error()); }
#endif

/* ------------------------------------------------------------------ */
/* the guard                                                           */

typedef struct {
    char *base;
    size_t bytes;  /* asked for */
    size_t mapped; /* whole pages */
} Region;

static int g_guard = -1; /* -1: DUSK_OPS_GUARD not read yet */
static int g_depth;      /* ops calls running (they do not nest today; counted to be safe) */
static Region *g_regions;
static int g_n_regions, g_cap_regions;
static int g_open[64], g_n_open; /* regions the running call has opened */

/* A fault inside a guarded region: say so, then fault again with the
 * default action (the process ends by SIGSEGV, with a core if enabled). */
static void guard_fault(int sig, siginfo_t *info, void *context) {
    (void)context;
    const char *a = info->si_addr;
    for (int i = 0; i < g_n_regions; i++)
        if (a >= g_regions[i].base && a < g_regions[i].base + g_regions[i].mapped) {
            static const char msg[] = "dusk: DUSK_OPS_GUARD: the host touched backend memory outside an ops.h "
                                      "call (a loop over device data; run under gdb for where)\n";
            ssize_t ignored = write(2, msg, sizeof msg - 1);
            (void)ignored;
            break;
        }
    signal(sig, SIG_DFL);
}

static int guard_on(void) {
    if (g_guard < 0) {
        const char *v = getenv("DUSK_OPS_GUARD");
        g_guard = v && *v && strcmp(v, "0") != 0 && g_device == DEVICE_CPU;
        if (g_guard) {
            struct sigaction sa;
            memset(&sa, 0, sizeof sa);
            sa.sa_sigaction = guard_fault;
            sa.sa_flags = SA_SIGINFO;
            sigaction(SIGSEGV, &sa, NULL);
        }
    }
    return g_guard;
}

static void protect(const Region *r, int prot) {
    if (mprotect(r->base, r->mapped, prot) != 0) dusk_die("DUSK_OPS_GUARD: mprotect failed");
}

static void guard_enter(void) {
    if (guard_on()) g_depth++;
}

static void guard_leave(void) {
    if (!guard_on() || --g_depth > 0) return;
    for (int i = 0; i < g_n_open; i++) protect(&g_regions[g_open[i]], PROT_NONE);
    g_n_open = 0;
}

/* p .. p + bytes must lie inside one backend allocation, which stays open
 * until the call ends. */
static void guard_arg(const char *kernel, const char *arg, const void *p, size_t bytes) {
    if (!p || !guard_on()) return;
    const char *c = p;
    for (int i = 0; i < g_n_regions; i++) {
        const Region *r = &g_regions[i];
        if (c < r->base || c + bytes > r->base + r->bytes) continue;
        for (int k = 0; k < g_n_open; k++)
            if (g_open[k] == i) return;
        if (g_n_open == (int)(sizeof g_open / sizeof g_open[0])) dusk_die("DUSK_OPS_GUARD: too many arguments");
        protect(r, PROT_READ | PROT_WRITE);
        g_open[g_n_open++] = i;
        return;
    }
    dusk_die("DUSK_OPS_GUARD: %s: argument '%s' (%zu bytes) is not backend memory (ops_alloc): on a GPU this "
             "would read host memory", kernel, arg, bytes);
}

static void *guard_alloc(size_t bytes) {
    if (g_depth) dusk_die("DUSK_OPS_GUARD: ops_alloc inside a kernel");
    size_t page = (size_t)sysconf(_SC_PAGESIZE), mapped = (bytes + page - 1) / page * page;
    if (mapped == 0) mapped = page;
    void *p = mmap(NULL, mapped, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) dusk_die("DUSK_OPS_GUARD: out of memory mapping %zu bytes", bytes);
    if (g_n_regions == g_cap_regions) {
        g_cap_regions = g_cap_regions ? 2 * g_cap_regions : 64;
        g_regions = xrealloc(g_regions, sizeof(Region) * (size_t)g_cap_regions);
    }
    g_regions[g_n_regions++] = (Region){p, bytes, mapped};
    return p;
}

static void guard_free(void *p) {
    if (g_depth) dusk_die("DUSK_OPS_GUARD: ops_free inside a kernel");
    for (int i = 0; i < g_n_regions; i++)
        if (g_regions[i].base == p) {
            munmap(p, g_regions[i].mapped);
            g_regions[i] = g_regions[--g_n_regions];
            return;
        }
    dusk_die("DUSK_OPS_GUARD: ops_free of memory ops_alloc did not return");
}

/* Each kernel below: BEGIN names it, ARG checks a pointer and the number of
 * elements it must hold (the count is evaluated only under the guard: some
 * scan host indices), ON_CUDA(call) runs the CUDA twin when the device is
 * cuda and otherwise falls through to the CPU call after it. */
#define BEGIN(name)             \
    const char *kernel_ = name; \
    guard_enter()
#define ARG(p, count) (guard_on() ? guard_arg(kernel_, #p, (p), (size_t)(count) * sizeof *(p)) : (void)0)
#define END() guard_leave()
#ifdef DUSK_CUDA
#define ON_CUDA(call)                        \
    if (g_device == DEVICE_CUDA) {           \
        if ((call) != 0) backend_fail();     \
    } else
#else
#define ON_CUDA(call)
#endif

/* ------------------------------------------------------------------ */
/* memory                                                              */

/* Host buffers of 2 MiB and more on transparent huge pages (cpu_alloc_large;
 * train step, 3 alternating rounds: tiny fp32 +7%, bf16 +12%; small fp32
 * +9%, bf16 +18%). Zeroed, as calloc's. */
static void *host_alloc_zeroed(size_t bytes) {
    if (!cpu_alloc_is_large(bytes)) return xcalloc(bytes ? bytes : 1, 1);
    void *p = cpu_alloc_large(bytes);
    memset(p, 0, bytes);
    return p;
}

void *ops_alloc(size_t bytes) {
#ifdef DUSK_CUDA
    if (g_device == DEVICE_CUDA) {
        void *p;
        if (cuda_alloc(&p, bytes ? bytes : 1) != 0 || cuda_memset_zero(p, bytes ? bytes : 1) != 0)
            dusk_die("%s (the model and its buffers do not fit in the GPU's memory)", dusk_last_error());
        return p;
    }
#endif
    if (guard_on()) return guard_alloc(bytes);
    return host_alloc_zeroed(bytes);
}

void ops_free(void *p) {
    if (!p) return;
#ifdef DUSK_CUDA
    if (g_device == DEVICE_CUDA) {
        cuda_free(p);
        return;
    }
#endif
    if (guard_on()) guard_free(p);
    else free(p);
}

void ops_zero(void *p, size_t bytes) {
    BEGIN("ops_zero");
    guard_arg(kernel_, "p", p, bytes);
    ON_CUDA(cuda_memset_zero(p, bytes)) cpu_zero(p, bytes);
    END();
}

void ops_upload(void *dst, const void *src_host, size_t bytes) {
    BEGIN("ops_upload");
    guard_arg(kernel_, "dst", dst, bytes);
    ON_CUDA(cuda_copy_to_device(dst, src_host, bytes)) memcpy(dst, src_host, bytes);
    END();
}

void ops_download(void *dst_host, const void *src, size_t bytes) {
    BEGIN("ops_download");
    guard_arg(kernel_, "src", src, bytes);
    ON_CUDA(cuda_copy_to_host(dst_host, src, bytes)) memcpy(dst_host, src, bytes);
    END();
}

void ops_copy(void *dst, const void *src, size_t bytes) {
    BEGIN("ops_copy");
    guard_arg(kernel_, "dst", dst, bytes);
    guard_arg(kernel_, "src", src, bytes);
    ON_CUDA(cuda_copy_device(dst, src, bytes)) memmove(dst, src, bytes);
    END();
}

void ops_sync(void) {
#ifdef DUSK_CUDA
    if (g_device == DEVICE_CUDA && cuda_sync("ops_sync") != 0) backend_fail();
#endif
}

size_t ops_memory_peak(void) {
    size_t peak = 0;
#ifdef DUSK_CUDA
    if (g_device == DEVICE_CUDA) cuda_memory_peak(&peak, NULL);
#endif
    return peak;
}

/* ------------------------------------------------------------------ */
/* matrix products                                                     */

/* Elements a row-major [rows, ld] operand spans when its last row holds cols. */
static size_t span(int rows, int cols, int ld) {
    return rows > 0 && cols > 0 ? (size_t)(rows - 1) * ld + cols : 0;
}

void gemm(int trans_a, int trans_b, int m, int n, int k, float alpha, const float *a, int lda, const float *b,
          int ldb, float beta, float *c, int ldc) {
    BEGIN("gemm");
    ARG(a, trans_a ? span(k, m, lda) : span(m, k, lda));
    ARG(b, trans_b ? span(n, k, ldb) : span(k, n, ldb));
    ARG(c, span(m, n, ldc));
    ON_CUDA(cuda_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
    cpu_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    END();
}

void linear_forward(float *out, const float *inp, const float *w, const float *bias, int n, int in, int out_dim) {
    BEGIN("linear_forward");
    ARG(out, (size_t)n * out_dim), ARG(inp, (size_t)n * in), ARG(w, (size_t)out_dim * in), ARG(bias, out_dim);
    ON_CUDA(cuda_linear_forward(out, inp, w, bias, n, in, out_dim)) cpu_linear_forward(out, inp, w, bias, n, in, out_dim);
    END();
}

void linear_backward(float *dinp, float *dw, float *dbias, const float *dout, const float *inp, const float *w,
                     int n, int in, int out_dim, int accumulate_dinp) {
    BEGIN("linear_backward");
    ARG(dinp, (size_t)n * in), ARG(dw, (size_t)out_dim * in), ARG(dbias, out_dim);
    ARG(dout, (size_t)n * out_dim), ARG(inp, (size_t)n * in), ARG(w, (size_t)out_dim * in);
    ON_CUDA(cuda_linear_backward(dinp, dw, dbias, dout, inp, w, n, in, out_dim, accumulate_dinp))
    cpu_linear_backward(dinp, dw, dbias, dout, inp, w, n, in, out_dim, accumulate_dinp);
    END();
}

/* ------------------------------------------------------------------ */
/* normalisation, rotary embeddings, attention, activation             */

void rmsnorm_forward(float *out, float *rstd, const float *inp, const float *w, int n, int c, float eps) {
    BEGIN("rmsnorm_forward");
    ARG(out, (size_t)n * c), ARG(rstd, n), ARG(inp, (size_t)n * c), ARG(w, c);
    ON_CUDA(cuda_rmsnorm_forward(out, rstd, inp, w, n, c, eps)) cpu_rmsnorm_forward(out, rstd, inp, w, n, c, eps);
    END();
}

void rmsnorm_backward(float *dinp, float *dw, const float *dout, const float *inp, const float *w,
                      const float *rstd, int n, int c) {
    BEGIN("rmsnorm_backward");
    ARG(dinp, (size_t)n * c), ARG(dw, c), ARG(dout, (size_t)n * c), ARG(inp, (size_t)n * c), ARG(w, c);
    ARG(rstd, n);
    ON_CUDA(cuda_rmsnorm_backward(dinp, dw, dout, inp, w, rstd, n, c))
    cpu_rmsnorm_backward(dinp, dw, dout, inp, w, rstd, n, c);
    END();
}

void rope_table_init(RopeTable *t, const float *inv_freq, int head_dim, int max_pos) {
    size_t n = (size_t)max_pos * (head_dim / 2);
    float *host = xmalloc(sizeof(float) * 2 * (n ? n : 1));
    cpu_rope_table_fill(host, host + n, inv_freq, head_dim, max_pos);
    t->head_dim = head_dim;
    t->max_pos = max_pos;
    t->cos = ops_alloc(sizeof(float) * n);
    t->sin = ops_alloc(sizeof(float) * n);
    ops_upload(t->cos, host, sizeof(float) * n);
    ops_upload(t->sin, host + n, sizeof(float) * n);
    free(host);
}

void rope_table_free(RopeTable *t) {
    ops_free(t->cos);
    ops_free(t->sin);
    t->cos = t->sin = NULL;
}

#ifdef DUSK_CUDA
static int cuda_rope(float *x, const int *pos, int n, int n_heads, const RopeTable *t, int backward) {
    CudaRopeTable view = {t->head_dim, t->max_pos, t->cos, t->sin};
    return backward ? cuda_rope_backward(x, pos, n, n_heads, &view) : cuda_rope_forward(x, pos, n, n_heads, &view);
}
#endif

static void rope_args(const char *kernel_, const float *x, const int *pos, int n, int n_heads, const RopeTable *t) {
    size_t table = (size_t)t->max_pos * (t->head_dim / 2);
    ARG(x, (size_t)n * n_heads * t->head_dim), ARG(pos, n), ARG(t->cos, table), ARG(t->sin, table);
}

void rope_forward(float *x, const int *pos, int n, int n_heads, const RopeTable *t) {
    BEGIN("rope_forward");
    rope_args(kernel_, x, pos, n, n_heads, t);
    ON_CUDA(cuda_rope(x, pos, n, n_heads, t, 0)) cpu_rope_forward(x, pos, n, n_heads, t);
    END();
}

void rope_backward(float *dx, const int *pos, int n, int n_heads, const RopeTable *t) {
    BEGIN("rope_backward");
    rope_args(kernel_, dx, pos, n, n_heads, t);
    ON_CUDA(cuda_rope(dx, pos, n, n_heads, t, 1))
    cpu_rope_backward(dx, pos, n, n_heads, t);
    END();
}

void attention_forward(float *out, float *lse, const float *q, const float *k, const float *v, int B, int T, int nh,
                       int nkv, int hd) {
    BEGIN("attention_forward");
    size_t N = (size_t)B * T;
    ARG(out, N * nh * hd), ARG(lse, N * nh), ARG(q, N * nh * hd), ARG(k, N * nkv * hd), ARG(v, N * nkv * hd);
    ON_CUDA(cuda_attention_forward(out, lse, q, k, v, B, T, nh, nkv, hd))
    cpu_attention_forward(out, lse, q, k, v, B, T, nh, nkv, hd);
    END();
}

void attention_forward_cached(float *out, const float *q, const float *k_cache, const float *v_cache, const int *seq,
                              const int *pos, int n, int max_len, int nh, int nkv, int hd, float *scores) {
    BEGIN("attention_forward_cached");
    ARG(out, (size_t)n * nh * hd), ARG(q, (size_t)n * nh * hd), ARG(k_cache, (size_t)max_len * nkv * hd);
    ARG(v_cache, (size_t)max_len * nkv * hd), ARG(seq, n), ARG(pos, n), ARG(scores, (size_t)n * nh * max_len);
    ON_CUDA(cuda_attention_forward_cached(out, q, k_cache, v_cache, seq, pos, n, max_len, nh, nkv, hd, scores))
    cpu_attention_forward_cached(out, q, k_cache, v_cache, seq, pos, n, max_len, nh, nkv, hd, scores);
    END();
}

void attention_backward(float *dq, float *dk, float *dv, const float *dout, const float *q, const float *k,
                        const float *v, const float *out, const float *lse, int B, int T, int nh, int nkv, int hd) {
    BEGIN("attention_backward");
    size_t N = (size_t)B * T, qd = N * nh * hd, kvd = N * nkv * hd;
    ARG(dq, qd), ARG(dk, kvd), ARG(dv, kvd), ARG(dout, qd), ARG(q, qd), ARG(k, kvd), ARG(v, kvd), ARG(out, qd);
    ARG(lse, N * nh);
    ON_CUDA(cuda_attention_backward(dq, dk, dv, dout, q, k, v, out, lse, B, T, nh, nkv, hd))
    cpu_attention_backward(dq, dk, dv, dout, q, k, v, out, lse, B, T, nh, nkv, hd);
    END();
}

void swiglu_forward(float *h, const float *gate, const float *up, size_t n) {
    BEGIN("swiglu_forward");
    ARG(h, n), ARG(gate, n), ARG(up, n);
    ON_CUDA(cuda_swiglu_forward(h, gate, up, n)) cpu_swiglu_forward(h, gate, up, n);
    END();
}

void swiglu_backward(float *dgate, float *dup, const float *dh, const float *gate, const float *up, size_t n) {
    BEGIN("swiglu_backward");
    ARG(dgate, n), ARG(dup, n), ARG(dh, n), ARG(gate, n), ARG(up, n);
    ON_CUDA(cuda_swiglu_backward(dgate, dup, dh, gate, up, n)) cpu_swiglu_backward(dgate, dup, dh, gate, up, n);
    END();
}

/* ------------------------------------------------------------------ */
/* losses                                                              */

double cross_entropy_forward_backward(float *dlogits, const float *logits, const int *targets, int n, int v,
                                      float scale) {
    BEGIN("cross_entropy_forward_backward");
    ARG(dlogits, (size_t)n * v), ARG(logits, (size_t)n * v), ARG(targets, n);
    double loss;
    ON_CUDA(cuda_cross_entropy_forward_backward(&loss, dlogits, logits, targets, n, v, scale))
    loss = cpu_cross_entropy_forward_backward(dlogits, logits, targets, n, v, scale);
    END();
    return loss;
}

void rows_nll(double *nll, const float *logits, const int *labels, int n, int V) {
    BEGIN("rows_nll");
    ARG(logits, (size_t)n * V), ARG(labels, n);
    ON_CUDA(cuda_rows_nll(nll, logits, labels, n, V)) cpu_rows_nll(nll, logits, labels, n, V);
    END();
}

void rows_nll_grad(float *dlogits, const float *logits, const int *labels, int n, int V, const float *coef) {
    BEGIN("rows_nll_grad");
    ARG(dlogits, (size_t)n * V), ARG(logits, (size_t)n * V), ARG(labels, n);
    ON_CUDA(cuda_rows_nll_grad(dlogits, logits, labels, n, V, coef))
    cpu_rows_nll_grad(dlogits, logits, labels, n, V, coef);
    END();
}

double kl_rows_forward_backward(float *logits, const float *ref_logits, int n, int v, float w) {
    BEGIN("kl_rows_forward_backward");
    ARG(logits, (size_t)n * v), ARG(ref_logits, (size_t)n * v);
    double total;
    ON_CUDA(cuda_kl_rows_forward_backward(&total, logits, ref_logits, n, v, w))
    total = cpu_kl_rows_forward_backward(logits, ref_logits, n, v, w);
    END();
    return total;
}

double uniform_kl_rows_forward_backward(float *logits, const int *targets, int n, int v, float w) {
    BEGIN("uniform_kl_rows_forward_backward");
    ARG(logits, (size_t)n * v), ARG(targets, n);
    double total;
    ON_CUDA(cuda_uniform_kl_rows_forward_backward(&total, logits, targets, n, v, w))
    total = cpu_uniform_kl_rows_forward_backward(logits, targets, n, v, w);
    END();
    return total;
}

double mse_forward_backward(float *dh, const float *h, const float *target, int target_is_row, size_t rows, int d,
                            float w) {
    BEGIN("mse_forward_backward");
    ARG(dh, rows * d), ARG(h, rows * d), ARG(target, target_is_row ? (size_t)d : rows * d);
    double mse;
    ON_CUDA(cuda_mse_forward_backward(&mse, dh, h, target, target_is_row, rows, d, w))
    mse = cpu_mse_forward_backward(dh, h, target, target_is_row, rows, d, w);
    END();
    return mse;
}

/* ------------------------------------------------------------------ */
/* embedding, element-wise, whole buffers                              */

void embedding_forward(float *x, const float *table, const int *ids, size_t n, int d) {
    BEGIN("embedding_forward");
    /* the table's rows are known only to the ids (backend memory): its first row is checked */
    ARG(x, n * d), ARG(ids, n), ARG(table, (size_t)d);
    ON_CUDA(cuda_embedding_forward(x, table, ids, n, d)) cpu_embedding_forward(x, table, ids, n, d);
    END();
}

void embedding_backward(float *dtable, const float *dx, const int *ids, size_t n, int d) {
    BEGIN("embedding_backward");
    ARG(dtable, (size_t)d), ARG(dx, n * d), ARG(ids, n); /* as embedding_forward */
    ON_CUDA(cuda_embedding_backward(dtable, dx, ids, n, d)) cpu_embedding_backward(dtable, dx, ids, n, d);
    END();
}

void add_inplace(float *y, const float *x, size_t n) {
    BEGIN("add_inplace");
    ARG(y, n), ARG(x, n);
    ON_CUDA(cuda_add_inplace(y, x, n)) cpu_add_inplace(y, x, n);
    END();
}

void scale_inplace(float *x, size_t n, float s) {
    BEGIN("scale_inplace");
    ARG(x, n);
    ON_CUDA(cuda_scale_inplace(x, n, s)) cpu_scale_inplace(x, n, s);
    END();
}

int all_finite(const float *x, size_t n) {
    BEGIN("all_finite");
    ARG(x, n);
    int ok;
    ON_CUDA(cuda_all_finite(&ok, x, n)) ok = cpu_all_finite(x, n);
    END();
    return ok;
}

double sum_squares(const float *x, size_t n) {
    BEGIN("sum_squares");
    ARG(x, n);
    double s;
    ON_CUDA(cuda_sum_squares(&s, x, n)) s = det_sum_squares(x, n);
    END();
    return s;
}

void negated_task_vector(float *out, const float *base, const float *finetuned, size_t n, float alpha) {
    BEGIN("negated_task_vector");
    ARG(out, n), ARG(base, n), ARG(finetuned, n);
    ON_CUDA(cuda_negated_task_vector(out, base, finetuned, n, alpha))
    cpu_negated_task_vector(out, base, finetuned, n, alpha);
    END();
}

void kv_store_rows(float *cache, const float *x, const int *seq, const int *pos, int n, int max_len, int d) {
    BEGIN("kv_store_rows");
    ARG(cache, (size_t)max_len * d), ARG(x, (size_t)n * d), ARG(seq, n), ARG(pos, n);
    ON_CUDA(cuda_kv_store_rows(cache, x, seq, pos, n, max_len, d)) cpu_kv_store_rows(cache, x, seq, pos, n, max_len, d);
    END();
}

/* ------------------------------------------------------------------ */
/* scoring rows                                                        */

void argmax_rows(int *best, const float *x, int n, int v) {
    BEGIN("argmax_rows");
    ARG(x, (size_t)n * v);
    ON_CUDA(cuda_argmax_rows(best, x, n, v)) cpu_argmax_rows(best, x, n, v);
    END();
}

void logsumexp_rows(double *lse, const float *x, int n, int v) {
    BEGIN("logsumexp_rows");
    ARG(x, (size_t)n * v);
    ON_CUDA(cuda_logsumexp_rows(lse, x, n, v)) cpu_logsumexp_rows(lse, x, n, v);
    END();
}

/* 1 + the largest of rows[i] * ld + cols[i] (HOST indices): the extent a gather reads. */
static size_t gather_extent(const int *rows, const int *cols, int n, size_t ld) {
    size_t end = 0;
    for (int i = 0; i < n; i++) {
        size_t at = (size_t)rows[i] * ld + (cols ? (size_t)cols[i] : ld - 1) + 1;
        end = at > end ? at : end;
    }
    return end;
}

void gather_values(float *out, const float *x, const int *rows, const int *cols, int n, size_t ld) {
    BEGIN("gather_values");
    ARG(x, gather_extent(rows, cols, n, ld));
    ON_CUDA(cuda_gather_values(out, x, rows, cols, n, ld)) cpu_gather_values(out, x, rows, cols, n, ld);
    END();
}

void gather_rows(float *dst, const float *src, const int *rows, int n, int d) {
    BEGIN("gather_rows");
    ARG(dst, (size_t)n * d), ARG(src, gather_extent(rows, NULL, n, (size_t)d));
    ON_CUDA(cuda_gather_rows(dst, src, rows, n, d)) cpu_gather_rows(dst, src, rows, n, d);
    END();
}

void logprob_row_stats(double *lp, double *mu, double *sigma, const float *logits, const int *targets, int n, int v) {
    BEGIN("logprob_row_stats");
    ARG(logits, (size_t)n * v), ARG(targets, n);
    ON_CUDA(cuda_logprob_row_stats(lp, mu, sigma, logits, targets, n, v))
    cpu_logprob_row_stats(lp, mu, sigma, logits, targets, n, v);
    END();
}

/* ------------------------------------------------------------------ */
/* optimizer                                                           */

void adamw_update(float *p, const float *g, float *m, float *v, size_t n, float lr, float beta1, float beta2,
                  float eps, float weight_decay, long step) {
    BEGIN("adamw_update");
    ARG(p, n), ARG(g, n), ARG(m, n), ARG(v, n);
    ON_CUDA(cuda_adamw_update(p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, step))
    cpu_adamw_update(p, g, m, v, n, lr, beta1, beta2, eps, weight_decay, step);
    END();
}

void sgd_update(float *p, const float *g, size_t n, float lr, float weight_decay) {
    BEGIN("sgd_update");
    ARG(p, n), ARG(g, n);
    ON_CUDA(cuda_sgd_update(p, g, n, lr, weight_decay)) cpu_sgd_update(p, g, n, lr, weight_decay);
    END();
}
