// Scaled dot-product attention, causal and full, for float16 and bfloat16
// BSHD tensors with head_dim 64 or 128 and grouped-query attention (query
// head h reads KV head h / (num_heads / num_kv_heads)). Causal attention
// aligns the queries with the end of the keys: query i sees keys
// j <= i + seq_len_k - seq_len_q (a query that sees none gets zeros).
// scale 0 means 1/sqrt(head_dim).
//
// Grid [ceil_div(seq_len_q, 64), num_heads, batch], block 128: a block owns
// 64 queries of one head, two threads per query, each holding half of the
// head dimension of q and of the output accumulator in registers. Keys and
// values stream through shared memory in tiles of 64; the softmax is online
// (running maximum and sum), accumulated in float32.
#include "lz_kernels.h"
#include "lz_common.cuh"

#define LZ_TILE_Q 64
#define LZ_TILE_K 64

template <int D>
__device__ __forceinline__ void lz_attention(const unsigned short* q, const unsigned short* k, const unsigned short* v,
                                             unsigned short* out, float scale, int dtype, int seq_q, int seq_k,
                                             int heads, int kv_heads, bool causal, unsigned short* ks,
                                             unsigned short* vs) {
	const int H = D / 2; // dimensions per thread

	int b = blockIdx.z, h = blockIdx.y, kvh = h / (heads / kv_heads);
	int qi = blockIdx.x * LZ_TILE_Q + (threadIdx.x >> 1), part = threadIdx.x & 1;
	bool active = qi < seq_q;
	// The two threads of a query run the same iterations: only they take
	// part in the exchange of partial dot products.
	unsigned pair = 3u << ((threadIdx.x & 31) & ~1u);
	if (scale == 0.0f) scale = lz_rsqrt((float)D);

	float qr[H], acc[H];
	long long qoff = (((long long)b * seq_q + qi) * heads + h) * D + part * H;
	#pragma unroll
	for (int d = 0; d < H; d++) {
		qr[d] = active ? lz_half_to_f32(q[qoff + d], dtype) * scale : 0.0f;
		acc[d] = 0.0f;
	}
	// Keys this query sees, and the most any query of the block sees.
	int shift = causal ? seq_k - seq_q + 1 : seq_k;
	int limit = causal ? lz_min(seq_k, lz_max(0, qi + shift)) : seq_k;
	int last_q = lz_min(seq_q - 1, (int)blockIdx.x * LZ_TILE_Q + LZ_TILE_Q - 1);
	int block_limit = causal ? lz_min(seq_k, lz_max(0, last_q + shift)) : seq_k;
	if (!active) limit = 0;

	float m = -1e30f, l = 0.0f;
	for (int t0 = 0; t0 < block_limit; t0 += LZ_TILE_K) {
		int tn = lz_min(LZ_TILE_K, block_limit - t0);
		// Stage the tile: tn rows of D 16-bit elements, 32-bit words at a time.
		for (int w = threadIdx.x; w < tn * D / 2; w += blockDim.x) {
			int row = w / (D / 2), col = (w % (D / 2)) * 2;
			long long src = (((long long)b * seq_k + t0 + row) * kv_heads + kvh) * D + col;
			((unsigned*)ks)[w] = *(const unsigned*)(k + src);
			((unsigned*)vs)[w] = *(const unsigned*)(v + src);
		}
		lz_sync_threads();
		int jn = lz_min(tn, limit - t0);
		for (int j = 0; j < jn; j++) {
			const unsigned short* kr = ks + j * D + part * H;
			float s = 0.0f;
			#pragma unroll
			for (int d = 0; d < H; d++) s += qr[d] * lz_half_to_f32(kr[d], dtype);
			s += lz_shfl_xor(s, 1, pair); // the other half of the dot product
			float m_new = lz_fmax(m, s);
			float corr = lz_exp(m - m_new), p = lz_exp(s - m_new);
			l = l * corr + p;
			const unsigned short* vr = vs + j * D + part * H;
			#pragma unroll
			for (int d = 0; d < H; d++) acc[d] = acc[d] * corr + p * lz_half_to_f32(vr[d], dtype);
			m = m_new;
		}
		lz_sync_threads();
	}
	if (!active) return;
	float inv = l > 0.0f ? 1.0f / l : 0.0f;
	#pragma unroll
	for (int d = 0; d < H; d++) lz_store(out, qoff + d, acc[d] * inv, dtype);
}

// lz_attention_dispatch picks the head_dim specialisation; the manifest's
// constraints admit only 64 and 128.
__device__ __forceinline__ void lz_attention_dispatch(void* q, void* k, void* v, void* out, float scale, int dtype,
                                                      int seq_q, int seq_k, int heads, int kv_heads, int head_dim,
                                                      bool causal) {
	const unsigned short *qh = (const unsigned short*)q, *kh = (const unsigned short*)k, *vh = (const unsigned short*)v;
	unsigned short* oh = (unsigned short*)out;
	__shared__ unsigned short ks[LZ_TILE_K * 128], vs[LZ_TILE_K * 128]; // key and value tiles, 32 KiB
	if (head_dim == 64) {
		lz_attention<64>(qh, kh, vh, oh, scale, dtype, seq_q, seq_k, heads, kv_heads, causal, ks, vs);
	} else if (head_dim == 128) {
		lz_attention<128>(qh, kh, vh, oh, scale, dtype, seq_q, seq_k, heads, kv_heads, causal, ks, vs);
	}
}

extern "C" __global__ void lz_attention_causal(void* q, void* k, void* v, void* out, float scale, int dtype,
                                               int batch_size, int seq_len_q, int seq_len_k, int num_heads,
                                               int num_kv_heads, int head_dim) {
	if ((int)blockIdx.z >= batch_size) return;
	lz_attention_dispatch(q, k, v, out, scale, dtype, seq_len_q, seq_len_k, num_heads, num_kv_heads, head_dim, true);
}

extern "C" __global__ void lz_attention_full(void* q, void* k, void* v, void* out, float scale, int dtype,
                                             int batch_size, int seq_len_q, int seq_len_k, int num_heads,
                                             int num_kv_heads, int head_dim) {
	if ((int)blockIdx.z >= batch_size) return;
	lz_attention_dispatch(q, k, v, out, scale, dtype, seq_len_q, seq_len_k, num_heads, num_kv_heads, head_dim, false);
}
