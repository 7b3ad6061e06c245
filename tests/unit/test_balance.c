/* Feedback-sized thread shares (src/ops/cpu/balance.c) and their users.
 *
 * The shares: contiguous, covering every unit once, each within a unit of
 * its fraction; the equal split when nothing is known. The feedback: one run
 * moves a fraction by RATE (0.1) toward the measured speeds' share, as
 * balance.c states; repeated runs of threads with fixed speeds settle at
 * their speeds' ratio, and a far faster thread is held at 1.5 times the
 * equal share; a loop run often keeps its slot when many one-off loops come.
 * Its users: dusk's GEMM in fp32 and bf16 (split by rows and by columns, or
 * by B's panels, all transposes) and attention forward and backward give the
 * same bits under skewed shares, forced with balance_force, as under equal
 * ones, on 2 and 3 threads, and the fp32 GEMM's skewed results match a
 * double-precision reference (a share boundary that dropped or repeated a
 * tile would fail both). */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ops/cpu/balance.h"
#include "ops/ops.h"
#include "util/rng.h"

/* ---- the shares ---- */

static void check_shares_cover(const double *frac, int nt, int units) {
    if (frac) balance_force(frac, nt);
    int expect_lo = 0;
    for (int t = 0; t < nt; t++) {
        int lo, hi;
        balance_share(NULL, units, t, nt, &lo, &hi);
        CHECK_MSG(lo == expect_lo && hi >= lo, "units %d, thread %d of %d: [%d, %d) after %d", units, t, nt, lo, hi,
                  expect_lo);
        double want = frac ? frac[t] * units : (double)units / nt;
        CHECK_MSG(fabs((hi - lo) - want) <= 1.0, "units %d, thread %d of %d: %d units for %.2f", units, t, nt,
                  hi - lo, want);
        if (!frac) CHECK(lo == units * t / nt && hi == units * (t + 1) / nt);
        expect_lo = hi;
    }
    CHECK_MSG(expect_lo == units, "units %d on %d threads: shares end at %d", units, nt, expect_lo);
    balance_force(NULL, 0);
}

static void check_shares(void) {
    const int counts[] = {0, 1, 2, 5, 8, 147, 1000};
    const double two[][2] = {{0.5, 0.5}, {0.1, 0.9}, {0.93, 0.07}, {0.0, 1.0}, {1.0, 0.0}, {0.55, 0.45}};
    const double three[][3] = {{0.2, 0.5, 0.3}, {0.0, 0.25, 0.75}, {0.34, 0.33, 0.33}};
    for (int c = 0; c < (int)(sizeof counts / sizeof counts[0]); c++) {
        check_shares_cover(NULL, 2, counts[c]);
        check_shares_cover(NULL, 3, counts[c]);
        for (int f = 0; f < (int)(sizeof two / sizeof two[0]); f++) check_shares_cover(two[f], 2, counts[c]);
        for (int f = 0; f < (int)(sizeof three / sizeof three[0]); f++) check_shares_cover(three[f], 3, counts[c]);
    }
    /* fractions forced for another team size leave this one equal */
    const double skew[] = {0.1, 0.9};
    balance_force(skew, 2);
    int lo, hi;
    balance_share(NULL, 90, 0, 3, &lo, &hi);
    CHECK(lo == 0 && hi == 30);
    balance_force(NULL, 0);
}

/* ---- the feedback ---- */

/* Runs of a loop of `units` whose threads do speed[t] units a second. */
static void run_loop(BalanceSlot *s, const double *speed, int nt, int units, int runs) {
    for (int r = 0; r < runs; r++) {
        for (int t = 0; t < nt; t++) {
            int lo, hi;
            balance_share(s, units, t, nt, &lo, &hi);
            balance_record(s, t, nt, hi - lo, (hi - lo) / speed[t]);
        }
        balance_update(s);
    }
}

