// Helpers shared by lzgen's CUDA kernels: dtype codes, element loads and
// stores that convert to and from float32 (every kernel accumulates in
// float32), fast math and warp/block reductions. Everything is written with
// inline PTX so the kernels build with nvcc and with clang without a CUDA SDK.
#ifndef LZ_COMMON_CUH
#define LZ_COMMON_CUH

// The dtype argument: runtime.DType's values (checked by a Go test).
#define LZ_FLOAT32 1
#define LZ_FLOAT16 2
#define LZ_BFLOAT16 3

__device__ __forceinline__ float lz_as_float(unsigned b) {
	float f;
	asm("mov.b32 %0, %1;" : "=f"(f) : "r"(b));
	return f;
}

__device__ __forceinline__ unsigned lz_as_bits(float f) {
	unsigned b;
	asm("mov.b32 %0, %1;" : "=r"(b) : "f"(f));
	return b;
}

__device__ __forceinline__ float lz_f16_to_f32(unsigned short h) {
	float f;
	asm("{ .reg .b16 t; mov.b16 t, %1; cvt.f32.f16 %0, t; }" : "=f"(f) : "h"(h));
	return f;
}

__device__ __forceinline__ unsigned short lz_f32_to_f16(float f) {
	unsigned short h;
	asm("{ .reg .b16 t; cvt.rn.f16.f32 t, %1; mov.b16 %0, t; }" : "=h"(h) : "f"(f));
	return h;
}

__device__ __forceinline__ float lz_bf16_to_f32(unsigned short h) {
	return lz_as_float((unsigned)h << 16);
}

// Round to nearest even, keeping NaN a quiet NaN (as runtime.Float32ToBFloat16).
__device__ __forceinline__ unsigned short lz_f32_to_bf16(float f) {
	unsigned b = lz_as_bits(f);
	if ((b & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((b >> 16) | 0x40u);
	b += 0x7fffu + ((b >> 16) & 1u);
	return (unsigned short)(b >> 16);
}

// lz_half_to_f32 converts a 16-bit element of dtype (float16 or bfloat16).
__device__ __forceinline__ float lz_half_to_f32(unsigned short h, int dtype) {
	return dtype == LZ_BFLOAT16 ? lz_bf16_to_f32(h) : lz_f16_to_f32(h);
}

__device__ __forceinline__ float lz_load(const void* p, long long i, int dtype) {
	if (dtype == LZ_FLOAT32) return ((const float*)p)[i];
	return lz_half_to_f32(((const unsigned short*)p)[i], dtype);
}

__device__ __forceinline__ void lz_store(void* p, long long i, float v, int dtype) {
	if (dtype == LZ_FLOAT32) {
		((float*)p)[i] = v;
	} else {
		((unsigned short*)p)[i] = dtype == LZ_BFLOAT16 ? lz_f32_to_bf16(v) : lz_f32_to_f16(v);
	}
}

// lz_exp is e**x through ex2.approx (relative error about 2^-22); it
// returns +0 for -inf, as softmax needs.
__device__ __forceinline__ float lz_exp(float x) {
	float y;
	asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x * 1.4426950408889634f));
	return y;
}

__device__ __forceinline__ float lz_rsqrt(float x) {
	float y;
	asm("rsqrt.approx.f32 %0, %1;" : "=f"(y) : "f"(x));
	return y;
}

__device__ __forceinline__ int lz_min(int a, int b) { return a < b ? a : b; }
__device__ __forceinline__ int lz_max(int a, int b) { return a > b ? a : b; }
__device__ __forceinline__ float lz_fmax(float a, float b) { return a > b ? a : b; }

// lz_shfl_xor exchanges v with lane (lane ^ lane_mask); members are the
// lanes taking part, which must all execute the call.
__device__ __forceinline__ float lz_shfl_xor(float v, int lane_mask, unsigned members) {
	float r;
	asm volatile("shfl.sync.bfly.b32 %0, %1, %2, 0x1f, %3;" : "=f"(r) : "f"(v), "r"(lane_mask), "r"(members));
	return r;
}

__device__ __forceinline__ void lz_sync_threads() { asm volatile("bar.sync 0;" ::: "memory"); }

__device__ __forceinline__ float lz_warp_sum(float v) {
	for (int m = 16; m > 0; m >>= 1) v += lz_shfl_xor(v, m, 0xffffffffu);
	return v;
}

// lz_block_sum returns the sum of v over the block (at most 1024 threads) to
// every thread. scratch holds 32 floats.
__device__ __forceinline__ float lz_block_sum(float v, float* scratch) {
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
	v = lz_warp_sum(v);
	if (lane == 0) scratch[warp] = v;
	lz_sync_threads();
	v = lane < warps ? scratch[lane] : 0.0f;
	v = lz_warp_sum(v);
	lz_sync_threads(); // scratch may be reused after this
	return v;
}

#endif // LZ_COMMON_CUH
