// Package engine is lmlab's GPT: a GPT-2-style decoder-only transformer with
// hand-written forward and backward passes over one float32 parameter arena,
// AdamW, a trainer that can be driven from another goroutine, sampling,
// inspection (attention weights and top-k predictions) and safetensors
// checkpoints with nanoGPT's tensor names.
//
// The engine speaks token ids; the tokenizer travels in the checkpoint as data.
//
//	m := engine.NewModel(engine.Config{VocabSize: 65, Context: 64, Layers: 4, Heads: 4, Embd: 128}, 1337)
//	loss := m.Forward(inputs, targets, B, T)
//	m.Backward()
package engine
