/* DUSK_OPS_GUARD=1: backend memory behaves like a GPU's for the host. Kernels
 * and the copy functions work on it; a host read or write of it faults; host
 * memory (or a range past an allocation) given to a kernel stops the process
 * with the kernel's and the argument's names. Each forbidden access runs in a
 * child process, whose end (signal or exit status and message) is checked. */
#include <math.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "model/llama.h"
#include "ops/ops.h"

enum { N = 16 };

typedef void (*Action)(void *arg);

/* Runs action(arg) in a child with the default SIGSEGV action (a sanitizer's
 * handler would turn the fault into an exit status); its stderr goes to msg. */
static int run_child(Action action, void *arg, char *msg, size_t msg_size) {
    int fd[2];
    if (pipe(fd) != 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        dup2(fd[1], 2);
        signal(SIGSEGV, SIG_DFL);
        action(arg);
        _exit(0);
    }
    close(fd[1]);
    size_t got = 0;
    ssize_t r;
    while (got + 1 < msg_size && (r = read(fd[0], msg + got, msg_size - 1 - got)) > 0) got += (size_t)r;
    msg[got] = '\0';
    close(fd[0]);
    int status;
    waitpid(pid, &status, 0);
    return status;
}

static int killed_by_segv(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV; }
static int exited_with(int status, int code) { return WIFEXITED(status) && WEXITSTATUS(status) == code; }

static void host_read(void *p) { fprintf(stderr, "%g\n", (double)((volatile float *)p)[0]); }
static void host_write(void *p) { ((volatile float *)p)[3] = 1.0f; }

static float g_host[N];
static void kernel_with_host_memory(void *p) { add_inplace(p, g_host, N); }

static void kernel_past_the_end(void *p) {
    float *a = p;
    scale_inplace(a + 8, N, 2.0f); /* 8 floats past the allocation */
}

static void test_kernels_and_copies(float *a, float *b) {
    float x[N], y[N], out[N];
    for (int i = 0; i < N; i++) x[i] = (float)i, y[i] = 0.5f * (float)i - 3.0f;
    ops_upload(a, x, sizeof x);
    ops_upload(b, y, sizeof y);
    add_inplace(a, b, N);
    ops_download(out, a, sizeof out);
    int same = 1;
    for (int i = 0; i < N; i++) same &= out[i] == x[i] + y[i];
    CHECK_MSG(same, "add_inplace on backend memory gave the wrong sums");
    double ss = 0;
    for (int i = 0; i < N; i++) ss += (double)out[i] * out[i];
    CHECK_NEAR(sum_squares(a, N), ss, 1e-9 * ss);
    CHECK(all_finite(a, N));
    ops_copy(b, a, sizeof out);
    ops_download(out, b, sizeof out);
    CHECK(out[5] == x[5] + y[5]);
}

/* action(arg) in a child must stop with status 1 and a message naming the
 * kernel (and the argument, when arg_name is given). */
static void check_stops(Action action, void *arg, const char *kernel, const char *arg_name, const char *what) {
    char msg[1024];
    int st = run_child(action, arg, msg, sizeof msg);
    CHECK_MSG(exited_with(st, 1) && strstr(msg, kernel) && (!arg_name || strstr(msg, arg_name)),
              "%s: status %d, message '%s'", what, st, msg);
}

static void test_forbidden(float *a) {
    char msg[1024];
    CHECK_MSG(killed_by_segv(run_child(host_read, a, msg, sizeof msg)), "a host read of backend memory did not fault");
    CHECK_MSG(killed_by_segv(run_child(host_write, a, msg, sizeof msg)), "a host write did not fault");
    check_stops(kernel_with_host_memory, a, "add_inplace", "'x'", "host memory given to a kernel");
    check_stops(kernel_past_the_end, a, "scale_inplace", NULL, "a range past the allocation");
}

/* The objectives' per-row losses: their logits and labels must be backend
 * memory (the per-row results and coefficients are the host's). */
static int g_host_labels[2];
static void rows_nll_host_labels(void *p) {
    double nll[2];
    rows_nll(nll, p, g_host_labels, 2, N / 2);
}

static void rows_nll_grad_past_the_end(void *p) {
    float coef[3] = {1.0f, 1.0f, 1.0f};
    int *labels = ops_alloc(sizeof(int) * 3);
    rows_nll_grad(p, p, labels, 3, N / 2, coef); /* 3 rows of N / 2: one past the allocation */
}

static void test_row_losses(float *a) {
    int labels[2] = {1, -1};
    float x[N], coef[2] = {0.5f, 0.5f};
    for (int i = 0; i < N; i++) x[i] = 0.0f;
    ops_upload(a, x, sizeof x);
    int *labels_dev = ops_alloc(sizeof labels);
    ops_upload(labels_dev, labels, sizeof labels);
    double nll[2];
    rows_nll(nll, a, labels_dev, 2, N / 2);
    CHECK_NEAR(nll[0], log(N / 2.0), 1e-6); /* uniform row: log V */
    CHECK(nll[1] == 0.0);
    rows_nll_grad(a, a, labels_dev, 2, N / 2, coef);
    ops_download(x, a, sizeof x);
    CHECK_NEAR(x[0], 0.5 / (N / 2), 1e-7);
    CHECK_NEAR(x[1], 0.5 / (N / 2) - 0.5, 1e-7);
    CHECK(x[N / 2] == 0.0f); /* unscored row */
    ops_free(labels_dev);
    check_stops(rows_nll_host_labels, a, "rows_nll", "'labels'", "host labels given to rows_nll");
    check_stops(rows_nll_grad_past_the_end, a, "rows_nll_grad", NULL, "rows_nll_grad past the allocation");
}

/* A model's parameters: only reachable through kernels and copies. */
static void test_model(void) {
    ModelConfig c;
    memset(&c, 0, sizeof c);
    c.vocab_size = 11, c.hidden_size = 8, c.intermediate_size = 12, c.num_hidden_layers = 1;
    c.num_attention_heads = 2, c.num_key_value_heads = 1, c.head_dim = 4, c.max_position_embeddings = 8;
    c.rms_norm_eps = 1e-5f, c.rope_theta = 10000.0f, c.initializer_range = 0.02f;
    Model m;
    CHECK(model_create(&m, &c) == 0);
    model_init_random(&m, 3);
    float *host = model_params_to_host(&m);
    const ParamInfo *norm = model_find_tensor(&m, "model.norm.weight");
    CHECK(norm && host[norm->offset] == 1.0f);
    free(host);
    char msg[256];
    CHECK_MSG(killed_by_segv(run_child(host_read, m.params, msg, sizeof msg)), "reading m.params did not fault");
    int ids[4] = {1, 2, 3, 4};
    Activations a;
    activations_alloc(&a, &m, 1, 4, 0);
    model_forward(&m, &a, ids, 1);
    CHECK(model_nonfinite_tensor(&m) == NULL);
    activations_free(&a);
    model_free(&m);
}

int main(void) {
    setenv("DUSK_OPS_GUARD", "1", 1);
    float *a = ops_alloc(sizeof(float) * N), *b = ops_alloc(sizeof(float) * N);
    test_kernels_and_copies(a, b);
    test_forbidden(a);
    test_row_losses(a);
    ops_free(a);
    ops_free(b);
    test_model();
    printf("test_ops_guard: %d checks, %d failed\n", g_checks_run, g_checks_failed);
    return g_checks_failed != 0;
}
