package engine

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestConfigValidateNamesTheFlag(t *testing.T) {
	good, _ := smallRun()
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		edit func(c *Config)
		flag string
	}{
		{"vocab 0", func(c *Config) { c.VocabSize = 0 }, "vocab_size"},
		{"vocab huge", func(c *Config) { c.VocabSize = MaxVocab + 1 }, "vocab_size"},
		{"context 0", func(c *Config) { c.Context = 0 }, "--context"},
		{"layers negative", func(c *Config) { c.Layers = -1 }, "--layers"},
		{"embd huge", func(c *Config) { c.Embd = 1 << 30 }, "--embd"},
		{"heads do not divide", func(c *Config) { c.Heads = 5 }, "--heads"},
		{"dropout NaN", func(c *Config) { c.Dropout = nan }, "--dropout"},
		{"dropout Inf", func(c *Config) { c.Dropout = inf }, "--dropout"},
		{"dropout 1", func(c *Config) { c.Dropout = 1 }, "--dropout"},
		{"dropout negative", func(c *Config) { c.Dropout = -0.1 }, "--dropout"},
		{"too many params", func(c *Config) { c.Embd, c.Layers, c.Heads = 4096, 128, 1 }, "--embd"},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.edit(&c)
			err := c.Validate()
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want a *ConfigError", err)
			}
			if ce.Flag != tt.flag || !strings.HasPrefix(err.Error(), tt.flag+" ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("Validate() = %q (flag %q), want one line starting with %q", err, ce.Flag, tt.flag)
			}
		})
	}
}

func TestTrainConfigValidateNamesTheFlag(t *testing.T) {
	c, good := smallRun()
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		name string
		edit func(tc *TrainConfig)
		flag string
	}{
		{"steps 0", func(tc *TrainConfig) { tc.Steps = 0 }, "--steps"},
		{"batch 0", func(tc *TrainConfig) { tc.Batch = 0 }, "--batch"},
		{"batch 1<<40", func(tc *TrainConfig) { tc.Batch = 1 << 40 }, "--batch"},
		{"context past block", func(tc *TrainConfig) { tc.Context = c.Context + 1 }, "--context"},
		{"accum 0", func(tc *TrainConfig) { tc.GradAccum = 0 }, "--accum"},
		{"accum 1<<40", func(tc *TrainConfig) { tc.GradAccum = 1 << 40 }, "--accum"},
		{"lr NaN", func(tc *TrainConfig) { tc.LR = nan }, "--lr"},
		{"lr Inf", func(tc *TrainConfig) { tc.LR = inf }, "--lr"},
		{"lr 0", func(tc *TrainConfig) { tc.LR = 0 }, "--lr"},
		{"min lr NaN", func(tc *TrainConfig) { tc.MinLR = nan }, "--min-lr"},
		{"min lr above lr", func(tc *TrainConfig) { tc.MinLR = tc.LR * 2 }, "--min-lr"},
		{"min lr negative", func(tc *TrainConfig) { tc.MinLR = -1e-4 }, "--min-lr"},
		{"warmup negative", func(tc *TrainConfig) { tc.Warmup = -1 }, "--warmup"},
		{"weight decay NaN", func(tc *TrainConfig) { tc.WeightDecay = nan }, "--weight-decay"},
		{"weight decay Inf", func(tc *TrainConfig) { tc.WeightDecay = inf }, "--weight-decay"},
		{"weight decay negative", func(tc *TrainConfig) { tc.WeightDecay = -0.1 }, "--weight-decay"},
		{"grad clip NaN", func(tc *TrainConfig) { tc.GradClip = nan }, "--grad-clip"},
		{"grad clip -Inf", func(tc *TrainConfig) { tc.GradClip = math.Inf(-1) }, "--grad-clip"},
		{"beta1 NaN", func(tc *TrainConfig) { tc.Beta1 = nan }, "beta1"},
		{"beta1 1", func(tc *TrainConfig) { tc.Beta1 = 1 }, "beta1"},
		{"beta2 NaN", func(tc *TrainConfig) { tc.Beta2 = nan }, "--beta2"},
		{"beta2 negative", func(tc *TrainConfig) { tc.Beta2 = -0.5 }, "--beta2"},
		{"eps 0", func(tc *TrainConfig) { tc.Eps = 0 }, "eps"},
		{"eps Inf", func(tc *TrainConfig) { tc.Eps = inf }, "eps"},
		{"eval every negative", func(tc *TrainConfig) { tc.EvalEvery = -1 }, "--eval-every"},
		{"eval windows negative", func(tc *TrainConfig) { tc.EvalWindows = -1 }, "--eval-windows"},
		{"freeze too many layers", func(tc *TrainConfig) { tc.FreezeLayers = c.Layers + 1 }, "--freeze-layers"},
	}
	if err := good.Validate(c); err != nil {
		t.Fatalf("valid recipe refused: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := good
			tt.edit(&tc)
			err := tc.Validate(c)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("Validate() = %v, want a *ConfigError", err)
			}
			if ce.Flag != tt.flag || !strings.HasPrefix(err.Error(), tt.flag+" ") || strings.Contains(err.Error(), "\n") {
				t.Errorf("Validate() = %q (flag %q), want one line starting with %q", err, ce.Flag, tt.flag)
			}
		})
	}
}

