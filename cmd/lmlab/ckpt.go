package main

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"lmlab/engine"
	"lmlab/tokenizer"
)

// loadModel reads a checkpoint and rebuilds its model and tokenizer.
func loadModel(path string) (*engine.Checkpoint, *engine.Model, tokenizer.Tokenizer, error) {
	if path == "" {
		return nil, nil, nil, errors.New("--ckpt is required: the checkpoint to load (lmlab train --out writes one)")
	}
	ck, err := engine.LoadCheckpoint(path)
	if err != nil {
		return nil, nil, nil, err
	}
	if ck.Tokenizer == nil {
		return nil, nil, nil, fmt.Errorf("checkpoint %s has no tokenizer in its metadata", path)
	}
	tok, err := tokenizer.Unmarshal(ck.Tokenizer)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("checkpoint %s: tokenizer: %w", path, err)
	}
	if tok.VocabSize() != ck.Config.VocabSize {
		return nil, nil, nil, fmt.Errorf("checkpoint %s: tokenizer has %d tokens but the model %d", path, tok.VocabSize(), ck.Config.VocabSize)
	}
	return ck, ck.Model(), tok, nil
}

// tokenText is how a token is shown in tables: its text when that is valid
// UTF-8 on its own, else its bytes as <0xNN>.
func tokenText(tok tokenizer.Tokenizer, id int) string {
	b := tok.TokenBytes(id)
	if !utf8.Valid(b) {
		s := ""
		for _, c := range b {
			s += fmt.Sprintf("<0x%02X>", c)
		}
		return s
	}
	return string(b)
}
