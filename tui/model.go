package tui

import (
	"fmt"
	"math"
	"path/filepath"
	"runtime/debug"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/samples"
)

// Options configures the workbench.
type Options struct {
	Session lab.Options // what to train on, as the training flags say
	Out     string      // checkpoint path for s; "": lmlab-<data>-step<N>.safetensors

	Styles *Styles          // nil: DefaultStyles (which respects NO_COLOR)
	Now    func() time.Time // the clock for elapsed time; nil: time.Now
	Start  func() tea.Cmd   // builds the session; nil: startCmd(Session). Tests inject one.
	Quit   func()           // called (on its own goroutine) when a render fails, to end the program
	Every  RefreshIntervals // zero fields take the defaults
}

// RefreshIntervals says how often the screen and the inspection panes follow
// a running trainer.
type RefreshIntervals struct {
	Frame   time.Duration // repaint; default 125 ms (8 fps)
	Inspect time.Duration // snapshot, predictions and attention; default 2 s
	Sample  time.Duration // a new sample; default 10 s
}

func (r RefreshIntervals) withDefaults() RefreshIntervals {
	if r.Frame <= 0 {
		r.Frame = 125 * time.Millisecond
	}
	if r.Inspect <= 0 {
		r.Inspect = 2 * time.Second
	}
	if r.Sample <= 0 {
		r.Sample = 10 * time.Second
	}
	return r
}

// evaluatingMsg is the help line while v's evaluation runs.
const evaluatingMsg = "evaluating on the validation split…"

// predictK is how many next tokens the Predict pane lists at most.
const predictK = 10

// runningSampleTokens caps samples taken while training runs (generation
// competes with training for the cores); a pause brings a full one.
const runningSampleTokens = 32

// inspectShare bounds the time inspection jobs take while training runs:
// the next one waits at least this many times as long as the last took.
const inspectShare = 20

// Model is the workbench: the only tea.Model. It owns the layout, the focus,
// the keys and the connection to the trainer's goroutine; the panes are
// plain components it sizes, feeds and draws.
type Model struct {
	opts  Options
	st    Styles
	keys  keyMap
	help  help.Model
	now   func() time.Time
	every RefreshIntervals

	lay   screenLayout
	focus paneID

	dataset   *datasetPane
	tokens    *tokenPane
	loss      *lossPane
	predict   *predictPane
	attention *attentionPane
	sample    *samplePane

	// The session and its trainer.
	loading bool
	loadErr error
	sess    *lab.Session
	runner  *engine.Runner
	events  <-chan engine.Event
	name    string // the data's short name, for checkpoint file names

	// Training state, as the runner's events report it.
	running     bool
	wantRun     bool // the last space asked to run
	done        bool
	step, total int
	last        engine.StepStats
	haveStep    bool
	val         float64
	haveVal     bool
	tokPerSec   float64
	lr          float64
	elapsed     time.Duration // training time before runSince
	runSince    time.Time
	savedStep   int
	saving      bool
	quitOnSave  bool
	stepsAsked  int              // single steps requested and not yet answered
	asked       map[uint64]asked // runner requests not yet answered, by id

	// Inspection of snapshots.
	prompt      string
	snap        *engine.Model
	snapStep    int
	busy        bool
	want        refreshWant
	job         refreshWant // what the running inspection job does
	jobStart    time.Time   // when the running inspection job started
	jobSample   bool        // and whether it samples
	nextInspect time.Time   // while running, the next snapshot is due then
	nextSample  time.Time   // and the next sample then
	sampleSeed  uint64

	// The data as the Dataset pane edits it (see data.go). sess.Corpus is
	// what the user wants, applied what the trainer has.
	applied    *samples.Corpus
	dataGen    int // counts the data changes the trainer took
	dataBusy   bool
	srcStats   []samples.Stats // per source of sess.Corpus
	srcUnknown []unknownReport
	leaks      []samples.Leak // of the applied data
	adding     string         // a source being loaded

	// The fine-tune base (see finetune.go): weights the Predict pane
	// compares with the training model, and its validation loss.
	base        *engine.Model
	baseID      int // counts the bases marked
	baseLabel   string
	initNote    string // for a run from a checkpoint: what its tokenizer cannot represent
	baseValGen  int    // the data generation the base's val loss is for; -1: none
	haveBaseVal bool

	// Screen.
	showHelp  bool
	confirm   bool // the quit question is open
	message   string
	msgErr    bool
	hint      bool // show the start hint
	ticking   bool
	stale     bool // steps arrived since the last frame
	dirty     bool // the cached frame is out of date
	frame     string
	paneCache [numPanes]string
	paneOK    [numPanes]bool
	fatal     error
	quitting  bool
}

