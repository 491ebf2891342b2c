package engine

import (
	"fmt"
	"sort"
	"strings"
)

// Config is the model's shape. JSON names follow nanoGPT's GPTConfig so a
// PyTorch user can build the matching model from a checkpoint's metadata.
type Config struct {
	VocabSize int     `json:"vocab_size"` // V
	Context   int     `json:"block_size"` // maximum sequence length T
	Layers    int     `json:"n_layer"`    // L
	Heads     int     `json:"n_head"`     // NH
	Embd      int     `json:"n_embd"`     // C
	Dropout   float64 `json:"dropout"`    // on embeddings and residual branches while training
}

// Limits on a Config. They keep a mistyped flag or a hostile checkpoint header
// from asking for an absurd allocation; the largest useful lmlab model on a
// laptop CPU is far below them.
const (
	MaxVocab   = 1 << 20
	MaxContext = 1 << 14
	MaxLayers  = 128
	MaxEmbd    = 1 << 14
	MaxParams  = 1 << 28 // float32s in the arena: 1 GiB of weights
)

// Validate reports the first problem with c, naming the field and the fix.
func (c Config) Validate() error {
	switch {
	case c.VocabSize < 1 || c.VocabSize > MaxVocab:
		return fmt.Errorf("vocab_size %d out of range 1..%d", c.VocabSize, MaxVocab)
	case c.Context < 1 || c.Context > MaxContext:
		return fmt.Errorf("context (block_size) %d out of range 1..%d", c.Context, MaxContext)
	case c.Layers < 1 || c.Layers > MaxLayers:
		return fmt.Errorf("layers %d out of range 1..%d", c.Layers, MaxLayers)
	case c.Embd < 1 || c.Embd > MaxEmbd:
		return fmt.Errorf("embd %d out of range 1..%d", c.Embd, MaxEmbd)
	case c.Heads < 1 || c.Embd%c.Heads != 0:
		return fmt.Errorf("heads %d must be ≥ 1 and divide embd %d", c.Heads, c.Embd)
	case c.Dropout < 0 || c.Dropout >= 1:
		return fmt.Errorf("dropout %g out of range [0, 1)", c.Dropout)
	}
	if n := c.NumParams(); n > MaxParams {
		return fmt.Errorf("%d parameters exceed the limit of %d; use fewer layers or channels", n, MaxParams)
	}
	return nil
}

// NumParams is the number of float32 parameters (the tied LM head counted once).
func (c Config) NumParams() int64 {
	V, T, L, C := int64(c.VocabSize), int64(c.Context), int64(c.Layers), int64(c.Embd)
	perLayer := 2*C + (3*C*C + 3*C) + (C*C + C) + 2*C + (4*C*C + 4*C) + (4*C*C + C)
	return V*C + T*C + L*perLayer + 2*C
}

// TrainConfig holds the optimisation recipe. A run is Steps optimizer steps;
// the learning-rate schedule spans exactly that run.
type TrainConfig struct {
	Steps       int     `json:"steps"`
	Batch       int     `json:"batch_size"`   // sequences per micro-batch (B)
	Context     int     `json:"context"`      // training sequence length T (≤ Config.Context)
	GradAccum   int     `json:"grad_accum"`   // micro-batches per optimizer step
	LR          float64 `json:"lr"`           // peak learning rate
	MinLR       float64 `json:"min_lr"`       // end of the cosine decay
	Warmup      int     `json:"warmup"`       // linear warmup steps
	WeightDecay float64 `json:"weight_decay"` // decoupled, on 2-D weights only
	GradClip    float64 `json:"grad_clip"`    // global norm; 0 disables
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	Eps         float64 `json:"eps"`
	Seed        uint64  `json:"seed"`
	EvalEvery   int     `json:"eval_every"`   // steps between validation passes; 0: only at the end
	EvalWindows int     `json:"eval_windows"` // cap on windows for periodic evals; 0: the whole split

	// Fine-tuning: frozen parameters keep their values bit for bit.
	FreezeEmbeddings bool `json:"freeze_embeddings,omitempty"` // wte and wpe
	FreezeLayers     int  `json:"freeze_layers,omitempty"`     // the first K blocks
}