static void check_feedback(void) {
    int sizes[] = {1, 2, 3};
    BalanceSlot *s = balance_slot(balance_key("test loop", sizes, 3), 2);
    CHECK(s != NULL);
    if (!s) return;
    CHECK(s->frac[0] == 0.5 && s->frac[1] == 0.5);
    CHECK(balance_slot(balance_key("test loop", sizes, 3), 2) == s);
    CHECK(balance_slot(balance_key("test loop", sizes, 3), 3) != s);
    CHECK(balance_slot(balance_key("other loop", sizes, 3), 2) != s);
    CHECK(balance_slot(balance_key("test loop", sizes, 3), 1) == NULL);

    /* one run: thread 0 at 100 units/s, thread 1 at 50, equal shares: the
     * measured share is 2/3, so frac[0] = 0.9 * 0.5 + 0.1 * 2/3 */
    balance_record(s, 0, 2, 500, 5.0);
    balance_record(s, 1, 2, 500, 10.0);
    balance_update(s);
    CHECK_NEAR(s->frac[0], 0.9 * 0.5 + 0.1 * (2.0 / 3.0), 1e-12);
    CHECK_NEAR(s->frac[0] + s->frac[1], 1.0, 1e-12);
    /* nothing recorded (or a thread without units): nothing changes */
    double before = s->frac[0];
    balance_update(s);
    balance_record(s, 0, 2, 10, 1.0);
    balance_record(s, 1, 2, 0, 1.0);
    balance_update(s);
    CHECK(s->frac[0] == before);
    /* a record for another team size is ignored */
    balance_record(s, 0, 3, 10, 1.0);
    balance_record(s, 1, 3, 10, 100.0);
    balance_update(s);
    CHECK(s->frac[0] == before);

    /* settles at the speeds' ratio */
    const double speeds[] = {100.0, 50.0};
    run_loop(s, speeds, 2, 3000, 200);
    CHECK_NEAR(s->frac[0], 2.0 / 3.0, 2e-3);
    /* a thread ten times faster: held at 1.5 / 2 */
    const double far[] = {1000.0, 100.0};
    run_loop(s, far, 2, 3000, 200);
    CHECK_NEAR(s->frac[0], 0.75, 1e-9);
    CHECK_NEAR(s->frac[1], 0.25, 1e-9);
    /* and back to equal speeds */
    const double same[] = {70.0, 70.0};
    run_loop(s, same, 2, 3000, 200);
    CHECK_NEAR(s->frac[0], 0.5, 2e-3);

    /* a loop run often keeps its slot while thousands of one-off loops come */
    for (int i = 0; i < 5000; i++) {
        int one_off[] = {i};
        CHECK(balance_slot(balance_key("one-off", one_off, 1), 2) != NULL);
    }
    double kept = s->frac[0];
    CHECK(balance_slot(balance_key("test loop", sizes, 3), 2) == s && s->frac[0] == kept && kept != 0.5);

    /* three threads */
    int sizes3[] = {7};
    BalanceSlot *s3 = balance_slot(balance_key("test loop", sizes3, 1), 3);
    CHECK(s3 != NULL);
    if (s3) {
        const double speeds3[] = {30.0, 20.0, 50.0};
        run_loop(s3, speeds3, 3, 10000, 300);
        CHECK_NEAR(s3->frac[0], 0.3, 2e-3);
        CHECK_NEAR(s3->frac[1], 0.2, 2e-3);
        CHECK_NEAR(s3->frac[2], 0.5, 2e-3);
    }

    balance_enable(0);
    CHECK(balance_slot(balance_key("test loop", sizes, 3), 2) == NULL);
    balance_enable(1);
}

/* ---- the GEMM ---- */

typedef struct {
    int ta, tb, m, n, k;
} Shape;

static float *random_floats(Rng *r, size_t n) {
    float *x = malloc(sizeof(float) * (n ? n : 1));
    for (size_t i = 0; i < n; i++) x[i] = rng_uniform(r) * 2.0f - 1.0f;
    return x;
}

