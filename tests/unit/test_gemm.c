/* dusk's SGEMM (src/ops/cpu/sgemm*.c) against a double-precision reference:
 * every micro-kernel this CPU can run, all four transposes, edge sizes that
 * are not multiples of any block (MR 14/6/4, NR 32/16, KC 512, MC ~168,
 * NC 2048), alpha/beta variants with BLAS semantics (beta 0 ignores NaN in
 * C), leading dimensions wider than the rows, every row count of the edge
 * tiles with A packed and read in place (and the same bits either way), a B
 * packed once for several products (sgemm_prepacked: sgemm_dusk's bits);
 * then determinism (repeat, 1 vs 2 threads, AVX-512 vs AVX2), a B block
 * packed once for a thread's chunks of one call (never held over to the next
 * call) and calls from inside an OpenMP parallel region.
 *
 * Tolerance: each output is a float dot product of length k, scaled by alpha
 * and added to beta*C. Standard error analysis bounds its error by
 * gamma_{k+2} (|alpha| sum_p |a_ip||b_pj| + |beta||c_ij|) with
 * gamma_n ~ n * 2^-24; the check allows (k + 2) * FLT_EPSILON (= 2^-23, a
 * factor 2 of slack) times that sum, computed per element. */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "ops/cpu/sgemm.h"
#include "ops/ops.h"
#include "util/rng.h"

typedef struct {
    int m, n, k;
} Shape;

/* Edge sizes 1, 7, 17, 255, 1000 and others just past KC, MC, NC. */
static const Shape SHAPES[] = {
    {1, 1, 1},     {7, 17, 255},  {17, 7, 1000}, {255, 33, 17}, {1000, 17, 7}, {33, 1000, 65},
    {15, 2100, 9}, {300, 63, 257}, {169, 65, 513}, {64, 32, 32}, {1, 1000, 17}, {1000, 1, 255},
    {29, 47, 600}, {255, 255, 1},
};
static const float ALPHAS[] = {1.0f, 1.0f, 0.5f, -1.5f, 0.0f};
static const float BETAS[] = {0.0f, 1.0f, -2.0f, 0.25f, 2.0f};
enum { N_SHAPES = sizeof SHAPES / sizeof SHAPES[0], N_SCALES = sizeof ALPHAS / sizeof ALPHAS[0] };
#define SENTINEL 12345.0f

typedef struct {
    int ta, tb, m, n, k, lda, ldb, ldc;
    float alpha, beta;
    float *a, *b, *c0; /* c0: C before the call */
} Case;

static void fill(Rng *r, float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = 2.0f * rng_uniform(r) - 1.0f;
}

/* Operands with random padding past each row (A's rows lda apart when lda
 * > 0); C's padding holds SENTINEL. */
static Case make_case_lda(Rng *r, int ta, int tb, Shape s, float alpha, float beta, int nan_c, int lda) {
    Case t = {.ta = ta, .tb = tb, .m = s.m, .n = s.n, .k = s.k, .alpha = alpha, .beta = beta};
    int a_rows = ta ? s.k : s.m, a_cols = ta ? s.m : s.k, b_rows = tb ? s.n : s.k, b_cols = tb ? s.k : s.n;
    t.lda = lda > 0 ? lda : a_cols + (int)rng_below(r, 5);
    t.ldb = b_cols + (int)rng_below(r, 5);
    t.ldc = s.n + (int)rng_below(r, 5);
    t.a = malloc(sizeof(float) * a_rows * t.lda);
    t.b = malloc(sizeof(float) * b_rows * t.ldb);
    t.c0 = malloc(sizeof(float) * s.m * t.ldc);
    fill(r, t.a, (size_t)a_rows * t.lda);
    fill(r, t.b, (size_t)b_rows * t.ldb);
    fill(r, t.c0, (size_t)s.m * t.ldc);
    for (int i = 0; i < s.m; i++)
        for (int j = 0; j < t.ldc; j++)
            if (j >= s.n) t.c0[(size_t)i * t.ldc + j] = SENTINEL;
            else if (nan_c) t.c0[(size_t)i * t.ldc + j] = NAN;
    return t;
}