// refreshWant is what the next inspection job must do.
type refreshWant struct{ snapshot, inspect, sample bool }

func (w refreshWant) any() bool { return w.snapshot || w.inspect || w.sample }

// New returns the workbench for opts. Nothing is loaded until the program
// runs Init.
func New(opts Options) *Model {
	st := DefaultStyles()
	if opts.Styles != nil {
		st = *opts.Styles
	}
	m := &Model{opts: opts, st: st, keys: newKeyMap(), help: help.New(), now: opts.Now,
		every: opts.Every.withDefaults(), loading: true, dirty: true, hint: true, sampleSeed: 1}
	if m.now == nil {
		m.now = time.Now
	}
	m.help.Styles = help.Styles{
		ShortKey: st.HelpKey, ShortDesc: st.HelpDesc, ShortSeparator: st.HelpSep, Ellipsis: st.HelpSep,
		FullKey: st.HelpKey, FullDesc: st.HelpDesc, FullSeparator: st.HelpSep,
	}
	m.dataset = newDatasetPane(&m.st, &m.keys)
	m.tokens = newTokenPane(&m.st, &m.keys)
	m.loss = newLossPane(&m.st, &m.keys)
	m.predict = newPredictPane(&m.st, &m.keys)
	m.attention = newAttentionPane(&m.st, &m.keys)
	m.sample = newSamplePane(&m.st, &m.keys)
	m.setFocus(paneDataset)
	return m
}

// Init starts building the session.
func (m *Model) Init() tea.Cmd {
	if m.opts.Start != nil {
		return m.opts.Start()
	}
	return startCmd(m.opts.Session)
}

// Err returns the error that ended the workbench: a session that could not
// be built, or a recovered panic.
func (m *Model) Err() error {
	if m.fatal != nil {
		return m.fatal
	}
	return m.loadErr
}

// Close stops the trainer's goroutine. Call it after the program has ended.
func (m *Model) Close() {
	if m.runner != nil {
		m.runner.Stop()
	}
}

// Step returns the optimizer steps completed, as the status bar shows them.
func (m *Model) Step() int { return m.step }

// Running reports whether the runner says it is training.
func (m *Model) Running() bool { return m.running }

func (m *Model) pane(p paneID) interface {
	SetSize(w, h int)
	SetFocused(bool)
	View() string
} {
	switch p {
	case paneDataset:
		return m.dataset
	case paneTokens:
		return m.tokens
	case paneLoss:
		return m.loss
	case panePredict:
		return m.predict
	case paneAttention:
		return m.attention
	default:
		return m.sample
	}
}

func (m *Model) setFocus(p paneID) {
	m.focus = p
	for q := paneID(0); q < numPanes; q++ {
		m.pane(q).SetFocused(q == p)
	}
	m.updateKeys()
}

func (m *Model) editing() bool {
	return m.dataset.Editing() || m.tokens.Editing() || m.predict.Editing() || m.sample.Editing()
}

func (m *Model) updateKeys() {
	s := keyState{focus: m.focus, loaded: m.sess != nil, running: m.running || m.wantRun, done: m.done,
		editing: m.editing(), confirm: m.confirm, help: m.showHelp, canSave: !m.saving,
		adding: m.adding != "", base: m.base != nil}
	if m.sess != nil {
		s.sources = len(m.sess.Corpus.Sources)
	}
	m.keys.update(s)
}

