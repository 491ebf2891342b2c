package main

import (
	"io"
	"strconv"
	"strings"

	"lmlab/engine/lab"
)

// guardOut checks, before anything is loaded or trained, that the training
// commands' --out may be written (see lab.CheckOutput), and returns the path
// to save to: a symlink's target. data are the --data specs the run reads.
// Overwriting the --resume checkpoint is allowed (continuing a run in
// place); overwriting the --ckpt a new run starts from is not.
func (f *trainFlags) guardOut(out string, data []string, stdin io.Reader) (string, error) {
	ins := []lab.Input{{Flag: "--ckpt", Path: f.ckpt}, {Flag: "--resume", Path: f.resume, Replace: true}}
	return lab.CheckOutput(out, lab.GuardOptions{Flag: "--out", Data: data,
		Inputs: append(ins, tokenizerInput(f.tokenizer)), Stdin: stdin, Force: f.force})
}

// tokenizerInput is the file a tokenizer spec reads, if any: tiktoken:FILE,
// hf:FILE, ckpt:FILE, bpe:FILE (not bpe:N).
func tokenizerInput(spec string) lab.Input {
	kind, arg, _ := strings.Cut(spec, ":")
	switch kind {
	case "tiktoken", "hf", "ckpt":
		return lab.Input{Flag: "--tokenizer", Path: arg}
	case "bpe":
		if _, err := strconv.Atoi(arg); err != nil {
			return lab.Input{Flag: "--tokenizer", Path: arg}
		}
	}
	return lab.Input{}
}
