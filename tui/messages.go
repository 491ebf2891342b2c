package tui

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
	"lmlab/samples"
	"lmlab/tokenizer"
)

// startedMsg reports that the session is built and its runner waits, paused.
type startedMsg struct {
	sess   *Session
	runner *engine.Runner
	stats  []samples.Stats // per source, in Corpus.Sources order
	total  samples.Stats   // the enabled sources together
	leaks  []samples.Leak
}

// startFailedMsg reports that the session could not be built.
type startFailedMsg struct{ err error }

// eventsMsg carries the runner events that were waiting, oldest first;
// closed means the stream has ended (the runner stopped).
type eventsMsg struct {
	events []engine.Event
	closed bool
}

// frameMsg is the repaint tick while training runs.
type frameMsg struct{}

// steppedMsg reports that a single step asked for with n has run.
type steppedMsg struct {
	stats engine.StepStats
	ok    bool // false when no step ran (the run is done or the runner stopped)
}

// controlledMsg reports that the runner took a run or pause request.
type controlledMsg struct{}

// inspectedMsg carries predictions, attention and maybe a sample computed
// from one snapshot of the model, and the snapshot itself for reuse.
type inspectedMsg struct {
	model   *engine.Model
	step    int
	prompt  string // the prompt it was computed for
	ins     engine.Inspection
	sampled bool
	sample  []int32 // the generated ids after the prompt
	opts    engine.SampleOptions
}

// savedMsg reports the end of a checkpoint save.
type savedMsg struct {
	path string
	step int
	err  error
}

// compareMsg carries the tokenizer built for comparison in the Tokens pane.
type compareMsg struct {
	spec string
	tok  tokenizer.Tokenizer
	err  error
}

// errMsg reports an action that failed; the status bar shows it.
type errMsg struct{ err error }

// promptMsg reports that the user changed the prompt in Predict or Sample.
type promptMsg struct{ text string }

// regenerateMsg asks for a new sample with the current settings; newSeed
// draws a different one.
type regenerateMsg struct{ newSeed bool }

// startCmd builds the session (it reads and encodes the data and allocates
// the model) and its runner, off the UI goroutine.
func startCmd(opt SessionOptions) tea.Cmd {
	return func() tea.Msg {
		sess, err := NewSession(opt)
		if err != nil {
			return startFailedMsg{err}
		}
		return startSession(sess)
	}
}

// startSession measures the session's data for the Dataset pane and starts
// its runner, paused.
func startSession(sess *Session) startedMsg {
	msg := startedMsg{sess: sess}
	encode := sess.Tokenizer.Encode
	for _, src := range sess.Corpus.Sources {
		msg.stats = append(msg.stats, src.Stats(encode, nil))
	}
	msg.total = sess.Corpus.Stats(encode, nil)
	msg.leaks = sess.Corpus.Leaks()
	msg.runner = engine.NewRunner(sess.Trainer)
	msg.runner.Metrics = sess.Metrics()
	return msg
}

// waitForEvents blocks for the runner's next event and returns it with every
// other event already waiting, so a fast trainer costs one update per batch
// rather than one per step. The model re-arms it after each batch.
func waitForEvents(ch <-chan engine.Event) tea.Cmd {
	return func() tea.Msg {
		ev, ok := <-ch
		if !ok {
			return eventsMsg{closed: true}
		}
		msg := eventsMsg{events: []engine.Event{ev}}
		for len(msg.events) < cap(ch) {
			select {
			case ev, ok := <-ch:
				if !ok {
					msg.closed = true
					return msg
				}
				msg.events = append(msg.events, ev)
			default:
				return msg
			}
		}
		return msg
	}
}

// frameTick schedules the next repaint.
func frameTick(d time.Duration) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg { return frameMsg{} })
}

// runCmd asks the runner to train; the state change comes back as an event.
func runCmd(r *engine.Runner) tea.Cmd {
	return func() tea.Msg { r.Run(); return controlledMsg{} }
}

// pauseCmd asks the runner to stop after the current step.
func pauseCmd(r *engine.Runner) tea.Cmd {
	return func() tea.Msg { r.Pause(); return controlledMsg{} }
}

// stepCmd runs exactly one training step.
func stepCmd(r *engine.Runner) tea.Cmd {
	return func() tea.Msg {
		st, ok := r.StepOnce()
		return steppedMsg{st, ok}
	}
}

// evalCmd runs a validation pass now; the result comes back as an event.
func evalCmd(r *engine.Runner, maxWindows int) tea.Cmd {
	return func() tea.Msg { r.Evaluate(maxWindows); return controlledMsg{} }
}

// saveCmd captures the trainer between steps and writes the checkpoint
// atomically. An empty path names the file after the data and the step.
func saveCmd(r *engine.Runner, sess *Session, path, name string) tea.Cmd {
	return func() tea.Msg {
		ck := r.Checkpoint(sess.TokData, sess.Meta())
		if ck == nil {
			return savedMsg{path: path, err: fmt.Errorf("the trainer has stopped; nothing to save")}
		}
		if path == "" {
			path = fmt.Sprintf("lmlab-%s-step%d.safetensors", name, ck.Step)
		}
		return savedMsg{path: path, step: ck.Step, err: engine.SaveCheckpoint(path, ck)}
	}
}

// refreshJob is one inspection: optionally a fresh snapshot of the training
// model, then predictions and attention for the prompt, then maybe a sample.
// Jobs run one at a time, so the snapshot model is never used by two
// goroutines at once.
type refreshJob struct {
	runner   *engine.Runner
	snap     *engine.Model // the last snapshot; nil forces a new one
	snapStep int
	snapshot bool
	prompt   string
	ids      []int32
	topK     int
	sample   bool
	opts     engine.SampleOptions
	n        int // tokens to generate
}

func (j refreshJob) run() tea.Msg {
	m, step := j.snap, j.snapStep
	if j.snapshot || m == nil {
		m, step = j.runner.Snapshot()
		if m == nil {
			return errMsg{fmt.Errorf("the trainer has stopped")}
		}
	}
	msg := inspectedMsg{model: m, step: step, prompt: j.prompt, opts: j.opts}
	if len(j.ids) == 0 {
		return msg
	}
	msg.ins = m.Inspect(j.ids, j.topK)
	if j.sample {
		msg.sampled = true
		out := m.Generate(j.ids, j.n, j.opts, nil)
		msg.sample = out[len(j.ids):]
	}
	return msg
}
