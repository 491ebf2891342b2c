package tui

import (
	"fmt"
	"os"
	"runtime/debug"
	"time"
	"unicode/utf8"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

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
	Start  func() tea.Cmd   // builds the session; nil: openCmd(Session). Tests inject one.
	Quit   func()           // called (on its own goroutine) when a render fails, to end the program
	Every  RefreshIntervals // zero fields take the defaults
	Lesson string           // a guided lesson to open with its card on screen (see Lessons); "": none
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
	// quitOnSignal is the signal being answered by a save and quit (nil: none).
	quitOnSignal os.Signal
	signal       os.Signal        // the signal that ended the workbench, if one did
	savedPath    string           // where the last save went
	stepsAsked   int              // single steps requested and not yet answered
	asked        map[uint64]asked // runner requests not yet answered, by id

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
	temperature float64 // Predict's bars and Sample's sampling: one value, t/T in either pane

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

	guide *guide // the guided lesson (guide.go); nil: none

	// Screen.
	showHelp      bool
	firstDeferred bool // the first sample was put after the first predictions (inspect)
	helpOffset    int  // the ? screen's first line shown (it scrolls when it does not fit)
	confirm       bool // the quit question is open
	message       string
	msgErr        bool
	hint          bool // show the start hint
	ticking       bool
	stale         bool // steps arrived since the last frame
	dirty         bool // the cached frame is out of date
	frame         string
	paneCache     [numPanes]string
	paneOK        [numPanes]bool
	fatal         error
	quitting      bool
}

// New returns the workbench for opts. Nothing is loaded until the program
// runs Init.
func New(opts Options) *Model {
	st := DefaultStyles()
	if opts.Styles != nil {
		st = *opts.Styles
	}
	m := &Model{opts: opts, st: st, keys: newKeyMap(), help: help.New(), now: opts.Now,
		every: opts.Every.withDefaults(), loading: true, dirty: true, hint: true, sampleSeed: 1,
		temperature: 1}
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
	m.predict = newPredictPane(&m.st, &m.keys, &m.temperature)
	m.attention = newAttentionPane(&m.st, &m.keys)
	m.sample = newSamplePane(&m.st, &m.keys, &m.temperature)
	m.setFocus(paneDataset)
	if opts.Lesson != "" {
		m.openLesson(opts.Lesson)
	}
	return m
}

// Init starts building the session, off the UI goroutine: the first frame
// says it is loading.
func (m *Model) Init() tea.Cmd {
	if m.opts.Start != nil {
		return m.opts.Start()
	}
	return openCmd(m.opts.Session)
}

// openCmd builds the session (it reads and encodes the data, once, and
// allocates the model) and its runner, off the UI goroutine.
func openCmd(opt lab.Options) tea.Cmd {
	return func() tea.Msg {
		sess, err := lab.Open(opt)
		if err != nil {
			return startFailedMsg{err}
		}
		return opened(sess)
	}
}

// opened measures the session's data for the Dataset pane and starts its
// runner, paused. The token counts are the session's, from the encoding
// lab.Open did; nothing is encoded again, and a tokenizer that covers the
// data by construction is not asked what it lacks.
func opened(sess *lab.Session) startedMsg {
	msg := startedMsg{sess: sess, stats: sess.SourceStats(), leaks: sess.Corpus.Leaks()}
	for i, src := range sess.Corpus.Sources {
		u := unknownReport{total: utf8.RuneCountInString(src.TrainText) + utf8.RuneCountInString(src.ValText)}
		if !sess.Covers {
			u = unknownIn(sess.Tokenizer, src)
		}
		msg.unknown = append(msg.unknown, u)
		if src.Enabled {
			msg.total.Chars += msg.stats[i].Chars
			msg.total.Tokens += msg.stats[i].Tokens
		}
	}
	msg.runner = engine.NewRunner(sess.Trainer)
	msg.runner.Metrics = sess.Metrics()
	return msg
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
	m.advanceGuide()
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
		if cmd, ok := m.guideKey(msg); ok {
			return cmd
		}
		return m.key(msg)
	case tea.PasteMsg:
		m.dirty = true
		return m.paste(msg)
	case SignalMsg:
		return m.signalled(msg)
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
	case predictedMsg:
		m.dirty = true
		return m.predicted(msg)
	case temperatureMsg:
		m.dirty = true
		return m.refresh(refreshWant{inspect: true, sample: true})
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
