package engine

import (
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"lmlab/engine/fastblas"
	"lmlab/engine/vec"
)

// kvCache is what generation keeps between tokens so that a new token costs
// one position's work: the keys and values of every position of the window
// seen so far, per layer and head, and the scratch of one forward pass.
//
// A position's key and value depend on the tokens up to it and on its
// absolute position (the wpe row it was embedded with). While the text fits
// the context, a new token only appends a position, and the cache is reused.
// Once the text is longer than the context the window slides: every token
// moves to a new position, its position embedding changes, and so does every
// key and value. With absolute position embeddings there is nothing to
// reuse then, so each token past the context recomputes the whole window
// (as one batch of matrix products, not position by position).
//
// Only the last position goes through the final layer norm, the output
// layer and the softmax: generation needs nothing else. So the last layer,
// once it has every position's key and value, computes its attention,
// projection and MLP for the last position alone (a sliding window of the
// baby preset: 392 → 493 tokens/s, one thread). A single position's
// products are matrix-vector products that read each weight row in place in
// its stored (OC, C) layout, so there is nothing to pack for them; they run
// on the calling goroutine unless they are big enough to be worth sharing
// (matvecShare).
//
// Once the window slides, every token multiplies each block's four weight
// matrices by the whole window, and the weights (3 MB for the baby preset)
// do not stay in the caches from one token to the next. Read in place, a
// weight's row panel is short strands a row apart, which the hardware
// prefetchers do not follow (a baby (384, 128) weight times a 64-position
// window: 38–51 GFLOPS cold against 60–66 hot); so at the second window (the
// first slide) the cache packs them once (fastblas.PackA: a copy in the
// kernel's layout, which streams in order: 57–63 GFLOPS cold) and uses the
// copies for every later window, unless they would take more than
// packBudget. A sliding baby window went from 394–456 to 435–512 tokens/s
// (medians of alternating runs, one thread). Apart from those copies, made
// once, nothing is allocated after newKVCache, and the cache reads the
// model's parameters as they are at each call, so the model must not train
// while a cache made from it is in use. Distinct caches of one model may
// run concurrently.
type kvCache struct {
	m      *Model
	tokens []int32   // the window the cache holds, position t at tokens[t]; cap T
	k, v   []float32 // (L, NH, T, HS) keys and values of those positions

	// windows counts the forward passes of several positions; the second
	// one (a slide) packs the weights into packed, one set per layer.
	windows int
	packed  []packedBlock

	// One forward pass's scratch, for up to T new positions at once.
	x          []float32 // (T,C) the residual stream
	ln         []float32 // (T,C) a layer norm's output
	mean, rstd []float32 // (T) the layer norm's statistics, unused
	qkv        []float32 // (T,3C)
	atty       []float32 // (T,C) attention output, heads side by side
	br         []float32 // (T,C) a branch's output before the residual join
	fch        []float32 // MLP hidden layer, GELU in place: (4C,T) for several rows, (4C) for one
	scores     []float32 // (T) one head's attention row
	att        []float32 // (NH,T,T) attention of a whole window
	outT       []float32 // (4C,T) a product's output, transposed
	probs      []float32 // (V) logits, then the next-token distribution
}

// packedBlock is one block's weight matrices packed for products with a
// window: each is the left operand, (OC, C), of outᵀ = w·inpᵀ.
type packedBlock struct{ qkv, proj, fc, fcProj *fastblas.PackedA }

// packBudget bounds the packed copies of the weights, as the training
// step's replicas are bounded: a GPT-2 small's (340 MB) are not made.
const packBudget = 256 << 20

// newKVCache returns an empty cache for m's shape.
func newKVCache(m *Model) *kvCache {
	c := m.Config
	T, C := c.Context, c.Embd
	f := func(n int) []float32 { return make([]float32, n) }
	return &kvCache{m: m, tokens: make([]int32, 0, T),
		k: f(c.Layers * T * C), v: f(c.Layers * T * C),
		x: f(T * C), ln: f(T * C), mean: f(T), rstd: f(T), qkv: f(T * 3 * C), atty: f(T * C),
		br: f(T * C), fch: f(T * 4 * C), scores: f(T), att: f(c.Heads * T * T), outT: f(4 * C * T),
		probs: f(c.VocabSize),
	}
}

