/* Unlearning-step benchmark: one optimizer step of an unlearning method
 * (default NPO+KL: forward + backward of the trainable model on a forget and
 * a retain batch, forward of the frozen reference on both, AdamW) through the
 * same objective code `dusk unlearn` runs. Prints one JSON line with the
 * median step time and tokens/s (forget + retain tokens), and on cuda the
 * peak device memory (both models included).
 *   unlearn_step CONFIG(tiny|small|1b) [steps] [method] [--precision fp32|bf16]
 *                [--gemm dusk|openblas] [--device cpu|cuda] */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_common.h"
#include "model/llama.h"
#include "train/objective.h"
#include "train/optimizer.h"
#include "util/err.h"
#include "util/rng.h"


int main(int argc, char **argv) {
    const char *name = argc > 1 ? argv[1] : "small";
    int steps = argc > 2 ? atoi(argv[2]) : 5;
    int first_flag = argc > 3 && strncmp(argv[3], "--", 2) != 0 ? 4 : 3;
    const char *method_name = first_flag == 4 ? argv[3] : "NPO+KL";
    for (int i = first_flag; i < argc; i++) {
        if (!bench_compute_arg(argc, argv, &i)) {
            fprintf(stderr, "unlearn_step: bad argument '%s'\n", argv[i]);
            return 2;
        }
    }
    const Method *method = method_find(method_name);
    if (!method) dusk_die("unknown method %s", method_name);
    ModelConfig c;
    int B, T;
    bench_config(name, &c, &B, &T);
    Model m, ref;
    model_create(&m, &c);
    bench_init_model(&m, name, 1);
    if (model_clone(&ref, &m) != 0) dusk_die("%s", dusk_last_error());
    int N = B * T, *forget = malloc(sizeof(int) * N), *retain = malloc(sizeof(int) * N);
    Rng r;
    rng_seed(&r, 2);
    for (int i = 0; i < N; i++) forget[i] = (int)rng_below(&r, c.vocab_size);
    for (int i = 0; i < N; i++) retain[i] = (int)rng_below(&r, c.vocab_size);
    Batch fb = {forget, B, T}, rb = {retain, B, T};
    ObjectiveParams p;
    objective_params_defaults(&p, method);
    ObjectiveCtx ctx;
    if (objective_setup(&ctx, method, &m, method->needs_ref ? &ref : NULL, &p, &r, B, T) != 0)
        dusk_die("%s", dusk_last_error());
    OptimizerConfig oc;
    optimizer_config_defaults(&oc);
    Optimizer opt;
    optimizer_init(&opt, &m, &oc);
    double *times = malloc(sizeof(double) * (steps + 1));
    LossParts parts = {0};
    for (int s = 0; s <= steps; s++) { /* step 0 is warm-up */
        double t0 = now_seconds();
        model_zero_grads(&m);
        if (objective_compute(&ctx, method, &fb, &rb, 1.0f, &parts) != 0) dusk_die("%s", dusk_last_error());
        optimizer_step(&opt, &m);
        times[s] = seconds_since(t0);
    }
    qsort(times + 1, steps, sizeof(double), cmp_double);
    double med = times[1 + steps / 2];
    printf("{\"impl\": \"dusk\", \"method\": \"%s\", \"config\": \"%s\", \"threads\": %d, \"B\": %d, \"T\": %d, "
           "\"step_s\": %.4f, \"tokens_per_s\": %.1f, \"forget_loss\": %.4f, \"reg_loss\": %.6f, \"precision\": \"%s\", "
           "\"gemm\": \"%s\", ",
           method->name, name, omp_get_max_threads(), B, T, med, 2 * N / med, parts.forget_loss, parts.reg_loss,
           ops_precision_name(), ops_gemm_impl_name());
    /* NPO+KL trains on both batches (6 N FLOPs per token) and runs the
     * reference forward on both (2 N): 8 N per token. Other methods run the
     * reference on some batches only, so no single count fits them. */
    if (!strcmp(method->name, "NPO+KL"))
        printf("\"model_tflops\": %.2f, ", 8.0 * bench_matmul_weights(&c) * 2 * N / med / 1e12);
    bench_print_device_keys();
    printf("}\n");
    free(times), free(forget), free(retain);
    optimizer_free(&opt);
    objective_teardown(&ctx);
    model_free(&ref);
    model_free(&m);
    return 0;
}
