/* The DUSK schedule: step counts from the table (N_forget = 46,
 * effective batch 32) and HF's linear-with-warmup learning rates, worked
 * out by hand from get_linear_schedule_with_warmup's definition:
 *   step < warmup: lr * step / warmup;  else lr * max(0, (total - step) / (total - warmup)). */
#include "check.h"
#include "train/trainer.h"

int main(void) {
    const double epochs[] = {1, 2, 3, 4, 5, 10, 20, 30, 40, 50};
    const long expected[] = {1, 2, 4, 5, 7, 14, 28, 43, 57, 71};
    for (int i = 0; i < 10; i++) {
        long max_steps, per_epoch, warmup;
        train_schedule(epochs[i], 46, 32, &max_steps, &per_epoch, &warmup);
        CHECK_MSG(max_steps == expected[i], "E=%g: %ld steps, expected %ld", epochs[i], max_steps, expected[i]);
        CHECK(per_epoch == 1);
        CHECK(warmup == 0); /* steps_per_epoch = 1 is not > 1 */
    }
    /* 189 retain-style items: steps_per_epoch 5 > 1, so 5 warmup steps */
    long max_steps, per_epoch, warmup;
    train_schedule(3, 189, 32, &max_steps, &per_epoch, &warmup);
    CHECK(max_steps == 17 && per_epoch == 5 && warmup == 5);
    /* total 7, warmup 2: 0, 1/2, then (7-s)/5 for s = 2..6 */
    const double want[] = {0.0, 0.5, 1.0, 0.8, 0.6, 0.4, 0.2};
    for (int s = 0; s < 7; s++) CHECK_NEAR(linear_schedule_factor(s, 2, 7), want[s], 1e-15);
    /* no warmup: first step at full rate, linear to 0 */
    CHECK_NEAR(linear_schedule_factor(0, 0, 4), 1.0, 1e-15);
    CHECK_NEAR(linear_schedule_factor(3, 0, 4), 0.25, 1e-15);
    CHECK_NEAR(linear_schedule_factor(4, 0, 4), 0.0, 1e-15);
    return check_report("schedule");
}