static Case make_case(Rng *r, int ta, int tb, Shape s, float alpha, float beta, int nan_c) {
    return make_case_lda(r, ta, tb, s, alpha, beta, nan_c, 0);
}

static void free_case(Case *t) {
    free(t->a), free(t->b), free(t->c0);
}

static float *run_case(const Case *t) {
    float *c = malloc(sizeof(float) * t->m * t->ldc);
    memcpy(c, t->c0, sizeof(float) * t->m * t->ldc);
    gemm(t->ta, t->tb, t->m, t->n, t->k, t->alpha, t->a, t->lda, t->b, t->ldb, t->beta, c, t->ldc);
    return c;
}

static float a_at(const Case *t, int i, int p) { return t->ta ? t->a[(size_t)p * t->lda + i] : t->a[(size_t)i * t->lda + p]; }
static float b_at(const Case *t, int p, int j) { return t->tb ? t->b[(size_t)j * t->ldb + p] : t->b[(size_t)p * t->ldb + j]; }

/* Compares c with the double reference; returns the number of bad elements. */
static int check_against_reference(const Case *t, const float *c, const char *kernel) {
    int bad = 0;
    for (int i = 0; i < t->m; i++)
        for (int j = 0; j < t->ldc; j++) {
            float got = c[(size_t)i * t->ldc + j], c0 = t->c0[(size_t)i * t->ldc + j];
            if (j >= t->n) { /* padding untouched */
                bad += got != SENTINEL;
                continue;
            }
            double dot = 0, mag = 0;
            for (int p = 0; p < t->k; p++) {
                double prod = (double)a_at(t, i, p) * b_at(t, p, j);
                dot += prod, mag += fabs(prod);
            }
            double want = t->alpha * dot, bound = fabs(t->alpha) * mag;
            if (t->beta != 0.0f) want += (double)t->beta * c0, bound += fabs(t->beta * c0);
            double tol = (t->k + 2) * (double)FLT_EPSILON * bound;
            if (!(fabs(got - want) <= tol)) {
                if (bad++ == 0)
                    fprintf(stderr, "%s ta %d tb %d %dx%dx%d alpha %g beta %g: C[%d][%d] = %.9g, want %.9g (tol %g)\n",
                            kernel, t->ta, t->tb, t->m, t->n, t->k, t->alpha, t->beta, i, j, got, want, tol);
            }
        }
    return bad;
}

static void check_kernel_accuracy(Rng *r, const char *kernel) {
    int cases = 0, failed = 0;
    for (int tr = 0; tr < 4; tr++)
        for (int s = 0; s < N_SHAPES; s++, cases++) {
            int v = (s + tr) % N_SCALES;
            Case t = make_case(r, tr & 1, tr >> 1, SHAPES[s], ALPHAS[v], BETAS[v], 0);
            float *c = run_case(&t);
            failed += check_against_reference(&t, c, kernel) != 0;
            free(c), free_case(&t);
        }
    /* beta 0 must not read C: NaN there stays out of the result. */
    for (int s = 0; s < N_SHAPES; s += 3, cases++) {
        Case t = make_case(r, s & 1, (s >> 1) & 1, SHAPES[s], 0.75f, 0.0f, 1);
        float *c = run_case(&t);
        failed += check_against_reference(&t, c, kernel) != 0;
        free(c), free_case(&t);
    }
    CHECK_MSG(failed == 0, "kernel %s: %d of %d cases outside tolerance", kernel, failed, cases);
    printf("kernel %s: %d cases against the double reference, %d failed\n", kernel, cases, failed);
}

/* Every edge-tile row count of the kernel (m = 1 .. 2 MR: a short tile
 * alone and after a full one), with A read in place (A stored [k, m]; or
 * row-major: few B panels, or rows that do not alias in L1) and packed
 * (row-major, many B panels, lda a multiple of 512), partial and full
 * column tiles, beta 0 and not. */
