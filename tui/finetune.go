package tui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
	"lmlab/samples"
)

// compareK is how many next tokens the base-vs-now comparison lists.
const compareK = 5

// maxProbes caps the probe prompts the Predict pane compares.
const maxProbes = 6

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

// ProbePrompts are the prompts that show what fine-tuning changed: the
// probes of the built-in samples in use, newest source first (a domain
// sample added to a pretraining one leads), else the openings of a few
// validation lines, as lmlab finetune takes them.
func ProbePrompts(c *samples.Corpus) []string {
	var out []string
	enabled := c.Enabled()
	for i := len(enabled) - 1; i >= 0; i-- {
		src := enabled[i]
		if src.Kind != samples.KindSample {
			continue
		}
		smp, err := samples.Lookup(strings.TrimPrefix(src.Name, "sample:"))
		if err != nil {
			continue
		}
		for _, p := range smp.Probes {
			if !slices.Contains(out, p) && len(out) < maxProbes {
				out = append(out, p)
			}
		}
	}
	if len(out) > 0 {
		return out
	}
	for _, src := range enabled {
		lines := strings.Split(src.ValText, "\n")
		if src.TrainText != "" && !strings.HasSuffix(src.TrainText, "\n") {
			lines = lines[1:] // split inside a line: its start is in the training text
		}
		for _, line := range lines {
			words := strings.Fields(line)
			if len(words) < 4 {
				continue
			}
			p := strings.Join(words[:min(len(words)/2, 6)], " ") + " "
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
			if len(out) == 3 {
				return out
			}
		}
	}
	return out
}

// markBase asks for a snapshot of the training model to keep as the base
// the Predict pane compares with; label names it ("" names it by step).
// It runs after the runner requests already asked for, so f after n n
// marks step 2.
func (m *Model) markBase(label string) tea.Cmd {
	if m.sess == nil {
		return nil
	}
	r := m.runner
	return m.control(func() tea.Msg {
		mdl, step := r.Snapshot()
		if mdl == nil {
			return baseMsg{err: fmt.Errorf("the trainer has stopped")}
		}
		return baseMsg{model: mdl, step: step, label: label}
	})
}

// baseMarked keeps the base and asks for the first comparison.
func (m *Model) baseMarked(msg baseMsg) tea.Cmd {
	next := m.controlDone()
	if msg.err != nil {
		m.setError(fmt.Errorf("mark base: %w", msg.err))
		return next
	}
	m.base, m.baseID = msg.model, m.baseID+1
	m.baseValGen, m.haveBaseVal = -1, false
	label := msg.label
	if label == "" {
		label = fmt.Sprintf("step %d", msg.step)
	}
	m.baseLabel = label
	m.predict.setBase(label)
	m.loss.setBase(label, msg.step)
	m.message, m.msgErr = fmt.Sprintf("base: %s; Predict compares it with the model as it trains (f marks again)", label), false
	if m.initNote != "" {
		m.message, m.initNote = m.message+" · "+m.initNote, ""
	}
	return tea.Batch(next, m.refresh(refreshWant{inspect: true}))
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
	for _, p := range ProbePrompts(m.sess.Corpus) {
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