// Validate reports the first problem with tc for a model of shape c.
func (tc TrainConfig) Validate(c Config) error {
	switch {
	case tc.Steps < 1:
		return fmt.Errorf("steps %d must be ≥ 1", tc.Steps)
	case tc.Batch < 1 || tc.Batch > 1<<16:
		return fmt.Errorf("batch %d out of range 1..65536", tc.Batch)
	case tc.Context < 1 || tc.Context > c.Context:
		return fmt.Errorf("context %d out of range 1..%d (the model's block size)", tc.Context, c.Context)
	case tc.GradAccum < 1:
		return fmt.Errorf("grad accumulation %d must be ≥ 1", tc.GradAccum)
	case !(tc.LR > 0) || tc.LR > 10:
		return fmt.Errorf("lr %g out of range (0, 10]", tc.LR)
	case tc.MinLR < 0 || tc.MinLR > tc.LR:
		return fmt.Errorf("min lr %g must be in [0, lr=%g]", tc.MinLR, tc.LR)
	case tc.Warmup < 0:
		return fmt.Errorf("warmup %d must be ≥ 0", tc.Warmup)
	case tc.WeightDecay < 0:
		return fmt.Errorf("weight decay %g must be ≥ 0", tc.WeightDecay)
	case tc.GradClip < 0:
		return fmt.Errorf("grad clip %g must be ≥ 0 (0 disables)", tc.GradClip)
	case tc.Beta1 < 0 || tc.Beta1 >= 1 || tc.Beta2 < 0 || tc.Beta2 >= 1:
		return fmt.Errorf("betas (%g, %g) must be in [0, 1)", tc.Beta1, tc.Beta2)
	case !(tc.Eps > 0):
		return fmt.Errorf("eps %g must be > 0", tc.Eps)
	case tc.EvalEvery < 0 || tc.EvalWindows < 0:
		return fmt.Errorf("eval every %d / eval windows %d must be ≥ 0", tc.EvalEvery, tc.EvalWindows)
	case tc.FreezeLayers < 0 || tc.FreezeLayers > c.Layers:
		return fmt.Errorf("freeze layers %d out of range 0..%d", tc.FreezeLayers, c.Layers)
	}
	return nil
}

// Preset is a named model shape with its training recipe.
type Preset struct {
	Name, Description string
	Model             Config // VocabSize is filled from the tokenizer
	Train             TrainConfig
}

var presets = map[string]Preset{
	// baby is the published CPU "baby GPT" recipe for tiny shakespeare
	// (nanoGPT README: 4 layers, 4 heads, 128 channels, context 64, batch 12,
	// lr 1e-3 cosine to 1e-4 over the run, warmup 100, dropout 0).
	"baby": {
		Name:        "baby",
		Description: "the CPU baby-GPT recipe: 4 layers, 4 heads, 128 channels, context 64, batch 12",
		Model:       Config{Context: 64, Layers: 4, Heads: 4, Embd: 128},
		Train: TrainConfig{Steps: 2000, Batch: 12, Context: 64, GradAccum: 1, LR: 1e-3, MinLR: 1e-4,
			Warmup: 100, WeightDecay: 0.1, GradClip: 1.0, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8,
			Seed: 1337, EvalEvery: 250, EvalWindows: 200},
	},
	// tiny learns a small built-in sample visibly within half a minute on two
	// cores: a quarter of baby's width, two layers, a higher learning rate.
	"tiny": {
		Name:        "tiny",
		Description: "a quick learner for small samples: 2 layers, 4 heads, 64 channels, context 64, batch 16",
		Model:       Config{Context: 64, Layers: 2, Heads: 4, Embd: 64},
		Train: TrainConfig{Steps: 1000, Batch: 16, Context: 64, GradAccum: 1, LR: 3e-3, MinLR: 3e-4,
			Warmup: 30, WeightDecay: 0.1, GradClip: 1.0, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8,
			Seed: 1337, EvalEvery: 100, EvalWindows: 100},
	},
	// small is for longer runs on more data: 6 layers, 6 heads, 192 channels.
	"small": {
		Name:        "small",
		Description: "a bigger model for longer runs: 6 layers, 6 heads, 192 channels, context 128, batch 16",
		Model:       Config{Context: 128, Layers: 6, Heads: 6, Embd: 192},
		Train: TrainConfig{Steps: 5000, Batch: 16, Context: 128, GradAccum: 1, LR: 6e-4, MinLR: 6e-5,
			Warmup: 200, WeightDecay: 0.1, GradClip: 1.0, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8,
			Seed: 1337, EvalEvery: 500, EvalWindows: 200},
	},
}

// LookupPreset returns the preset called name.
func LookupPreset(name string) (Preset, error) {
	p, ok := presets[name]
	if !ok {
		return Preset{}, fmt.Errorf("unknown preset %q; known presets: %s", name, strings.Join(PresetNames(), ", "))
	}
	return p, nil
}

// PresetNames lists the presets in alphabetical order.
func PresetNames() []string {
	names := make([]string, 0, len(presets))
	for n := range presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
