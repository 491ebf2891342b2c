package hf

import (
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/tokenizer"
)

// gpt2JSON is a valid config.json for a tiny model; tests edit a copy.
func gpt2JSON() map[string]any {
	return map[string]any{"model_type": "gpt2", "vocab_size": 40, "n_positions": 16, "n_embd": 16,
		"n_layer": 2, "n_head": 4, "n_inner": nil, "activation_function": "gelu_new",
		"layer_norm_epsilon": 1e-5, "resid_pdrop": 0.0, "scale_attn_weights": true,
		"scale_attn_by_inverse_layer_idx": false, "reorder_and_upcast_attn": false, "tie_word_embeddings": true}
}

// TestConfigErrors: every config.json value lmlab cannot honour is a
// *ConfigError naming the key, wrapping ErrUnsupported; a missing shape key
// is a *ConfigError too, but not ErrUnsupported.
func TestConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		key         string
		value       any
		unsupported bool
	}{
		{"activation_function", "relu", true},
		{"activation_function", "gelu", true},
		{"scale_attn_by_inverse_layer_idx", true, true},
		{"reorder_and_upcast_attn", true, true},
		{"layer_norm_epsilon", 1e-6, true},
		{"tie_word_embeddings", false, true},
		{"n_inner", 32, true},
		{"scale_attn_weights", false, true},
		{"add_cross_attention", true, true},
		{"model_type", "llama", true},
		{"n_layer", nil, false},
		{"vocab_size", nil, false},
		{"n_head", "four", false},
	} {
		t.Run(tc.key, func(t *testing.T) {
			c := gpt2JSON()
			if tc.value == nil {
				delete(c, tc.key)
			} else {
				c[tc.key] = tc.value
			}
			data, _ := json.Marshal(c)
			_, err := parseConfig(data)
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("parseConfig: %v, want a *ConfigError", err)
			}
			if ce.Key != tc.key {
				t.Errorf("Key: got %q, want %q (%v)", ce.Key, tc.key, err)
			}
			if got := errors.Is(err, ErrUnsupported); got != tc.unsupported {
				t.Errorf("errors.Is(ErrUnsupported): got %v, want %v (%v)", got, tc.unsupported, err)
			}
			if !strings.Contains(err.Error(), tc.key) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line naming %s", err, tc.key)
			}
		})
	}
}

// TestConfigAccepted: GPT-2's own values, and the equivalent ones, load.
func TestConfigAccepted(t *testing.T) {
	for _, edit := range []map[string]any{
		{},
		{"n_inner": 64}, // 4·n_embd, spelled out
		{"activation_function": "gelu_pytorch_tanh"},
		{"n_positions": nil, "n_ctx": 16},
		{"resid_pdrop": nil}, // transformers' default, 0.1
	} {
		c := gpt2JSON()
		for k, v := range edit {
			if v == nil {
				delete(c, k)
			} else {
				c[k] = v
			}
		}
		data, _ := json.Marshal(c)
		cfg, err := parseConfig(data)
		if err != nil {
			t.Errorf("%v: %v", edit, err)
			continue
		}
		want := engine.Config{VocabSize: 40, Context: 16, Layers: 2, Heads: 4, Embd: 16}
		if _, ok := edit["resid_pdrop"]; ok {
			want.Dropout = 0.1
		}
		if cfg != want {
			t.Errorf("%v: got %+v, want %+v", edit, cfg, want)
		}
	}
}

// smallModel is a random model and a char tokenizer of the same vocabulary.
func smallModel(t *testing.T) (*engine.Checkpoint, tokenizer.Tokenizer) {
	t.Helper()
	tok, err := tokenizer.NewChar("hello world, the quick brown fox jumps over the lazy dog!", false)
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{VocabSize: tok.VocabSize(), Context: 12, Layers: 2, Heads: 2, Embd: 8}
	m := engine.NewModel(cfg, 7)
	for i := range m.Params.LN1B { // non-trivial biases, so a layout slip shows
		m.Params.LN1B[i] = float32(i%5) * 0.01
	}
	return &engine.Checkpoint{Config: cfg, Params: m.Arena()}, tok
}

// logProbs runs ids through m and returns log p(next) at every position.
func logProbs(m *engine.Model, ids []int32) [][]float64 {
	m.Forward(ids, nil, 1, len(ids))
	out := make([][]float64, len(ids))
	for i := range ids {
		for _, p := range m.Probs(0, i) {
			out[i] = append(out[i], math.Log(float64(p)))
		}
	}
	return out
}