// Update handles one message. A panic anywhere below is recovered here and
// ends the program cleanly with the error, so the terminal is restored.
func (m *Model) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			m.fatal = fmt.Errorf("internal error: %v\n%s", r, debug.Stack())
			m.quitting = true
			cmd = tea.Quit
		}
	}()
	cmd = m.update(msg)
	m.updateKeys()
	return m, cmd
}

func (m *Model) update(msg tea.Msg) tea.Cmd {
	switch msg.(type) {
	case eventsMsg, frameMsg: // steps and ticks change the Loss pane only
	default:
		m.paneOK = [numPanes]bool{}
	}
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
		m.dirty = true
		return nil
	case tea.KeyPressMsg:
		m.dirty = true
		return m.key(msg)
	case tea.PasteMsg:
		m.dirty = true
		return m.paste(msg)
	case tea.MouseWheelMsg:
		m.dirty = true
		return m.wheel(msg)
	case startedMsg:
		m.dirty = true
		return m.started(msg)
	case startFailedMsg:
		m.loading = false
		m.loadErr = msg.err
		m.dirty = true
		return nil
	case eventsMsg:
		return m.handleEvents(msg)
	case frameMsg:
		return m.tick()
	case inspectedMsg:
		m.dirty = true
		return m.inspected(msg)
	case compareMsg:
		m.dirty = true
		m.tokens.setCompare(msg)
		if msg.err != nil {
			m.setError(msg.err)
		}
		return nil
	case promptMsg:
		m.dirty = true
		m.setPrompt(msg.text)
		return m.refresh(refreshWant{inspect: true, sample: true})
	case regenerateMsg:
		m.dirty = true
		if msg.newSeed {
			m.sampleSeed++
		}
		return m.refresh(refreshWant{sample: true})
	case sourceToggleMsg:
		m.dirty = true
		return m.toggleSource(msg.i)
	case sourceWeightMsg:
		m.dirty = true
		return m.weighSource(msg.i, msg.up)
	case sourceAddMsg:
		m.dirty = true
		return m.addSource(msg.spec)
	case sourceLoadedMsg:
		m.dirty = true
		return m.sourceLoaded(msg)
	case dataEncodedMsg:
		m.dirty = true
		return m.dataEncoded(msg)
	case dataAppliedMsg:
		m.dirty = true
		return m.dataApplied(msg)
	case errMsg:
		m.dirty = true
		m.setError(msg.err)
		return nil
	}
	return nil
}

func (m *Model) resize(w, h int) {
	m.lay = computeLayout(w, h)
	m.help.SetWidth(w)
	for p := paneID(0); p < numPanes; p++ {
		r := m.lay.panes[p]
		m.pane(p).SetSize(r.W, r.H)
	}
}

func (m *Model) started(msg startedMsg) tea.Cmd {
	m.loading = false
	m.sess, m.runner = msg.sess, msg.runner
	m.events = msg.runner.Events()
	m.step = m.sess.Trainer.Steps()
	m.savedStep = m.step
	m.total = m.sess.Trainer.Cfg.Steps
	m.done = m.sess.Trainer.Done()
	m.name = dataName(m.sess.DataSpecs)
	m.applied, m.srcStats, m.srcUnknown, m.leaks = m.sess.Corpus, msg.stats, msg.unknown, msg.leaks
	m.baseValGen = -1
	m.dataset.setSession(m.sess, msg.stats, msg.unknown, msg.leaks)
	m.tokens.setSession(m.sess)
	m.lr = m.sess.Trainer.LR() // the runner is idle until the first request
	m.loss.setRun(m.lr)
	m.prompt = m.sess.Prompt()
	m.predict.setPrompt(m.prompt)
	m.sample.setPrompt(m.prompt)
	m.attention.setConfig(m.sess.Trainer.Model.Config)
	cpt := 4.0
	if msg.total.Tokens > 0 {
		cpt = float64(msg.total.Chars) / float64(msg.total.Tokens)
	}
	m.sample.setCharsPerToken(cpt)
	cmds := []tea.Cmd{waitForEvents(m.events), m.refresh(refreshWant{snapshot: true, inspect: true, sample: true})}
	if m.opts.Session.Init != "" {
		// A run started from a checkpoint is a fine-tune: its weights are
		// the base, and its tokenizer may not cover the new data.
		cmds = append(cmds, m.markBase(ckptLabel(m.opts.Session.Init)))
		m.initNote = unknownNote(m.sess.Corpus.Sources, msg.unknown)
	}
	return tea.Batch(cmds...)
}

