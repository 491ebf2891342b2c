package hf_test

import (
	"fmt"
	"os"
	"path/filepath"

	"lmlab/engine"
	"lmlab/engine/hf"
	"lmlab/tokenizer"
)

// A model written in the Hugging Face layout loads back as the same model.
func Example() {
	tok, _ := tokenizer.NewChar("hello world", false)
	cfg := engine.Config{VocabSize: tok.VocabSize(), Context: 8, Layers: 1, Heads: 2, Embd: 8}
	m := engine.NewModel(cfg, 1)
	dir, _ := os.MkdirTemp("", "hf-example")
	defer os.RemoveAll(dir)
	out := filepath.Join(dir, "model")

	if err := hf.Export(&engine.Checkpoint{Config: cfg, Params: m.Arena()}, tok, "hf", out, false); err != nil {
		fmt.Println(err)
		return
	}
	ck, tok2, err := hf.Load(out, "")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(hf.IsDir(out), ck.Config.Layers, ck.Config.Context, tok2.Name())
	// Output: true 1 8 char
}
