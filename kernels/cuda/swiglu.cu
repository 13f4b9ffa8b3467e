// SwiGLU: out = silu(gate) * up element by element, silu(g) = g / (1 + e^-g).
// Grid [ceil_div(n, 1024)], block 256: each thread handles four elements a
// block-width apart, so every load is coalesced.
#include "lz_kernels.h"
#include "lz_common.cuh"

extern "C" __global__ void lz_swiglu(void* gate, void* up, void* out, int dtype, int gate_numel) {
	long long base = (long long)blockIdx.x * 1024 + threadIdx.x;
	for (int k = 0; k < 4; k++) {
		long long i = base + (long long)k * blockDim.x;
		if (i >= gate_numel) return;
		float g = lz_load(gate, i, dtype), u = lz_load(up, i, dtype);
		lz_store(out, i, g / (1.0f + lz_exp(-g)) * u, dtype);
	}
}
