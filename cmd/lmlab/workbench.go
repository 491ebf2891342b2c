package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/term"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/engine/runlog"
	"lmlab/tokenizer"
	"lmlab/tui"
)

// runWorkbench opens the terminal workbench: `lmlab` with no command, and
// every training flag of `lmlab train`.
func runWorkbench(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, compare, runs, code, ok := workbenchArgs(args, stdin, stdout, stderr)
	if !ok {
		return code
	}
	return openWorkbench(opts, compare, runs, stdout, stderr)
}

// openWorkbench runs the workbench with opts until it quits: lmlab with no
// command, and lmlab lesson.
func openWorkbench(opts tui.Options, compare []string, runs string, stdout, stderr io.Writer) int {
	if f, ok := stdout.(*os.File); !ok || !term.IsTerminal(f.Fd()) {
		fmt.Fprintln(stderr, "lmlab: the workbench needs a terminal; use lmlab train to train without one")
		return 2
	}

	var p *tea.Program
	opts.Quit = func() { p.Quit() }
	m := tui.New(opts)
	m.LogRuns(workbenchRunsDir(runs, stderr))
	// SIGINT, SIGTERM and SIGHUP (a closed SSH session) save the run and
	// quit, as they do in lmlab train; a second one quits at once.
	// Bubble Tea writes the latest frame on a ticker: at its default 60 fps
	// a key waits up to 17 ms for it, at 120 up to 8. A tick with no new
	// frame costs a string comparison.
	popts := []tea.ProgramOption{tea.WithOutput(stdout), tea.WithoutSignalHandler(), tea.WithFPS(workbenchFPS)}
	if prof, ok := detectedProfile(stdout); ok {
		popts = append(popts, tea.WithColorProfile(prof))
	}
	p = tea.NewProgram(m, popts...)
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sigs)
	go func() {
		first := true
		for sig := range sigs {
			if first {
				first = false
				p.Send(tui.SignalMsg{Signal: sig})
				continue
			}
			p.Kill()
		}
	}()
	code := func() (code int) {
		defer func() {
			if r := recover(); r != nil { // Bubble Tea restores the terminal before this point
				fmt.Fprintf(stderr, "lmlab: internal error: %v\n", r)
				code = 1
			}
		}()
		if err := m.CompareWith(compare...); err != nil { // --compare checked the specs: not expected
			fmt.Fprintln(stderr, "lmlab:", err)
			return 2
		}
		_, err := p.Run()
		if err != nil && m.Err() == nil {
			fmt.Fprintln(stderr, "lmlab:", err)
			return 1
		}
		return 0
	}()
	m.Close()
	if err := m.CloseRunLog(); err != nil {
		fmt.Fprintln(stderr, "lmlab: warning:", err)
	}
	if err := m.Err(); err != nil {
		fmt.Fprintln(stderr, "lmlab:", err)
		return 1
	}
	if sig, note := m.Signal(); sig != nil && code == 0 {
		fmt.Fprintln(stderr, "lmlab:", note)
		return 130
	}
	return code
}

// workbenchFPS is the most frames a second the workbench writes, Bubble
// Tea's maximum.
const workbenchFPS = 120

// detectedProfile returns the colour profile lipgloss detected for standard
// output when the program started, when w is standard output, so the
// workbench does not detect it again: under tmux each detection runs
// `tmux info` (11–15 ms). For any other w it reports false, and Bubble Tea
// detects w's.
func detectedProfile(w io.Writer) (colorprofile.Profile, bool) {
	if f, ok := w.(*os.File); ok && f == os.Stdout && lipgloss.Writer != nil {
		return lipgloss.Writer.Profile, true
	}
	return 0, false
}

// workbenchOptions parses the workbench's flags. When ok is false the
// command ends with code (help was shown, or the flags were wrong).
func workbenchOptions(args []string, stdin io.Reader, stdout, stderr io.Writer) (opts tui.Options, code int, ok bool) {
	opts, _, code, ok = workbenchFlags(args, stdin, stdout, stderr)
	return opts, code, ok
}

// workbenchFlags is workbenchOptions with the tokenizers --compare names,
// for the Tokens pane (tui.Model.CompareWith).
func workbenchFlags(args []string, stdin io.Reader, stdout, stderr io.Writer) (opts tui.Options, compare []string, code int, ok bool) {
	opts, compare, _, code, ok = workbenchArgs(args, stdin, stdout, stderr)
	return opts, compare, code, ok
}

// workbenchRunsDir is where the workbench keeps its run log for --runs
// flag: the default directory for "", none for "none" (""). A default that
// cannot be found is a warning: the workbench runs without a log.
func workbenchRunsDir(flag string, stderr io.Writer) string {
	switch flag {
	case "none":
		return ""
	case "":
		d, err := runlog.DefaultDir()
		if err != nil {
			fmt.Fprintf(stderr, "lmlab: warning: %v\n", err)
			return ""
		}
		return d
	}
	return flag
}

