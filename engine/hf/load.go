package hf

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"lmlab/engine"
	"lmlab/tokenizer"
)

// Errors of Load, wrapped with the directory; check them with errors.Is.
var (
	// ErrNoTokenizer: the directory has no tokenizer lmlab reads and none
	// was given.
	ErrNoTokenizer = errors.New("no tokenizer")
	// ErrVocabMismatch: the tokenizer and the model's vocab_size differ.
	ErrVocabMismatch = errors.New("tokenizer and model vocabulary differ")
	// ErrTensor: model.safetensors lacks a tensor, has one lmlab's GPT-2
	// does not, or has one of the wrong shape.
	ErrTensor = errors.New("tensors do not match the config")
)

// IsDir reports whether path is a directory holding a config.json: a model
// in the Hugging Face layout rather than an lmlab checkpoint file.
func IsDir(path string) bool {
	st, err := os.Stat(filepath.Join(path, "config.json"))
	return err == nil && !st.IsDir()
}

// lmlabTokenizerFile is the tokenizer Export writes beside the Hugging Face
// files in lmlab's own form (tokenizer.Marshal), so that char and word
// tokenizers, which no Hugging Face file describes, come back exactly.
const lmlabTokenizerFile = "lmlab-tokenizer.json"

// Load reads a GPT-2 directory in the Hugging Face layout (config.json +
// model.safetensors) as a weights-only checkpoint (Train is nil) with its
// tokenizer. tok is a tokenizer spec (tokenizer.ParseSpec: tiktoken:FILE,
// hf:FILE, bpe:FILE, ckpt:FILE); "" takes the tokenizer from the directory:
// tokenizer.json, else vocab.json + merges.txt, else lmlab-tokenizer.json.
//
// Tensors may carry the "transformer." prefix or not; Conv1D weights
// ([in, out]) are transposed to lmlab's [out, in]; F16, BF16 and F64 become
// float32; the attn.bias / attn.masked_bias buffers are skipped; an
// lm_head.weight must equal wte (the head is tied). A config value lmlab
// cannot honour is a *ConfigError wrapping ErrUnsupported.
//
// Memory: the model's float32 weights once (4 bytes a parameter) plus one
// layer's largest tensor as scratch.
func Load(dir string, tok string) (*engine.Checkpoint, tokenizer.Tokenizer, error) {
	ck, t, err := load(dir, tok)
	if err != nil {
		return nil, nil, fmt.Errorf("load %s: %w", dir, err)
	}
	return ck, t, nil
}

func load(dir, tokSpec string) (*engine.Checkpoint, tokenizer.Tokenizer, error) {
	data, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, nil, err
	}
	cfg, err := parseConfig(data)
	if err != nil {
		return nil, nil, err
	}
	tok, err := loadTokenizer(dir, tokSpec)
	if err != nil {
		return nil, nil, err
	}
	if tok.VocabSize() != cfg.VocabSize {
		return nil, nil, fmt.Errorf("the tokenizer (%s) has %d ids but config.json says vocab_size %d; give the model's own tokenizer with --tokenizer: %w",
			tok.Name(), tok.VocabSize(), cfg.VocabSize, ErrVocabMismatch)
	}
	tokData, err := tokenizer.Marshal(tok)
	if err != nil {
		return nil, nil, err
	}
	st, err := openSafetensors(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	// Refuse a config the file cannot back before allocating for it: every
	// parameter takes at least 2 bytes (F16, BF16).
	if info, err := st.f.Stat(); err == nil && cfg.NumParams()*2 > info.Size() {
		return nil, nil, fmt.Errorf("config.json implies %d parameters but model.safetensors has only %d bytes; the file is truncated or the config is not its own: %w",
			cfg.NumParams(), info.Size(), ErrTensor)
	}
	// A zeroed arena, not NewModel's random initialisation: every parameter
	// is overwritten below, and initialising 124M of them costs a second.
	// The model is only a view to fill the arena through; the checkpoint
	// takes the arena back.
	ck := &engine.Checkpoint{Config: cfg, Params: make([]float32, cfg.NumParams()), Tokenizer: tokData,
		Meta: map[string]string{"source": "hf:" + filepath.Base(filepath.Clean(dir))}}
	m := ck.TakeModel()
	if err := readWeights(st, m); err != nil {
		return nil, nil, err
	}
	ck.Params = m.Arena()
	return ck, tok, nil
}