// asked is what a runner request was for, kept until its answer arrives.
type asked struct {
	kind  askKind
	label string          // askBase: the base's name ("": by step)
	data  *dataEncodedMsg // askData: the data sent
}

type askKind int

const (
	askRun askKind = iota
	askPause
	askStep
	askEval
	askSave
	askInspect // a snapshot for the inspection panes
	askBase    // a snapshot to keep as the fine-tune base
	askData
)

// ask sends req to the runner, which answers it with one event; keys only
// ask, and the model changes when the answer arrives. Requests are handled
// in the order asked, so n n n s saves step 3.
func (m *Model) ask(a asked, req engine.Request) {
	if m.asked == nil {
		m.asked = map[uint64]asked{}
	}
	m.asked[m.runner.Send(req)] = a
}

// asking reports whether a request of kind k is unanswered.
func (m *Model) asking(k askKind) bool {
	for _, a := range m.asked {
		if a.kind == k {
			return true
		}
	}
	return false
}

// dataName is a short name for the data, for checkpoint file names:
// the sample's name, a file's base name, or "mix".
func dataName(specs []string) string {
	if len(specs) != 1 {
		return "mix"
	}
	sp, err := samples.ParseSpec(specs[0], nil)
	name := specs[0]
	if err == nil {
		name = sp.Path
	}
	name = strings.TrimSuffix(filepath.Base(name), filepath.Ext(name))
	var b strings.Builder
	for _, r := range name {
		if r == '-' || r == '_' || r == '.' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 || name == "-" {
		return "stdin"
	}
	return b.String()
}

func (m *Model) handleEvents(msg eventsMsg) tea.Cmd {
	var cmds []tea.Cmd
	for _, ev := range msg.events {
		a, answer := m.asked[ev.ID]
		if answer {
			delete(m.asked, ev.ID)
		}
		if ev.Kind != engine.EventStep || answer {
			// Anything but a step while running may change any pane.
			m.dirty = true
			m.paneOK = [numPanes]bool{}
		}
		switch ev.Kind {
		case engine.EventStep:
			if !answer {
				m.addStep(ev.Stats)
				m.stale = true
				continue
			}
			// A single step: it counts as training time, and the
			// inspection panes follow it.
			m.stepsAsked = max(m.stepsAsked-1, 0)
			if !m.running {
				m.elapsed += ev.Stats.Duration
			}
			m.addStep(ev.Stats)
			cmds = append(cmds, m.refresh(refreshWant{snapshot: true, inspect: true, sample: true}))
		case engine.EventEval:
			m.step = max(m.step, ev.Step)
			m.val, m.haveVal = ev.ValLoss, true
			m.loss.addVal(ev.Step, ev.ValLoss, ev.Metrics)
			if m.message == evaluatingMsg {
				m.message = ""
			}
		case engine.EventState:
			m.step = max(m.step, ev.Step) // exact even if a step event was dropped
			changed := ev.Running != m.running
			m.running = ev.Running
			if !m.asking(askRun) && !m.asking(askPause) {
				m.wantRun = m.running // no space press is on its way
			}
			if !changed {
				continue
			}
			if m.running {
				m.runSince = m.now()
				m.nextInspect = m.runSince.Add(m.every.Inspect)
				m.nextSample = m.runSince.Add(m.every.Sample)
				m.message = ""
				cmds = append(cmds, m.startTicking())
			} else {
				m.elapsed += m.now().Sub(m.runSince)
				m.message = ""
				cmds = append(cmds, m.refresh(refreshWant{snapshot: true, inspect: true, sample: true}))
			}
		case engine.EventDone:
			if m.running {
				m.elapsed += m.now().Sub(m.runSince)
			}
			m.running, m.done, m.wantRun = false, true, false
			m.step = max(m.step, ev.Step)
			m.message, m.msgErr = fmt.Sprintf("the run reached its %d steps; s saves it", m.total), false
			cmds = append(cmds, m.refresh(refreshWant{snapshot: true, inspect: true, sample: true}))
		case engine.EventSaved:
			cmds = append(cmds, m.saved(ev.Path, ev.Step))
		case engine.EventSnapshot:
			switch a.kind {
			case askBase:
				cmds = append(cmds, m.baseMarked(ev.Model, ev.Step, a.label))
			case askInspect:
				cmds = append(cmds, m.inspect(ev.Model, ev.Step))
			}
		case engine.EventDataSet:
			if a.data != nil {
				cmds = append(cmds, m.dataSet(*a.data))
			}
		case engine.EventError:
			cmds = append(cmds, m.failed(a, answer, ev.Err))
		}
	}
	if msg.closed {
		m.events = nil
		if m.asking(askInspect) {
			m.busy = false
		}
		clear(m.asked)
		return tea.Batch(cmds...)
	}
	cmds = append(cmds, waitForEvents(m.events))
	return tea.Batch(cmds...)
}

// failed shows an error event, and ends what the request it answers had
// started.
func (m *Model) failed(a asked, answer bool, err error) tea.Cmd {
	if !answer {
		m.setError(err)
		return nil
	}
	switch a.kind {
	case askStep:
		m.stepsAsked = max(m.stepsAsked-1, 0)
	case askSave:
		m.saving, m.quitOnSave = false, false
		err = fmt.Errorf("save: %w", err)
	case askBase:
		err = fmt.Errorf("mark base: %w", err)
	case askInspect:
		m.busy = false
	case askData:
		return m.dataApplied(dataAppliedMsg{corpus: a.data.corpus, err: err})
	}
	m.setError(err)
	return nil
}

func (m *Model) addStep(st engine.StepStats) {
	if st.Step <= m.step && m.haveStep {
		return // already seen (a single step reports twice)
	}
	m.haveStep = true
	m.hint = false
	m.step = max(m.step, st.Step)
	m.last = st
	if tps := st.TokensPerSec(); tps > 0 {
		if m.tokPerSec == 0 {
			m.tokPerSec = tps
		} else {
			m.tokPerSec = 0.8*m.tokPerSec + 0.2*tps
		}
	}
	m.lr = st.LR
	m.loss.addStep(st, m.tokPerSec)
}

func (m *Model) startTicking() tea.Cmd {
	if m.ticking {
		return nil
	}
	m.ticking = true
	return frameTick(m.every.Frame)
}

// tick is the bounded-rate repaint: steps that arrived since the last frame
// become visible, and while training runs the inspection panes follow a
// fresh snapshot every few seconds.
func (m *Model) tick() tea.Cmd {
	m.ticking = false
	if m.stale || m.running {
		m.dirty = true // the elapsed time moves too
	}
	m.stale = false
	var cmds []tea.Cmd
	if m.running {
		now := m.now()
		want := refreshWant{}
		if !now.Before(m.nextInspect) {
			want.snapshot, want.inspect = true, true
		}
		if !now.Before(m.nextSample) {
			want.snapshot, want.inspect, want.sample = true, true, true
		}
		if want.any() && !m.busy {
			cmds = append(cmds, m.refresh(want))
		}
		cmds = append(cmds, m.startTicking())
	}
	return tea.Batch(cmds...)
}

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
	if m.running {
		n = min(n, runningSampleTokens)
	}
	job := refreshJob{snap: snap, snapStep: step,
		prompt: m.prompt, ids: m.sess.Encode(m.prompt), topK: predictK,
		sample: m.job.sample, opts: m.sample.options(m.sampleSeed), n: n}
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
		m.predict.setInspection(msg.step, labels, next)
		m.attention.setInspection(msg.step, labels, msg.ins.Attention)
		if msg.sampled {
			m.sample.setSample(msg.step, m.prompt, m.sess.Decode(msg.sample), msg.opts)
		}
	}
	if m.want.any() {
		return m.refresh(refreshWant{})
	}
	return nil
}