static float *gemm_once(const Shape *s, const float *a, const float *b, const float *c0) {
    size_t nc = (size_t)s->m * s->n;
    float *c = malloc(sizeof(float) * nc);
    memcpy(c, c0, sizeof(float) * nc);
    gemm(s->ta, s->tb, s->m, s->n, s->k, 0.75f, a, s->ta ? s->m : s->k, b, s->tb ? s->k : s->n, 0.5f, c, s->n);
    return c;
}

/* Elements of c off from the double-precision product by more than the
 * float dot product's bound ((k + 2) eps times the sum of magnitudes). */
static int off_reference(const Shape *s, const float *a, const float *b, const float *c0, const float *c) {
    int off = 0;
    for (int i = 0; i < s->m; i++)
        for (int j = 0; j < s->n; j++) {
            double sum = 0.0, mag = 0.0;
            for (int p = 0; p < s->k; p++) {
                double x = s->ta ? a[(size_t)p * s->m + i] : a[(size_t)i * s->k + p];
                double y = s->tb ? b[(size_t)j * s->k + p] : b[(size_t)p * s->n + j];
                sum += x * y, mag += fabs(x * y);
            }
            double want = 0.75 * sum + 0.5 * c0[(size_t)i * s->n + j];
            double bound = (s->k + 2) * (double)FLT_EPSILON * (0.75 * mag + 0.5 * fabs(c0[(size_t)i * s->n + j]));
            off += fabs(c[(size_t)i * s->n + j] - want) > bound;
        }
    return off;
}

static void check_gemm(Rng *r, const char *precision) {
    /* split by rows (n <= m), by columns, the tiny step's NT, NN and TN
     * shapes, edges that are not multiples of the tile, and (bf16: shared
     * out by B's panels) few rows */
    const Shape shapes[] = {{0, 1, 700, 520, 600},  {1, 0, 64, 1500, 300},  {0, 1, 2048, 256, 256},
                            {0, 0, 2048, 256, 688}, {1, 0, 688, 256, 2048}, {1, 1, 333, 97, 129},
                            {0, 1, 20, 700, 300}};
    int fp32 = !strcmp(precision, "fp32");
    CHECK(ops_set_precision(precision) == 0);
    const double two[][2] = {{0.1, 0.9}, {0.93, 0.07}, {0.0, 1.0}, {0.62, 0.38}};
    const double three[] = {0.2, 0.5, 0.3};
    CHECK(ops_set_gemm_impl("dusk") == 0);
    for (int i = 0; i < (int)(sizeof shapes / sizeof shapes[0]); i++) {
        const Shape *s = &shapes[i];
        float *a = random_floats(r, (size_t)s->m * s->k), *b = random_floats(r, (size_t)s->k * s->n);
        float *c0 = random_floats(r, (size_t)s->m * s->n);
        size_t bytes = sizeof(float) * s->m * s->n;
        omp_set_num_threads(2);
        float *equal = gemm_once(s, a, b, c0);
        int differ = 0, off = 0;
        for (int f = 0; f < (int)(sizeof two / sizeof two[0]); f++) {
            balance_force(two[f], 2);
            float *c = gemm_once(s, a, b, c0);
            differ += memcmp(c, equal, bytes) != 0;
            if (fp32 && f < 2 && s->m * s->n <= 700 * 520) off += off_reference(s, a, b, c0, c);
            free(c);
        }
        omp_set_num_threads(3);
        balance_force(three, 3);
        float *c3 = gemm_once(s, a, b, c0);
        differ += memcmp(c3, equal, bytes) != 0;
        balance_force(NULL, 0);
        omp_set_num_threads(2);
        CHECK_MSG(differ == 0 && off == 0, "gemm (%s) %c%c %d x %d x %d: %d skewed splits differ from equal shares, "
                  "%d elements off the reference", precision, s->ta ? 'T' : 'N', s->tb ? 'T' : 'N', s->m, s->n, s->k,
                  differ, off);
        free(a), free(b), free(c0), free(equal), free(c3);
    }
    CHECK(ops_set_precision("fp32") == 0);
}

