package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/term"

	"lmlab/tui"
)

// runWorkbench opens the terminal workbench: `lmlab` with no command, and
// every training flag of `lmlab train`.
func runWorkbench(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("lmlab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tf := addTrainFlags(fs)
	tf.addCkptFlag("start from this checkpoint's weights and tokenizer")
	out := fs.String("out", "", "where s saves the checkpoint (default: lmlab-<data>-step<N>.safetensors in the current directory)")
	help := fs.Bool("help-workbench", false, "show this help")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: lmlab [flags]    open the workbench (space trains, ? shows the keys)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "flags (the training flags of lmlab train):")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *help {
		fs.SetOutput(stdout)
		fs.Usage()
		return 0
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "lmlab: unexpected argument %q; the workbench takes flags only (lmlab help lists the commands)\n", fs.Arg(0))
		return 2
	}
	if f, ok := stdout.(*os.File); !ok || !term.IsTerminal(f.Fd()) {
		fmt.Fprintln(stderr, "lmlab: the workbench needs a terminal; use lmlab train to train without one")
		return 2
	}

	var p *tea.Program
	opts := tui.Options{Session: tf.options(stdin), Out: *out, Quit: func() { p.Quit() }}
	m := tui.New(opts)
	p = tea.NewProgram(m, tea.WithOutput(stdout))
	code := func() (code int) {
		defer func() {
			if r := recover(); r != nil { // Bubble Tea restores the terminal before this point
				fmt.Fprintf(stderr, "lmlab: internal error: %v\n", r)
				code = 1
			}
		}()
		_, err := p.Run()
		if err != nil && m.Err() == nil {
			fmt.Fprintln(stderr, "lmlab:", err)
			return 1
		}
		return 0
	}()
	m.Close()
	if err := m.Err(); err != nil {
		fmt.Fprintln(stderr, "lmlab:", err)
		return 1
	}
	return code
}