func (m *Model) setPrompt(text string) {
	m.prompt = text
	m.predict.setPrompt(text)
	m.sample.setPrompt(text)
}

// saved takes the answer to a save: the checkpoint of step is at path.
func (m *Model) saved(path string, step int) tea.Cmd {
	m.saving = false
	m.savedStep = max(m.savedStep, step)
	m.message, m.msgErr = fmt.Sprintf("saved step %d to %s", step, path), false
	if m.quitOnSave {
		m.quitting = true
		return tea.Quit
	}
	return nil
}

func (m *Model) setError(err error) {
	m.message, m.msgErr = err.Error(), true
}

// unsaved reports whether quitting now would lose training.
func (m *Model) unsaved() bool {
	return m.sess != nil && m.step > m.savedStep
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := &m.keys
	if m.confirm {
		switch {
		case key.Matches(msg, k.Yes):
			m.quitting = true
			return tea.Quit
		case key.Matches(msg, k.Save):
			m.confirm = false
			m.quitOnSave = true
			return m.save()
		case key.Matches(msg, k.No):
			m.confirm = false
			m.message = ""
		}
		return nil
	}
	if m.editing() {
		if msg.String() == "ctrl+c" {
			return m.quit()
		}
		return m.focusedUpdate(msg)
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp = !m.showHelp
		return nil
	case key.Matches(msg, k.Cancel) && m.showHelp:
		m.showHelp = false
		return nil
	case key.Matches(msg, k.Next):
		m.setFocus((m.focus + 1) % numPanes)
		return nil
	case key.Matches(msg, k.Prev):
		m.setFocus((m.focus + numPanes - 1) % numPanes)
		return nil
	case key.Matches(msg, k.Jump):
		m.setFocus(paneID(msg.String()[0] - '1'))
		return nil
	case key.Matches(msg, k.Run):
		m.hint = false
		if m.wantRun { // what the last space asked for, confirmed or not
			m.wantRun = false
			m.message, m.msgErr = "pausing after this step…", false
			m.ask(asked{kind: askPause}, engine.Pause{})
			return nil
		}
		m.wantRun = true
		m.message, m.msgErr = "starting…", false
		m.ask(asked{kind: askRun}, engine.Run{})
		return nil
	case key.Matches(msg, k.Step):
		m.hint = false
		m.stepsAsked++
		m.ask(asked{kind: askStep}, engine.Step{N: 1})
		return nil
	case key.Matches(msg, k.Eval):
		m.message, m.msgErr = evaluatingMsg, false
		m.ask(asked{kind: askEval}, engine.Evaluate{MaxWindows: m.sess.Trainer.Cfg.EvalWindows})
		return nil
	case key.Matches(msg, k.Save):
		return m.save()
	case key.Matches(msg, k.Base):
		m.message, m.msgErr = "marking the base…", false
		return m.markBase("")
	}
	if m.showHelp {
		return nil
	}
	return m.focusedUpdate(msg)
}