func loadTokenizer(dir, spec string) (tokenizer.Tokenizer, error) {
	if spec != "" {
		sp, err := tokenizer.ParseSpec(spec)
		if err != nil {
			return nil, err
		}
		if sp.Learns() {
			return nil, fmt.Errorf("--tokenizer %s learns its vocabulary from a text, but a trained model needs its own tokenizer: give a file (tiktoken:FILE, hf:FILE, bpe:FILE or ckpt:FILE)", spec)
		}
		return tokenizer.FromSpec(spec, tokenizer.SpecOptions{Checkpoint: engine.CheckpointTokenizer})
	}
	exists := func(name string) bool {
		st, err := os.Stat(filepath.Join(dir, name))
		return err == nil && !st.IsDir()
	}
	switch {
	case exists("tokenizer.json"):
		return tokenizer.LoadHF(filepath.Join(dir, "tokenizer.json"))
	case exists("vocab.json") && exists("merges.txt"):
		return tokenizer.LoadGPT2Files(filepath.Join(dir, "vocab.json"), filepath.Join(dir, "merges.txt"))
	case exists(lmlabTokenizerFile):
		data, err := os.ReadFile(filepath.Join(dir, lmlabTokenizerFile))
		if err != nil {
			return nil, err
		}
		t, err := tokenizer.Unmarshal(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", lmlabTokenizerFile, err)
		}
		return t, nil
	}
	return nil, fmt.Errorf("no tokenizer.json, vocab.json + merges.txt or %s in the directory; give one with --tokenizer (e.g. tiktoken:gpt2.tiktoken): %w", lmlabTokenizerFile, ErrNoTokenizer)
}

// gpt2Tensor is one tensor of a GPT-2 state dict and where it lives in
// lmlab's arena. conv1d tensors are stored [in, out] and transposed.
type gpt2Tensor struct {
	name   string    // without the "transformer." prefix
	shape  []int64   // as stored in the file
	dst    []float32 // lmlab's view, [out, in] for conv1d
	conv1d bool
}

// gpt2Tensors lists the tensors of m in Hugging Face's GPT-2 names.
func gpt2Tensors(m *engine.Model) []gpt2Tensor {
	c, p := m.Config, &m.Params
	V, T, C := int64(c.VocabSize), int64(c.Context), int64(c.Embd)
	lay := func(t []float32, l int, n int64) []float32 { return t[int64(l)*n : int64(l+1)*n] }
	out := []gpt2Tensor{
		{"wte.weight", []int64{V, C}, p.WTE, false},
		{"wpe.weight", []int64{T, C}, p.WPE, false},
	}
	for l := 0; l < c.Layers; l++ {
		h := "h." + strconv.Itoa(l) + "."
		out = append(out,
			gpt2Tensor{h + "ln_1.weight", []int64{C}, lay(p.LN1W, l, C), false},
			gpt2Tensor{h + "ln_1.bias", []int64{C}, lay(p.LN1B, l, C), false},
			gpt2Tensor{h + "attn.c_attn.weight", []int64{C, 3 * C}, lay(p.QKVW, l, 3*C*C), true},
			gpt2Tensor{h + "attn.c_attn.bias", []int64{3 * C}, lay(p.QKVB, l, 3*C), false},
			gpt2Tensor{h + "attn.c_proj.weight", []int64{C, C}, lay(p.AttProjW, l, C*C), true},
			gpt2Tensor{h + "attn.c_proj.bias", []int64{C}, lay(p.AttProjB, l, C), false},
			gpt2Tensor{h + "ln_2.weight", []int64{C}, lay(p.LN2W, l, C), false},
			gpt2Tensor{h + "ln_2.bias", []int64{C}, lay(p.LN2B, l, C), false},
			gpt2Tensor{h + "mlp.c_fc.weight", []int64{C, 4 * C}, lay(p.FCW, l, 4*C*C), true},
			gpt2Tensor{h + "mlp.c_fc.bias", []int64{4 * C}, lay(p.FCB, l, 4*C), false},
			gpt2Tensor{h + "mlp.c_proj.weight", []int64{4 * C, C}, lay(p.FCProjW, l, 4*C*C), true},
			gpt2Tensor{h + "mlp.c_proj.bias", []int64{C}, lay(p.FCProjB, l, C), false},
		)
	}
	return append(out,
		gpt2Tensor{"ln_f.weight", []int64{C}, p.LNFW, false},
		gpt2Tensor{"ln_f.bias", []int64{C}, p.LNFB, false})
}

