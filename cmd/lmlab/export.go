package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"lmlab/engine"
	"lmlab/engine/hf"
	"lmlab/engine/lab"
	"lmlab/tokenizer"
)

func runExport(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab export --ckpt CKPT --format hf|nanogpt --out DIR [--force]")
		fmt.Fprintln(stderr, "Write a model for other tools: hf writes a Hugging Face GPT-2 directory (config.json, model.safetensors,")
		fmt.Fprintln(stderr, "the tokenizer); nanogpt writes nanoGPT's checkpoint with the script that makes its ckpt.pt (see its README.md).")
		fs.PrintDefaults()
	}
	ckpt := fs.String("ckpt", "", "model to export: an lmlab checkpoint, or a Hugging Face GPT-2 directory")
	tok := fs.String("tokenizer", "", "for a Hugging Face directory without its own tokenizer files: tiktoken:FILE, hf:FILE, bpe:FILE")
	format := fs.String("format", "", "output format: "+strings.Join(hf.Formats, " or "))
	out := fs.String("out", "", "directory to write; must not exist or be empty, unless --force")
	force := fs.Bool("force", false, "replace a non-empty --out directory")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		return fail(stderr, "export", fmt.Errorf("unexpected argument %q; flags only (lmlab export -h)", fs.Arg(0)))
	}
	switch {
	case *format == "":
		return fail(stderr, "export", fmt.Errorf("--format is required: %s", strings.Join(hf.Formats, " or ")))
	case *out == "":
		return fail(stderr, "export", errors.New("--out is required: the directory to write"))
	}
	var (
		ck  *engine.Checkpoint
		t   tokenizer.Tokenizer
		err error
	)
	ck, t, err = lab.OpenCheckpoint(*ckpt, *tok)
	if err != nil {
		return fail(stderr, "export", err)
	}
	if err := hf.Export(ck, t, *format, *out, *force); err != nil {
		return fail(stderr, "export", err)
	}
	fmt.Fprintf(stdout, "wrote %s (%s, %s parameters, tokenizer %s)\n", *out, *format, thousands(ck.Config.NumParams()), t.Name())
	if *format == "nanogpt" {
		fmt.Fprintf(stdout, "next: python3 %s/nanogpt.py to-ckpt %s   (writes ckpt.pt for nanoGPT; see README.md there)\n", *out, *out)
	}
	return 0
}
