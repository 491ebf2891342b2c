package tui

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
	"lmlab/samples"
)

// evaluatingMsg is the help line while v's evaluation runs.
const evaluatingMsg = "evaluating on the validation split…"

func (m *Model) started(msg startedMsg) tea.Cmd {
	m.loading = false
	m.sess, m.runner = msg.sess, msg.runner
	m.events = msg.runner.Events()
	m.step = m.sess.Trainer.Steps()
	m.savedStep = m.step
	more, err := m.goOnResumed()
	m.total = m.sess.Trainer.Cfg.Steps + more
	m.done = m.sess.Trainer.Done()
	m.keys.setGoOn(m.total)
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
	m.startMonitor()
	m.openRunLog()
	m.watchForgetting()
	cpt := 4.0
	if msg.total.Tokens > 0 {
		cpt = float64(msg.total.Chars) / float64(msg.total.Tokens)
	}
	m.sample.setCharsPerToken(cpt)
	cmds := []tea.Cmd{waitForEvents(m.events), m.refresh(refreshWant{snapshot: true, inspect: true, sample: true})}
	if err != nil {
		m.setError(err)
	}
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
	run   bool            // askExtend: run once the run has gone on
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
	askRecipe  // a recipe change (label: what it changes)
	askAnatomy // a step anatomy (label: the prompt it is for)
	askExtend  // more steps after the end (label: how many, under which rule)
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
			m.followAnatomy(false)
		case engine.EventEval:
			m.step = max(m.step, ev.Step)
			m.val, m.haveVal = ev.ValLoss, true
			m.loss.addVal(ev.Step, ev.ValLoss, ev.Metrics)
			m.logEval(ev.Step, ev.ValLoss, ev.Metrics)
			if m.message == evaluatingMsg {
				m.clearMessage()
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
				if !m.sticky() {
					m.clearMessage()
				}
				cmds = append(cmds, m.startTicking())
			} else {
				m.elapsed += m.now().Sub(m.runSince)
				if (answer || !m.msgErr) && !m.sticky() { // the runner's own pause follows an error: keep it
					m.clearMessage()
				}
				cmds = append(cmds, m.refresh(refreshWant{snapshot: true, inspect: true, sample: true}))
				m.followAnatomy(false)
			}
		case engine.EventDone:
			was := m.running
			if m.running {
				m.elapsed += m.now().Sub(m.runSince)
			}
			m.running, m.done, m.wantRun = false, true, false
			m.step = max(m.step, ev.Step)
			if m.total > ev.Step { // resumed with --steps past the checkpoint's run
				m.extend(engine.Extension{Steps: m.total - ev.Step, Rule: engine.HoldFinal}, was)
			} else {
				m.say("the run reached its %d steps: E trains %d more at its final lr, ctrl+e on a fresh cosine; s saves it", m.total, m.keys.goOn)
			}
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
				added := len(a.data.corpus.Sources) > len(m.applied.Sources) // sources are only appended
				cmds = append(cmds, m.dataSet(*a.data))
				if added && m.done {
					m.goOnWithData()
				}
			}
		case engine.EventError:
			cmds = append(cmds, m.failed(a, answer, ev.Step, ev.Err))
		case engine.EventHealth:
			m.healthFound(ev.Health)
			m.logHealth(ev.Health)
		case engine.EventRecipe:
			if a.kind == askExtend {
				m.extended(ev, a)
			} else {
				m.recipeChanged(ev, a.label)
			}
			m.logRecipe(ev, a.label)
		case engine.EventAnatomy:
			m.anatomyAnswered(ev, a.label)
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
func (m *Model) failed(a asked, answer bool, step int, err error) tea.Cmd {
	if !answer {
		m.setError(err)
		return nil
	}
	switch a.kind {
	case askStep:
		m.stepsAsked = max(m.stepsAsked-1, 0)
	case askSave:
		m.saving, m.quitOnSave = false, false
		if _, ok := errors.AsType[*rescuedError](err); ok {
			m.savedStep = max(m.savedStep, step) // on disk, if not where asked
		}
		err = fmt.Errorf("save: %w", err)
		if m.quitOnSignal != nil {
			return m.signalSaveFailed(err)
		}
	case askBase:
		err = fmt.Errorf("mark base: %w", err)
	case askInspect:
		m.busy = false
	case askData:
		return m.dataApplied(dataAppliedMsg{corpus: a.data.corpus, err: err})
	case askRecipe:
		err = fmt.Errorf("%s: %w", a.label, err)
	case askExtend:
		m.wantRun = m.running
		err = fmt.Errorf("go on (%s): %w", a.label, err)
	case askAnatomy:
		m.anatomyFailed(err)
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
	m.logStep(st)
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
		m.followAnatomy(true)
		cmds = append(cmds, m.startTicking())
	}
	return tea.Batch(cmds...)
}