// transpose writes src (rows, cols) into dst as (cols, rows).
func transpose(dst, src []float32, rows, cols int) {
	for i := 0; i < rows; i++ {
		row := src[i*cols : (i+1)*cols]
		for j, v := range row {
			dst[j*rows+i] = v
		}
	}
}

// isBuffer reports whether name (prefix removed) is one of the attention
// buffers older GPT-2 files carry, for a layer below L.
func isBuffer(name string, L int) bool {
	rest, ok := strings.CutPrefix(name, "h.")
	if !ok {
		return false
	}
	num, suffix, ok := strings.Cut(rest, ".")
	l, err := strconv.Atoi(num)
	return ok && err == nil && l >= 0 && l < L && (suffix == "attn.bias" || suffix == "attn.masked_bias")
}

// readWeights fills m's parameters from st.
func readWeights(st *stFile, m *engine.Model) error {
	file := filepath.Base(st.name)
	// The file's names, without the prefix, back to what the file says.
	byName := map[string]string{}
	for _, name := range st.names() {
		short := strings.TrimPrefix(name, "transformer.")
		if prev, dup := byName[short]; dup {
			return fmt.Errorf("%s: tensors %q and %q are the same weight; keep one: %w", file, prev, name, ErrTensor)
		}
		byName[short] = name
	}
	buf := make([]byte, 0, 1<<20)
	var scratch []float32
	want := map[string]bool{}
	for _, t := range gpt2Tensors(m) {
		want[t.name] = true
		name, ok := byName[t.name]
		if !ok {
			return fmt.Errorf("%s: tensor %q (or %q) is missing for a model with %d layers: %w", file, "transformer."+t.name, t.name, m.Config.Layers, ErrTensor)
		}
		e := st.entries[name]
		if !equalShape(e.Shape, t.shape) {
			return fmt.Errorf("%s: tensor %q has shape %v but config.json (n_embd %d, vocab_size %d, n_positions %d) implies %v: %w",
				file, name, e.Shape, m.Config.Embd, m.Config.VocabSize, m.Config.Context, t.shape, ErrTensor)
		}
		if !t.conv1d {
			if err := st.read(name, t.dst, &buf); err != nil {
				return err
			}
			continue
		}
		if cap(scratch) < len(t.dst) {
			scratch = make([]float32, len(t.dst))
		}
		s := scratch[:len(t.dst)]
		if err := st.read(name, s, &buf); err != nil {
			return err
		}
		transpose(t.dst, s, int(t.shape[0]), int(t.shape[1]))
	}
	for short, name := range byName {
		switch {
		case want[short], isBuffer(short, m.Config.Layers):
		case short == "lm_head.weight":
			if err := checkTied(st, name, m, &buf); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%s: unexpected tensor %q; lmlab's GPT-2 with %d layers has no such weight: %w", file, name, m.Config.Layers, ErrTensor)
		}
	}
	return nil
}

// checkTied accepts a stored lm_head.weight only when it equals wte.
func checkTied(st *stFile, name string, m *engine.Model, buf *[]byte) error {
	e := st.entries[name]
	wte := m.Params.WTE
	if !equalShape(e.Shape, []int64{int64(m.Config.VocabSize), int64(m.Config.Embd)}) {
		return fmt.Errorf("%s: tensor %q has shape %v, not wte's: %w", filepath.Base(st.name), name, e.Shape, ErrTensor)
	}
	head := make([]float32, min(len(wte), 1<<16))
	for from := 0; from < len(wte); from += len(head) {
		chunk := head[:min(len(head), len(wte)-from)]
		if err := st.readFrom(name, int64(from), chunk, buf); err != nil {
			return err
		}
		if i := firstDiff(chunk, wte[from:]); i >= 0 {
			return &ConfigError{Key: "tie_word_embeddings", Value: "true", err: ErrUnsupported,
				Reason: fmt.Sprintf("but %s holds an lm_head.weight that differs from wte (element %d); lmlab's head is tied", filepath.Base(st.name), from+i)}
		}
	}
	return nil
}

// firstDiff is the first index where a and b (at least as long) differ, or -1.
func firstDiff(a, b []float32) int {
	for i, v := range a {
		if v != b[i] {
			return i
		}
	}
	return -1
}

func equalShape(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