// next returns the distribution of the token after ids, as NextProbs does
// (ids cropped to the context), computing only the positions the cache does
// not already hold. The slice is valid until the next call. It panics on an
// empty ids or an id outside the vocabulary.
func (c *kvCache) next(ids []int32) []float32 {
	if len(ids) == 0 {
		panic("engine: kvCache.next: empty input")
	}
	w := c.m.window(ids)
	for _, id := range w {
		if id < 0 || int(id) >= c.m.Config.VocabSize {
			panic("engine: kvCache.next: token id outside the vocabulary")
		}
	}
	// Reuse the longest prefix the cache holds at the same positions; after
	// a slide that is usually nothing. The last position is always
	// recomputed: its probabilities are not kept.
	n0 := 0
	for n0 < len(c.tokens) && n0 < len(w)-1 && c.tokens[n0] == w[n0] {
		n0++
	}
	c.tokens = append(c.tokens[:n0], w[n0:]...)
	c.forward(n0, len(w))
	return c.probs
}

// forward runs positions [n0, n1) of c.tokens through the model, reading
// the keys and values of positions [0, n0) from the cache and adding theirs,
// and leaves the distribution after position n1-1 in c.probs.
func (c *kvCache) forward(n0, n1 int) {
	cfg := c.m.Config
	L, C, V, NH, T := cfg.Layers, cfg.Embd, cfg.VocabSize, cfg.Heads, cfg.Context
	HS := C / NH
	scale := float32(1 / math.Sqrt(float64(HS)))
	p := &c.m.Params
	N := n1 - n0
	x, ln, qkv, atty, br, fch := c.x[:N*C], c.ln[:N*C], c.qkv[:N*3*C], c.atty[:N*C], c.br[:N*C], c.fch[:N*4*C]
	if N > 1 {
		c.windows++
		if c.windows == 2 {
			c.pack()
		}
	}

	for i := 0; i < N; i++ {
		t, id := n0+i, int(c.tokens[n0+i])
		vec.Add(x[i*C:(i+1)*C], p.WTE[id*C:(id+1)*C], p.WPE[t*C:(t+1)*C])
	}
	for l := 0; l < L; l++ {
		var pk packedBlock
		if c.packed != nil {
			pk = c.packed[l]
		}
		c.layerNorm(ln, x, layer(p.LN1W, l, C), layer(p.LN1B, l, C), N)
		c.linear(qkv, ln, layer(p.QKVW, l, 3*C*C), pk.qkv, layer(p.QKVB, l, 3*C), N, C, 3*C)
		kl, vl := layer(c.k, l, T*C), layer(c.v, l, T*C)
		for i := 0; i < N; i++ {
			t, row := n0+i, qkv[i*3*C:(i+1)*3*C]
			for h := 0; h < NH; h++ {
				at := (h*T + t) * HS
				copy(kl[at:at+HS], row[C+h*HS:C+(h+1)*HS])
				copy(vl[at:at+HS], row[2*C+h*HS:2*C+(h+1)*HS])
			}
		}
		// The rest of the last layer feeds only the final layer norm and
		// the head, which read the last position alone: past its keys and
		// values (the cache keeps every position's), the last layer runs
		// one row. A sliding window then skips most of a layer's work.
		xs, M := x, N
		switch {
		case l == L-1 && N > 1:
			xs, M = x[(N-1)*C:], 1
			c.attend(atty[:C], qkv[(N-1)*3*C:], kl, vl, n0+N-1, 1, scale)
		case n0 == 0:
			// A whole window: attention as the training forward pass does
			// it, a few matrix products per head.
			attentionForward(atty, c.att[:NH*N*N], qkv, 1, N, C, NH)
		default:
			c.attend(atty, qkv, kl, vl, n0, N, scale)
		}
		br, fch := br[:M*C], fch[:M*4*C]
		c.linear(br, atty[:M*C], layer(p.AttProjW, l, C*C), pk.proj, layer(p.AttProjB, l, C), M, C, C)
		vec.AddTo(xs, br) // residual join after attention
		c.layerNorm(ln, xs, layer(p.LN2W, l, C), layer(p.LN2B, l, C), M)
		if M == 1 {
			c.linear(fch, ln[:C], layer(p.FCW, l, 4*C*C), nil, layer(p.FCB, l, 4*C), 1, C, 4*C)
			vec.GeluForward(fch, fch)
			c.linear(br, fch, layer(p.FCProjW, l, 4*C*C), nil, layer(p.FCProjB, l, C), 1, 4*C, C)
		} else {
			// Several rows: the hidden layer stays transposed, (4C, M), as
			// the first product leaves it and the second reads it, so it
			// is neither transposed back nor gathered for packing.
			c.productT(fch, ln[:M*C], layer(p.FCW, l, 4*C*C), pk.fc, layer(p.FCB, l, 4*C), M, C, 4*C)
			geluForward(fch, fch)
			outT := c.outT[:C*M]
			product(outT, layer(p.FCProjW, l, 4*C*C), pk.fcProj, blas.NoTrans, fch, M, 4*C, C)
			c.untranspose(br, outT, layer(p.FCProjB, l, C), M, C)
		}
		vec.AddTo(xs, br) // residual join after the MLP
	}
	last := x[(N-1)*C:]
	c.layerNorm(ln[:C], last, p.LNFW, p.LNFB, 1)
	c.linear(c.probs, ln[:C], p.WTE, nil, nil, 1, C, V) // the LM head, tied to wte
	vec.Scale(c.probs, 1/vec.ExpSub(c.probs, c.probs, vec.Max(c.probs)))
}

