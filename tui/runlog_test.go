package tui

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/engine/runlog"
)

// TestRunLogRecordsSession drives a session with steps, evaluations, a
// health finding and a recipe change, and reads back the run log it wrote.
func TestRunLogRecordsSession(t *testing.T) {
	dir := t.TempDir()
	m, c := newTestModel(t, 120, 40)
	m.LogRuns(dir)
	start(t, m)
	if m.RunLog() == "" {
		t.Fatalf("no run log after the start; screen:\n%s", stripped(m))
	}
	feedHistory(m, c, 60)
	h := engine.HealthEvent{Step: 30, Kind: engine.LossSpike, Message: "step 30: spike"}
	tc := m.sess.Trainer.Cfg
	tc.LR *= 2
	m.Update(eventsMsg{events: []engine.Event{
		{Kind: engine.EventHealth, Step: 30, Health: h},
		{Kind: engine.EventRecipe, Step: 60, Recipe: tc, Dropout: 0.1},
		{Kind: engine.EventEval, Step: 60, ValLoss: 1.25, Metrics: map[string]float64{"accuracy": 0.5}},
	}})
	path := m.RunLog()
	if err := m.CloseRunLog(); err != nil {
		t.Fatal(err)
	}
	if err := m.CloseRunLog(); err != nil || m.RunLog() != "" {
		t.Errorf("second CloseRunLog: %v, log %q; want nothing done", err, m.RunLog())
	}
	run, err := runlog.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := run.Data, []string{testCorpus}; !slices.Equal(got, want) {
		t.Errorf("header data %v, want %v", got, want)
	}
	if got, want := run.Train, m.sess.Trainer.Cfg; got != want {
		t.Errorf("header recipe %+v, want %+v", got, want)
	}
	steps, losses := run.Series(runlog.Loss)
	if len(steps) != 60 || steps[0] != 1 || steps[59] != 60 || !slices.Equal(losses, m.loss.train) {
		t.Errorf("loss series: %d points %v…, want the 60 steps' losses", len(steps), steps[:min(3, len(steps))])
	}
	for _, metric := range []string{runlog.LR, runlog.GradNorm, runlog.TokensPS} {
		if s, _ := run.Series(metric); len(s) != 60 {
			t.Errorf("%s logged at %d steps, want 60", metric, len(s))
		}
	}
	vs, vals := run.Series(runlog.ValLoss)
	if want := []int{25, 50, 60}; !slices.Equal(vs, want) {
		t.Errorf("val_loss at steps %v, want %v", vs, want)
	}
	if got := vals[len(vals)-1]; got != 1.25 {
		t.Errorf("last val_loss %g, want 1.25", got)
	}
	if _, acc, ok := run.Final("accuracy"); !ok || acc != 0.5 {
		t.Errorf("accuracy %g %v, want 0.5", acc, ok)
	}
	if len(run.Health) != 1 || run.Health[0] != h {
		t.Errorf("health %+v, want [%+v]", run.Health, h)
	}
	if len(run.Recipes) != 1 || run.Recipes[0].Step != 60 || run.Recipes[0].Train.LR != tc.LR || run.Recipes[0].Dropout != 0.1 {
		t.Errorf("recipes %+v, want one at step 60 with lr %g", run.Recipes, tc.LR)
	}
	if run.End == nil || run.End.Status != runlog.Stopped || run.End.Step != 60 {
		t.Errorf("end %+v, want stopped at 60", run.End)
	}
}

// TestRunLogDoneStatus: a session whose run reached its last step ends
// its log as done.
func TestRunLogDoneStatus(t *testing.T) {
	dir := t.TempDir()
	m, c := newTestModel(t, 120, 40)
	m.LogRuns(dir)
	start(t, m)
	feedHistory(m, c, 3)
	m.Update(eventsMsg{events: []engine.Event{{Kind: engine.EventDone, Step: 3}}})
	path := m.RunLog()
	if err := m.CloseRunLog(); err != nil {
		t.Fatal(err)
	}
	run, err := runlog.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status() != runlog.Done {
		t.Errorf("status %q, want %q", run.Status(), runlog.Done)
	}
}

// TestRunLogUnwritable: a runs directory that cannot be made is a warning
// on the help line, and the session goes on.
func TestRunLogUnwritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "plain-file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, c := newTestModel(t, 120, 40)
	m.LogRuns(filepath.Join(file, "runs"))
	start(t, m)
	if lineWith(stripped(m), "no run log: runs directory") == "" || !strings.Contains(m.message, "give --runs DIR") || !m.msgErr {
		t.Errorf("warning %q (error style %v), want one naming the directory and --runs; screen:\n%s", m.message, m.msgErr, stripped(m))
	}
	feedHistory(m, c, 5)
	if m.Step() != 5 || m.RunLog() != "" {
		t.Errorf("step %d, log %q; want 5 steps and no log", m.Step(), m.RunLog())
	}
	if err := m.CloseRunLog(); err != nil {
		t.Errorf("CloseRunLog without a log: %v", err)
	}
}

// TestNoRunLogByDefault: a workbench not told where runs go keeps none.
func TestNoRunLogByDefault(t *testing.T) {
	m, c := newTestModel(t, 120, 40)
	start(t, m)
	feedHistory(m, c, 5)
	if m.RunLog() != "" {
		t.Errorf("log %q without LogRuns", m.RunLog())
	}
}