static void check_edge_rows(Rng *r, const SgemmKernel *kern) {
    int cases = 0, failed = 0;
    const int ns[] = {kern->nr + 3, 3 * kern->nr};
    for (int m = 1; m <= 2 * kern->mr; m++)
        for (int form = 0; form < 6; form++, cases++) {
            /* form: bit 0 A stored [k, m]; bit 1 many B panels; 4, 5: row-major with lda 512 */
            int ta = form < 4 ? form & 1 : 0, lda = form >= 4 ? 512 : 0;
            Shape s = {m, ns[form >= 4 ? form - 4 : form >> 1], 37};
            Case t = make_case_lda(r, ta, 0, s, 1.25f, (m + form) % 2 ? 0.5f : 0.0f, 0, lda);
            float *c = run_case(&t);
            failed += check_against_reference(&t, c, kern->name) != 0;
            free(c), free_case(&t);
        }
    CHECK_MSG(failed == 0, "kernel %s: %d of %d edge-row cases outside tolerance", kern->name, failed, cases);
    printf("kernel %s: %d edge-row cases (m 1..%d) against the double reference, %d failed\n", kern->name, cases,
           2 * kern->mr, failed);
}

/* Whether A is packed or read in place only moves data: the same logical
 * product gives the same bits with a row-major A whose rows are 512 floats
 * apart (packed, with many B panels) and 37 + 2 apart (read in place). */
static void check_packed_a_same_bits(Rng *r, const SgemmKernel *kern) {
    int cases = 0, differ = 0;
    for (int m = 1; m <= 2 * kern->mr + 3; m += 2)
        for (int tb = 0; tb < 2; tb++, cases++) {
            Shape s = {m, 3 * kern->nr + 5, 300};
            Case packed = make_case_lda(r, 0, tb, s, 0.75f, m % 3 ? 0.5f : 0.0f, 0, 512);
            Case direct = packed;
            direct.lda = s.k + 2;
            direct.a = malloc(sizeof(float) * s.m * direct.lda);
            for (int i = 0; i < s.m; i++)
                memcpy(direct.a + (size_t)i * direct.lda, packed.a + (size_t)i * packed.lda, sizeof(float) * s.k);
            float *c1 = run_case(&packed), *c2 = run_case(&direct);
            differ += memcmp(c1, c2, sizeof(float) * s.m * packed.ldc) != 0;
            free(c1), free(c2), free(direct.a), free_case(&packed);
        }
    CHECK_MSG(differ == 0, "kernel %s: A packed and read in place differ on %d of %d cases", kern->name, differ, cases);
    printf("kernel %s: A packed vs in place, %d cases, %d differ\n", kern->name, cases, differ);
}

/* A B packed once (attention's keys): products with a prefix of its columns
 * give sgemm_dusk's bits on the unpacked operand, for both stored forms of
 * B and of A, edge tiles and partial panels, alpha and beta. */
static void check_prepacked(Rng *r, const SgemmKernel *kern) {
    const Shape full[] = {{64, 256, 32}, {17, 70, 64}, {1, 33, 7}, {29, 200, 512}};
    int cases = 0, differ = 0;
    SgemmPackedB pb = {0};
    for (int s = 0; s < 4; s++)
        for (int tr = 0; tr < 4; tr++) {
            Case t = make_case(r, tr & 1, tr >> 1, full[s], tr == 3 ? 0.5f : 1.0f, tr == 2 ? 0.25f : 0.0f, 0);
            sgemm_packed_b_set(&pb, t.tb, t.n, t.k, t.b, t.ldb);
            const int prefixes[] = {t.n, t.n / 2 + 1, 1};
            for (int q = 0; q < 3; q++, cases++) {
                Case u = t;
                u.n = prefixes[q];
                float *want = run_case(&u), *got = malloc(sizeof(float) * u.m * u.ldc);
                memcpy(got, u.c0, sizeof(float) * u.m * u.ldc);
                sgemm_prepacked(u.ta, u.m, u.n, u.k, u.alpha, u.a, u.lda, &pb, u.beta, got, u.ldc);
                differ += memcmp(want, got, sizeof(float) * u.m * u.ldc) != 0;
                free(want), free(got);
            }
            free_case(&t);
        }
    sgemm_packed_b_free(&pb);
    CHECK(!sgemm_packed_b_fits(513) && sgemm_packed_b_fits(512));
    CHECK_MSG(differ == 0, "kernel %s: prepacked B differs from sgemm_dusk on %d of %d cases", kern->name, differ, cases);
    printf("kernel %s: prepacked B vs sgemm_dusk, %d cases, %d differ\n", kern->name, cases, differ);
}