// workbenchArgs is workbenchFlags with the --runs value.
func workbenchArgs(args []string, stdin io.Reader, stdout, stderr io.Writer) (opts tui.Options, compare []string, runs string, code int, ok bool) {
	fs := flag.NewFlagSet("lmlab", flag.ContinueOnError)
	fs.SetOutput(stderr)
	tf := addTrainFlags(fs)
	tf.addCkptFlag("start from this checkpoint's weights and tokenizer (a fine-tune: f marks the base, Predict compares)")
	out := fs.String("out", "", "where s saves the checkpoint (default: lmlab-<data>-step<N>.safetensors in the current directory)")
	freeze := addFreezeFlags(fs)
	runsDir := addRunsFlag(fs)
	var cmp compareFlag
	fs.Var(&cmp, "compare", "a tokenizer the Tokens pane compares with (c cycles): "+tokenizer.Specs+" (repeatable)")
	help := fs.Bool("help-workbench", false, "show this help")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: lmlab [flags]    open the workbench (space trains, ? shows the keys)")
		fmt.Fprintln(w)
		fmt.Fprintln(w, "flags (the training flags of lmlab train, and the freeze flags of lmlab finetune):")
		fs.PrintDefaults()
	}
	if code, err := tf.parse(args, stderr, "Run 'lmlab --help-workbench' for the flags."); err != nil {
		return opts, nil, "", code, false
	}
	if *help {
		fs.SetOutput(stdout)
		fs.Usage()
		return opts, nil, "", 0, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "lmlab: unexpected argument %q; the workbench takes flags only (lmlab help lists the commands)\n", fs.Arg(0))
		return opts, nil, "", 2, false
	}
	// Where s saves is checked now, not after an hour of training.
	path, err := tf.guardOut(*out, tf.data, stdin)
	if err != nil {
		fmt.Fprintln(stderr, "lmlab:", err)
		return opts, nil, "", 1, false
	}
	return tui.Options{Session: freeze.apply(tf.options(stdin)), Out: path}, cmp, *runsDir, 0, true
}

// compareFlag is the repeatable --compare SPEC. A spec is checked when
// given: its form, and that a file it names is there (the file is read
// when the Tokens pane first shows the comparison).
type compareFlag []string

func (c *compareFlag) String() string { return fmt.Sprint([]string(*c)) }

func (c *compareFlag) Set(s string) error {
	sp, err := tokenizer.ParseSpec(s)
	if err != nil {
		return err
	}
	if sp.Kind == tokenizer.KindCheckpoint {
		return errors.New("the workbench compares tokenizers, not checkpoints; give the checkpoint's tokenizer.json as hf:FILE (lmlab export --format hf writes one)")
	}
	if sp.Path != "" {
		info, err := os.Stat(sp.Path)
		switch {
		case err != nil:
			return fmt.Errorf("no such file %s; check the path", sp.Path)
		case !info.Mode().IsRegular():
			return fmt.Errorf("%s is not a regular file; give a tokenizer file", sp.Path)
		}
	}
	*c = append(*c, s)
	return nil
}

// freezeFlags are the fine-tuning flags the workbench shares with lmlab
// finetune: parts of the model that training leaves as they are.
type freezeFlags struct {
	embeddings *bool
	layers     *int
	set        func(name string) bool
}

func addFreezeFlags(fs *flag.FlagSet) *freezeFlags {
	f := &freezeFlags{
		embeddings: fs.Bool("freeze-embeddings", false, "keep token and position embeddings (and so the tied LM head) fixed, as lmlab finetune does"),
		layers:     intVar(fs, "freeze-layers", 0, "keep the first K transformer blocks fixed, as lmlab finetune does", 0, engine.MaxLayers),
	}
	f.set = func(name string) bool {
		found := false
		fs.Visit(func(fl *flag.Flag) { found = found || fl.Name == name })
		return found
	}
	return f
}

// apply makes opt's Adjust set the freeze options that were given, after
// the other overrides; a checkpoint's recipe keeps its own otherwise.
func (f *freezeFlags) apply(opt lab.Options) lab.Options {
	adjust := opt.Adjust
	opt.Adjust = func(c *engine.Config, tc *engine.TrainConfig) error {
		if adjust != nil {
			if err := adjust(c, tc); err != nil {
				return err
			}
		}
		if f.set("freeze-embeddings") {
			tc.FreezeEmbeddings = *f.embeddings
		}
		if f.set("freeze-layers") {
			tc.FreezeLayers = *f.layers
		}
		return nil
	}
	return opt
}