func (m *Model) focusedUpdate(msg tea.Msg) tea.Cmd {
	switch m.focus {
	case paneDataset:
		return m.dataset.Update(msg)
	case paneTokens:
		return m.tokens.Update(msg)
	case paneLoss:
		return m.loss.Update(msg)
	case panePredict:
		return m.predict.Update(msg)
	case paneAttention:
		return m.attention.Update(msg)
	default:
		return m.sample.Update(msg)
	}
}

func (m *Model) paste(msg tea.PasteMsg) tea.Cmd {
	if m.editing() {
		return m.focusedUpdate(msg)
	}
	return nil
}

func (m *Model) save() tea.Cmd {
	if m.sess == nil || m.saving {
		return nil
	}
	m.saving = true
	m.message, m.msgErr = "saving…", false
	m.ask(asked{kind: askSave}, saveRequest(m.sess.TokData, m.sess.Meta(), m.opts.Out, m.name))
	return nil
}

func (m *Model) quit() tea.Cmd {
	if m.unsaved() && !m.confirm {
		m.confirm = true
		m.showHelp = false
		return nil
	}
	m.quitting = true
	return tea.Quit
}

// wheel scrolls the pane under the pointer.
func (m *Model) wheel(msg tea.MouseWheelMsg) tea.Cmd {
	ms := msg.Mouse()
	p, ok := m.lay.paneAt(ms.X, ms.Y, m.focus)
	if !ok || m.showHelp {
		return nil
	}
	delta := 0
	switch ms.Button {
	case tea.MouseWheelUp:
		delta = -3
	case tea.MouseWheelDown:
		delta = 3
	default:
		return nil
	}
	switch p {
	case paneDataset:
		m.dataset.scroll(delta)
	case paneTokens:
		m.tokens.scroll(delta)
	case panePredict:
		m.predict.move(sign(delta))
	case paneAttention:
		m.attention.moveCursor(0, sign(delta))
	case paneSample:
		m.sample.scroll(delta)
	}
	return nil
}

