package cpu

import (
	"math"

	"github.com/layerzero/lzgen/runtime"
)

// Tile sizes of the tiled attention kernels: keys per tile (a K and a V tile
// of 64×128 float32 fit in L2 together) and query rows per work item, all
// query heads of one KV head sharing the item so GQA loads each tile once.
const (
	tileKeys = 64
	tileRows = 64
)

// AttentionCausalTiled computes the same result as AttentionCausal, faster:
// it walks the keys in tiles with an online softmax, keeps float32 scratch
// per worker, and serves all query heads of a KV head from one load of each
// K/V tile. Any head_dim works; the manifest routes multiples of 8 to it.
func AttentionCausalTiled(q, k, v, out runtime.Tensor, scale float32) error {
	return attend(q, k, v, out, scale, true, (*attention).runTiled)
}

// AttentionFullTiled is AttentionFull computed as AttentionCausalTiled is.
func AttentionFullTiled(q, k, v, out runtime.Tensor, scale float32) error {
	return attend(q, k, v, out, scale, false, (*attention).runTiled)
}

// runTiled splits the work into items of (batch, KV head, block of queries)
// and runs each with running maxima and sums per query row (online softmax).
func (a *attention) runTiled() {
	d := a.headDim
	blockQ := max(1, min(a.seqQ, tileRows/a.group)) // queries per item
	blocks := (a.seqQ + blockQ - 1) / blockQ
	rows := a.group * blockQ // query rows per item
	parallel(a.batch*a.kvHeads*blocks, 4*rows*a.seqK*d, func(lo, hi int) {
		scratch := getScratch(2*rows*d + 2*rows + tileKeys + 2*tileKeys*d + d)
		defer putScratch(scratch)
		buf := *scratch
		queries, buf := buf[:rows*d], buf[rows*d:]
		accs, buf := buf[:rows*d], buf[rows*d:]
		maxima, buf := buf[:rows], buf[rows:]
		sums, buf := buf[:rows], buf[rows:]
		scores, buf := buf[:tileKeys], buf[tileKeys:]
		kTile, buf := buf[:tileKeys*d], buf[tileKeys*d:]
		vTile, conv := buf[:tileKeys*d], buf[tileKeys*d:]
		var kRows, vRows [tileKeys][]float32
		for item := lo; item < hi; item++ {
			block, rest := item%blocks, item/blocks
			kvh, b := rest%a.kvHeads, rest/a.kvHeads
			q0 := block * blockQ
			q1 := min(q0+blockQ, a.seqQ)
			rowOf := func(g, i int) int { return g*blockQ + i - q0 }
			for g := range a.group {
				for i := q0; i < q1; i++ {
					r := rowOf(g, i)
					qRow := queries[r*d : (r+1)*d]
					copy(qRow, a.q.load(a.qRows.row(b, i, kvh*a.group+g), d, conv))
					scale(a.scale, qRow)
					clear(accs[r*d : (r+1)*d])
					maxima[r], sums[r] = float32(math.Inf(-1)), 0
				}
			}
			keyEnd := a.keyLimit(q1 - 1)
			for t0 := 0; t0 < keyEnd; t0 += tileKeys {
				t1 := min(t0+tileKeys, keyEnd)
				for j := t0; j < t1; j++ {
					off, tile := a.kvRows.row(b, j, kvh), (j-t0)*d
					kRows[j-t0] = a.k.load(off, d, kTile[tile:])
					vRows[j-t0] = a.v.load(off, d, vTile[tile:])
				}
				for g := range a.group {
					for i := q0; i < q1; i++ {
						n := min(t1, a.keyLimit(i)) - t0
						if n <= 0 {
							continue
						}
						r := rowOf(g, i)
						softmaxStep(queries[r*d:(r+1)*d], kRows[:n], vRows[:n], scores, accs[r*d:(r+1)*d], &maxima[r], &sums[r])
					}
				}
			}
			for g := range a.group {
				for i := q0; i < q1; i++ {
					r := rowOf(g, i)
					a.storeRow(b, i, kvh*a.group+g, accs[r*d:(r+1)*d], sums[r])
				}
			}
		}
	})
}

// softmaxStep folds one tile of keys and values into a query row's running
// state: the maximum score so far, the sum of exp(score - maximum), and acc,
// the values weighted by those exponentials. Earlier contributions are
// rescaled when the maximum grows.
func softmaxStep(q []float32, keys, values [][]float32, scores, acc []float32, maximum, sum *float32) {
	scores = scores[:len(keys)]
	best := *maximum
	j := 0
	for ; j+4 <= len(keys); j += 4 {
		scores[j], scores[j+1], scores[j+2], scores[j+3] = dot4(q, keys[j], keys[j+1], keys[j+2], keys[j+3])
	}
	for ; j < len(keys); j++ {
		scores[j] = dot(q, keys[j])
	}
	for _, s := range scores {
		best = max(best, s)
	}
	correction := exp32(*maximum - best)
	if correction != 1 {
		scale(correction, acc)
	}
	total := *sum * correction
	for j, s := range scores {
		scores[j] = exp32(s - best)
		total += scores[j]
	}
	j = 0
	for ; j+4 <= len(values); j += 4 {
		axpy4(scores[j], scores[j+1], scores[j+2], scores[j+3], values[j], values[j+1], values[j+2], values[j+3], acc)
	}
	for ; j < len(values); j++ {
		axpy(scores[j], values[j], acc)
	}
	*maximum, *sum = best, total
}