/* Same bits on a repeat and with 1 or 2 threads (the product is big enough
 * to be split between threads: by rows when n <= m, else by columns). */
static void check_determinism(Rng *r, const char *kernel) {
    const Shape shapes[] = {{700, 520, 600}, {64, 1500, 300}};
    for (int s = 0; s < 2; s++) {
        Case t = make_case(r, s, 1 - s, shapes[s], 1.0f, 1.0f, 0);
        omp_set_num_threads(2);
        float *two = run_case(&t), *again = run_case(&t);
        omp_set_num_threads(1);
        float *one = run_case(&t);
        omp_set_num_threads(2);
        size_t bytes = sizeof(float) * t.m * t.ldc;
        CHECK_MSG(memcmp(two, again, bytes) == 0, "kernel %s: repeat differs", kernel);
        CHECK_MSG(memcmp(two, one, bytes) == 0, "kernel %s: 1 and 2 threads differ", kernel);
        CHECK(check_against_reference(&t, two, kernel) == 0);
        free(two), free(again), free(one), free_case(&t);
    }
}

/* Two products split by rows with different B of one shape, back to back,
 * must each match the reference: the threads' pack buffers outlive a call,
 * and a B block taken as still packed from the earlier call would fail the
 * second. */
static void check_b_reuse(Rng *r, const char *kernel) {
    omp_set_num_threads(2);
    for (int tb = 0; tb < 2; tb++) {
        Shape shape = {1800, 70, 130}; /* shared out by rows */
        Case first = make_case(r, 0, tb, shape, 1.0f, 0.0f, 0), second = make_case(r, 0, tb, shape, 1.0f, 0.0f, 0);
        float *c1 = run_case(&first), *c2 = run_case(&second);
        CHECK_MSG(check_against_reference(&first, c1, kernel) == 0, "kernel %s: B reuse, first product", kernel);
        CHECK_MSG(check_against_reference(&second, c2, kernel) == 0, "kernel %s: B reuse, second product", kernel);
        free(c1), free(c2), free_case(&first), free_case(&second);
    }
}

/* Attention calls gemm from every thread of a parallel loop: each call must
 * run on its own thread and give the same bits as a call from outside. */
static void check_inside_parallel(Rng *r, const char *kernel) {
    Case t = make_case(r, 0, 1, (Shape){200, 300, 300}, 1.0f, 0.0f, 0);
    float *outside = run_case(&t);
    float *inside[4] = {0};
#pragma omp parallel for num_threads(2) schedule(static)
    for (int i = 0; i < 4; i++) inside[i] = run_case(&t);
    size_t bytes = sizeof(float) * t.m * t.ldc;
    for (int i = 0; i < 4; i++) {
        CHECK_MSG(memcmp(inside[i], outside, bytes) == 0, "kernel %s: call %d inside a parallel loop differs", kernel, i);
        free(inside[i]);
    }
    free(outside), free_case(&t);
}

/* AVX-512 and AVX2 split K at the same places and chain one fma per k in
 * the same order, so they give the same bits: a run's numbers do not depend
 * on which of the two the machine has. */
static int same_bits_avx512_avx2(const Case *t) {
    CHECK(sgemm_set_kernel("avx512") == 0);
    float *c512 = run_case(t);
    CHECK(sgemm_set_kernel("avx2") == 0);
    float *c2 = run_case(t);
    int same = memcmp(c512, c2, sizeof(float) * t->m * t->ldc) == 0;
    free(c512), free(c2);
    return same;
}

