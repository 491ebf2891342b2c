package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"

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
	force     bool   // overwrite a file at --out that lmlab did not write
	maxMemory int64  // --max-memory in bytes; 0: the machine's available memory
	precision string // --precision: engine.PrecisionFP32 or engine.PrecisionBF16

	steps, seed, layers, heads, embd, context, batch, accum, warmup *int
	evalEvery, evalWindows                                          *int
	lr, minLR, wd, clip, dropout, beta2                             *float64
}

func addTrainFlags(fs *flag.FlagSet) *trainFlags {
	f := &trainFlags{fs: fs, maxBytes: samples.DefaultMaxBytes}
	fs.Var(&f.data, "data", "training data: FILE, DIR/, JSONL, - (stdin) or sample:NAME, each with an optional :WEIGHT (repeatable; default "+lab.DefaultData+")")
	fs.StringVar(&f.field, "field", "", "JSONL field that holds the text (default text); given with --data -, stdin is read as JSONL")
	fs.Var(intFlag{&f.maxBytes, 1, math.MaxInt64}, "max-bytes", "refuse to read more than this many bytes of data (a guard against --data /)")
	fs.StringVar(&f.tokenizer, "tokenizer", "", "tokenizer: char, word, bpe:N, tiktoken:FILE, hf:FILE, ckpt:FILE (default: the sample's, else char)")
	fs.StringVar(&f.pattern, "pattern", "", "split pattern for bpe:N and tiktoken: gpt2, cl100k, o200k or a regex")
	fs.StringVar(&f.preset, "preset", "", "model preset: "+fmt.Sprint(engine.PresetNames())+" (default: the sample's, else tiny)")
	fs.StringVar(&f.resume, "resume", "", "continue the run saved in this checkpoint (optimizer and data position included)")
	const maxInt = math.MaxInt
	f.steps = intVar(fs, "steps", 0, "optimizer steps in the run; the learning-rate schedule spans them (default: the preset's)", 1, 1e9)
	f.seed = intVar(fs, "seed", 0, "random seed for initialisation, batches and dropout (default: the preset's, 1337)", 0, maxInt)
	f.layers = intVar(fs, "layers", 0, "transformer blocks (n_layer)", 1, engine.MaxLayers)
	f.heads = intVar(fs, "heads", 0, "attention heads per block (n_head)", 1, engine.MaxEmbd)
	f.embd = intVar(fs, "embd", 0, "channels (n_embd)", 1, engine.MaxEmbd)
	f.context = intVar(fs, "context", 0, "context length in tokens (block_size)", 1, engine.MaxContext)
	f.batch = intVar(fs, "batch", 0, "sequences per micro-batch", 1, 1<<16)
	f.accum = intVar(fs, "accum", 0, "micro-batches per optimizer step (gradient accumulation)", 1, 1<<16)
	f.warmup = intVar(fs, "warmup", -1, "linear warmup steps", 0, 1e9)
	f.evalEvery = intVar(fs, "eval-every", -1, "steps between validation passes (0: only at the end)", 0, maxInt)
	f.evalWindows = intVar(fs, "eval-windows", -1, "cap on validation windows in periodic passes (0: all; the final pass always uses all)", 0, maxInt)
	f.lr = floatVar(fs, "lr", 0, "peak learning rate", span{min: 0, max: 10, minOpen: true})
	f.minLR = floatVar(fs, "min-lr", -1, "learning rate at the end of the cosine decay (default: the preset's, lr/10)", span{min: 0, max: 10})
	f.wd = floatVar(fs, "weight-decay", -1, "AdamW weight decay on 2-D weights", span{min: 0, max: 10})
	f.clip = floatVar(fs, "grad-clip", -1, "clip the global gradient norm to this (0: off)", atLeast(0))
	f.dropout = floatVar(fs, "dropout", -1, "dropout on embeddings and residual branches", span{min: 0, max: 1, maxOpen: true})
	f.beta2 = floatVar(fs, "beta2", -1, "AdamW beta2", span{min: 0, max: 1, maxOpen: true})
	fs.Var(precisionFlag{&f.precision}, "precision", "precision of the matrix products: `fp32|bf16`; bf16 multiplies operands rounded to bfloat16, "+
		"with float32 accumulation, weights and optimizer, as CPUs with AVX512_BF16 do; here the rounding is emulated in Go: it shows bf16's learning curve "+
		"but runs slower, the speed gain needs that kernel (default: fp32, or the resumed run's)")
	fs.Var(sizeFlag{&f.maxMemory}, "max-memory", "refuse a run whose estimated memory exceeds this: 2GiB, 512MiB, bytes (default: the machine's available memory)")
	return f
}

// addCkptFlag registers --ckpt with the meaning it has for training
// commands, and --force: the commands that take --ckpt (train, finetune,
// the workbench) are the ones that write a checkpoint to --out.
func (f *trainFlags) addCkptFlag(usage string) {
	f.fs.StringVar(&f.ckpt, "ckpt", "", usage)
	f.fs.BoolVar(&f.force, "force", false, "overwrite a file at --out that is not an lmlab checkpoint")
}

// parse parses args (one line on stderr for a wrong flag, the usage for -h)
// and checks what no single flag can: warmup within the run. A nil error
// means go on; otherwise the command exits with the returned status.
func (f *trainFlags) parse(args []string, stderr io.Writer, helpHint string) (code int, err error) {
	if err := parseFlags(f.fs, args, stderr, helpHint); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0, err
		}
		return 2, err
	}
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	if set["warmup"] && set["steps"] && *f.warmup > *f.steps {
		err := fmt.Errorf("invalid value \"%d\" for flag -warmup: longer than the run (--steps %d); give at most %d", *f.warmup, *f.steps, *f.steps)
		flagError(f.fs, stderr, err, helpHint)
		return 2, err
	}
	return 0, nil
}

// options turns the parsed flags into session options.
func (f *trainFlags) options(stdin io.Reader) lab.Options {
	set := map[string]bool{}
	f.fs.Visit(func(fl *flag.Flag) { set[fl.Name] = true })
	field := f.field
	return lab.Options{
		Data: f.data, Field: field, MaxBytes: f.maxBytes, Tokenizer: f.tokenizer, Pattern: f.pattern,
		Preset: f.preset, Init: f.ckpt, Resume: f.resume, Stdin: stdin, MaxMemory: f.maxMemory,
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
			if set["precision"] {
				// fp32 is saved as "", so an fp32 run's checkpoint is the
				// same whether --precision fp32 was given or not.
				tc.Precision = ""
				if f.precision == engine.PrecisionBF16 {
					tc.Precision = engine.PrecisionBF16
				}
			}
			return nil
		},
	}
}

// precisionFlag is --precision: fp32 or bf16, refused otherwise when parsed.
type precisionFlag struct{ p *string }

func (f precisionFlag) String() string {
	if f.p == nil || *f.p == "" {
		return ""
	}
	return *f.p
}

func (f precisionFlag) Set(s string) error {
	switch s {
	case engine.PrecisionFP32, engine.PrecisionBF16:
		*f.p = s
		return nil
	}
	return errors.New("unknown precision; use fp32 or bf16")
}
