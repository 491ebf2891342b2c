package tui

import (
	"fmt"
	"path/filepath"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
	"lmlab/engine/lab"
)

// compareK is how many next tokens the base-vs-now comparison lists.
const compareK = 5

// comparison is one inspection of the fine-tune base beside the snapshot
// ("now"): the prompt's predictions at every position, the probe prompts'
// next tokens, and the base's validation loss when it was asked for.
type comparison struct {
	baseID  int    // the base it was computed with
	prompt  string // the prompt it was computed for
	next    [][]engine.Prediction
	probes  []probeResult
	val     float64 // the base's validation loss on the data of valGen
	haveVal bool
	valGen  int // -1: not evaluated in this job
}

// probeResult is one probe prompt's top next tokens, base and now.
type probeResult struct {
	prompt    string
	base, now []engine.Prediction
}

// markBase asks for a snapshot of the training model to keep as the base
// the Predict pane compares with; label names it ("" names it by step).
// It runs after the runner requests already asked for, so f after n n
// marks step 2.
func (m *Model) markBase(label string) tea.Cmd {
	if m.sess == nil {
		return nil
	}
	m.ask(asked{kind: askBase, label: label}, engine.Snapshot{})
	return nil
}

// baseMarked keeps model, the snapshot at step, as the base and asks for
// the first comparison. label names it ("": by step).
func (m *Model) baseMarked(model *engine.Model, step int, label string) tea.Cmd {
	m.base, m.baseID = model, m.baseID+1
	m.baseValGen, m.haveBaseVal = -1, false
	if label == "" {
		label = fmt.Sprintf("step %d", step)
	}
	m.baseLabel = label
	m.predict.setBase(label)
	m.loss.setBase(label, step)
	m.say("base: %s; Predict compares it with the model as it trains (f marks again)", label)
	if m.initNote != "" {
		m.message, m.initNote = m.message+" · "+m.initNote, ""
	}
	return m.refresh(refreshWant{inspect: true})
}

// ckptLabel names a base loaded from a checkpoint.
func ckptLabel(path string) string { return filepath.Base(path) }

// compared takes a comparison from an inspection job.
func (m *Model) compared(c *comparison) {
	if c == nil || c.baseID != m.baseID {
		return // from an earlier base
	}
	if c.valGen >= 0 {
		m.baseValGen = c.valGen
		m.haveBaseVal = c.haveVal
		m.loss.setBaseVal(c.val, c.haveVal)
	}
	if c.prompt != m.prompt {
		return
	}
	label := func(ps []engine.Prediction) []predictionLabel {
		out := make([]predictionLabel, len(ps))
		for i, p := range ps {
			out[i] = predictionLabel{text: m.sess.Decode([]int32{p.ID}), prob: p.Prob}
		}
		return out
	}
	pc := &predictComparison{}
	for _, preds := range c.next {
		pc.next = append(pc.next, label(preds))
	}
	for _, p := range c.probes {
		pc.probes = append(pc.probes, probeLabels{prompt: p.prompt, base: label(p.base), now: label(p.now)})
	}
	m.predict.setComparison(pc)
}

// compareJob fills the base's part of an inspection job.
func (m *Model) compareJob(j *refreshJob) {
	if m.base == nil {
		return
	}
	j.base, j.baseID = m.base, m.baseID
	for _, p := range lab.ProbePrompts(m.sess.Corpus) {
		if p == m.prompt {
			continue // the prompt is compared already
		}
		if ids := m.sess.Encode(p); len(ids) > 0 {
			j.probes = append(j.probes, p)
			j.probeIDs = append(j.probeIDs, ids)
		}
	}
	if m.baseValGen != m.dataGen {
		j.baseVal, j.valGen = m.sess.Data.Val, m.dataGen
		tc := m.sess.Trainer.Cfg
		j.T, j.B, j.windows = tc.Context, tc.Batch, tc.EvalWindows
	}
}
