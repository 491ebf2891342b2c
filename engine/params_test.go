package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// The checkpoint names, shapes and arena ranges of a tiny model, written out:
// V=5, T=3, L=2, C=2. Names and order are nanoGPT's state dict (a checkpoint
// loads into it), the layout is llm.c's (per-layer tensors stacked).
func TestTensorsNamesShapesRanges(t *testing.T) {
	cfg := Config{VocabSize: 5, Context: 3, Layers: 2, Heads: 1, Embd: 2}
	type row struct {
		name       string
		shape      []int
		start, end int
	}
	want := []row{
		{"transformer.wte.weight", []int{5, 2}, 0, 10},
		{"transformer.wpe.weight", []int{3, 2}, 10, 16},
		{"transformer.h.0.ln_1.weight", []int{2}, 16, 18},
		{"transformer.h.1.ln_1.weight", []int{2}, 18, 20},
		{"transformer.h.0.ln_1.bias", []int{2}, 20, 22},
		{"transformer.h.1.ln_1.bias", []int{2}, 22, 24},
		{"transformer.h.0.attn.c_attn.weight", []int{6, 2}, 24, 36},
		{"transformer.h.1.attn.c_attn.weight", []int{6, 2}, 36, 48},
		{"transformer.h.0.attn.c_attn.bias", []int{6}, 48, 54},
		{"transformer.h.1.attn.c_attn.bias", []int{6}, 54, 60},
		{"transformer.h.0.attn.c_proj.weight", []int{2, 2}, 60, 64},
		{"transformer.h.1.attn.c_proj.weight", []int{2, 2}, 64, 68},
		{"transformer.h.0.attn.c_proj.bias", []int{2}, 68, 70},
		{"transformer.h.1.attn.c_proj.bias", []int{2}, 70, 72},
		{"transformer.h.0.ln_2.weight", []int{2}, 72, 74},
		{"transformer.h.1.ln_2.weight", []int{2}, 74, 76},
		{"transformer.h.0.ln_2.bias", []int{2}, 76, 78},
		{"transformer.h.1.ln_2.bias", []int{2}, 78, 80},
		{"transformer.h.0.mlp.c_fc.weight", []int{8, 2}, 80, 96},
		{"transformer.h.1.mlp.c_fc.weight", []int{8, 2}, 96, 112},
		{"transformer.h.0.mlp.c_fc.bias", []int{8}, 112, 120},
		{"transformer.h.1.mlp.c_fc.bias", []int{8}, 120, 128},
		{"transformer.h.0.mlp.c_proj.weight", []int{2, 8}, 128, 144},
		{"transformer.h.1.mlp.c_proj.weight", []int{2, 8}, 144, 160},
		{"transformer.h.0.mlp.c_proj.bias", []int{2}, 160, 162},
		{"transformer.h.1.mlp.c_proj.bias", []int{2}, 162, 164},
		{"transformer.ln_f.weight", []int{2}, 164, 166},
		{"transformer.ln_f.bias", []int{2}, 166, 168},
	}
	var got []row
	for _, nt := range cfg.tensors() {
		got = append(got, row(nt))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("tensors() =\n%v\nwant\n%v", got, want)
	}
}

// The table is the one source of the layout: its count is NumParams, its
// tensors tile the arena, and it names per-layer tensors with a %d.
func TestParamTableTilesArena(t *testing.T) {
	for _, cfg := range []Config{
		{VocabSize: 5, Context: 3, Layers: 2, Heads: 1, Embd: 2},
		{VocabSize: 65, Context: 64, Layers: 4, Heads: 4, Embd: 128},
		{VocabSize: 50257, Context: 1024, Layers: 12, Heads: 12, Embd: 768}, // GPT-2 small: 124,439,808
		{VocabSize: 11, Context: 8, Layers: 0, Heads: 2, Embd: 6},
	} {
		name := fmt.Sprintf("V%d_L%d_C%d", cfg.VocabSize, cfg.Layers, cfg.Embd)
		if got, want := cfg.paramCount(), cfg.NumParams(); got != want {
			t.Errorf("%s: paramCount %d, NumParams %d", name, got, want)
		}
		end := 0
		for _, nt := range cfg.tensors() {
			if nt.start != end || nt.end-nt.start != numel(nt.shape) {
				t.Errorf("%s: %s at [%d, %d) with shape %v, want it to start at %d", name, nt.name, nt.start, nt.end, nt.shape, end)
			}
			end = nt.end
		}
		if int64(end) != cfg.paramCount() {
			t.Errorf("%s: tensors end at %d, paramCount %d", name, end, cfg.paramCount())
		}
		for _, pt := range cfg.paramTable() {
			if got := strings.Contains(pt.name, "%d"); got != pt.layered {
				t.Errorf("%s: %q has layered=%v but %%d in name is %v", name, pt.name, pt.layered, got)
			}
		}
	}
	gpt2 := Config{VocabSize: 50257, Context: 1024, Layers: 12, Heads: 12, Embd: 768}
	if got := gpt2.paramCount(); got != 124439808 {
		t.Errorf("GPT-2 small has %d parameters, want 124439808", got)
	}
}

// Every Params field is filled by exactly one table entry, with the length
// the table gives it, as a view into the arena.
func TestParamTableFillsEveryField(t *testing.T) {
	cfg := Config{VocabSize: 7, Context: 5, Layers: 3, Heads: 1, Embd: 4}
	m := NewModel(cfg, 1)
	v := reflect.ValueOf(m.Params)
	total := 0
	for i := 0; i < v.NumField(); i++ {
		f := v.Field(i).Interface().([]float32)
		if len(f) == 0 {
			t.Errorf("Params.%s is empty: no table entry fills it", v.Type().Field(i).Name)
		}
		total += len(f)
	}
	if total != len(m.arena) {
		t.Errorf("Params fields hold %d floats, the arena %d: an entry fills a field twice or misses one", total, len(m.arena))
	}
	for _, at := range cfg.layout() {
		f := *at.field(&m.Params)
		if len(f) != at.end-at.start || len(f) > 0 && &f[0] != &m.arena[at.start] {
			t.Errorf("%s: field is %d floats, not the arena's [%d, %d)", at.name, len(f), at.start, at.end)
		}
	}
}

