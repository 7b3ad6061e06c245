/* Device selection, memory, copies, errors and the shared cuBLAS handle of
 * the CUDA backend. */
#include <stdint.h>
#include "ops/cuda/cuda_common.cuh"

static cublasHandle_t g_blas = NULL;
static void *g_workspace = NULL;
static size_t g_workspace_bytes = 0;
static double *g_result = NULL;

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
    g_blas = h;
    return 0;
}

extern "C" void cuda_shutdown(void) {
    if (g_blas) cublasDestroy(g_blas);
    g_blas = NULL;
    cudaFree(g_result);
    g_result = NULL;
    cudaFree(g_workspace);
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
    g_workspace = NULL;
    g_workspace_bytes = 0;
    if (cuda_check(cudaMalloc(&g_workspace, bytes), who)) return NULL;
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
    return 0;
}

extern "C" void cuda_free(void *dptr) {
    if (dptr) cudaFree(dptr);
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