// saved takes the answer to a save: the checkpoint of step is at path.
func (m *Model) saved(path string, step int) tea.Cmd {
	m.saving = false
	m.savedStep = max(m.savedStep, step)
	m.savedPath = path
	m.say("saved step %d to %s", step, path)
	if m.quitOnSave {
		m.quitting = true
		return tea.Quit
	}
	return nil
}

// unsaved reports whether quitting now would lose training.
func (m *Model) unsaved() bool {
	return m.sess != nil && m.step > m.savedStep
}
func (m *Model) save() tea.Cmd {
	if m.sess == nil || m.saving {
		return nil
	}
	m.saving = true
	m.say("saving…")
	specs := slices.Clone(m.sess.DataSpecs)
	m.ask(asked{kind: askSave}, saveRequest(m.sess.TokData, specs, m.sess.From, m.opts.Out, m.name))
	return nil
}

// A run that has reached its length goes on (issue 11): E adds goOn steps
// (the run's length when the workbench took it) holding the final learning
// rate, the default because the run then goes on where it stood and the
// loss goes on falling; ctrl+e adds them on a fresh cosine from the peak
// rate back down to the final one (a warm restart: the loss may rise
// first). n adds one step at the final rate and takes it. Adding a data
// source after the end goes on as E does, on the new data. The extension is
// a recipe change (engine.Extension), so a checkpoint saved after it
// resumes as this run goes on.

// goOn answers E (HoldFinal) and ctrl+e (CosineTail): goOn more steps, then
// the run trains them.
func (m *Model) goOn(rule engine.ScheduleRule) tea.Cmd {
	if m.runner == nil || !m.done || m.asking(askExtend) {
		return nil
	}
	m.extend(engine.Extension{Steps: m.keys.goOn, Rule: rule}, true)
	return nil
}

// goOnWithData makes a finished run go on, as E does, on a source just added.
func (m *Model) goOnWithData() {
	if m.runner == nil || m.asking(askExtend) {
		return
	}
	m.extend(engine.Extension{Steps: m.keys.goOn, Rule: engine.HoldFinal}, true)
}

// extend asks the runner for e, and to run once it has gone on when run is
// set. A step asked after it (n) takes the first added step.
func (m *Model) extend(e engine.Extension, run bool) {
	label := fmt.Sprintf("+%d step%s, final lr", e.Steps, plural(e.Steps))
	if e.Rule == engine.CosineTail {
		label = fmt.Sprintf("+%d step%s, fresh cosine", e.Steps, plural(e.Steps))
	}
	m.say("going on: %s…", label)
	m.wantRun = m.wantRun || run
	m.ask(asked{kind: askExtend, label: label, run: run}, engine.SetRecipe{Change: engine.RecipeChange{Extend: &e}})
}

// extended takes the runner's answer to extension a: the run goes on to
// ev.Recipe.Steps, and runs if a asked for it. The Loss pane marks it among
// the recipe changes, and the help line says what the rate does now.
func (m *Model) extended(ev engine.Event, a asked) {
	m.total = ev.Recipe.Steps
	m.done = ev.Step >= m.total
	m.loss.mon.addChange(ev.Step, a.label, ev.Recipe, ev.Dropout)
	m.lr = ev.Recipe.LRAt(ev.Step)
	m.loss.lr = m.lr
	m.loss.valid = false
	m.say("%s %d at %s", extendedMsg, m.total, ev.Recipe.Schedule(ev.Step))
	if a.run {
		m.ask(asked{kind: askRun}, engine.Run{})
	}
}

// goOnResumed keeps the saved schedule of a run resumed with --steps past
// the end of its checkpoint's run, as train --resume does (see
// engine.Trainer.ExtendResumed). It runs before the runner's first request.
// more is the extension still to make when the run reaches its saved end.
func (m *Model) goOnResumed() (more int, err error) {
	ck := m.sess.Checkpoint
	if m.opts.Session.Resume == "" || ck == nil || ck.Train == nil {
		return 0, nil
	}
	want := m.sess.Trainer.Cfg.Steps
	if more, err = m.sess.Trainer.ExtendResumed(ck.Train.Steps); err != nil {
		return 0, fmt.Errorf("--steps %d, past the %d steps of the checkpoint's run: %w", want, ck.Train.Steps, err)
	}
	return more, nil
}
