package tui

import (
	"maps"

	"lmlab/engine"
	"lmlab/engine/runlog"
)

// runLogState is the workbench's run log: like lmlab train, it appends the
// session's header, a metrics line per step and per evaluation, the health
// findings, the recipe changes and, when the workbench ends, its end, so
// lmlab runs lists it and later sessions overlay it (o). Lines are appended
// on the UI goroutine as events arrive (one short write each). A log that
// cannot be written is a warning on the help line, never the end of the
// session.
type runLogState struct {
	dir  string         // the runs directory; "": keep no log
	w    *runlog.Writer // nil: not started, or given up after a failure
	self string         // the log's path, once created: not an overlay
	head runlog.Header  // the session's header, for the overlays' differences
}

// LogRuns makes the workbench keep its run log in dir, and offer the runs
// there as overlays on the loss chart (o). Call it before the program runs;
// without it the workbench keeps no log.
func (m *Model) LogRuns(dir string) {
	m.loss.runs.dir = dir
}

// RunLog returns the path of the session's run log ("" when none is kept).
func (m *Model) RunLog() string {
	if m.loss.runs.w == nil {
		return ""
	}
	return m.loss.runs.w.Path()
}

// CloseRunLog ends the run log with how the session ended: done when the
// run reached its last step, else stopped. Call it once the program has
// ended; a second call does nothing.
func (m *Model) CloseRunLog() error {
	w := m.loss.runs.w
	if w == nil {
		return nil
	}
	m.loss.runs.w = nil
	status := runlog.Stopped
	if m.done {
		status = runlog.Done
	}
	values := map[string]float64{}
	if m.haveStep {
		values[runlog.Loss] = m.last.Loss
	}
	if m.haveVal {
		values[runlog.ValLoss] = m.val
	}
	return w.End(runlog.End{Step: m.step, Status: status, Values: values})
}

// openRunLog starts the session's run log, when a runs directory was given.
func (m *Model) openRunLog() {
	r := &m.loss.runs
	t := m.sess.Trainer
	r.head = runlog.Header{Data: m.sess.DataSpecs, Preset: m.sess.Preset,
		From: m.sess.From, Out: m.opts.Out, Step: t.Steps(), Model: t.Model.Config, Train: t.Cfg}
	if r.dir == "" || r.w != nil {
		return
	}
	w, err := runlog.Create(r.dir, r.head)
	if err != nil {
		m.warn("no run log: %v (give --runs DIR, or --runs none)", err)
		return
	}
	r.w, r.self = w, w.Path()
}

// logged reports a write's error as a warning and stops logging.
func (m *Model) logged(err error) {
	if err == nil {
		return
	}
	m.loss.runs.w.Close()
	m.loss.runs.w = nil
	m.warn("run log: %v; the session goes on without it", err)
}

// logStep appends a step's metrics.
func (m *Model) logStep(st engine.StepStats) {
	if w := m.loss.runs.w; w != nil {
		m.logged(w.Metrics(st.Step, map[string]float64{runlog.Loss: st.Loss, runlog.LR: st.LR,
			runlog.GradNorm: st.GradNorm, runlog.TokensPS: st.TokensPerSec()}))
	}
}

// logEval appends an evaluation: the validation loss and the extra metrics
// (accuracy, the original data's validation loss).
func (m *Model) logEval(step int, val float64, metrics map[string]float64) {
	if w := m.loss.runs.w; w != nil {
		values := maps.Clone(metrics)
		if values == nil {
			values = map[string]float64{}
		}
		values[runlog.ValLoss] = val
		m.logged(w.Metrics(step, values))
	}
}

// logHealth appends a health finding.
func (m *Model) logHealth(h engine.HealthEvent) {
	if w := m.loss.runs.w; w != nil {
		m.logged(w.Health(h))
	}
}

// logRecipe appends a recipe change that took effect after step.
func (m *Model) logRecipe(ev engine.Event, label string) {
	if w := m.loss.runs.w; w != nil {
		m.logged(w.Recipe(runlog.Recipe{Step: ev.Step, Change: label, Train: ev.Recipe, Dropout: ev.Dropout}))
	}
}