// AdamW's spans give each element the decay and freezing its tensor's name
// calls for: decay on 2-D weights (nanoGPT's rule), frozen for wte and wpe
// under --freeze-embeddings and for blocks below --freeze-layers.
func TestUpdateSpans(t *testing.T) {
	cfg := Config{VocabSize: 5, Context: 3, Layers: 3, Heads: 1, Embd: 2}
	n := int(cfg.NumParams())
	tests := []struct {
		emb bool
		k   int
	}{{false, 0}, {true, 0}, {false, 1}, {true, 2}, {true, 3}}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("emb=%v,k=%d", tt.emb, tt.k), func(t *testing.T) {
			spans := cfg.updateSpans(tt.emb, tt.k)
			decay, frozen := make([]bool, n), make([]bool, n)
			at := 0
			for i, s := range spans {
				if s.lo != at || s.hi <= s.lo {
					t.Fatalf("span %d is [%d, %d), want a non-empty span from %d", i, s.lo, s.hi, at)
				}
				if i > 0 && spans[i-1].decay == s.decay && spans[i-1].frozen == s.frozen {
					t.Errorf("spans %d and %d have the same rules and were not merged", i-1, i)
				}
				for j := s.lo; j < s.hi; j++ {
					decay[j], frozen[j] = s.decay, s.frozen
				}
				at = s.hi
			}
			if at != n {
				t.Fatalf("spans end at %d, arena is %d", at, n)
			}
			for _, nt := range cfg.tensors() {
				wantDecay := len(nt.shape) == 2
				wantFrozen := tt.emb && (nt.name == "transformer.wte.weight" || nt.name == "transformer.wpe.weight")
				for l := 0; l < tt.k; l++ {
					wantFrozen = wantFrozen || strings.HasPrefix(nt.name, fmt.Sprintf("transformer.h.%d.", l))
				}
				for j := nt.start; j < nt.end; j++ {
					if decay[j] != wantDecay || frozen[j] != wantFrozen {
						t.Errorf("%s[%d]: decay %v frozen %v, want %v %v", nt.name, j-nt.start, decay[j], frozen[j], wantDecay, wantFrozen)
						break
					}
				}
			}
		})
	}
}

// With zero gradients an AdamW step only decays: decayed spans scale by
// 1 − lr·wd, the rest stay, and frozen spans keep their moments too.
func TestAdamWDecaysAndSkipsBySpan(t *testing.T) {
	cfg := Config{VocabSize: 5, Context: 3, Layers: 2, Heads: 1, Embd: 2}
	m := NewModel(cfg, 1)
	o := newAdamW(cfg, true, 1)
	n := len(m.arena)
	o.M, o.V = make([]float32, n), make([]float32, n)
	for i := range o.M {
		o.M[i], o.V[i] = 0, 1 // m = 0 and g = 0 keep the Adam term at zero
	}
	before := slices.Clone(m.arena)
	lr, wd := 0.1, 0.5
	o.update(m.arena, make([]float32, n), lr, 0.9, 0.99, 1e-8, wd, 1)
	wdf := float32(1 - lr*wd)
	for _, s := range o.spans {
		for i := s.lo; i < s.hi; i++ {
			want, wantV := before[i]*wdf, float32(0.99)
			if !s.decay {
				want = before[i]
			}
			if s.frozen {
				want, wantV = before[i], 1
			}
			if m.arena[i] != want || o.V[i] != wantV {
				t.Errorf("element %d (decay %v, frozen %v): p %g, v %g; want %g, %g", i, s.decay, s.frozen, m.arena[i], o.V[i], want, wantV)
			}
		}
	}
}

// The update is the same whatever the chunking: chunks that cut spans
// anywhere give bit-identical parameters and moments to one serial pass.
func TestAdamWChunkingIsInvisible(t *testing.T) {
	cfg := Config{VocabSize: 7, Context: 5, Layers: 2, Heads: 1, Embd: 4}
	rng := rand.New(rand.NewPCG(3, 4))
	grads := randSlice(rng, int(cfg.NumParams()), 1)
	run := func(pf func(n int, fn func(lo, hi int))) (p, m, v []float32) {
		defer func(old func(int, func(int, int))) { parallelFor = old }(parallelFor)
		parallelFor = pf
		model := NewModel(cfg, 2)
		o := newAdamW(cfg, true, 1)
		for step := 1; step <= 3; step++ {
			o.update(model.arena, grads, 1e-2, 0.9, 0.99, 1e-8, 0.1, step)
		}
		return model.arena, o.M, o.V
	}
	p0, m0, v0 := run(serialFor)
	for _, size := range []int{1, 7, 64} {
		p, m, v := run(func(n int, fn func(lo, hi int)) {
			for lo := 0; lo < n; lo += size {
				fn(lo, min(lo+size, n))
			}
		})
		for i := range p0 {
			if math.Float32bits(p[i]) != math.Float32bits(p0[i]) || m[i] != m0[i] || v[i] != v0[i] {
				t.Errorf("chunks of %d: element %d differs: p %g m %g v %g, serial %g %g %g", size, i, p[i], m[i], v[i], p0[i], m0[i], v0[i])
				break
			}
		}
	}
}
