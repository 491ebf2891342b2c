package hf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"lmlab/engine"
)

// ErrUnsupported marks a config.json value lmlab's GPT cannot honour; the
// error is a *ConfigError that names the key.
var ErrUnsupported = errors.New("not supported by lmlab")

// ConfigError is a config.json key whose value lmlab cannot honour or read.
type ConfigError struct {
	Key    string // the config.json key, e.g. "activation_function"
	Value  string // its value as written in the file
	Reason string // what lmlab supports instead
	err    error  // ErrUnsupported, or nil for a malformed value
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("config.json: %s = %s: %s", e.Key, e.Value, e.Reason)
}

func (e *ConfigError) Unwrap() error { return e.err }

// gpt2Config is the part of a transformers GPT2Config lmlab reads. Pointers
// tell a missing key from a zero one; a missing optional key takes
// transformers' default.
type gpt2Config struct {
	ModelType         *string  `json:"model_type"`
	VocabSize         *int     `json:"vocab_size"`
	NPositions        *int     `json:"n_positions"`
	NCtx              *int     `json:"n_ctx"`
	NEmbd             *int     `json:"n_embd"`
	NLayer            *int     `json:"n_layer"`
	NHead             *int     `json:"n_head"`
	NInner            *int     `json:"n_inner"`
	Activation        *string  `json:"activation_function"`
	LayerNormEps      *float64 `json:"layer_norm_epsilon"`
	ResidPdrop        *float64 `json:"resid_pdrop"`
	ScaleAttnWeights  *bool    `json:"scale_attn_weights"`
	ScaleByLayerIdx   *bool    `json:"scale_attn_by_inverse_layer_idx"`
	ReorderAndUpcast  *bool    `json:"reorder_and_upcast_attn"`
	TieWordEmbeddings *bool    `json:"tie_word_embeddings"`
	AddCrossAttention *bool    `json:"add_cross_attention"`
}

// layerNormEps is the epsilon of lmlab's LayerNorm, and GPT-2's.
const layerNormEps = 1e-5

// parseConfig reads a GPT-2 config.json into an engine.Config. Every value
// that would make lmlab's forward pass differ from GPT-2's as the file
// describes it is a *ConfigError wrapping ErrUnsupported.
func parseConfig(data []byte) (engine.Config, error) {
	var c gpt2Config
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&c); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return engine.Config{}, &ConfigError{Key: te.Field, Value: te.Value, Reason: "want a " + te.Type.String()}
		}
		return engine.Config{}, fmt.Errorf("config.json: not a JSON object: %v", err)
	}
	unsupported := func(key string, value any, reason string) error {
		v, _ := json.Marshal(value)
		return &ConfigError{Key: key, Value: string(v), Reason: reason, err: ErrUnsupported}
	}
	required := func(key string, v *int) (int, error) {
		if v == nil {
			return 0, &ConfigError{Key: key, Value: "(missing)", Reason: "a GPT-2 config.json gives it; is this a GPT-2 model?"}
		}
		return *v, nil
	}
	if c.ModelType != nil && *c.ModelType != "gpt2" {
		return engine.Config{}, unsupported("model_type", *c.ModelType, "lmlab loads GPT-2 models (model_type \"gpt2\")")
	}
	var cfg engine.Config
	var err error
	if cfg.VocabSize, err = required("vocab_size", c.VocabSize); err != nil {
		return cfg, err
	}
	ctx := c.NPositions
	if ctx == nil {
		ctx = c.NCtx // older files name the context n_ctx
	}
	if cfg.Context, err = required("n_positions", ctx); err != nil {
		return cfg, err
	}
	if cfg.Embd, err = required("n_embd", c.NEmbd); err != nil {
		return cfg, err
	}
	if cfg.Layers, err = required("n_layer", c.NLayer); err != nil {
		return cfg, err
	}
	if cfg.Heads, err = required("n_head", c.NHead); err != nil {
		return cfg, err
	}
	switch {
	case c.NInner != nil && *c.NInner != 4*cfg.Embd:
		return cfg, unsupported("n_inner", *c.NInner, fmt.Sprintf("lmlab's MLP is 4·n_embd = %d wide (null means that)", 4*cfg.Embd))
	case c.Activation != nil && *c.Activation != "gelu_new" && *c.Activation != "gelu_pytorch_tanh":
		return cfg, unsupported("activation_function", *c.Activation, "lmlab uses GPT-2's tanh GELU (gelu_new, or gelu_pytorch_tanh, the same function)")
	case c.LayerNormEps != nil && *c.LayerNormEps != layerNormEps:
		return cfg, unsupported("layer_norm_epsilon", *c.LayerNormEps, "lmlab's LayerNorm epsilon is 1e-05")
	case c.ScaleAttnWeights != nil && !*c.ScaleAttnWeights:
		return cfg, unsupported("scale_attn_weights", false, "lmlab scales attention by 1/sqrt(head size)")
	case c.ScaleByLayerIdx != nil && *c.ScaleByLayerIdx:
		return cfg, unsupported("scale_attn_by_inverse_layer_idx", true, "lmlab does not scale attention by the layer index")
	case c.ReorderAndUpcast != nil && *c.ReorderAndUpcast:
		return cfg, unsupported("reorder_and_upcast_attn", true, "lmlab computes attention in float32 in GPT-2's order")
	case c.TieWordEmbeddings != nil && !*c.TieWordEmbeddings:
		return cfg, unsupported("tie_word_embeddings", false, "lmlab's LM head is tied to the token embedding (wte)")
	case c.AddCrossAttention != nil && *c.AddCrossAttention:
		return cfg, unsupported("add_cross_attention", true, "lmlab's GPT is a decoder without cross-attention")
	}
	// Dropout is a training setting: lmlab applies one rate to embeddings
	// and residual branches (GPT-2's resid_pdrop), none to attention.
	cfg.Dropout = 0.1 // transformers' default
	if c.ResidPdrop != nil {
		cfg.Dropout = *c.ResidPdrop
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config.json: %w", err)
	}
	return cfg, nil
}

// configJSON is the config.json Export writes: transformers' GPT2Config for
// cfg, with the end-of-text id when the tokenizer has one.
func configJSON(cfg engine.Config, eot int) ([]byte, error) {
	m := map[string]any{
		"architectures":                   []string{"GPT2LMHeadModel"},
		"model_type":                      "gpt2",
		"vocab_size":                      cfg.VocabSize,
		"n_positions":                     cfg.Context,
		"n_ctx":                           cfg.Context,
		"n_embd":                          cfg.Embd,
		"n_layer":                         cfg.Layers,
		"n_head":                          cfg.Heads,
		"n_inner":                         nil,
		"activation_function":             "gelu_new",
		"layer_norm_epsilon":              layerNormEps,
		"resid_pdrop":                     cfg.Dropout,
		"embd_pdrop":                      cfg.Dropout,
		"attn_pdrop":                      0.0, // lmlab has no attention dropout
		"initializer_range":               0.02,
		"scale_attn_weights":              true,
		"scale_attn_by_inverse_layer_idx": false,
		"reorder_and_upcast_attn":         false,
		"tie_word_embeddings":             true,
		"use_cache":                       true,
		"torch_dtype":                     "float32",
	}
	if eot >= 0 {
		m["bos_token_id"], m["eos_token_id"] = eot, eot
	}
	return json.MarshalIndent(m, "", "  ")
}