/* ---- attention ---- */

typedef struct {
    float *out, *lse, *dq, *dk, *dv;
} AttentionResult;

enum { AB = 3, AT = 70, ANH = 4, ANKV = 2, AHD = 16 };

static AttentionResult attention_once(const float *q, const float *k, const float *v, const float *dout) {
    size_t nq = (size_t)AB * AT * ANH * AHD, nkv = (size_t)AB * AT * ANKV * AHD;
    AttentionResult r = {ops_alloc(nq * 4), ops_alloc((size_t)AB * ANH * AT * 4), ops_alloc(nq * 4),
                         ops_alloc(nkv * 4), ops_alloc(nkv * 4)};
    attention_forward(r.out, r.lse, q, k, v, AB, AT, ANH, ANKV, AHD);
    attention_backward(r.dq, r.dk, r.dv, dout, q, k, v, r.out, r.lse, AB, AT, ANH, ANKV, AHD);
    return r;
}

static int same_attention(const AttentionResult *x, const AttentionResult *y) {
    size_t nq = (size_t)AB * AT * ANH * AHD * 4, nkv = (size_t)AB * AT * ANKV * AHD * 4;
    return !memcmp(x->out, y->out, nq) && !memcmp(x->lse, y->lse, (size_t)AB * ANH * AT * 4) &&
           !memcmp(x->dq, y->dq, nq) && !memcmp(x->dk, y->dk, nkv) && !memcmp(x->dv, y->dv, nkv);
}

static void free_attention(AttentionResult *r) {
    ops_free(r->out), ops_free(r->lse), ops_free(r->dq), ops_free(r->dk), ops_free(r->dv);
}

static void check_attention(Rng *r, const char *precision) {
    CHECK(ops_set_precision(precision) == 0);
    size_t nq = (size_t)AB * AT * ANH * AHD, nkv = (size_t)AB * AT * ANKV * AHD;
    float *q = random_floats(r, nq), *k = random_floats(r, nkv), *v = random_floats(r, nkv);
    float *dout = random_floats(r, nq);
    omp_set_num_threads(2);
    AttentionResult equal = attention_once(q, k, v, dout);
    const double two[][2] = {{0.15, 0.85}, {0.9, 0.1}, {1.0, 0.0}};
    const double three[] = {0.5, 0.1, 0.4};
    int differ = 0;
    for (int f = 0; f < 3; f++) {
        balance_force(two[f], 2);
        AttentionResult x = attention_once(q, k, v, dout);
        differ += !same_attention(&x, &equal);
        free_attention(&x);
    }
    omp_set_num_threads(3);
    balance_force(three, 3);
    AttentionResult x3 = attention_once(q, k, v, dout);
    differ += !same_attention(&x3, &equal);
    balance_force(NULL, 0);
    omp_set_num_threads(2);
    CHECK_MSG(differ == 0, "attention (%s): %d of 4 skewed splits differ from equal shares", precision, differ);
    printf("attention (%s): 4 skewed splits, %d differ\n", precision, differ);
    free_attention(&x3), free_attention(&equal);
    free(q), free(k), free(v), free(dout);
    CHECK(ops_set_precision("fp32") == 0);
}

int main(void) {
    Rng r;
    rng_seed(&r, 11);
    check_shares();
    check_feedback();
    check_gemm(&r, "fp32");
    check_gemm(&r, "bf16");
    check_attention(&r, "fp32");
    check_attention(&r, "bf16");
    printf("%d checks, %d failed\n", g_checks_run, g_checks_failed);
    return g_checks_failed != 0;
}
