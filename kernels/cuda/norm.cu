// RMS normalisation of each row of x (rows x cols): out = x / sqrt(mean(x^2) + eps) * weight.
// Grid [rows], block 256: a block per row, a block-wide sum of squares.
#include "lz_kernels.h"
#include "lz_common.cuh"

extern "C" __global__ void lz_rms_norm(void* x, void* weight, void* out, float eps, int dtype, int batch_size, int x_cols) {
	__shared__ float scratch[32];
	int row = blockIdx.x;
	if (row >= batch_size) return;
	long long off = (long long)row * x_cols;
	float sum = 0.0f;
	for (int i = threadIdx.x; i < x_cols; i += blockDim.x) {
		float v = lz_load(x, off + i, dtype);
		sum += v * v;
	}
	float inv = lz_rsqrt(lz_block_sum(sum, scratch) / (float)x_cols + eps);
	for (int i = threadIdx.x; i < x_cols; i += blockDim.x) {
		lz_store(out, off + i, lz_load(x, off + i, dtype) * inv * lz_load(weight, i, dtype), dtype);
	}
}
