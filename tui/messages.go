package tui

import (
	"errors"
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/samples"
	"lmlab/tokenizer"
)

// startedMsg reports that the session is built and its runner waits, paused.
type startedMsg struct {
	sess    *lab.Session
	runner  *engine.Runner
	stats   []samples.Stats // per source, in Corpus.Sources order
	unknown []unknownReport // per source: what the tokenizer cannot represent
	total   samples.Stats   // the enabled sources together
	leaks   []samples.Leak
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

// inspectedMsg carries predictions, attention and maybe a sample computed
// from one snapshot of the model, and the snapshot itself for reuse.
type inspectedMsg struct {
	model   *engine.Model
	step    int
	prompt  string // the prompt it was computed for
	more    bool   // the prompt is longer than the model sees: ins is of its tail
	ins     engine.Inspection
	sampled bool
	sample  []int32 // the generated ids after the prompt
	opts    engine.SampleOptions
	cmp     *comparison // with a base: base vs now; nil without one
}

// compareMsg carries the tokenizer built for comparison in the Tokens pane.
type compareMsg struct {
	spec string
	tok  tokenizer.Tokenizer
	err  error
}

// sourceToggleMsg asks to turn source i of the corpus on or off.
type sourceToggleMsg struct{ i int }

// sourceWeightMsg asks to move source i's weight a step up or down.
type sourceWeightMsg struct {
	i  int
	up bool
}

// sourceAddMsg asks to load a --data value and add it to the corpus.
type sourceAddMsg struct{ spec string }

// sourceLoadedMsg carries a source read for sourceAddMsg, measured with the
// session's tokenizer.
type sourceLoadedMsg struct {
	spec    string
	src     *samples.Source
	stats   samples.Stats
	unknown unknownReport
	err     error
}

// dataEncodedMsg carries a corpus encoded off the UI goroutine, on its way
// to the trainer (or the error that stops it).
type dataEncodedMsg struct {
	corpus  *samples.Corpus
	data    engine.Data
	leaks   []samples.Leak
	err     error
	newVal  bool // the validation text changed: evaluate on it once taken
	windows int
}

// dataAppliedMsg reports that the trainer has (or has refused) the data of
// corpus.
type dataAppliedMsg struct {
	corpus *samples.Corpus
	data   engine.Data
	leaks  []samples.Leak
	err    error
}

// errMsg reports an action that failed; the status bar shows it.
type errMsg struct{ err error }

// promptMsg reports that the user changed the prompt in Predict or Sample.
type promptMsg struct{ text string }

// regenerateMsg asks for a new sample with the current settings; newSeed
// draws a different one.
type regenerateMsg struct{ newSeed bool }

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

// saveRequest asks the runner to write the checkpoint atomically between
// steps. An empty out names the file after the data and the step, guarded
// when the save happens (see defaultSavePath). The data list and the rest
// of the metadata are taken when s is pressed, on the UI goroutine, which
// owns the session's data list. A save that fails (a full disk) is rescued
// by lab.SaveWithFallback, and its error, a *rescuedError, says where the
// run went.
func saveRequest(tokData []byte, specs []string, from, out, name string) engine.Save {
	return engine.Save{Write: func(t *engine.Trainer) (string, error) {
		path := out
		if path == "" {
			var err error
			if path, err = defaultSavePath(name, t.Steps(), specs); err != nil {
				return "", err
			}
		}
		s := &lab.Session{Trainer: t, TokData: tokData, DataSpecs: specs, From: from}
		saved, err := s.SaveWithFallback(path)
		switch {
		case err == nil:
			return saved, nil
		case saved != "":
			return "", &rescuedError{path: path, rescue: saved, err: err}
		}
		return "", err
	}}
}

// maxSaveNames bounds the numbered names defaultSavePath tries.
const maxSaveNames = 100

// defaultSavePath is where s saves without --out: lmlab-<data>-step<N>.safetensors
// in the working directory, checked by lab.CheckOutput as the run's
// outputs are. When a file that is not an lmlab checkpoint has that name,
// the next free name (…-2.safetensors, …-3, …) is taken rather than
// refusing; any other refusal is the error.
func defaultSavePath(name string, step int, data []string) (string, error) {
	base := fmt.Sprintf("lmlab-%s-step%d", name, step)
	for i := 1; ; i++ {
		path := base + ".safetensors"
		if i > 1 {
			path = fmt.Sprintf("%s-%d.safetensors", base, i)
		}
		_, err := lab.CheckOutput(path, lab.GuardOptions{Flag: "s", Data: data})
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, lab.ErrNotOurs) || i == maxSaveNames {
			return "", err
		}
	}
}

// rescuedError is a save that failed at path and went to rescue instead.
type rescuedError struct {
	path, rescue string
	err          error
}

func (e *rescuedError) Error() string {
	return fmt.Sprintf("%v; the run was saved to %s instead", e.err, e.rescue)
}

func (e *rescuedError) Unwrap() error { return e.err }

// refreshJob is one inspection of a snapshot of the training model:
// predictions and attention for the prompt, then maybe a sample. Jobs run
// one at a time, so the snapshot model is never used by two goroutines at
// once.
type refreshJob struct {
	snap     *engine.Model
	snapStep int
	prompt   string
	ids      []int32 // the tokens of the prompt the model sees
	more     bool    // the prompt has more tokens than ids
	topK     int
	sample   bool
	opts     engine.SampleOptions
	n        int // tokens to generate

	// With a fine-tune base: the same prompt and the probe prompts through
	// both models, and the base's validation loss when the data changed.
	base     *engine.Model
	baseID   int
	probes   []string
	probeIDs [][]int32
	baseVal  []int32 // evaluate the base on these; nil: it is known
	valGen   int     // the data generation baseVal belongs to
	T, B     int     // evaluation windows: context and batch
	windows  int     // cap on windows, as the trainer's evaluations
}

func (j refreshJob) run() tea.Msg {
	m, step := j.snap, j.snapStep
	msg := inspectedMsg{model: m, step: step, prompt: j.prompt, more: j.more, opts: j.opts}
	if j.base != nil {
		msg.cmp = j.compare(m)
	}
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

// compare runs the prompt and the probes through the base and now, the
// snapshot; like the snapshot, the base is only ever used by one job at a
// time.
func (j refreshJob) compare(now *engine.Model) *comparison {
	c := &comparison{baseID: j.baseID, prompt: j.prompt, valGen: -1}
	c.next = j.base.Inspect(j.ids, compareK).Next
	for i, ids := range j.probeIDs {
		c.probes = append(c.probes, probeResult{prompt: j.probes[i],
			base: engine.TopK(j.base.NextProbs(ids), compareK),
			now:  engine.TopK(now.NextProbs(ids), compareK)})
	}
	if j.baseVal != nil {
		loss, n := j.base.Eval(j.baseVal, j.T, j.B, j.windows)
		c.val, c.haveVal, c.valGen = loss, n > 0, j.valGen
	}
	return c
}
