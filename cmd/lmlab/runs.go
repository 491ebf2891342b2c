package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"lmlab/engine"
	"lmlab/engine/runlog"
)

func runRuns(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("runs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab runs [--runs DIR] [--json]")
		fmt.Fprintln(stderr, "       lmlab runs compare RUN RUN… [--runs DIR] [--json]")
		fmt.Fprintln(stderr, "List the logged training runs (name, data, preset, steps, final losses), or show some side by side.")
		fmt.Fprintln(stderr, "A RUN is a run's name, a unique prefix of one, or a run-log file.")
		fs.PrintDefaults()
	}
	dirFlag := fs.String("runs", "", "directory of run logs (default: "+defaultRunsHelp()+")")
	asJSON := fs.Bool("json", false, "print JSON lines on stdout and nothing else")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return 2
	}
	dir, err := runsDir(*dirFlag)
	if err != nil {
		return fail(stderr, "runs", err)
	}
	if len(pos) > 0 && pos[0] == "compare" {
		return compareRuns(pos[1:], dir, *asJSON, stdout, stderr)
	}
	if len(pos) > 0 {
		return fail(stderr, "runs", fmt.Errorf("unexpected argument %q; to compare runs: lmlab runs compare RUN RUN…", pos[0]))
	}
	runs, err := runlog.List(dir)
	if err != nil {
		fmt.Fprintf(stderr, "lmlab runs: skipped what is not a run log: %v\n", err)
	}
	if *asJSON {
		for _, r := range runs {
			jsonLine(stdout, summarize(r))
		}
		return 0
	}
	if len(runs) == 0 {
		fmt.Fprintf(stdout, "no runs in %s yet; lmlab train and the workbench log every run there\n", dir)
		return 0
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSTARTED\tDATA\tPRESET\tSTEPS\tSTATUS\tLOSS\tVAL LOSS\tHEALTH")
	for _, r := range runs {
		s := summarize(r)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%d\n", s.Name, s.Started, orDash(strings.Join(s.Data, ",")), orDash(s.Preset),
			s.Steps, s.Status, fmtOpt(s.Loss), fmtOpt(s.ValLoss), len(s.Health))
	}
	tw.Flush()
	return 0
}

// parseInterspersed parses fs from args where flags and positional
// arguments may come in any order (lmlab plot RUN --out F), returning the
// positional ones. "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// runsDir is --runs, or the default directory of run logs.
func runsDir(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	return runlog.DefaultDir()
}

func defaultRunsHelp() string {
	d, err := runlog.DefaultDir()
	if err != nil {
		return "$XDG_STATE_HOME/lmlab/runs"
	}
	return d
}

// runSummary is one run as `lmlab runs --json` prints it.
type runSummary struct {
	Name        string               `json:"name"`
	Path        string               `json:"path"`
	Started     string               `json:"started"`
	Data        []string             `json:"data"`
	Preset      string               `json:"preset"`
	From        string               `json:"from,omitempty"`
	Steps       int                  `json:"steps"`
	Status      string               `json:"status"`
	Loss        *float64             `json:"loss"`     // the last training loss logged
	ValLoss     *float64             `json:"val_loss"` // the last validation loss
	BestValLoss *float64             `json:"best_val_loss"`
	BestValStep int                  `json:"best_val_step,omitempty"`
	Torn        bool                 `json:"torn,omitempty"`
	Health      []engine.HealthEvent `json:"health"`
	Model       engine.Config        `json:"model"`
	Train       engine.TrainConfig   `json:"train"`
}

