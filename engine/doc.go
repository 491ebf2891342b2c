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
//	m.Backward(1)
//
// What a user can get wrong is refused at the door with an error that names
// the flag and the fix, and typed so callers check it with errors.As:
// Config.Validate, TrainConfig.Validate and SampleOptions.Validate return a
// *ConfigError (NaN and Inf included, and shapes whose sizes would overflow);
// CheckMemory returns a *MemoryError for a run that would not fit, from
// EstimateMemory; LoadCheckpoint returns a *NonFiniteError for a tensor
// holding NaN or Inf, and Checkpoint.CheckVocab a *VocabError. A training
// step whose loss or gradient is not finite is not applied: Trainer.Step
// returns a *DivergedError and the model stays at the last good step.
// Evaluation can be interrupted through a context (Trainer.EvaluateContext).
// NaN is never used as a signal: Eval reports "no windows" as 0 tokens.
package engine
