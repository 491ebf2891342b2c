package main

import (
	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/tokenizer"
)

// loadModel reads a checkpoint and rebuilds its model and tokenizer. The
// model takes the checkpoint's weights over (ck.Params is nil afterwards):
// one copy of the weights in memory, not two.
func loadModel(path string) (*engine.Checkpoint, *engine.Model, tokenizer.Tokenizer, error) {
	ck, tok, err := lab.OpenCheckpoint(path, "")
	if err != nil {
		return nil, nil, nil, err
	}
	return ck, ck.TakeModel(), tok, nil
}

// tokenText is how a token is shown in tables: its text when that is valid
// UTF-8 on its own, else its bytes as <0xNN>.
func tokenText(tok tokenizer.Tokenizer, id int) string { return tokenString(tok.TokenBytes(id)) }