// TestTrainConfigValidateRefusesOverflowingShapes: shapes each in range whose
// products (attention maps L·B·NH·T·T, logits B·T·V) pass MaxActivation.
func TestTrainConfigValidateRefusesOverflowingShapes(t *testing.T) {
	c := Config{VocabSize: MaxVocab, Context: MaxContext, Layers: MaxLayers, Heads: 64, Embd: 64}
	tc := TrainConfig{Steps: 1, Batch: MaxBatch, Context: MaxContext, GradAccum: MaxGradAccum, LR: 1e-3, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8}
	if err := c.Validate(); err != nil {
		t.Fatalf("config refused: %v", err)
	}
	err := tc.Validate(c)
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Flag != "--batch" || !strings.Contains(err.Error(), "attention maps") {
		t.Fatalf("Validate() = %v, want a --batch *ConfigError about the attention maps", err)
	}
	c.Layers, c.Heads = 1, 1
	tc.Context = 256
	if err := tc.Validate(c); err == nil || !strings.Contains(err.Error(), "logits") {
		t.Fatalf("Validate() = %v, want the logits refused", err)
	}
}

func TestPresetsValidate(t *testing.T) {
	for _, name := range PresetNames() {
		p, _ := LookupPreset(name)
		p.Model.VocabSize = 65
		if err := p.Model.Validate(); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
		if err := p.Train.Validate(p.Model); err != nil {
			t.Errorf("preset %s: %v", name, err)
		}
	}
}

func TestSampleOptionsValidate(t *testing.T) {
	tests := []struct {
		opt  SampleOptions
		flag string // "" : valid
	}{
		{SampleOptions{}, ""},
		{SampleOptions{Temperature: 0.8, TopK: 5, TopP: 0.9}, ""},
		{SampleOptions{Temperature: 1, TopP: 1}, ""},
		{SampleOptions{Temperature: math.NaN()}, "--temperature"},
		{SampleOptions{Temperature: math.Inf(1)}, "--temperature"},
		{SampleOptions{Temperature: -1}, "--temperature"},
		{SampleOptions{Temperature: 1, TopP: 1.5}, "--top-p"},
		{SampleOptions{Temperature: 1, TopP: -0.1}, "--top-p"},
		{SampleOptions{Temperature: 1, TopP: math.NaN()}, "--top-p"},
		{SampleOptions{Temperature: 1, TopK: -3}, "--top-k"},
	}
	for _, tt := range tests {
		err := tt.opt.Validate()
		var ce *ConfigError
		switch {
		case tt.flag == "" && err != nil:
			t.Errorf("%+v: Validate() = %v, want nil", tt.opt, err)
		case tt.flag != "" && (!errors.As(err, &ce) || ce.Flag != tt.flag):
			t.Errorf("%+v: Validate() = %v, want a *ConfigError for %s", tt.opt, err, tt.flag)
		}
	}
}
