package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"lmlab/engine"
	"lmlab/tokenizer"
)

func runAnatomy(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("anatomy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab anatomy --ckpt CKPT --prompt TEXT --target TOKEN [--lr X] [--json]")
		fmt.Fprintln(stderr, "Take one training step on the prompt followed by the target and show it: the target's")
		fmt.Fprintln(stderr, "probability before and after, each layer's gradient norm and update-to-weight ratio.")
		fmt.Fprintln(stderr, "The checkpoint is only read.")
		fs.PrintDefaults()
	}
	ckpt := fs.String("ckpt", "", "checkpoint to take the step from")
	prompt := fs.String("prompt", "", `the text before the target ("The cat sat on the")`)
	target := fs.String("target", "", `the next token to train towards (" mat": a word tokenizer's words carry their leading space); it must be one token`)
	lr := fs.Float64("lr", -1, "learning rate of the step (default: the checkpoint recipe's peak rate; 0 only measures)")
	asJSON := fs.Bool("json", false, "print one JSON object on stdout and nothing else")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		return fail(stderr, "anatomy", fmt.Errorf("unexpected argument %q; the text goes in --prompt and --target", fs.Arg(0)))
	}
	lrSet := false
	fs.Visit(func(f *flag.Flag) { lrSet = lrSet || f.Name == "lr" })
	if lrSet && !(*lr >= 0 && *lr <= 10) { // also NaN
		return fail(stderr, "anatomy", fmt.Errorf("--lr %g is out of range [0, 10]", *lr))
	}
	ck, m, tok, err := loadModel(*ckpt)
	if err != nil {
		return fail(stderr, "anatomy", err)
	}
	ids := engine.IDs(tok.Encode(*prompt))
	if len(ids) == 0 {
		return fail(stderr, "anatomy", fmt.Errorf("--prompt %q has no tokens the model knows; give the text before the target", *prompt))
	}
	tid, err := oneToken(tok, *target)
	if err != nil {
		return fail(stderr, "anatomy", err)
	}
	if unk := tokenizer.Unknown(tok, *prompt); len(unk) > 0 {
		fmt.Fprintf(stderr, "lmlab anatomy: warning: the prompt has %d characters the tokenizer cannot represent (first %s at byte %d); they are left out\n", len(unk), unk[0].Text, unk[0].Offset)
	}
	if len(ids) > m.Config.Context {
		fmt.Fprintf(stderr, "lmlab anatomy: the prompt has %d tokens; the step sees the last %d\n", len(ids), m.Config.Context)
	}
	opt := ck.AnatomyOptions()
	if lrSet {
		opt.LR = *lr
	} else if ck.Train == nil {
		return fail(stderr, "anatomy", fmt.Errorf("checkpoint %s holds weights only, with no recipe to take the learning rate from; give --lr", *ckpt))
	}
	rep, err := engine.Anatomy(m, ids, tid, opt)
	if err != nil {
		return fail(stderr, "anatomy", err)
	}
	if !reportFinite(rep) {
		return fail(stderr, "anatomy", fmt.Errorf("the step at --lr %g made the loss non-finite (p %s %g → %g); lower --lr", opt.LR, *target, rep.Before.PTarget, rep.After.PTarget))
	}
	if *asJSON {
		jsonLine(stdout, struct {
			Target   string `json:"target"`
			TargetID int32  `json:"target_id"`
			Step     int    `json:"step"` // the checkpoint's: the anatomy is of step Step+1
			engine.AnatomyReport
		}{*target, tid, ck.Step, rep})
		return 0
	}
	printAnatomy(stdout, tok, ids, tid, ck, opt, rep)
	return 0
}

