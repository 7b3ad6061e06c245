/* Device selection, memory, copies, errors and the shared cuBLAS handle of
 * the CUDA backend. */
#include <stdint.h>
#include "ops/cuda/cuda_common.cuh"

static cublasHandle_t g_blas = NULL;
static void *g_workspace = NULL;
static size_t g_workspace_bytes = 0;
static double *g_result = NULL;

/* Every live cudaMalloc of the backend (ours, not cuBLAS's own) with its
 * size, for the peak of their sum that cuda_memory_peak reports. A handful
 * of large buffers per model: a plain array is enough. */
typedef struct {
    void *ptr;
    size_t bytes;
} LiveAlloc;
static LiveAlloc *g_live = NULL;
static size_t g_n_live = 0, g_cap_live = 0, g_live_bytes = 0, g_peak_bytes = 0;

static void track_alloc(void *p, size_t bytes) {
    if (g_n_live == g_cap_live) {
        g_cap_live = g_cap_live ? 2 * g_cap_live : 256;
        g_live = (LiveAlloc *)xrealloc(g_live, sizeof(LiveAlloc) * g_cap_live);
    }
    g_live[g_n_live++] = LiveAlloc{p, bytes};
    g_live_bytes += bytes;
    if (g_live_bytes > g_peak_bytes) g_peak_bytes = g_live_bytes;
}

static void track_free(void *p) {
    for (size_t i = g_n_live; i-- > 0;) /* recent allocations are freed first */
        if (g_live[i].ptr == p) {
            g_live_bytes -= g_live[i].bytes;
            g_live[i] = g_live[--g_n_live];
            return;
        }
}

extern "C" void cuda_memory_peak(size_t *peak_bytes, size_t *live_bytes) {
    if (peak_bytes) *peak_bytes = g_peak_bytes;
    if (live_bytes) *live_bytes = g_live_bytes;
}

int cuda_check(cudaError_t err, const char *where) {
    if (err == cudaSuccess) return 0;
    return dusk_error("CUDA error: %s in %s", cudaGetErrorString(err), where);
}

int cublas_check(cublasStatus_t status, const char *where) {
    if (status == CUBLAS_STATUS_SUCCESS) return 0;
    return dusk_error("CUDA error: %s in %s", cublasGetStatusString(status), where);
}

int cuda_check_launch(const char *kernel) {
    return cuda_check(cudaGetLastError(), kernel);
}

extern "C" int cuda_device_count(void) {
    int n = 0;
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaGetLastError(); /* clear the sticky "no driver/no device" error */
        return 0;
    }
    return n;
}

extern "C" int cuda_init(void) {
    if (g_blas) return 0;
    if (cuda_device_count() < 1) return dusk_error("CUDA error: no CUDA device in cuda_init");
    if (cuda_check(cudaSetDevice(0), "cudaSetDevice")) return -1;
    cublasHandle_t h;
    if (cublas_check(cublasCreate(&h), "cublasCreate")) return -1;
    /* CUBLAS_DEFAULT_MATH: sgemm in true fp32 (TF32 tensor cores only run
     * when asked for with CUBLAS_TF32_TENSOR_OP_MATH), as the CPU reference. */
    if (cublas_check(cublasSetMathMode(h, CUBLAS_DEFAULT_MATH), "cublasSetMathMode")) {
        cublasDestroy(h);
        return -1;
    }
    if (cuda_check(cudaMalloc((void **)&g_result, sizeof(double)), "cuda_init")) {
        cublasDestroy(h);
        return -1;
    }
    track_alloc(g_result, sizeof(double));
    g_blas = h;
    return 0;
}

extern "C" void cuda_shutdown(void) {
    if (g_blas) cublasDestroy(g_blas);
    g_blas = NULL;
    cudaFree(g_result);
    track_free(g_result);
    g_result = NULL;
    cudaFree(g_workspace);
    track_free(g_workspace);
    g_workspace = NULL;
    g_workspace_bytes = 0;
}

cublasHandle_t cuda_blas(void) {
    return cuda_init() ? NULL : g_blas;
}

double *cuda_result_slot(void) {
    return cuda_init() ? NULL : g_result;
}

void *cuda_workspace(size_t bytes, const char *who) {
    if (bytes <= g_workspace_bytes) return g_workspace;
    cudaFree(g_workspace); /* synchronises: earlier kernels are done with it */
    track_free(g_workspace);
    g_workspace = NULL;
    g_workspace_bytes = 0;
    if (cuda_check(cudaMalloc(&g_workspace, bytes), who)) return NULL;
    track_alloc(g_workspace, bytes);
    g_workspace_bytes = bytes;
    return g_workspace;
}

extern "C" int cuda_alloc(void **dptr, size_t bytes) {
    *dptr = NULL;
    if (cudaMalloc(dptr, bytes) != cudaSuccess) {
        cudaError_t err = cudaGetLastError();
        *dptr = NULL;
        return dusk_error("CUDA error: %s in cudaMalloc (%zu bytes)", cudaGetErrorString(err), bytes);
    }
    track_alloc(*dptr, bytes);
    return 0;
}

extern "C" void cuda_free(void *dptr) {
    if (!dptr) return;
    cudaFree(dptr);
    track_free(dptr);
}

extern "C" int cuda_memset_zero(void *dptr, size_t bytes) {
    return cuda_check(cudaMemset(dptr, 0, bytes), "cudaMemset");
}

extern "C" int cuda_copy_to_device(void *dst, const void *src, size_t bytes) {
    return cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyHostToDevice), "copy to device");
}

extern "C" int cuda_copy_to_host(void *dst, const void *src, size_t bytes) {
    return cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToHost), "copy to host");
}

extern "C" int cuda_sync(const char *what) {
    return cuda_check(cudaDeviceSynchronize(), what);
}

/* cudaMemcpy leaves overlapping ranges undefined; ops_copy allows them (as
 * memmove), so an overlapping copy goes through the workspace. */
extern "C" int cuda_copy_device(void *dst, const void *src, size_t bytes) {
    if (bytes == 0 || dst == src) return 0;
    const uintptr_t d = (uintptr_t)dst, s = (uintptr_t)src;
    if (d < s + bytes && s < d + bytes) {
        void *tmp = cuda_workspace(bytes, "copy on device (overlapping)");
        if (!tmp || cuda_check(cudaMemcpy(tmp, src, bytes, cudaMemcpyDeviceToDevice), "copy on device")) return -1;
        src = tmp;
    }
    return cuda_check(cudaMemcpy(dst, src, bytes, cudaMemcpyDeviceToDevice), "copy on device");
}
