package lab

import (
	"errors"
	"fmt"

	"lmlab/engine"
	"lmlab/engine/hf"
	"lmlab/tokenizer"
)

// ErrVocabMismatch is returned (wrapped) for a checkpoint whose tokenizer
// does not have exactly as many ids as the model's vocabulary. It is
// hf.ErrVocabMismatch, so one errors.Is covers both kinds of checkpoint.
var ErrVocabMismatch = hf.ErrVocabMismatch

// OpenCheckpoint reads a checkpoint and rebuilds its tokenizer, refusing one
// whose tokenizer and model disagree on the vocabulary size. Every command
// that reads a checkpoint goes through it. path is an lmlab checkpoint or a
// Hugging Face GPT-2 directory (config.json + model.safetensors); tokSpec
// is --tokenizer, which only such a directory takes ("": its own
// tokenizer.json, or vocab.json + merges.txt).
func OpenCheckpoint(path, tokSpec string) (*engine.Checkpoint, tokenizer.Tokenizer, error) {
	if path == "" {
		return nil, nil, errors.New("--ckpt is required: the checkpoint to load (lmlab train --out writes one)")
	}
	if hf.IsDir(path) {
		return hf.Load(path, tokSpec)
	}
	if tokSpec != "" && tokSpec != "ckpt:"+path {
		return nil, nil, fmt.Errorf("--tokenizer %s given with checkpoint %s; a model keeps the tokenizer it was trained with (--tokenizer applies to a Hugging Face directory)", tokSpec, path)
	}
	ck, err := engine.LoadCheckpoint(path)
	if err != nil {
		return nil, nil, err
	}
	if ck.Tokenizer == nil {
		return nil, nil, fmt.Errorf("checkpoint %s has no tokenizer in its metadata; it was not written by lmlab — train one with lmlab train --out", path)
	}
	tok, err := tokenizer.Unmarshal(ck.Tokenizer)
	if err != nil {
		return nil, nil, fmt.Errorf("checkpoint %s: tokenizer: %w", path, err)
	}
	if tok.VocabSize() != ck.Config.VocabSize {
		return nil, nil, fmt.Errorf("checkpoint %s: tokenizer has %d ids but the model's vocabulary is %d; the file is damaged or was assembled by hand: %w",
			path, tok.VocabSize(), ck.Config.VocabSize, ErrVocabMismatch)
	}
	return ck, tok, nil
}
