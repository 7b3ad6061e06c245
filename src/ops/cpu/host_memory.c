/* Host memory for large buffers (model buffers, GEMM panels): on a 2 MiB
 * boundary and asked onto transparent huge pages, which the kernel grants on
 * request where THP runs in "madvise" mode (Debian's default). A step's
 * buffers are rewritten a step after they were last touched; with 4 KiB
 * pages the products writing or streaming them also wait on page walks. */
#include <stdlib.h>
#include <sys/mman.h>

#include "ops/cpu/cpu_ops.h"
#include "util/err.h"

enum { HUGE_PAGE = 2 << 20 };

void *cpu_alloc_large(size_t bytes) {
    size_t rounded = (bytes + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    void *p = NULL;
    if (posix_memalign(&p, HUGE_PAGE, rounded ? rounded : HUGE_PAGE) != 0) dusk_die("out of memory (%zu bytes)", bytes);
#ifdef MADV_HUGEPAGE
    madvise(p, rounded, MADV_HUGEPAGE); /* advice: where refused, 4 KiB pages serve */
#endif
    return p;
}

int cpu_alloc_is_large(size_t bytes) { return bytes >= HUGE_PAGE; }
