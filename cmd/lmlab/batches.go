package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"

	"lmlab/engine/lab"
	"lmlab/samples"
)

// batchesFile is what `lmlab batches` writes and engine/torch/continue.py
// reads with --windows: the windows of each step, in lmlab's order, and the
// data position after them.
type batchesFile struct {
	Windows [][][]int32 `json:"windows"`   // [step][window][token]: Batch×GradAccum windows of Context+1 ids per step
	RNG     string      `json:"rng"`       // the data generator after the steps, as checkpoint metadata "rng" stores it
	From    int         `json:"from_step"` // the checkpoint's step the windows follow
}

func runBatches(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("batches", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab batches --resume CKPT --steps K --out WINDOWS.json [--data SPEC ...] [--force]")
		fmt.Fprintln(stderr, "Write the windows the next K steps of `lmlab train --resume CKPT` would train on, and its data position")
		fmt.Fprintln(stderr, "after them, for engine/torch/continue.py --windows: the continued run keeps lmlab's data order.")
		fs.PrintDefaults()
	}
	var data samples.Specs
	var maxBytes int64 = samples.DefaultMaxBytes
	resume := fs.String("resume", "", "the checkpoint of the run to continue, as `lmlab train --resume` takes it")
	steps := intVar(fs, "steps", 0, "optimizer steps to draw the windows of (continue.py's --steps)", 1, 1e6)
	out := fs.String("out", "", "JSON file to write: {\"windows\": [[window, ...] per step], \"rng\": ...}")
	fs.Var(&data, "data", "training data, as for `lmlab train --resume` (default: the checkpoint's)")
	field := fs.String("field", "", "JSONL field that holds the text (default text)")
	fs.Var(intFlag{&maxBytes, 1, math.MaxInt64}, "max-bytes", "refuse to read more than this many bytes of data")
	force := fs.Bool("force", false, "overwrite a file at --out that lmlab batches did not write")
	if err := parseFlags(fs, args, stderr, hint("batches")); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return fail(stderr, "batches", fmt.Errorf("unexpected argument %q; flags only (lmlab batches -h)", fs.Arg(0)))
	case *resume == "":
		return fail(stderr, "batches", errors.New("--resume is required: the checkpoint the run continues from"))
	case *steps == 0:
		return fail(stderr, "batches", errors.New("--steps is required: how many optimizer steps to draw"))
	case *out == "":
		return fail(stderr, "batches", errors.New("--out is required: the JSON file to write"))
	}
	path, err := guardBatchesOut(*out, *resume, data, stdin, *force)
	if err != nil {
		return fail(stderr, "batches", err)
	}
	s, err := lab.Open(lab.Options{Data: data, Field: *field, MaxBytes: maxBytes, Resume: *resume, Stdin: stdin})
	if err != nil {
		return fail(stderr, "batches", err)
	}
	if note := s.UnknownNote(); note != "" {
		fmt.Fprintf(stderr, "lmlab batches: warning: %s\n", note)
	}
	if len(data) == 0 { // the data came from the checkpoint: it is an input too
		if path, err = guardBatchesOut(*out, *resume, s.DataSpecs, stdin, *force); err != nil {
			return fail(stderr, "batches", err)
		}
	}
	t := s.Trainer
	from := t.Steps()
	f := batchesFile{Windows: t.PlanWindows(*steps), From: from}
	f.RNG = t.DataRNG()
	b, err := json.Marshal(f)
	if err != nil {
		return fail(stderr, "batches", err)
	}
	if err := lab.WriteFileAtomic(path, append(b, '\n'), 0o644); err != nil {
		return fail(stderr, "batches", fmt.Errorf("--out %s: %v", *out, err))
	}
	c := t.Cfg
	fmt.Fprintf(stdout, "wrote %s: steps %d to %d, %d×%d windows of %d tokens each\n",
		*out, from+1, from+*steps, c.Batch, c.GradAccum, c.Context+1)
	fmt.Fprintf(stdout, "next: torchrun --standalone --nproc_per_node=N engine/torch/continue.py %s --out OUT --steps %d --windows %s\n",
		*resume, *steps, *out)
	return 0
}

// guardBatchesOut checks that out may be written: not one of the inputs, a
// regular file or nothing, in a writable directory (lab.CheckOutput), and,
// unless force, nothing there but a file lmlab batches wrote.
func guardBatchesOut(out, resume string, data []string, stdin io.Reader, force bool) (string, error) {
	path, err := lab.CheckOutput(out, lab.GuardOptions{Flag: "--out", Data: data,
		Inputs: []lab.Input{{Flag: "--resume", Path: resume}}, Stdin: stdin, Force: true})
	if err != nil || force {
		return path, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return path, nil
	}
	if err != nil {
		return "", fmt.Errorf("--out %s: %v", out, err)
	}
	if !isBatchesFile(b) {
		return "", &lab.OutputError{Flag: "--out", Path: out, Err: lab.ErrNotOurs,
			Why: "a file is there that lmlab batches did not write",
			Fix: "choose another path, or add --force to overwrite it"}
	}
	return path, nil
}

// isBatchesFile reports whether b is a JSON object with the "windows" and
// "rng" of a batches file.
func isBatchesFile(b []byte) bool {
	var f map[string]json.RawMessage
	if json.Unmarshal(bytes.TrimSpace(b), &f) != nil {
		return false
	}
	var rng string
	var ws [][][]int32
	return json.Unmarshal(f["rng"], &rng) == nil && rng != "" && json.Unmarshal(f["windows"], &ws) == nil
}