// oneToken returns the id of text, which must encode to exactly one token.
func oneToken(tok tokenizer.Tokenizer, text string) (int32, error) {
	ids := tok.Encode(text)
	if len(ids) == 1 && len(tokenizer.Unknown(tok, text)) == 0 {
		return int32(ids[0]), nil
	}
	if len(ids) == 1 {
		hint := "give a token of the vocabulary"
		if sp := tok.Encode(" " + text); len(sp) == 1 && len(tokenizer.Unknown(tok, " "+text)) == 0 {
			hint = fmt.Sprintf("words carry the space before them: give %q", " "+text)
		}
		return 0, fmt.Errorf("--target %q is not in the vocabulary; %s", text, hint)
	}
	if len(ids) == 0 {
		return 0, fmt.Errorf("--target %q has no tokens the model knows; give one token's text, e.g. %q", text, tokenText(tok, 0))
	}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("%q", tokenText(tok, id))
	}
	return 0, fmt.Errorf("--target %q encodes to %d tokens (%s); give one token, e.g. %s", text, len(ids), strings.Join(parts, " "), parts[0])
}

// reportFinite reports whether every number of rep can go into JSON.
func reportFinite(rep engine.AnatomyReport) bool {
	ok := func(xs ...float64) bool {
		for _, x := range xs {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
		}
		return true
	}
	for _, p := range []engine.AnatomyPoint{rep.Before, rep.After} {
		if !ok(p.PTarget, p.Loss, p.MeanLoss) || !ok(p.Losses...) {
			return false
		}
	}
	for _, g := range rep.Layers {
		if !ok(g.GradNorm, g.WeightNorm, g.UpdateRatio) {
			return false
		}
	}
	return ok(rep.GradNorm)
}

func printAnatomy(w io.Writer, tok tokenizer.Tokenizer, ids []int32, target int32, ck *engine.Checkpoint, opt engine.AnatomyOptions, rep engine.AnatomyReport) {
	tname := visible(tokenText(tok, int(target)))
	moments := "a fresh AdamW"
	if opt.M != nil {
		moments = fmt.Sprintf("the AdamW moments of step %d", opt.Step)
	}
	fmt.Fprintf(w, "one training step on the probe and %q (id %d): %d positions, lr %.3g, %s\n\n", tname, target, rep.Tokens, opt.LR, moments)

	fmt.Fprintf(w, "forward    p(%s) %6.2f %%   loss at the last position %.4f   mean over the probe %.4f\n", tname, 100*rep.Before.PTarget, rep.Before.Loss, rep.Before.MeanLoss)
	clip := ""
	if rep.Clipped {
		clip = fmt.Sprintf(", clipped to %g", opt.Recipe.GradClip)
	}
	fmt.Fprintf(w, "backward   gradient norm %.4g%s\n", rep.GradNorm, clip)
	fmt.Fprintf(w, "update     learning rate %.3g\n", opt.LR)
	var maxNorm float64
	for _, g := range rep.Layers {
		maxNorm = max(maxNorm, g.GradNorm)
	}
	const width = 30
	fmt.Fprintf(w, "           %-8s %-*s %10s %12s\n", "group", width, "gradient norm", "", "update/weight")
	for _, g := range rep.Layers {
		n := 0
		if maxNorm > 0 {
			n = int(math.Round(g.GradNorm / maxNorm * width))
		}
		fmt.Fprintf(w, "           %-8s %-*s %10.4g %12.2e\n", g.Name, width, strings.Repeat("█", n), g.GradNorm, g.UpdateRatio)
	}
	fmt.Fprintf(w, "after      p(%s) %6.2f %%   loss at the last position %.4f   mean over the probe %.4f\n\n", tname, 100*rep.After.PTarget, rep.After.Loss, rep.After.MeanLoss)
	fmt.Fprintf(w, "%s went from %.2f %% to %.2f %% in this step.\n\n", tname, 100*rep.Before.PTarget, 100*rep.After.PTarget)

	// Per position: the token predicted there and its loss before and after.
	seq := append(append([]int32(nil), ids...), target)
	seq = seq[len(seq)-rep.Tokens-1:]
	fmt.Fprintln(w, "loss at each position (predicting the next token):")
	for t := 0; t < rep.Tokens; t++ {
		fmt.Fprintf(w, "  %-14s → %-14s %8.4f → %8.4f\n", label(tok, seq[t], 14), label(tok, seq[t+1], 14), rep.Before.Losses[t], rep.After.Losses[t])
	}
}
