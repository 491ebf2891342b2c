package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Params are views into one float32 arena, in llm.c's order. Per-layer tensors
// are stacked: LN1W is (L, C), layer l's slice is LN1W[l*C:(l+1)*C]. Linear
// weights use PyTorch's nn.Linear layout (out, in), so a checkpoint holds them
// exactly as nanoGPT does. Gradients and the AdamW moments share this layout,
// so an update is one flat loop.
type Params struct {
	WTE      []float32 // (V, C) token embedding, also the LM head (tied)
	WPE      []float32 // (maxT, C) position embedding
	LN1W     []float32 // (L, C)
	LN1B     []float32 // (L, C)
	QKVW     []float32 // (L, 3C, C) attn.c_attn.weight
	QKVB     []float32 // (L, 3C)
	AttProjW []float32 // (L, C, C) attn.c_proj.weight
	AttProjB []float32 // (L, C)
	LN2W     []float32 // (L, C)
	LN2B     []float32 // (L, C)
	FCW      []float32 // (L, 4C, C) mlp.c_fc.weight
	FCB      []float32 // (L, 4C)
	FCProjW  []float32 // (L, C, 4C) mlp.c_proj.weight
	FCProjB  []float32 // (L, C)
	LNFW     []float32 // (C)
	LNFB     []float32 // (C)
}

// tensorSpec describes one parameter tensor of the arena.
type tensorSpec struct {
	field   int   // index in Params.fields()
	layered bool  // stacked over L layers
	shape   []int // per layer when layered
	decay   bool  // receives weight decay (2-D weights)
}

// specs returns the arena's tensors in order with their shapes.
func (c Config) specs() []tensorSpec {
	V, T, C := c.VocabSize, c.Context, c.Embd
	return []tensorSpec{
		{0, false, []int{V, C}, true},
		{1, false, []int{T, C}, true},
		{2, true, []int{C}, false},
		{3, true, []int{C}, false},
		{4, true, []int{3 * C, C}, true},
		{5, true, []int{3 * C}, false},
		{6, true, []int{C, C}, true},
		{7, true, []int{C}, false},
		{8, true, []int{C}, false},
		{9, true, []int{C}, false},
		{10, true, []int{4 * C, C}, true},
		{11, true, []int{4 * C}, false},
		{12, true, []int{C, 4 * C}, true},
		{13, true, []int{C}, false},
		{14, false, []int{C}, false},
		{15, false, []int{C}, false},
	}
}

func (p *Params) fields() []*[]float32 {
	return []*[]float32{&p.WTE, &p.WPE, &p.LN1W, &p.LN1B, &p.QKVW, &p.QKVB, &p.AttProjW, &p.AttProjB,
		&p.LN2W, &p.LN2B, &p.FCW, &p.FCB, &p.FCProjW, &p.FCProjB, &p.LNFW, &p.LNFB}
}

func numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// point makes p's fields views into arena, which must hold NumParams floats.
func (p *Params) point(c Config, arena []float32) {
	if int64(len(arena)) != c.NumParams() {
		panic("engine: arena size does not match config")
	}
	fs := p.fields()
	off := 0
	for _, s := range c.specs() {
		n := numel(s.shape)
		if s.layered {
			n *= c.Layers
		}
		*fs[s.field] = arena[off : off+n : off+n]
		off += n
	}
}

// decayMask returns, per arena element range, whether weight decay applies:
// a list of [start, end) ranges of 2-D weights.
func (c Config) decayRanges() [][2]int {
	var out [][2]int
	off := 0
	for _, s := range c.specs() {
		n := numel(s.shape)
		if s.layered {
			n *= c.Layers
		}
		if s.decay {
			out = append(out, [2]int{off, off + n})
		}
		off += n
	}
	return out
}

// initParams fills the arena with GPT-2's initialisation: weights N(0, 0.02),
// the residual projections (attn.c_proj, mlp.c_proj) N(0, 0.02/sqrt(2L)),
// biases zero, LayerNorm weights one.
func initParams(p *Params, c Config, seed uint64) {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	normal := func(dst []float32, std float64) {
		for i := range dst {
			dst[i] = float32(rng.NormFloat64() * std)
		}
	}
	ones := func(dst []float32) {
		for i := range dst {
			dst[i] = 1
		}
	}
	residStd := 0.02 / math.Sqrt(2*float64(c.Layers))
	normal(p.WTE, 0.02)
	normal(p.WPE, 0.02)
	ones(p.LN1W)
	normal(p.QKVW, 0.02)
	normal(p.AttProjW, residStd)
	ones(p.LN2W)
	normal(p.FCW, 0.02)
	normal(p.FCProjW, residStd)
	ones(p.LNFW)
	// Biases stay zero: the arena is freshly allocated.
}

// layer returns layer l's slice of a stacked tensor whose per-layer size is n.
func layer(t []float32, l, n int) []float32 { return t[l*n : (l+1)*n : (l+1)*n] }

// tensorNames yields the nanoGPT state-dict name, shape and arena range of
// every tensor, per layer for stacked ones, in arena order.
func (c Config) tensors() []namedTensor {
	names := []string{"transformer.wte.weight", "transformer.wpe.weight",
		"ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias",
		"attn.c_proj.weight", "attn.c_proj.bias", "ln_2.weight", "ln_2.bias",
		"mlp.c_fc.weight", "mlp.c_fc.bias", "mlp.c_proj.weight", "mlp.c_proj.bias",
		"transformer.ln_f.weight", "transformer.ln_f.bias"}
	var out []namedTensor
	off := 0
	for _, s := range c.specs() {
		n := numel(s.shape)
		if !s.layered {
			out = append(out, namedTensor{names[s.field], s.shape, off, off + n})
			off += n
			continue
		}
		for l := 0; l < c.Layers; l++ {
			name := fmt.Sprintf("transformer.h.%d.%s", l, names[s.field])
			out = append(out, namedTensor{name, s.shape, off, off + n})
			off += n
		}
	}
	return out
}

// namedTensor is one checkpoint tensor: its name, shape and arena range.
type namedTensor struct {
	name       string
	shape      []int
	start, end int
}
