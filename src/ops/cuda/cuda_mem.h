/* The CUDA backend's memory and device API, callable from C.
 *
 * Only the CUDA=1 build (make CUDA=1) compiles and links the implementation
 * (the .cu files beside it); the default build never includes this header.
 * Every function that can fail returns 0 on success and -1 on failure after
 * recording "CUDA error: <cuda's message> in <what>" with dusk_error(); none
 * exits. Kernel launches are asynchronous, so an error raised while a kernel
 * runs surfaces at the next copy or cuda_sync(). One device (device 0) and
 * the default stream. */
#ifndef DUSK_CUDA_MEM_H
#define DUSK_CUDA_MEM_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number of usable CUDA devices: 0 when there is none or no driver (never fails). */
int cuda_device_count(void);
/* Selects device 0 and creates the cuBLAS handle (fp32 GEMMs with TF32 off).
 * Called by every kernel that needs it; calling it again does nothing. */
int cuda_init(void);
/* Frees the cuBLAS handle and the workspace; cuda_init() may be called again. */
void cuda_shutdown(void);

int cuda_alloc(void **dptr, size_t bytes);
void cuda_free(void *dptr); /* NULL is allowed */
int cuda_memset_zero(void *dptr, size_t bytes);
int cuda_copy_to_device(void *dst, const void *src, size_t bytes);
int cuda_copy_to_host(void *dst, const void *src, size_t bytes);
/* Device to device, in stream order with the kernels; the ranges may overlap (as memmove). */
int cuda_copy_device(void *dst, const void *src, size_t bytes);
/* Waits for all queued work; what names the caller's step in the message. */
int cuda_sync(const char *what);
/* The highest sum of the backend's live device allocations so far (model,
 * activations, optimizer state, caches, workspace; not the CUDA context or
 * cuBLAS's own memory), as torch.cuda.max_memory_allocated counts, and the
 * sum now. Either pointer may be NULL. */
void cuda_memory_peak(size_t *peak_bytes, size_t *live_bytes);

#ifdef __cplusplus
}
#endif

#endif