func sign(x int) int {
	switch {
	case x < 0:
		return -1
	case x > 0:
		return 1
	}
	return 0
}

// View draws the screen. The frame is cached: it is rebuilt only when a key,
// a result or a repaint tick has changed something, so the many updates a
// fast trainer causes cost nothing here.
func (m *Model) View() (v tea.View) {
	defer func() {
		if r := recover(); r != nil {
			m.fatal = fmt.Errorf("internal error while drawing: %v\n%s", r, debug.Stack())
			m.frame = "lmlab: internal error; quitting"
			m.dirty = false
			if m.opts.Quit != nil && !m.quitting {
				m.quitting = true
				go m.opts.Quit()
			}
			v = m.teaView()
		}
	}()
	if m.dirty {
		m.frame = m.render()
		m.dirty = false
	}
	return m.teaView()
}

func (m *Model) teaView() tea.View {
	v := tea.NewView(m.frame)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	return v
}

// Render returns the screen as text, rebuilding it now.
func (m *Model) render() string {
	l := m.lay
	switch l.mode {
	case layoutTooSmall:
		if l.W == 0 {
			return ""
		}
		msg := fmt.Sprintf("Terminal too small: %d×%d.\nThe workbench needs at least %d×%d.\nEnlarge the window, or press q to quit.",
			l.W, l.H, minWidth, minHeight)
		return strings.Join(place(center(msg, l.W, l.H), l.W, l.H), "\n")
	}
	var sb strings.Builder
	sb.Grow(l.W * l.H * 3)
	var body []string
	switch {
	case m.loading || m.loadErr != nil:
		body = place(center(m.loadingView(), l.body.W, l.body.H), l.body.W, l.body.H)
	case m.showHelp:
		body = place(center(m.fullHelpView(l.body.W, l.body.H), l.body.W, l.body.H), l.body.W, l.body.H)
	case l.mode == layoutTabs:
		body = strings.Split(m.paneView(m.focus), "\n")
	default:
		body = m.gridView()
	}
	if l.mode == layoutTabs {
		sb.WriteString(m.tabBar())
		sb.WriteByte('\n')
	}
	for i := 0; i < l.body.H; i++ {
		if i < len(body) {
			sb.WriteString(body[i]) // boxes and placed blocks are exactly l.W wide
		} else {
			sb.WriteString(strings.Repeat(" ", l.W))
		}
		sb.WriteByte('\n')
	}
	sb.WriteString(fit(m.statusLine(), l.W))
	sb.WriteByte('\n')
	sb.WriteString(fit(m.helpLine(), l.W))
	return sb.String()
}

// paneView returns pane p drawn, from the cache when nothing that pane
// shows has changed since (step events and repaint ticks change only the
// Loss pane, which keeps its own cache).
func (m *Model) paneView(p paneID) string {
	if p == paneLoss || !m.paneOK[p] {
		m.paneCache[p] = m.pane(p).View()
		m.paneOK[p] = true
	}
	return m.paneCache[p]
}

