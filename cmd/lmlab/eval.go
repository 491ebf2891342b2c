package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"lmlab/engine"
	"lmlab/samples"
	"lmlab/tokenizer"
)

func runEval(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab eval --ckpt CKPT --data FILE [--json]")
		fmt.Fprintln(stderr, "Mean next-token loss over the file cut into consecutive windows of the model's context,")
		fmt.Fprintln(stderr, "per token and per byte (bits per byte: comparable between models with different tokenizers).")
		fs.PrintDefaults()
	}
	ckpt := fs.String("ckpt", "", "checkpoint to evaluate")
	var data samples.Specs
	fs.Var(&data, "data", "text to evaluate on: FILE, DIR/, - or sample:NAME (repeatable: evaluated as one text)")
	field := fs.String("field", "", "JSONL field that holds the text (default text); given with --data -, stdin is read as JSONL")
	batch := intVar(fs, "batch", 16, "windows per forward pass", 1, 1<<16)
	asJSON := fs.Bool("json", false, "print one JSON object on stdout and nothing else")
	var maxMemory int64
	fs.Var(sizeFlag{&maxMemory}, "max-memory", "memory the evaluation may use: 2GiB, 512MiB, bytes (default: the machine's available memory)")
	if err := parseFlags(fs, args, stderr, hint("eval")); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	_, m, tok, err := loadModel(*ckpt)
	if err != nil {
		return fail(stderr, "eval", err)
	}
	if len(data) == 0 {
		return fail(stderr, "eval", fmt.Errorf("--data is required: the text to evaluate on"))
	}
	text, err := wholeText(data, *field, tok, stdin)
	if err != nil {
		return fail(stderr, "eval", err)
	}
	if unk := tokenizer.Unknown(tok, text); len(unk) > 0 {
		fmt.Fprintf(stderr, "lmlab eval: warning: %d characters the model's tokenizer cannot represent were left out (first at byte %d)\n", len(unk), unk[0].Offset)
	}
	ids := engine.IDs(tok.Encode(text))
	T := m.Config.Context
	b, err := evalBatch(m.Config, max(1, *batch), maxMemory)
	if err != nil {
		return fail(stderr, "eval", err)
	}
	if b < *batch {
		fmt.Fprintf(stderr, "lmlab eval: --batch %d would not fit in memory at context %d; using %d windows per pass\n", *batch, T, b)
	}
	loss, n := m.Eval(ids, T, b, 0)
	if n == 0 {
		return fail(stderr, "eval", fmt.Errorf("the data has %d tokens, fewer than one window of %d + 1", len(ids), T))
	}
	nBytes := targetBytes(tok, ids, n)
	perByte := perByteLoss(loss, n, nBytes)
	if *asJSON {
		jsonLine(stdout, struct {
			Loss        float64 `json:"loss"`
			Tokens      int     `json:"tokens"`
			Bytes       int     `json:"bytes"`
			LossPerByte float64 `json:"loss_per_byte"`
			BitsPerByte float64 `json:"bits_per_byte"`
		}{round4(loss), n, nBytes, round4(perByte), round4(perByte / math.Ln2)})
		return 0
	}
	fmt.Fprintf(stdout, "loss %.4f per token over %s tokens (%d windows of %d)\n", loss, thousands(int64(n)), n/T, T)
	fmt.Fprintf(stdout, "loss %.4f per byte = %.4f bits per byte over the %s bytes those tokens stand for\n", perByte, perByte/math.Ln2, thousands(int64(nBytes)))
	fmt.Fprintln(stdout, "(per byte compares models with different tokenizers fairly; per token does not)")
	return 0
}

// targetBytes is how many bytes of text the n predicted tokens stand for:
// Eval predicts ids[1:n+1] (consecutive windows, each input shifted by one).
func targetBytes(tok tokenizer.Tokenizer, ids []int32, n int) int {
	total := 0
	for _, id := range ids[1:min(n+1, len(ids))] {
		total += len(tok.TokenBytes(int(id)))
	}
	return total
}

// perByteLoss spreads the total loss of n tokens (in nats) over the bytes
// they stand for.
func perByteLoss(lossPerToken float64, n, nBytes int) float64 {
	if nBytes == 0 {
		return 0
	}
	return lossPerToken * float64(n) / float64(nBytes)
}

// wholeText loads data sources and joins their text in reading order, train
// and validation parts together.
func wholeText(specs []string, field string, tok tokenizer.Tokenizer, stdin io.Reader) (string, error) {
	return loadWholeText(specs, samples.Options{Field: field, Stdin: stdin, AllowInvalidUTF8: tokenizer.AcceptsAnyBytes(tok)})
}

// loadWholeText is wholeText with the loading options spelled out.
func loadWholeText(specs []string, opt samples.Options) (string, error) {
	c, err := samples.Load(specs, opt)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, s := range c.Enabled() {
		b.WriteString(s.TrainText)
		b.WriteString(s.ValText)
	}
	return b.String(), nil
}

// evalBatch is the largest number of windows per forward pass, at most want,
// whose activations fit in limit (0: the memory available now) beside the
// model: a long context (GPT-2's 1024) at --batch 16 needs over 17 GB.
func evalBatch(c engine.Config, want int, limit int64) (int, error) {
	for b := want; b >= 1; b /= 2 {
		if engine.CheckEvalMemory(c, b, c.Context, limit) == nil {
			return b, nil
		}
	}
	return 0, engine.CheckEvalMemory(c, 1, c.Context, limit)
}
