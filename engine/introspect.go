package engine

import (
	"fmt"
	"math"
	"strings"
)

// TensorGroup is a set of parameter tensors reported together: the
// embeddings, one block's attention, MLP or layer norms, the final norm.
// Monitoring (gradient norms, update-to-weight ratios) works per group.
type TensorGroup struct {
	Name  string // "wte", "wpe", "h0.attn", "h0.mlp", "h0.ln", …, "ln_f"
	Kind  string // "embedding", "attention", "mlp", "layernorm"
	Layer int    // the block, or -1 outside the blocks
	spans [][2]int
}

// Size is the number of parameters in the group.
func (g TensorGroup) Size() int {
	n := 0
	for _, s := range g.spans {
		n += s[1] - s[0]
	}
	return n
}

// Norm returns the L2 norm of the group's elements of x, an arena-layout
// slice (weights, gradients or moments), summed in float64.
// It panics if x is shorter than the arena.
func (g TensorGroup) Norm(x []float32) float64 {
	var s float64
	for _, sp := range g.spans {
		for _, v := range x[sp[0]:sp[1]] {
			s += float64(v) * float64(v)
		}
	}
	return math.Sqrt(s)
}

// DiffNorm returns the L2 norm of the group's elements of a − b: with a and
// b the weights after and before an update, the size of the update.
func (g TensorGroup) DiffNorm(a, b []float32) float64 {
	var s float64
	for _, sp := range g.spans {
		bs := b[sp[0]:sp[1]]
		for i, v := range a[sp[0]:sp[1]] {
			d := float64(v) - float64(bs[i])
			s += d * d
		}
	}
	return math.Sqrt(s)
}

// groupOf names the group of a parameter-table entry (the "h%d." prefix is
// added for block tensors).
func groupOf(name string) string {
	switch {
	case strings.Contains(name, ".wte."):
		return "wte"
	case strings.Contains(name, ".wpe."):
		return "wpe"
	case strings.Contains(name, ".attn."):
		return "attn"
	case strings.Contains(name, ".mlp."):
		return "mlp"
	case strings.Contains(name, ".ln_f."):
		return "ln_f"
	case strings.Contains(name, ".ln_"):
		return "ln"
	}
	panic("engine: groupOf: parameter " + name + " has no group")
}

// TensorGroups lists the model's parameter groups in a fixed order: wte
// (the token embedding, which is also the tied LM head), wpe, then per block
// attention, MLP and its two layer norms, then ln_f. Together they cover
// every parameter once.
func (c Config) TensorGroups() []TensorGroup {
	var out []TensorGroup
	index := map[string]int{}
	add := func(name, kind string, layer int) {
		index[name] = len(out)
		out = append(out, TensorGroup{Name: name, Kind: kind, Layer: layer})
	}
	add("wte", "embedding", -1)
	add("wpe", "embedding", -1)
	for l := 0; l < c.Layers; l++ {
		add(fmt.Sprintf("h%d.attn", l), "attention", l)
		add(fmt.Sprintf("h%d.mlp", l), "mlp", l)
		add(fmt.Sprintf("h%d.ln", l), "layernorm", l)
	}
	add("ln_f", "layernorm", -1)
	for _, at := range c.layout() {
		suffix := groupOf(at.name)
		if !at.layered {
			g := &out[index[suffix]]
			g.spans = append(g.spans, [2]int{at.start, at.end})
			continue
		}
		for l := 0; l < c.Layers; l++ {
			g := &out[index[fmt.Sprintf("h%d.%s", l, suffix)]]
			start := at.start + l*at.n
			g.spans = append(g.spans, [2]int{start, start + at.n})
		}
	}
	return out
}

// GradArena returns the gradients in the parameter arena's layout (shared,
// not a copy): after Trainer.Step they are the step's clipped gradients.
// It is nil before the first Backward.
func (m *Model) GradArena() []float32 { return m.garena }

// FirstNonFinite returns the nanoGPT name of the first tensor (in arena
// order) of x, an arena-layout slice, that holds NaN or ±Inf, and the index
// of that value inside the tensor; "" and -1 when all are finite.
func (c Config) FirstNonFinite(x []float32) (tensor string, index int) {
	return firstNonFinite(c, x)
}
