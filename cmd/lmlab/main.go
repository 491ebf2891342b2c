// Command lmlab is a terminal workbench for training a small GPT from scratch
// and watching it learn. Run it with no arguments to open the workbench on a
// built-in sample; the subcommands drive the same engine headless.
package main

import (
	"fmt"
	"io"
	"os"
)

func main() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) }

// command is one subcommand: its name, a one-line summary for usage, and the
// function that parses its flags and runs it, returning the exit status.
type command struct {
	name, summary string
	run           func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

// commands lists the subcommands in the order usage shows them; each lives in
// its own file.
var commands = []command{
	{"train", "pretrain a model on a corpus and save a checkpoint", runTrain},
	{"finetune", "continue a checkpoint on domain data and compare before/after", runFinetune},
	{"eval", "mean next-token loss of a checkpoint on a file", runEval},
	{"sample", "generate text from a checkpoint", runSample},
	{"inspect", "top-k predictions and attention weights for a prompt", runInspect},
	{"anatomy", "one training step taken apart for a prompt and its next token", runAnatomy},
	{"tokenize", "show how a tokenizer cuts text", runTokenize},
	{"runs", "list logged training runs, or compare some side by side", runRuns},
	{"plot", "draw metric curves of logged runs (PNG, SVG) or export them as CSV", runPlot},
	{"samples", "list the built-in sample corpora", runSamples},
	{"lesson", "open the workbench on a guided lesson, step by step (no NAME: list them)", runLesson},
	{"bench", "measure training speed (ms/iter, tokens/s, GFLOPS)", runBench},
	{"batches", "write the windows the next steps of a resumed run train on (for continue.py)", runBatches},
	{"export", "write a model as a Hugging Face GPT-2 directory or a nanoGPT checkpoint", runExport},
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "-help", "--help":
			usage(stdout)
			return 0
		}
		for _, c := range commands {
			if c.name == args[0] {
				return c.run(args[1:], stdin, stdout, stderr)
			}
		}
		if args[0] != "" && args[0][0] != '-' {
			fmt.Fprintf(stderr, "lmlab: unknown command %q\n\n", args[0])
			usage(stderr)
			return 2
		}
	}
	return runWorkbench(args, stdin, stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: lmlab [flags]            open the workbench (see lmlab --help-workbench)")
	fmt.Fprintln(w, "       lmlab lesson NAME        open it on a guided lesson (lmlab lesson lists them)")
	fmt.Fprintln(w, "       lmlab COMMAND [flags]    run a command headless")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'lmlab COMMAND -h' for a command's flags.")
}
