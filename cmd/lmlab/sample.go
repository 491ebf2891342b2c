package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"unicode/utf8"

	"lmlab/engine"
	"lmlab/tokenizer"
)

func runSample(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sample", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab sample --ckpt CKPT [--prompt TEXT] [--tokens N] [--temperature T] [--top-k K] [--top-p P] [--seed S]")
		fmt.Fprintln(stderr, "Print the prompt and the model's continuation; --temperature 0 is greedy.")
		fs.PrintDefaults()
	}
	ckpt := fs.String("ckpt", "", "checkpoint to sample from")
	prompt := fs.String("prompt", "", "text to continue (default: a newline, or nothing)")
	n := intVar(fs, "tokens", 200, "tokens to generate", 0, 1<<20)
	temp := floatVar(fs, "temperature", 0.8, "sampling temperature; 0 is greedy", span{min: 0, max: 100})
	topK := intVar(fs, "top-k", 0, "sample from the k most likely tokens (0: all)", 0, engine.MaxVocab)
	topP := floatVar(fs, "top-p", 0, "sample from the smallest set holding this probability (0: all)", span{min: 0, max: 1})
	seed := fs.Uint64("seed", 1337, "random seed")
	asJSON := fs.Bool("json", false, `print {"prompt","text","ids"} as one JSON line`)
	if err := parseFlags(fs, args, stderr, hint("sample")); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case *n < 0:
		return fail(stderr, "sample", fmt.Errorf("--tokens %d must be ≥ 0", *n))
	case *temp < 0:
		return fail(stderr, "sample", fmt.Errorf("--temperature %g must be ≥ 0", *temp))
	case *topK < 0 || *topP < 0 || *topP > 1:
		return fail(stderr, "sample", fmt.Errorf("--top-k must be ≥ 0 and --top-p in [0, 1]"))
	}
	_, m, tok, err := loadModel(*ckpt)
	if err != nil {
		return fail(stderr, "sample", err)
	}
	p := *prompt
	if p == "" && len(tok.Encode("\n")) == 1 {
		p = "\n"
	}
	if unk := tokenizer.Unknown(tok, p); len(unk) > 0 {
		fmt.Fprintf(stderr, "lmlab sample: warning: the prompt has %d characters the tokenizer cannot represent (first %s at byte %d); they are left out\n", len(unk), unk[0].Text, unk[0].Offset)
	}
	ids := engine.IDs(tok.Encode(p))
	opt := engine.SampleOptions{Temperature: *temp, TopK: *topK, TopP: *topP, Seed: *seed}
	if *asJSON {
		all := m.Generate(ids, *n, opt, nil)
		out := make([]int, len(all)-len(ids))
		for i, id := range all[len(ids):] {
			out[i] = int(id)
		}
		jsonLine(stdout, struct {
			Prompt string `json:"prompt"`
			Text   string `json:"text"`
			IDs    []int  `json:"ids"`
		}{p, tok.Decode(out), out})
		return 0
	}
	fmt.Fprint(stdout, p)
	// Stream: print whatever decodes completely so far, so multi-byte
	// characters split across tokens come out whole.
	var pending []int
	m.Generate(ids, *n, opt, func(id int32) bool {
		pending = append(pending, int(id))
		if s := tok.Decode(pending); utf8.Valid([]byte(s)) {
			fmt.Fprint(stdout, s)
			pending = pending[:0]
		}
		return true
	})
	fmt.Fprint(stdout, tok.Decode(pending))
	fmt.Fprintln(stdout)
	return 0
}
