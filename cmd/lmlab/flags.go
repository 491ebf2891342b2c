package main

import (
	"flag"
	"fmt"
	"io"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/samples"
)

// trainFlags are the training flags `lmlab train`, `lmlab finetune` and the
// workbench share. Overrides apply only when the flag was given, so a
// preset's value is never replaced by a flag's default.
type trainFlags struct {
	fs        *flag.FlagSet
	data      samples.Specs
	field     string
	maxBytes  int64
	tokenizer string
	pattern   string
	preset    string
	ckpt      string
	resume    string

	steps, seed, layers, heads, embd, context, batch, accum, warmup *int
	evalEvery, evalWindows                                          *int
	lr, minLR, wd, clip, dropout, beta2                             *float64
}

func addTrainFlags(fs *flag.FlagSet) *trainFlags {
	f := &trainFlags{fs: fs}
	fs.Var(&f.data, "data", "training data: FILE, DIR/, JSONL, - (stdin) or sample:NAME, each with an optional :WEIGHT (repeatable; default "+lab.DefaultData+")")
	fs.StringVar(&f.field, "field", "", "JSONL field that holds the text (default text); given with --data -, stdin is read as JSONL")
	fs.Int64Var(&f.maxBytes, "max-bytes", samples.DefaultMaxBytes, "refuse to read more than this many bytes of data (a guard against --data /)")
	fs.StringVar(&f.tokenizer, "tokenizer", "", "tokenizer: char, word, bpe:N, tiktoken:FILE, hf:FILE, ckpt:FILE (default: the sample's, else char)")
	fs.StringVar(&f.pattern, "pattern", "", "split pattern for bpe:N and tiktoken: gpt2, cl100k, o200k or a regex")
	fs.StringVar(&f.preset, "preset", "", "model preset: "+fmt.Sprint(engine.PresetNames())+" (default: the sample's, else tiny)")
	fs.StringVar(&f.resume, "resume", "", "continue the run saved in this checkpoint (optimizer and data position included)")
	f.steps = fs.Int("steps", 0, "optimizer steps in the run; the learning-rate schedule spans them (default: the preset's)")
	f.seed = fs.Int("seed", 0, "random seed for initialisation, batches and dropout (default: the preset's, 1337)")
	f.layers = fs.Int("layers", 0, "transformer blocks (n_layer)")
	f.heads = fs.Int("heads", 0, "attention heads per block (n_head)")
	f.embd = fs.Int("embd", 0, "channels (n_embd)")
	f.context = fs.Int("context", 0, "context length in tokens (block_size)")
	f.batch = fs.Int("batch", 0, "sequences per micro-batch")
	f.accum = fs.Int("accum", 0, "micro-batches per optimizer step (gradient accumulation)")
	f.warmup = fs.Int("warmup", -1, "linear warmup steps")
	f.evalEvery = fs.Int("eval-every", -1, "steps between validation passes (0: only at the end)")
	f.evalWindows = fs.Int("eval-windows", -1, "cap on validation windows in periodic passes (0: all; the final pass always uses all)")
	f.lr = fs.Float64("lr", 0, "peak learning rate")
	f.minLR = fs.Float64("min-lr", -1, "learning rate at the end of the cosine decay (default: the preset's, lr/10)")
	f.wd = fs.Float64("weight-decay", -1, "AdamW weight decay on 2-D weights")
	f.clip = fs.Float64("grad-clip", -1, "clip the global gradient norm to this (0: off)")
	f.dropout = fs.Float64("dropout", -1, "dropout on embeddings and residual branches")
	f.beta2 = fs.Float64("beta2", -1, "AdamW beta2")
	return f
}

// addCkptFlag registers --ckpt with the meaning it has for training commands.
func (f *trainFlags) addCkptFlag(usage string) { f.fs.StringVar(&f.ckpt, "ckpt", "", usage) }

// options turns the parsed flags into session options.
func (f *trainFlags) options(stdin io.Reader) lab.Options {
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	field := f.field
	return lab.Options{
		Data: f.data, Field: field, MaxBytes: f.maxBytes, Tokenizer: f.tokenizer, Pattern: f.pattern,
		Preset: f.preset, Init: f.ckpt, Resume: f.resume, Stdin: stdin,
		Adjust: func(c *engine.Config, tc *engine.TrainConfig) error {
			setInt := func(name string, dst *int, v *int) {
				if set[name] {
					*dst = *v
				}
			}
			setFloat := func(name string, dst *float64, v *float64) {
				if set[name] {
					*dst = *v
				}
			}
			setInt("layers", &c.Layers, f.layers)
			setInt("heads", &c.Heads, f.heads)
			setInt("embd", &c.Embd, f.embd)
			if set["context"] {
				c.Context, tc.Context = *f.context, *f.context
			}
			setFloat("dropout", &c.Dropout, f.dropout)
			setInt("steps", &tc.Steps, f.steps)
			if set["seed"] {
				tc.Seed = uint64(*f.seed)
			}
			setInt("batch", &tc.Batch, f.batch)
			setInt("accum", &tc.GradAccum, f.accum)
			setInt("warmup", &tc.Warmup, f.warmup)
			setInt("eval-every", &tc.EvalEvery, f.evalEvery)
			setInt("eval-windows", &tc.EvalWindows, f.evalWindows)
			if set["lr"] {
				tc.LR = *f.lr
				if !set["min-lr"] {
					tc.MinLR = *f.lr / 10
				}
			}
			setFloat("min-lr", &tc.MinLR, f.minLR)
			setFloat("weight-decay", &tc.WeightDecay, f.wd)
			setFloat("grad-clip", &tc.GradClip, f.clip)
			setFloat("beta2", &tc.Beta2, f.beta2)
			return nil
		},
	}
}
