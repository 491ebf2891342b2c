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

// paramTensor is one entry of the parameter table.
type paramTensor struct {
	name      string                     // nanoGPT state-dict name; %d is the layer of a per-layer tensor
	layered   bool                       // stacked over L layers
	shape     []int                      // per layer when layered
	decay     bool                       // receives weight decay (the 2-D weights)
	embedding bool                       // kept fixed by --freeze-embeddings
	field     func(p *Params) *[]float32 // the view into the arena it fills
}

// paramTable is the one list of parameter tensors, in arena order. The
// arena layout, the parameter count, the decay and freeze masks and the
// checkpoint tensor names all derive from it.
func (c Config) paramTable() []paramTensor {
	V, T, C := c.VocabSize, c.Context, c.Embd
	return []paramTensor{
		// name, layered, shape, decay, embedding, field
		{"transformer.wte.weight", false, []int{V, C}, true, true, func(p *Params) *[]float32 { return &p.WTE }},
		{"transformer.wpe.weight", false, []int{T, C}, true, true, func(p *Params) *[]float32 { return &p.WPE }},
		{"transformer.h.%d.ln_1.weight", true, []int{C}, false, false, func(p *Params) *[]float32 { return &p.LN1W }},
		{"transformer.h.%d.ln_1.bias", true, []int{C}, false, false, func(p *Params) *[]float32 { return &p.LN1B }},
		{"transformer.h.%d.attn.c_attn.weight", true, []int{3 * C, C}, true, false, func(p *Params) *[]float32 { return &p.QKVW }},
		{"transformer.h.%d.attn.c_attn.bias", true, []int{3 * C}, false, false, func(p *Params) *[]float32 { return &p.QKVB }},
		{"transformer.h.%d.attn.c_proj.weight", true, []int{C, C}, true, false, func(p *Params) *[]float32 { return &p.AttProjW }},
		{"transformer.h.%d.attn.c_proj.bias", true, []int{C}, false, false, func(p *Params) *[]float32 { return &p.AttProjB }},
		{"transformer.h.%d.ln_2.weight", true, []int{C}, false, false, func(p *Params) *[]float32 { return &p.LN2W }},
		{"transformer.h.%d.ln_2.bias", true, []int{C}, false, false, func(p *Params) *[]float32 { return &p.LN2B }},
		{"transformer.h.%d.mlp.c_fc.weight", true, []int{4 * C, C}, true, false, func(p *Params) *[]float32 { return &p.FCW }},
		{"transformer.h.%d.mlp.c_fc.bias", true, []int{4 * C}, false, false, func(p *Params) *[]float32 { return &p.FCB }},
		{"transformer.h.%d.mlp.c_proj.weight", true, []int{C, 4 * C}, true, false, func(p *Params) *[]float32 { return &p.FCProjW }},
		{"transformer.h.%d.mlp.c_proj.bias", true, []int{C}, false, false, func(p *Params) *[]float32 { return &p.FCProjB }},
		{"transformer.ln_f.weight", false, []int{C}, false, false, func(p *Params) *[]float32 { return &p.LNFW }},
		{"transformer.ln_f.bias", false, []int{C}, false, false, func(p *Params) *[]float32 { return &p.LNFB }},
	}
}

// arenaTensor is a table entry placed in the arena: [start, end) holds all
// of it, per layer n floats (or n in all when it is not per layer).
type arenaTensor struct {
	paramTensor
	start, end, n int
}

// layout places the table's tensors one after another in the arena.
func (c Config) layout() []arenaTensor {
	var out []arenaTensor
	off := 0
	for _, pt := range c.paramTable() {
		n := numel(pt.shape)
		size := n
		if pt.layered {
			size *= c.Layers
		}
		out = append(out, arenaTensor{pt, off, off + size, n})
		off += size
	}
	return out
}

// paramCount is the arena's length from the table, counted in int64 so an
// oversized config is measured rather than overflowing.
func (c Config) paramCount() int64 {
	var n int64
	for _, pt := range c.paramTable() {
		size := int64(1)
		for _, d := range pt.shape {
			size *= int64(d)
		}
		if pt.layered {
			size *= int64(c.Layers)
		}
		n += size
	}
	return n
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
	if int64(len(arena)) != c.paramCount() {
		panic("engine: arena size does not match config")
	}
	for _, at := range c.layout() {
		*at.field(p) = arena[at.start:at.end:at.end]
	}
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

// tensors yields the nanoGPT state-dict name, shape and arena range of every
// checkpoint tensor, per layer for stacked ones, in arena order.
func (c Config) tensors() []namedTensor {
	var out []namedTensor
	for _, at := range c.layout() {
		if !at.layered {
			out = append(out, namedTensor{at.name, at.shape, at.start, at.end})
			continue
		}
		for l := 0; l < c.Layers; l++ {
			start := at.start + l*at.n
			out = append(out, namedTensor{fmt.Sprintf(at.name, l), at.shape, start, start + at.n})
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
