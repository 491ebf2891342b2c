package tui

import (
	"math"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
	"lmlab/samples"
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
	first := !m.sample.have
	if (big || (first && !m.firstDeferred)) && sample && m.job.inspect {
		m.firstDeferred = m.firstDeferred || first // once: a deferred sample merged into the next inspection goes with it
		// A big model's sample takes a forward pass a token, and the first
		// one stands between a new workbench and its filled panes:
		// predictions and attention come first, the sample in the next job.
		sample, m.jobSample = false, false
		m.want.sample = true
	}
	ids, more := promptTail(m.sess.Encode, m.prompt, snap.Config.Context)
	if first && sample {
		// The first sample stays inside the context, where the KV cache
		// makes a token one position's work; a sliding window recomputes
		// the whole window a token (BenchmarkOpen: every pane 1,164 → 145
		// ms of CPU on tiny shakespeare with baby).
		n = min(n, max(snap.Config.Context-len(ids), 16))
	}
	job := refreshJob{snap: snap, snapStep: step, more: more,
		prompt: m.prompt, ids: ids, topK: predictK,
		sample: sample, opts: m.sample.options(m.sampleSeed), n: n}
	m.compareJob(&job)
	pj := predictJob{refreshJob: job, tau: m.temperature}
	if sample {
		pj.problems, pj.problemIDs = m.taskProblems()
	}
	return pj.run
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

// taskProblemsShown is how many held-out problems of a task sample the
// Sample pane answers: the first of the evaluation's (samples.Accuracy with
// seed 1 draws the same ones first).
const taskProblemsShown = 8

// taskProblems returns the held-out problems the Sample pane shows for a
// task sample, and their prompts encoded after a newline as the accuracy
// asks them; nil for other data.
func (m *Model) taskProblems() ([]samples.Problem, [][]int32) {
	s := m.sess.Sample
	if s == nil || s.Kind != "task" {
		return nil, nil
	}
	ps, ok := samples.Problems(s.Name, taskProblemsShown, 1)
	if !ok {
		return nil, nil
	}
	ids := make([][]int32, len(ps))
	for i, p := range ps {
		ids[i] = m.sess.Encode("\n" + p.Prompt)
	}
	return ps, ids
}

// predictedMsg is an inspection with what the inspect command adds from the
// same forward pass: each position's predictions at the temperature and
// the token that comes next in the prompt, scored; and for a task sample,
// the model's greedy answers to a few held-out problems.
type predictedMsg struct {
	inspectedMsg
	tau      float64
	next     []positionPrediction // one per token of ins.Tokens
	problems []samples.Problem
	answers  [][]int32 // the ids generated after each problem's prompt
}

// temperatureMsg reports that t or T changed the temperature, in Predict or
// Sample: both panes show the one value, and both redo their work at it.
type temperatureMsg struct{}

// tauBudget bounds the probabilities an inspection reweighs at a
// temperature other than 1 (a log and an exp each, 60–140 ns here): about
// a second. Positions before the last tauBudget/V keep temperature 1, so a
// GPT-2 vocabulary reweighs its last 166 positions, a small model's all.
const tauBudget = 1 << 23

// reweighFrom is the first of n positions of a vocabulary of V tokens that
// an inspection reweighs at a temperature other than 1.
func reweighFrom(n, V int) int { return max(n-tauBudget/V, 0) }

// positionPrediction is what the model predicts after one prompt position.
type positionPrediction struct {
	tau  float64             // the temperature of top and pTau
	top  []engine.Prediction // the likeliest next tokens at the temperature, likeliest first
	next int32               // the token that comes next in the prompt; -1: the prompt ends here
	p    float32             // its probability (temperature 1: what the loss −ln p is of)
	pTau float32             // its probability at the temperature, as the bars show it
	rank int                 // its place among all tokens, 1 the likeliest (ties: lower id first)
}

// predictJob is the inspect command: a refreshJob, then, while the
// snapshot still holds the distributions its Inspect computed, the
// predictions at the temperature and the prompt's next tokens scored, then
// the task problems answered.
type predictJob struct {
	refreshJob
	tau        float64
	problems   []samples.Problem
	problemIDs [][]int32
}

func (j predictJob) run() tea.Msg {
	msg := predictedMsg{inspectedMsg: j.refreshJob.run().(inspectedMsg), tau: j.tau, problems: j.problems}
	// refreshJob.run's last forward pass is Inspect's over the prompt
	// (Generate only reads the model): the distribution at every position
	// is still the snapshot's, until its next forward pass.
	m, ids := j.snap, msg.ins.Tokens
	from := reweighFrom(len(ids), m.Config.VocabSize)
	for t := range ids {
		next := int32(-1)
		if t+1 < len(ids) {
			next = ids[t+1]
		}
		tau := j.tau
		if t < from {
			tau = 1
		}
		msg.next = append(msg.next, predictAt(m.Probs(0, t), next, tau, j.topK))
	}
	for i, p := range j.problemIDs {
		// Greedy, as the accuracy is measured; the answer and its newline
		// take at most a token a byte.
		n := len(j.problems[i].Answer) + 1
		if len(p) == 0 {
			msg.answers = append(msg.answers, nil)
			continue
		}
		out := m.Generate(p, n, engine.SampleOptions{}, nil)
		msg.answers = append(msg.answers, out[len(p):])
	}
	return msg
}

// predictAt reads one position's distribution probs (temperature 1) at
// temperature tau: the k likeliest tokens with their probabilities under
// softmax(logits/τ), which is p^(1/τ) renormalized (τ 0: all on the
// likeliest), and the prompt's next token next (-1: none) scored.
func predictAt(probs []float32, next int32, tau float64, k int) positionPrediction {
	out := positionPrediction{tau: tau, top: engine.TopK(probs, k), next: next}
	if len(out.top) == 0 {
		return out
	}
	best := out.top[0]
	// at is a token's probability at tau, given its id and probability p.
	var at func(id int32, p float32) float32
	switch {
	case tau == 1:
		at = func(_ int32, p float32) float32 { return p }
	case tau <= 0: // greedy: the likeliest has it all
		at = func(id int32, _ float32) float32 {
			if id == best.ID {
				return 1
			}
			return 0
		}
	default:
		// p^(1/τ) relative to the likeliest's, in logs so that a small τ
		// does not underflow before the division.
		inv, lmax := 1/tau, math.Log(float64(best.Prob))
		w := func(p float32) float64 {
			if p <= 0 {
				return 0
			}
			return math.Exp(inv * (math.Log(float64(p)) - lmax))
		}
		var z float64
		for _, p := range probs {
			z += w(p)
		}
		at = func(_ int32, p float32) float32 { return float32(w(p) / z) }
	}
	for i, c := range out.top {
		out.top[i].Prob = at(c.ID, c.Prob)
	}
	if next < 0 || int(next) >= len(probs) {
		out.next = -1
		return out
	}
	out.p = probs[next]
	out.pTau = at(next, out.p)
	out.rank = 1
	for i, p := range probs {
		if p > out.p || (p == out.p && int32(i) < next) {
			out.rank++
		}
	}
	return out
}

// predicted shows an inspection as inspected does, and what the inspect
// command added: Predict's bars at the temperature and the prompt's next
// tokens scored, and a task sample's answers in Sample.
func (m *Model) predicted(msg predictedMsg) tea.Cmd {
	cmd := m.inspected(msg.inspectedMsg)
	decode := func(id int32) string { return m.sess.Decode([]int32{id}) }
	if msg.prompt == m.prompt {
		at := make([][]predictionLabel, len(msg.next))
		taus := make([]float64, len(msg.next))
		actual := make([]nextLabel, len(msg.next))
		for t, pp := range msg.next {
			taus[t] = pp.tau
			for _, c := range pp.top {
				at[t] = append(at[t], predictionLabel{text: decode(c.ID), prob: c.Prob})
			}
			if pp.next < 0 {
				continue
			}
			actual[t] = nextLabel{text: decode(pp.next), p: pp.p, pTau: pp.pTau, rank: pp.rank, bar: -1, ok: true}
			for i, c := range pp.top {
				if c.ID == pp.next {
					actual[t].bar = i
					break
				}
			}
		}
		m.predict.setPredictions(msg.tau, at, taus, actual)
	}
	if msg.problems != nil {
		answers := make([]taskAnswer, len(msg.problems))
		for i, p := range msg.problems {
			got := m.sess.Decode(msg.answers[i])
			first, _, _ := strings.Cut(got, "\n")
			answers[i] = taskAnswer{prompt: p.Prompt, want: p.Answer, got: first, right: p.Correct(got)}
		}
		m.sample.setAnswers(msg.step, answers)
	}
	return cmd
}