static void check_avx_kernels_agree(Rng *r) {
    if (!sgemm_kernel_avx512.cpu_has() || !sgemm_kernel_avx2.cpu_has()) {
        printf("avx512 vs avx2 bits: not run (this CPU lacks one)\n");
        return;
    }
    int differ = 0, cases = 0;
    for (int tr = 0; tr < 4; tr++)
        for (int s = 0; s < N_SHAPES; s += 2, cases++) {
            Case t = make_case(r, tr & 1, tr >> 1, SHAPES[s], 0.7f, 0.3f, 0);
            differ += !same_bits_avx512_avx2(&t);
            free_case(&t);
        }
    /* Every edge-tile row count of both, A in place (n 35) and packed (n 99). */
    for (int m = 1; m <= 2 * sgemm_kernel_avx512.mr; m++)
        for (int tr = 0; tr < 4; tr++, cases++) {
            Case t = make_case(r, tr & 1, 0, (Shape){m, tr >> 1 ? 99 : 35, 21}, 0.7f, 0.3f, 0);
            differ += !same_bits_avx512_avx2(&t);
            free_case(&t);
        }
    CHECK_MSG(differ == 0, "avx512 and avx2 differ on %d cases", differ);
    printf("avx512 vs avx2 bits: %d cases, %d differ\n", cases, differ);
}

/* DUSK_GEMM_KERNEL is read on first use, so each value gets a fresh child. */
static int child_kernel_status(const char *value, const char *expect_name) {
    pid_t pid = fork();
    if (pid == 0) {
        setenv("DUSK_GEMM_KERNEL", value, 1);
        if (!expect_name) freopen("/dev/null", "w", stderr);
        const char *got = sgemm_kernel_name();
        if (expect_name && strcmp(got, expect_name) != 0) fprintf(stderr, "DUSK_GEMM_KERNEL=%s selected %s\n", value, got);
        _exit(expect_name && strcmp(got, expect_name) == 0 ? 0 : 3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void check_selection(void) {
    CHECK(child_kernel_status("plain", "plain") == 0);
    CHECK(child_kernel_status("bogus", NULL) == 1); /* dusk_die: a message and exit 1, no crash */
    for (int i = 0; i < 2; i++) {
        const SgemmKernel *kern = i ? &sgemm_kernel_avx2 : &sgemm_kernel_avx512;
        CHECK(child_kernel_status(kern->name, kern->cpu_has() ? kern->name : NULL) == (kern->cpu_has() ? 0 : 1));
    }
    /* After the children: the first call picks this process's kernel. */
    CHECK(sgemm_set_kernel("bogus") == -1);
    CHECK(sgemm_kernel_avx512.cpu_has() || sgemm_set_kernel("avx512") == -1);
}

int main(void) {
    check_selection(); /* before this process picks its kernel */
    CHECK(ops_set_gemm_impl("dusk") == 0);
    Rng r;
    rng_seed(&r, 12);
    const SgemmKernel *kernels[] = {&sgemm_kernel_avx512, &sgemm_kernel_avx2, &sgemm_kernel_plain};
    for (int i = 0; i < 3; i++) {
        if (!kernels[i]->cpu_has()) {
            printf("kernel %s: not run (this CPU lacks it)\n", kernels[i]->name);
            continue;
        }
        CHECK(sgemm_set_kernel(kernels[i]->name) == 0);
        CHECK(strcmp(ops_gemm_kernel_name(), kernels[i]->name) == 0);
        check_kernel_accuracy(&r, kernels[i]->name);
        check_edge_rows(&r, kernels[i]);
        check_packed_a_same_bits(&r, kernels[i]);
        check_prepacked(&r, kernels[i]);
        check_determinism(&r, kernels[i]->name);
        check_b_reuse(&r, kernels[i]->name);
        check_inside_parallel(&r, kernels[i]->name);
    }
    check_avx_kernels_agree(&r);
    return check_report("test_gemm");
}
