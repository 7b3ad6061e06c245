/* Whole-buffer arithmetic over parameter-sized vectors (ops.h all_finite,
 * negated_task_vector): the finiteness check behind the trainer's guard and
 * task-vector negation. */
#include "ops/cuda/cuda_common.cuh"
extern "C" {
#include "ops/cuda/cuda_ops.h"
}

/* Blocks of the finiteness check (grid-stride over the buffer). */
#define FINITE_BLOCKS 1024

/* part[b] = 1 when block b's strided share of x holds a NaN or an infinity.
 * grid FINITE_BLOCKS. */
__global__ void any_nonfinite_partial_kernel(int *part, const float *x, size_t n) {
    __shared__ int sh[CUDA_BLOCK];
    int bad = 0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (size_t)gridDim.x * blockDim.x)
        bad |= !isfinite(x[i]);
    bad = block_max(bad, sh);
    if (threadIdx.x == 0) part[blockIdx.x] = bad;
}

/* part[0] = max of part[0..count); one block (reads all, then writes one). */
__global__ void any_nonfinite_finish_kernel(int *part, int count) {
    __shared__ int sh[CUDA_BLOCK];
    int bad = 0;
    for (int i = threadIdx.x; i < count; i += blockDim.x) bad |= part[i];
    bad = block_max(bad, sh);
    if (threadIdx.x == 0) part[0] = bad;
}

extern "C" int cuda_all_finite(int *result, const float *x, size_t n) {
    *result = 1;
    if (n == 0) return 0;
    int *part = (int *)cuda_workspace(sizeof(int) * FINITE_BLOCKS, "all_finite");
    if (!part) return -1;
    any_nonfinite_partial_kernel<<<FINITE_BLOCKS, CUDA_BLOCK>>>(part, x, n);
    if (cuda_check_launch("any_nonfinite_partial_kernel")) return -1;
    any_nonfinite_finish_kernel<<<1, CUDA_BLOCK>>>(part, FINITE_BLOCKS);
    if (cuda_check_launch("any_nonfinite_finish_kernel")) return -1;
    int bad;
    if (cuda_copy_to_host(&bad, part, sizeof(int))) return -1;
    *result = !bad;
    return 0;
}

/* out = base - alpha * (finetuned - base), element-wise. The explicit
 * roundings keep nvcc from fusing the multiply and subtract into an FMA, so
 * the bits are those of the CPU's float expression. */
__global__ void negated_task_vector_kernel(float *out, const float *base, const float *finetuned, size_t n,
                                           float alpha) {
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    if (i >= n) return;
    float b = base[i];
    out[i] = __fsub_rn(b, __fmul_rn(alpha, __fsub_rn(finetuned[i], b)));
}

extern "C" int cuda_negated_task_vector(float *out, const float *base, const float *finetuned, size_t n,
                                        float alpha) {
    if (n == 0) return 0;
    negated_task_vector_kernel<<<cuda_grid_for(n), CUDA_BLOCK>>>(out, base, finetuned, n, alpha);
    return cuda_check_launch("negated_task_vector_kernel");
}
