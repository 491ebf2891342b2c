package tui

import (
	"runtime/debug"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
)

// predictK is how many next tokens the Predict pane lists at most.
const predictK = 10

// runningSampleTokens caps samples taken while training runs (generation
// competes with training for the cores), and a big model's always (each
// token is a forward pass over the whole model); a pause brings a full one
// of a small model.
const runningSampleTokens = 32

// inspectShare bounds the time inspection jobs take while training runs:
// the next one waits at least this many times as long as the last took.
const inspectShare = 20

// bigSnapshot is the size of a snapshot (its weights, float32) from which
// snapshots are spaced out and the one replaced is handed back to the
// system at once: a GPT-2 small snapshot is a 500 MB copy, taken on the
// trainer's goroutine, and left to the garbage collector the replaced
// copies would let the heap grow by that much per refresh before it runs.
const bigSnapshot = 64 << 20

// snapshotBytes is what one snapshot of a model of shape c copies.
func snapshotBytes(c engine.Config) int64 { return 4 * c.NumParams() }

// snapshotSpacing is how much longer than the usual interval the next
// snapshot waits while training runs: one interval per bigSnapshot copied,
// so a 124M-parameter model refreshes every 7 intervals (14 s by default),
// and a small one as often as ever.
func snapshotSpacing(c engine.Config) int64 { return max(snapshotBytes(c)/bigSnapshot, 1) }

// refreshWant is what the next inspection job must do.
type refreshWant struct{ snapshot, inspect, sample bool }

func (w refreshWant) any() bool { return w.snapshot || w.inspect || w.sample }

// refresh asks for an inspection job; jobs run one at a time and requests
// made meanwhile are merged into the next one. A job that wants a fresh
// snapshot asks the runner for one and starts when it arrives.
func (m *Model) refresh(w refreshWant) tea.Cmd {
	if m.sess == nil {
		return nil
	}
	m.want.snapshot = m.want.snapshot || w.snapshot
	m.want.inspect = m.want.inspect || w.inspect
	m.want.sample = m.want.sample || w.sample
	if m.busy {
		return nil
	}
	m.job, m.want = m.want, refreshWant{}
	m.busy = true
	m.jobStart, m.jobSample = m.now(), m.job.sample
	if m.job.snapshot || m.snap == nil {
		m.ask(asked{kind: askInspect}, engine.Snapshot{})
		return nil
	}
	return m.inspect(m.snap, m.snapStep)
}

// inspect starts the inspection job on snap, the snapshot at step, off the
// UI goroutine and off the trainer's.
func (m *Model) inspect(snap *engine.Model, step int) tea.Cmd {
	n := m.sample.tokensWanted()
	big := snapshotBytes(snap.Config) >= bigSnapshot
	if m.running || big {
		n = min(n, runningSampleTokens)
	}
	sample := m.job.sample
	if big && sample && m.job.inspect {
		// A big model's sample takes a forward pass a token: predictions
		// and attention come first, and the sample in the next job.
		sample, m.jobSample = false, false
		m.want.sample = true
	}
	ids, more := promptTail(m.sess.Encode, m.prompt, snap.Config.Context)
	job := refreshJob{snap: snap, snapStep: step, more: more,
		prompt: m.prompt, ids: ids, topK: predictK,
		sample: sample, opts: m.sample.options(m.sampleSeed), n: n}
	m.compareJob(&job)
	return job.run
}
func (m *Model) inspected(msg inspectedMsg) tea.Cmd {
	m.busy = false
	// While training runs, inspection takes at most about 1/inspectShare of
	// the time: on a slow machine the panes follow less often.
	now := m.now()
	took := now.Sub(m.jobStart)
	if m.jobSample {
		m.nextSample = now.Add(max(m.every.Sample, inspectShare*took))
		m.nextInspect = now.Add(m.every.Inspect)
	} else {
		m.nextInspect = now.Add(max(m.every.Inspect, inspectShare*took))
	}
	var free tea.Cmd
	if old := m.snap; msg.model != nil && old != msg.model {
		c := msg.model.Config
		if spaced := now.Add(m.every.Inspect * time.Duration(snapshotSpacing(c))); spaced.After(m.nextInspect) {
			m.nextInspect = spaced
		}
		if snapshotBytes(c) >= bigSnapshot && old != nil {
			free = freeMemory // old is unreferenced from here on
		}
	}
	m.snap, m.snapStep = msg.model, msg.step
	m.compared(msg.cmp)
	if msg.prompt == m.prompt {
		labels := make([]string, len(msg.ins.Tokens))
		for i, id := range msg.ins.Tokens {
			labels[i] = m.sess.Decode([]int32{id})
		}
		next := make([][]predictionLabel, len(msg.ins.Next))
		for i, preds := range msg.ins.Next {
			for _, p := range preds {
				next[i] = append(next[i], predictionLabel{text: m.sess.Decode([]int32{p.ID}), prob: p.Prob})
			}
		}
		m.predict.setInspection(msg.step, labels, next, msg.more)
		m.attention.setInspection(msg.step, labels, msg.ins.Attention)
		if msg.sampled {
			m.sample.setSample(msg.step, m.prompt, m.sess.Decode(msg.sample), msg.opts)
		}
	}
	if m.want.any() {
		return tea.Batch(free, m.refresh(refreshWant{}))
	}
	return free
}

// freeMemory returns the memory of a replaced big snapshot to the system,
// off the UI goroutine: a forced collection, cheap on a heap of float
// slices that hold no pointers. It reports nothing.
func freeMemory() tea.Msg {
	debug.FreeOSMemory()
	return nil
}
func (m *Model) setPrompt(text string) {
	m.prompt = text
	m.predict.setPrompt(text)
	m.sample.setPrompt(text)
}

// Tail encoding: a prompt's tail is first tried at tailBytesPerToken bytes
// per token the model sees, and its first tailMargin tokens are dropped
// (the cut may fall inside a word).
const (
	tailBytesPerToken = 16
	tailMargin        = 8
)

// promptTail returns the ids the model sees of text, its last n tokens
// (all of them when n ≤ 0), and whether text has more tokens than that.
// Only a tail of the text a few times n tokens long is encoded, so a 1 MB
// prompt costs what a short one does.
func promptTail(encode func(string) []int32, text string, n int) ([]int32, bool) {
	for span := max(tailBytesPerToken*n, 256); n > 0 && span < len(text); span *= 2 {
		start := len(text) - span
		for start < len(text) && !utf8.RuneStart(text[start]) {
			start++
		}
		if ids := encode(text[start:]); len(ids) >= n+tailMargin {
			return ids[len(ids)-n:], true
		}
	}
	ids := encode(text)
	if n > 0 && len(ids) > n {
		return ids[len(ids)-n:], true
	}
	return ids, false
}