// attend is attention for positions [n0, n0+N) against the cached keys and
// values of positions [0, n0+N): atty (N,C); qkv (N,3C), the new positions'
// queries; kl, vl (NH,T,HS), this layer's cache, already holding the new
// positions.
func (c *kvCache) attend(atty, qkv, kl, vl []float32, n0, N int, scale float32) {
	C, NH, T := c.m.Config.Embd, c.m.Config.Heads, c.m.Config.Context
	HS := C / NH
	for i := 0; i < N; i++ {
		t := n0 + i
		for h := 0; h < NH; h++ {
			q := qkv[i*3*C+h*HS : i*3*C+(h+1)*HS]
			kh, vh := kl[h*T*HS:(h+1)*T*HS], vl[h*T*HS:(h+1)*T*HS]
			a := c.scores[:t+1]
			for t2 := range a {
				a[t2] = scale * vec.Dot(q, kh[t2*HS:(t2+1)*HS])
			}
			vec.Scale(a, 1/vec.ExpSub(a, a, vec.Max(a)))
			y := atty[i*C+h*HS : i*C+(h+1)*HS]
			clear(y)
			for t2, w := range a {
				vrow := vh[t2*HS : (t2+1)*HS]
				for j := range y {
					y[j] += w * vrow[j]
				}
			}
		}
	}
}

// layerNorm normalizes N rows of inp into out, as layerNormForward does,
// discarding the statistics.
func (c *kvCache) layerNorm(out, inp, w, b []float32, N int) {
	C := len(w)
	for r := 0; r < N; r++ {
		c.mean[r], c.rstd[r] = vec.LayerNormRow(out[r*C:(r+1)*C], inp[r*C:(r+1)*C], w, b, layerNormEps)
	}
}

// matvecShare is the size OC·C from which one position's product is split
// over the worker pool: below it, handing out the work costs more than it
// saves (fastblas keeps products below the same number of multiply-adds on
// the calling goroutine).
const matvecShare = 1 << 18

// linear is matmulForward for generation: out = inp·wᵀ + bias.
// out (N,OC); inp (N,C); w (OC,C), or packed, w packed, when not nil;
// bias (OC) or nil.
//
// One row is a matrix-vector product, dot products over w's rows read in
// place. Several rows are a matrix product computed transposed, outᵀ =
// w·inpᵀ, so that w is the left operand, read in place or packed once per
// cache (see kvCache), and the BLAS packs only inp (N·C floats, not OC·C):
// packing the weights on every call cost as much as the product itself.
// The transpose back costs N·OC.
func (c *kvCache) linear(out, inp, w []float32, packed *fastblas.PackedA, bias []float32, N, C, OC int) {
	if N > 1 {
		outT := c.outT[:OC*N]
		c.productT(outT, inp, w, packed, nil, N, C, OC)
		c.untranspose(out, outT, bias, N, OC)
		return
	}
	args := matvecArgs{out[:OC], inp[:C], w[:OC*C], bias}
	if OC*C < matvecShare {
		args.chunk(0, OC)
		return
	}
	matvecTasks.run(OC, args)
}