func summarize(r *runlog.Run) runSummary {
	s := runSummary{Name: r.Name, Path: r.Path, Started: r.Started.Local().Format("2006-01-02 15:04"), Data: r.Data,
		Preset: r.Preset, From: r.From, Steps: r.Steps(), Status: r.Status(), Torn: r.Torn,
		Health: r.Health, Model: r.Model, Train: r.Train}
	if s.Data == nil {
		s.Data = []string{}
	}
	if s.Health == nil {
		s.Health = []engine.HealthEvent{}
	}
	if _, v, ok := r.Final(runlog.Loss); ok {
		s.Loss = &v
	}
	if _, v, ok := r.Final(runlog.ValLoss); ok {
		s.ValLoss = &v
	}
	if st, v, ok := r.Best(runlog.ValLoss); ok {
		s.BestValLoss, s.BestValStep = &v, st
	}
	return s
}

func fmtOpt(v *float64) string {
	if v == nil {
		return "-"
	}
	return fmt.Sprintf("%.4f", *v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// compareRuns prints runs side by side: one row per fact, one column per run.
func compareRuns(names []string, dir string, asJSON bool, stdout, stderr io.Writer) int {
	if len(names) < 1 {
		return fail(stderr, "runs compare", fmt.Errorf("name the runs to compare: lmlab runs compare RUN RUN… (lmlab runs lists them)"))
	}
	var sums []runSummary
	for _, n := range names {
		r, err := runlog.Find(dir, n)
		if err != nil {
			return fail(stderr, "runs compare", err)
		}
		sums = append(sums, summarize(r))
	}
	if asJSON {
		jsonLine(stdout, struct {
			Runs []runSummary `json:"runs"`
		}{sums})
		return 0
	}
	rows := []struct {
		name string
		get  func(s runSummary) string
	}{
		{"run", func(s runSummary) string { return s.Name }},
		{"started", func(s runSummary) string { return s.Started }},
		{"data", func(s runSummary) string { return orDash(strings.Join(s.Data, ",")) }},
		{"preset", func(s runSummary) string { return orDash(s.Preset) }},
		{"from", func(s runSummary) string { return orDash(s.From) }},
		{"layers×heads×embd", func(s runSummary) string {
			return fmt.Sprintf("%d×%d×%d", s.Model.Layers, s.Model.Heads, s.Model.Embd)
		}},
		{"context", func(s runSummary) string { return fmt.Sprint(s.Train.Context) }},
		{"vocab", func(s runSummary) string { return fmt.Sprint(s.Model.VocabSize) }},
		{"dropout", func(s runSummary) string { return fmt.Sprint(s.Model.Dropout) }},
		{"batch×accum", func(s runSummary) string { return fmt.Sprintf("%d×%d", s.Train.Batch, s.Train.GradAccum) }},
		{"lr → min lr", func(s runSummary) string { return fmt.Sprintf("%.3g → %.3g", s.Train.LR, s.Train.MinLR) }},
		{"warmup", func(s runSummary) string { return fmt.Sprint(s.Train.Warmup) }},
		{"weight decay", func(s runSummary) string { return fmt.Sprint(s.Train.WeightDecay) }},
		{"seed", func(s runSummary) string { return fmt.Sprint(s.Train.Seed) }},
		{"steps", func(s runSummary) string { return fmt.Sprintf("%d of %d", s.Steps, s.Train.Steps) }},
		{"status", func(s runSummary) string { return s.Status }},
		{"final loss", func(s runSummary) string { return fmtOpt(s.Loss) }},
		{"final val loss", func(s runSummary) string { return fmtOpt(s.ValLoss) }},
		{"best val loss", func(s runSummary) string {
			if s.BestValLoss == nil {
				return "-"
			}
			return fmt.Sprintf("%.4f @ %d", *s.BestValLoss, s.BestValStep)
		}},
		{"health", func(s runSummary) string {
			if len(s.Health) == 0 {
				return "-"
			}
			var ks []string
			for _, e := range s.Health {
				ks = append(ks, fmt.Sprintf("%s@%d", e.Kind, e.Step))
			}
			return strings.Join(ks, " ")
		}},
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, row := range rows {
		fmt.Fprint(tw, row.name)
		for _, s := range sums {
			fmt.Fprint(tw, "\t", row.get(s))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	return 0
}
