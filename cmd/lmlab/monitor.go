package main

import (
	"flag"
	"fmt"
	"io"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/engine/runlog"
)

// addRunsFlag registers --runs, where train and finetune keep their run logs.
func addRunsFlag(fs *flag.FlagSet) *string {
	return fs.String("runs", "", "directory of run logs (lmlab runs lists them); default: the user's state directory (XDG_STATE_HOME/lmlab/runs or the config dir); none: keep no log")
}

// openRunLog starts the run log of s in dir ("" the default, "none" no
// log). A log that cannot be written is a warning, never the end of a run.
func openRunLog(dir string, s *lab.Session, out string, stderr io.Writer, cmd string) *runlog.Writer {
	if dir == "none" {
		return nil
	}
	if dir == "" {
		d, err := runlog.DefaultDir()
		if err != nil {
			fmt.Fprintf(stderr, "lmlab %s: warning: %v\n", cmd, err)
			return nil
		}
		dir = d
	}
	t := s.Trainer
	w, err := runlog.Create(dir, runlog.Header{Data: s.DataSpecs, Preset: s.Preset, From: s.From, Out: out,
		Step: t.Steps(), Model: t.Model.Config, Train: t.Cfg})
	if err != nil {
		fmt.Fprintf(stderr, "lmlab %s: warning: no run log: %v (give --runs DIR, or --runs none)\n", cmd, err)
		return nil
	}
	return w
}

// watch sets the runner's health checks for s: every step, every
// evaluation, and the attention on the session's prompt at evaluations.
func watch(run *engine.Runner, s *lab.Session) {
	run.Health = &engine.HealthMonitor{}
	run.HealthProbe = s.Encode(s.Prompt())
}

// health reports a health finding: a {"health":…} line with --json, else
// one line, and in the run log.
func (r *trainReport) health(h engine.HealthEvent) {
	if r.log != nil {
		r.log.Health(h)
	}
	if r.json {
		jsonLine(r.w, map[string]any{"health": h})
		return
	}
	r.endProgress()
	fmt.Fprintf(r.w, "health: %s\n", h.Message)
}

// logEnd closes the run log with how the run ended.
func (r *trainReport) logEnd(step int, status string, values map[string]float64) {
	if r.log == nil {
		return
	}
	r.log.End(runlog.End{Step: step, Status: status, Values: values})
	r.log.Close()
	r.log = nil
}