// TestExportHFRoundTrip: a model exported in the Hugging Face layout and
// loaded back has the same weights bit for bit, the same log-probabilities,
// and a tokenizer that encodes the same ids; for byte-level BPE through
// tokenizer.json, for char through lmlab-tokenizer.json.
func TestExportHFRoundTrip(t *testing.T) {
	ck, char := smallModel(t)
	bpe, err := tokenizer.TrainBPE(strings.Repeat("the quick brown fox jumps over the lazy dog. ", 30), tokenizer.TrainOptions{VocabSize: 280, Pattern: "gpt2", Special: []string{"<|endoftext|>"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []tokenizer.Tokenizer{char, bpe} {
		t.Run(tok.Name(), func(t *testing.T) {
			cfg := ck.Config
			cfg.VocabSize = tok.VocabSize()
			m := engine.NewModel(cfg, 3)
			src := &engine.Checkpoint{Config: cfg, Params: m.Arena()}
			dir := filepath.Join(t.TempDir(), "out")
			if err := Export(src, tok, "hf", dir, false); err != nil {
				t.Fatal(err)
			}
			if !IsDir(dir) {
				t.Fatal("IsDir: false for an export")
			}
			back, btok, err := Load(dir, "")
			if err != nil {
				t.Fatal(err)
			}
			if back.Config != cfg {
				t.Errorf("config: got %+v, want %+v", back.Config, cfg)
			}
			if !slices.Equal(back.Params, src.Params) {
				t.Error("weights differ after export and import")
			}
			if back.Train != nil {
				t.Error("Train: want nil (weights only)")
			}
			text := "the lazy dog, hello fox!"
			if got, want := btok.Encode(text), tok.Encode(text); !slices.Equal(got, want) {
				t.Errorf("tokenizer ids: got %v, want %v", got, want)
			}
			ids := engine.IDs(tok.Encode(text))[:cfg.Context]
			got, want := logProbs(back.Model(), ids), logProbs(src.Model(), ids)
			for i := range want {
				if !slices.Equal(got[i], want[i]) {
					t.Fatalf("position %d: log-probs differ", i)
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "README.md")); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestExportRefusesToClobber: a non-empty output directory is ErrExists and
// left untouched without force; with force it is replaced; a file in the
// way is an error even with force; an empty directory is used.
func TestExportRefusesToClobber(t *testing.T) {
	ck, tok := smallModel(t)
	base := t.TempDir()
	dir := filepath.Join(base, "mine")
	os.Mkdir(dir, 0o755)
	keep := filepath.Join(dir, "notes.txt")
	os.WriteFile(keep, []byte("my notes"), 0o644)
	for _, format := range Formats {
		err := Export(ck, tok, format, dir, false)
		if !errors.Is(err, ErrExists) {
			t.Fatalf("%s: Export into a non-empty dir: %v, want ErrExists", format, err)
		}
		if b, _ := os.ReadFile(keep); string(b) != "my notes" {
			t.Fatalf("%s: the user's file was touched", format)
		}
	}
	if err := Export(ck, tok, "hf", dir, true); err != nil {
		t.Fatalf("--force: %v", err)
	}
	if _, err := os.Stat(keep); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("--force: old contents remain (%v)", err)
	}
	if !IsDir(dir) {
		t.Error("--force: no export in the directory")
	}
	file := filepath.Join(base, "afile")
	os.WriteFile(file, []byte("x"), 0o644)
	if err := Export(ck, tok, "hf", file, true); err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Errorf("export over a file: %v", err)
	}
	empty := filepath.Join(base, "empty")
	os.Mkdir(empty, 0o755)
	if err := Export(ck, tok, "nanogpt", empty, false); err != nil {
		t.Errorf("export into an empty dir: %v", err)
	}
	if err := Export(ck, tok, "onnx", filepath.Join(base, "x"), false); !errors.Is(err, ErrFormat) {
		t.Errorf("unknown format: %v, want ErrFormat", err)
	}
	left, _ := filepath.Glob(filepath.Join(base, ".*"))
	if len(left) > 0 {
		t.Errorf("temporary directories left behind: %v", left)
	}
}

// editExport exports a small model and lets edit change the directory.
func editExport(t *testing.T, edit func(dir string)) (*engine.Checkpoint, error) {
	t.Helper()
	ck, tok := smallModel(t)
	dir := filepath.Join(t.TempDir(), "m")
	if err := Export(ck, tok, "hf", dir, false); err != nil {
		t.Fatal(err)
	}
	edit(dir)
	back, _, err := Load(dir, "")
	return back, err
}

// rewriteTensors reads dir's model.safetensors, lets edit change the
// tensors, and writes it back.
func rewriteTensors(t *testing.T, dir string, edit func(ts map[string]outTensor)) {
	t.Helper()
	st, err := openSafetensors(filepath.Join(dir, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	ts := map[string]outTensor{}
	buf := make([]byte, 0, 1<<16)
	for _, name := range st.names() {
		e := st.entries[name]
		n := int64(1)
		for _, d := range e.Shape {
			n *= d
		}
		data := make([]float32, n)
		if err := st.read(name, data, &buf); err != nil {
			t.Fatal(err)
		}
		ts[name] = outTensor{name, e.Shape, data}
	}
	st.Close()
	edit(ts)
	var list []outTensor
	for _, v := range ts {
		list = append(list, v)
	}
	f, _ := os.Create(filepath.Join(dir, "model.safetensors"))
	defer f.Close()
	if err := writeSafetensors(f, list, nil); err != nil {
		t.Fatal(err)
	}
}

// TestLoadErrors: what is wrong with a directory is a named error.
func TestLoadErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(t *testing.T, dir string)
		is   error
		want string
	}{
		{"missing tensor", func(t *testing.T, dir string) {
			rewriteTensors(t, dir, func(ts map[string]outTensor) { delete(ts, "transformer.h.1.ln_2.bias") })
		}, ErrTensor, `"transformer.h.1.ln_2.bias" (or "h.1.ln_2.bias") is missing`},
		{"unexpected tensor", func(t *testing.T, dir string) {
			rewriteTensors(t, dir, func(ts map[string]outTensor) {
				ts["transformer.h.2.ln_1.weight"] = outTensor{"transformer.h.2.ln_1.weight", []int64{8}, make([]float32, 8)}
			})
		}, ErrTensor, `unexpected tensor "transformer.h.2.ln_1.weight"`},
		{"wrong shape", func(t *testing.T, dir string) {
			rewriteTensors(t, dir, func(ts map[string]outTensor) {
				ts["transformer.wpe.weight"] = outTensor{"transformer.wpe.weight", []int64{8, 12}, ts["transformer.wpe.weight"].data}
			})
		}, ErrTensor, `"transformer.wpe.weight" has shape [8 12]`},
		{"same weight twice", func(t *testing.T, dir string) {
			rewriteTensors(t, dir, func(ts map[string]outTensor) {
				ts["ln_f.bias"] = outTensor{"ln_f.bias", []int64{8}, ts["transformer.ln_f.bias"].data}
			})
		}, ErrTensor, "the same weight"},
		{"untied head", func(t *testing.T, dir string) {
			rewriteTensors(t, dir, func(ts map[string]outTensor) {
				w := ts["transformer.wte.weight"]
				head := slices.Clone(w.data)
				head[5]++
				ts["lm_head.weight"] = outTensor{"lm_head.weight", w.shape, head}
			})
		}, ErrUnsupported, "differs from wte (element 5)"},
		{"no tokenizer", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "lmlab-tokenizer.json")) }, ErrNoTokenizer, "--tokenizer"},
		{"vocab mismatch", func(t *testing.T, dir string) {
			c, _ := tokenizer.NewChar("abc", false)
			b, _ := tokenizer.Marshal(c)
			os.WriteFile(filepath.Join(dir, "lmlab-tokenizer.json"), b, 0o644)
		}, ErrVocabMismatch, "has 3 ids"},
		{"truncated safetensors", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "model.safetensors")
			st, _ := os.Stat(p)
			os.Truncate(p, st.Size()-4)
		}, nil, "truncated"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := editExport(t, func(dir string) { tc.edit(t, dir) })
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %q is not %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q: want one line containing %q", err, tc.want)
			}
		})
	}
}

