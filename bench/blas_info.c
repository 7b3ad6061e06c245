/* Which OpenBLAS kernel this process runs (it depends on the CPU and on
 * OPENBLAS_CORETYPE), so benchmark numbers can be read in context. */
#include <cblas.h>
#include <stdio.h>

int main(void) {
    printf("%s (%s)\n", openblas_get_corename(), openblas_get_config());
    return 0;
}