// productT is linear's product for several rows, left transposed:
// outT (OC,N) = w·inpᵀ (+ bias down each column). inp (N,C); w (OC,C), or
// packed when not nil.
func (c *kvCache) productT(outT, inp, w []float32, packed *fastblas.PackedA, bias []float32, N, C, OC int) {
	product(outT, w, packed, blas.Trans, inp, N, C, OC)
	if bias != nil {
		for o, b := range bias[:OC] {
			row := outT[o*N : (o+1)*N]
			for j := range row {
				row[j] += b
			}
		}
	}
}

// product writes outT (OC,N) = w·op(x): w (OC,K), or packed when not nil;
// x (N,K) when tx is blas.Trans, (K,N) otherwise.
func product(outT, w []float32, packed *fastblas.PackedA, tx blas.Transpose, x []float32, N, K, OC int) {
	ldx := N
	if tx == blas.Trans {
		ldx = K
	}
	if packed != nil {
		packed.Sgemm(tx, N, 1, x, ldx, 0, outT, N)
		return
	}
	xr, xc := K, N
	if tx == blas.Trans {
		xr, xc = N, K
	}
	blas32.Gemm(blas.NoTrans, tx, 1, general(w, OC, K, K), general(x, xr, xc, ldx), 0, general(outT[:OC*N], OC, N, N))
}

// pack packs every block's weights into c.packed, when fastblas computes
// the products and the copies fit packBudget.
func (c *kvCache) pack() {
	cfg := c.m.Config
	C := cfg.Embd
	if _, ok := blas32.Implementation().(fastblas.Implementation); !ok || 4*12*C*C*cfg.Layers > packBudget {
		return
	}
	p := &c.m.Params
	w := func(t []float32, l, oc, k int) *fastblas.PackedA {
		return fastblas.PackA(blas.NoTrans, oc, k, layer(t, l, oc*k), k)
	}
	c.packed = make([]packedBlock, cfg.Layers)
	for l := range c.packed {
		c.packed[l] = packedBlock{w(p.QKVW, l, 3*C, C), w(p.AttProjW, l, C, C), w(p.FCW, l, 4*C, C), w(p.FCProjW, l, C, 4*C)}
	}
}

// untranspose writes out (N,OC) = outTᵀ + bias. outT (OC,N); bias (OC) or
// nil.
func (c *kvCache) untranspose(out, outT, bias []float32, N, OC int) {
	transpose(out[:N*OC], outT[:OC*N], OC, N)
	if bias != nil {
		for n := 0; n < N; n++ {
			vec.AddTo(out[n*OC:(n+1)*OC], bias[:OC])
		}
	}
}

var matvecTasks taskPool[matvecArgs, *matvecArgs]

// matvecArgs are one position's linear layer: out (OC); inp (C); w (OC,C);
// bias (OC) or nil.
type matvecArgs struct{ out, inp, w, bias []float32 }

// chunk computes outputs [lo, hi).
func (a *matvecArgs) chunk(lo, hi int) {
	C := len(a.inp)
	for o := lo; o < hi; o++ {
		s := vec.Dot(a.inp, a.w[o*C:(o+1)*C])
		if a.bias != nil {
			s += a.bias[o]
		}
		a.out[o] = s
	}
}

// transpose writes src (rows, cols) into dst as (cols, rows). It reads
// eight rows of src side by side, so that each read stream moves along a
// row and each write is eight consecutive floats of dst; one row of src at
// a time read dst's column with a new cache line per element.
func transpose(dst, src []float32, rows, cols int) {
	r := 0
	for ; r+8 <= rows; r += 8 {
		s := src[r*cols : (r+8)*cols]
		s0, s1, s2, s3 := s[:cols], s[cols:2*cols], s[2*cols:3*cols], s[3*cols:4*cols]
		s4, s5, s6, s7 := s[4*cols:5*cols], s[5*cols:6*cols], s[6*cols:7*cols], s[7*cols:8*cols]
		for c := range s0 {
			d := dst[c*rows+r : c*rows+r+8 : c*rows+r+8]
			d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = s0[c], s1[c], s2[c], s3[c], s4[c], s5[c], s6[c], s7[c]
		}
	}
	for ; r < rows; r++ {
		for c, v := range src[r*cols : (r+1)*cols] {
			dst[c*rows+r] = v
		}
	}
}