// TestLoadTiedHeadAndBuffers: a stored lm_head.weight equal to wte, the
// attention buffers and names without the prefix load as the same model.
func TestLoadTiedHeadAndBuffers(t *testing.T) {
	ck, _ := smallModel(t)
	back, err := editExport(t, func(dir string) {
		rewriteTensors(t, dir, func(ts map[string]outTensor) {
			for name, v := range ts {
				delete(ts, name)
				short := strings.TrimPrefix(name, "transformer.")
				ts[short] = outTensor{short, v.shape, v.data}
			}
			w := ts["wte.weight"]
			ts["lm_head.weight"] = outTensor{"lm_head.weight", w.shape, w.data}
			ts["h.0.attn.bias"] = outTensor{"h.0.attn.bias", []int64{1, 1, 12, 12}, make([]float32, 144)}
			ts["h.1.attn.masked_bias"] = outTensor{"h.1.attn.masked_bias", []int64{}, []float32{-1e4}}
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back.Params, ck.Params) {
		t.Error("weights differ")
	}
}

// TestHalfToFloat: binary16 values convert exactly.
func TestHalfToFloat(t *testing.T) {
	for _, tc := range []struct {
		h    uint16
		want float32
	}{
		{0x0000, 0}, {0x3c00, 1}, {0xc000, -2}, {0x3555, 0.333251953125}, {0x7bff, 65504},
		{0x0001, 5.9604645e-08}, {0x8001, -5.9604645e-08}, {0x0400, 6.1035156e-05},
		{0x7c00, float32(math.Inf(1))}, {0xfc00, float32(math.Inf(-1))},
	} {
		if got := halfToFloat(tc.h); got != tc.want {
			t.Errorf("halfToFloat(%#04x): got %g, want %g", tc.h, got, tc.want)
		}
	}
	if v := halfToFloat(0x7e00); v == v {
		t.Errorf("halfToFloat(0x7e00): got %g, want NaN", v)
	}
}
