// Rotary position embedding of x (BSHD: batch, seq, heads, head_dim) with
// float32 cos and sin tables of shape [seq_len, head_dim/2]. Pairs are
// (i, i + head_dim/2), or (2i, 2i + 1) when interleaved:
//   out_a = a*cos - b*sin, out_b = b*cos + a*sin.
// Grid [seq_len, batch], block 128: a block rotates every head of one token.
#include "lz_kernels.h"
#include "lz_common.cuh"

extern "C" __global__ void lz_rope(void* x, void* cos, void* sin, void* out, int interleaved, int dtype, int batch_size,
                                   int seq_len_q, int num_heads, int head_dim) {
	int pos = blockIdx.x, b = blockIdx.y;
	if (pos >= seq_len_q || b >= batch_size) return;
	int half = head_dim / 2;
	int step = interleaved ? 2 : 1, gap = interleaved ? 1 : half;
	long long token = ((long long)b * seq_len_q + pos) * num_heads * head_dim;
	const float* c = (const float*)cos + (long long)pos * half;
	const float* s = (const float*)sin + (long long)pos * half;
	for (int idx = threadIdx.x; idx < num_heads * half; idx += blockDim.x) {
		int h = idx / half, i = idx % half;
		long long ia = token + (long long)h * head_dim + i * step, ib = ia + gap;
		float a = lz_load(x, ia, dtype), bv = lz_load(x, ib, dtype);
		lz_store(out, ia, a * c[i] - bv * s[i], dtype);
		lz_store(out, ib, bv * c[i] + a * s[i], dtype);
	}
}
