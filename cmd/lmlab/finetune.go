package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/samples"
	"lmlab/tokenizer"
)

func runFinetune(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("finetune", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab finetune --ckpt BASE --data DOMAIN [--steps N] [--lr LR] [--freeze-embeddings] [--freeze-layers K] --out FT [--json]")
		fmt.Fprintln(stderr, "Continue a pretrained checkpoint on domain data with its tokenizer and a fresh schedule,")
		fmt.Fprintln(stderr, "then compare base and fine-tuned: domain and original validation loss, and probe predictions.")
		fs.PrintDefaults()
	}
	tf := addTrainFlags(fs)
	tf.addCkptFlag("the pretrained base checkpoint (required)")
	out := fs.String("out", "", "where to save the fine-tuned checkpoint (required)")
	freezeEmb := fs.Bool("freeze-embeddings", false, "keep token and position embeddings (and so the tied LM head) fixed")
	freezeLayers := intVar(fs, "freeze-layers", 0, "keep the first K transformer blocks fixed", 0, engine.MaxLayers)
	var probes samples.Specs
	fs.Var(&probes, "probe", "a prompt to compare base and fine-tuned predictions on (repeatable; default: taken from the domain data)")
	asJSON := fs.Bool("json", false, "print one JSON object per line on stdout; the last is the before/after report")
	runsDir := addRunsFlag(fs)
	if code, err := tf.parse(args, stderr, hint("finetune")); err != nil {
		return code
	}
	switch {
	case tf.ckpt == "":
		return fail(stderr, "finetune", errors.New("--ckpt is required: the pretrained base checkpoint"))
	case *out == "":
		return fail(stderr, "finetune", errors.New("--out is required: where to save the fine-tuned checkpoint"))
	case len(tf.data) == 0:
		return fail(stderr, "finetune", errors.New("--data is required: the domain data to fine-tune on"))
	case tf.resume != "":
		return fail(stderr, "finetune", errors.New("--resume continues a run; use lmlab train --resume for that"))
	}
	var err error
	if *out, err = tf.guardOut(*out, tf.data, stdin); err != nil {
		return fail(stderr, "finetune", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	opt := tf.options(stdin)
	adjust := opt.Adjust
	var runCfg engine.Config // the run's shape and recipe, once Adjust has settled them
	var runTC engine.TrainConfig
	opt.Adjust = func(c *engine.Config, tc *engine.TrainConfig) error {
		// A fine-tune is a short new run: 300 steps unless told, a short
		// warmup, evaluation at the end only.
		tc.Steps, tc.Warmup, tc.EvalEvery = 300, 30, 0
		if err := adjust(c, tc); err != nil {
			return err
		}
		tc.Warmup = min(tc.Warmup, tc.Steps/5)
		tc.FreezeEmbeddings, tc.FreezeLayers = *freezeEmb, *freezeLayers
		runCfg, runTC = *c, *tc
		return nil
	}
	s, err := lab.Open(opt)
	if err != nil {
		return fail(stderr, "finetune", memoryAdvice(err, tf.ckpt, runCfg, runTC))
	}
	tc := s.Trainer.Cfg
	// The header and the memory estimate, before the base is evaluated and
	// the first step allocates gradients, moments and activations; with
	// --json the estimate goes to stderr.
	if *asJSON {
		fmt.Fprintf(stderr, "lmlab finetune: %s\n", memoryLine(runCfg, runTC))
	} else {
		fmt.Fprintf(stdout, "fine-tuning %s on %s for %d steps (lr %.2g", tf.ckpt, strings.Join(s.DataSpecs, ", "), tc.Steps, tc.LR)
		if tc.FreezeEmbeddings {
			fmt.Fprint(stdout, ", embeddings frozen")
		}
		if tc.FreezeLayers > 0 {
			fmt.Fprintf(stdout, ", first %d blocks frozen", tc.FreezeLayers)
		}
		fmt.Fprintln(stdout, ")")
		fmt.Fprintln(stdout, memoryLine(runCfg, runTC))
	}
	base := s.Checkpoint // loaded once, by the session
	// The session's trainer has its own copy of the weights, so the base
	// model takes the checkpoint's arena over instead of copying it again.
	baseModel := base.TakeModel()
	warn := func(format string, a ...any) {
		fmt.Fprintf(stderr, "lmlab finetune: "+format+"\n", a...)
	}
	// How much of the domain data the base tokenizer cannot represent.
	var domainText strings.Builder
	for _, src := range s.Corpus.Enabled() {
		domainText.WriteString(src.TrainText)
		domainText.WriteString(src.ValText)
	}
	if unk := tokenizer.Unknown(s.Tokenizer, domainText.String()); len(unk) > 0 {
		warn("%d of %d characters of the domain data are outside the base model's tokenizer and are left out (first %s at byte %d)",
			len(unk), len([]rune(domainText.String())), unk[0], unk[0].Offset)
	}
	origVal, origName := originalVal(base, s.Tokenizer, stdin)
	if origVal == nil && origName != "" {
		warn("cannot reload the base model's data %s, so forgetting is not measured", origName)
	}
	if len(probes) == 0 {
		probes = lab.ProbePrompts(s.Corpus)
	}

	evalLoss := func(m *engine.Model, ids []int32) *float64 {
		if ids == nil {
			return nil
		}
		l, n := m.Eval(ids, tc.Context, tc.Batch, 0)
		if n == 0 {
			return nil
		}
		l = round4(l)
		return &l
	}
	rep := finetuneReport{}
	rep.DomainVal.Base = evalLoss(baseModel, s.Data.Val)
	rep.OriginalVal.Base = evalLoss(baseModel, origVal)

	ctx, stop := interruptContext()
	defer stop()
	r := &trainReport{w: stdout, json: *asJSON, tty: !*asJSON && isTerminal(stdout)}
	r.log = openRunLog(*runsDir, s, *out, stderr, "finetune")
	if code := trainLoop(ctx, s, r, *out, 0, stderr); code != 0 {
		return code
	}
	ft := s.Trainer.Model
	rep.DomainVal.Finetuned = evalLoss(ft, s.Data.Val)
	rep.OriginalVal.Finetuned = evalLoss(ft, origVal)
	for _, p := range probes {
		ids := s.Encode(p)
		if len(ids) == 0 {
			continue
		}
		rep.Probes = append(rep.Probes, probeResult{Prompt: p,
			Base:      topTokens(s.Tokenizer, engine.TopK(baseModel.NextProbs(ids), 5)),
			Finetuned: topTokens(s.Tokenizer, engine.TopK(ft.NextProbs(ids), 5))})
	}
	if *asJSON {
		jsonLine(stdout, rep)
		return 0
	}
	printFinetuneReport(stdout, rep)
	return 0
}

// memoryLine is the memory estimate a fine-tune prints before it starts:
// the total and the parts a user can and cannot change.
func memoryLine(c engine.Config, tc engine.TrainConfig) string {
	u := engine.EstimateMemoryUse(c, tc)
	return fmt.Sprintf("memory: about %s for %s parameters (weights, gradients and AdamW moments %s; activations of a %d × %d batch %s)",
		engine.FormatBytes(u.Total()), thousands(c.NumParams()), engine.FormatBytes(u.Weights+u.Vocab),
		tc.Batch, tc.Context, engine.FormatBytes(u.Attention+u.Acts))
}

// memoryAdvice rewrites CheckMemory's refusal for a fine-tune, whose shape
// the checkpoint fixes: --embd, --layers and the vocabulary cannot be
// lowered, so it says what the weights alone take and what can still shrink.
// Any other error comes back as it is; the *engine.MemoryError stays
// reachable with errors.As.
func memoryAdvice(err error, ckpt string, c engine.Config, tc engine.TrainConfig) error {
	var me *engine.MemoryError
	if !errors.As(err, &me) || c.Layers == 0 {
		return err
	}
	u := engine.EstimateMemoryUse(c, tc)
	fixed := u.Weights + u.Vocab
	if fixed+fixed/8 >= me.Limit { // the allocator's margin, as EstimateMemory adds it
		return &memoryAdviceError{err: err, msg: fmt.Sprintf("fine-tuning %s needs about %s but %s is available: its %s parameters with their gradients and AdamW moments alone take %s, whatever --batch and --context are; run it on a machine with more free memory",
			ckpt, engine.FormatBytes(me.Need), engine.FormatBytes(me.Limit), thousands(c.NumParams()), engine.FormatBytes(fixed))}
	}
	return &memoryAdviceError{err: err, msg: fmt.Sprintf("fine-tuning %s with a %d × %d batch needs about %s but %s is available; lower --batch or --context (the %s parameters with their gradients and AdamW moments take %s of it, fixed by the checkpoint)",
		ckpt, tc.Batch, tc.Context, engine.FormatBytes(me.Need), engine.FormatBytes(me.Limit), thousands(c.NumParams()), engine.FormatBytes(fixed))}
}

// memoryAdviceError is a *engine.MemoryError told for a fine-tune.
type memoryAdviceError struct {
	msg string
	err error // the *engine.MemoryError
}

func (e *memoryAdviceError) Error() string { return e.msg }
func (e *memoryAdviceError) Unwrap() error { return e.err }

// finetuneReport is the before/after comparison, the last line of
// `lmlab finetune --json`. A loss is null when it could not be measured.
type finetuneReport struct {
	DomainVal   lossPair      `json:"domain_val_loss"`
	OriginalVal lossPair      `json:"original_val_loss"`
	Probes      []probeResult `json:"probes"`
}

type lossPair struct {
	Base      *float64 `json:"base"`
	Finetuned *float64 `json:"finetuned"`
}

type probeResult struct {
	Prompt    string      `json:"prompt"`
	Base      []jsonToken `json:"base"`
	Finetuned []jsonToken `json:"finetuned"`
}

func topTokens(tok tokenizer.Tokenizer, ps []engine.Prediction) []jsonToken {
	out := make([]jsonToken, len(ps))
	for i, p := range ps {
		out[i] = jsonToken{int(p.ID), tokenText(tok, int(p.ID)), float32(round4(float64(p.Prob)))}
	}
	return out
}

// originalVal reloads the validation split of the data the base model was
// trained on (named in its checkpoint) and encodes it with the tokenizer.
// It returns nil and the data's name when that fails.
func originalVal(base *engine.Checkpoint, tok tokenizer.Tokenizer, stdin io.Reader) ([]int32, string) {
	var specs []string
	if err := json.Unmarshal([]byte(base.Meta["data"]), &specs); err != nil || len(specs) == 0 {
		return nil, ""
	}
	for _, sp := range specs {
		if sp == "-" {
			return nil, "(stdin)"
		}
	}
	c, err := samples.Load(specs, samples.Options{Stdin: stdin})
	if err != nil {
		return nil, strings.Join(specs, ", ")
	}
	return engine.IDs(tok.Encode(c.ValText())), strings.Join(specs, ", ")
}

func printFinetuneReport(w io.Writer, r finetuneReport) {
	f := func(x *float64) string {
		if x == nil {
			return "    n/a"
		}
		return fmt.Sprintf("%7.4f", *x)
	}
	change := func(p lossPair) string {
		if p.Base == nil || p.Finetuned == nil || *p.Base == 0 {
			return ""
		}
		return fmt.Sprintf("%+6.1f%%", 100*(*p.Finetuned-*p.Base) / *p.Base)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-20s %9s %11s %8s\n", "", "base", "fine-tuned", "change")
	fmt.Fprintf(w, "%-20s %9s %11s %8s\n", "domain val loss", f(r.DomainVal.Base), f(r.DomainVal.Finetuned), change(r.DomainVal))
	fmt.Fprintf(w, "%-20s %9s %11s %8s  (forgetting)\n", "original val loss", f(r.OriginalVal.Base), f(r.OriginalVal.Finetuned), change(r.OriginalVal))
	col := func(ts []jsonToken, i int) string {
		if i >= len(ts) {
			return ""
		}
		return fmt.Sprintf("%-12s %5.1f%%", fmt.Sprintf("%q", ts[i].Text), ts[i].Prob*100)
	}
	for _, p := range r.Probes {
		fmt.Fprintf(w, "\nprobe %q → next token\n", p.Prompt)
		fmt.Fprintf(w, "  %-22s %s\n", "base", "fine-tuned")
		for i := 0; i < max(len(p.Base), len(p.Finetuned)); i++ {
			fmt.Fprintf(w, "  %-22s %s\n", col(p.Base, i), col(p.Finetuned, i))
		}
	}
}