// gridView puts the six pane boxes side by side, column by column.
func (m *Model) gridView() []string {
	l := m.lay
	lines := make([]strings.Builder, l.body.H)
	cols := [][2]paneID{{paneDataset, paneTokens}, {paneLoss, paneSample}, {panePredict, paneAttention}}
	for _, col := range cols {
		for _, p := range col {
			r := l.panes[p]
			box := strings.Split(m.paneView(p), "\n")
			for i := 0; i < r.H; i++ {
				if i < len(box) {
					lines[r.Y+i].WriteString(box[i]) // a box is exactly r.W wide
				} else {
					lines[r.Y+i].WriteString(strings.Repeat(" ", r.W))
				}
			}
		}
	}
	out := make([]string, len(lines))
	for i := range lines {
		out[i] = lines[i].String()
	}
	return out
}

func (m *Model) tabBar() string {
	var sb strings.Builder
	for p := paneID(0); p < numPanes; p++ {
		label := fmt.Sprintf("%d %s", p+1, paneTitles[p])
		if p == m.focus {
			sb.WriteString(m.st.TabActive.Render("[" + label + "]"))
		} else {
			sb.WriteString(m.st.Tab.Render(" " + label + " "))
		}
		sb.WriteByte(' ')
	}
	return sb.String()
}

func (m *Model) loadingView() string {
	if m.loadErr != nil {
		return m.st.Error.Render("lmlab could not start:") + "\n" + m.loadErr.Error() + "\n\n" + m.st.Muted.Render("press q to quit")
	}
	data := strings.Join(m.opts.Session.Data, " ")
	if data == "" {
		data = lab.DefaultData
	}
	if m.opts.Session.Resume != "" {
		data = m.opts.Session.Resume
	}
	return "loading… " + data + "\n" + m.st.Muted.Render("reading the data, building the tokenizer and the model")
}

// statusLine is the first footer line: state, step, losses, speed, learning
// rate and elapsed time, dropping detail when the terminal is narrow.
func (m *Model) statusLine() string {
	if m.sess == nil {
		if m.loadErr != nil {
			return m.st.Error.Render("failed")
		}
		return m.st.Muted.Render("loading…")
	}
	state := m.st.Paused.Render("paused")
	if m.running {
		state = m.st.Running.Render("running")
	}
	if m.done {
		state = m.st.Paused.Render("paused") + m.st.Muted.Render(" (done)")
	}
	loss := "loss -"
	if m.haveStep {
		loss = fmt.Sprintf("loss %.4f", m.last.Loss)
	}
	elapsed := m.elapsed
	if m.running {
		elapsed += m.now().Sub(m.runSince)
	}
	variants := [][]string{
		{fmt.Sprintf("step %d/%d", m.step, m.total), "elapsed " + fmtDuration(elapsed)},
		{fmt.Sprintf("step %d", m.step), "elapsed " + fmtDuration(elapsed)},
		{fmt.Sprintf("step %d", m.step), fmtDuration(elapsed)},
	}
	var line string
	for _, v := range variants {
		parts := []string{state, v[0], loss}
		if m.haveVal {
			parts = append(parts, fmt.Sprintf("val %.4f", m.val))
		}
		parts = append(parts, fmt.Sprintf("tok/s %d", int(math.Round(m.tokPerSec))), fmt.Sprintf("lr %.2e", m.lr), v[1])
		line = strings.Join(parts, "  ")
		if ansi.StringWidth(line) <= m.lay.W {
			break
		}
	}
	return m.st.StatusBar.Render(line)
}

// helpLine is the second footer line: the quit question, a message, the
// start hint, or the short help.
func (m *Model) helpLine() string {
	short := m.help.ShortHelpView(m.keys.ShortHelp())
	switch {
	case m.confirm:
		q := fmt.Sprintf("Training since step %d is not saved. Quit anyway? ", m.savedStep)
		return m.st.Error.Render(q) + short
	case m.message != "":
		style := m.st.Hint
		if m.msgErr {
			style = m.st.Error
		}
		return style.Render(m.message) + m.st.HelpSep.Render(" • ") + short
	case m.hint && m.sess != nil:
		return m.st.Hint.Render("Press space to start training, n for one step, ? for help.") + "  " + short
	}
	return short
}

// fmtDuration shows m:ss, or h:mm:ss from an hour on.
func fmtDuration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
