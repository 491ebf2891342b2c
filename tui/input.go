package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
)

func (m *Model) setFocus(p paneID) {
	m.focus = p
	for q := paneID(0); q < numPanes; q++ {
		m.pane(q).SetFocused(q == p)
	}
	m.updateKeys()
}
func (m *Model) editing() bool {
	for _, p := range m.panes() {
		if p.Editing() {
			return true
		}
	}
	return false
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
			m.clearMessage()
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
		m.helpOffset = 0
		return nil
	case key.Matches(msg, k.Cancel) && m.showHelp:
		m.showHelp = false
		return nil
	case key.Matches(msg, k.Next):
		m.setFocus((m.focus + 1) % numPanes)
		m.helpOffset = 0
		return nil
	case key.Matches(msg, k.Prev):
		m.setFocus((m.focus + numPanes - 1) % numPanes)
		m.helpOffset = 0
		return nil
	case key.Matches(msg, k.Jump):
		m.setFocus(paneID(msg.String()[0] - '1'))
		m.helpOffset = 0
		return nil
	case key.Matches(msg, k.Run):
		m.hint = false
		if m.wantRun { // what the last space asked for, confirmed or not
			m.wantRun = false
			m.say("pausing after this step…")
			m.ask(asked{kind: askPause}, engine.Pause{})
			return nil
		}
		m.wantRun = true
		m.say("starting…")
		m.ask(asked{kind: askRun}, engine.Run{})
		return nil
	case key.Matches(msg, k.Step):
		m.hint = false
		if m.done { // after the end: one step more, at the final rate (run.go goOn)
			m.extend(engine.Extension{Steps: 1, Rule: engine.HoldFinal}, false)
		}
		m.stepsAsked++
		m.ask(asked{kind: askStep}, engine.Step{N: 1})
		return nil
	case key.Matches(msg, k.Extend):
		return m.goOn(engine.HoldFinal)
	case key.Matches(msg, k.ExtendTail):
		return m.goOn(engine.CosineTail)
	case key.Matches(msg, k.Eval):
		m.say(evaluatingMsg)
		m.ask(asked{kind: askEval}, engine.Evaluate{MaxWindows: m.sess.Trainer.Cfg.EvalWindows})
		return nil
	case key.Matches(msg, k.Save):
		return m.save()
	case key.Matches(msg, k.Base):
		m.say("marking the base…")
		return m.markBase("")
	}
	if m.showHelp {
		m.helpOffset = m.helpScroll(msg, m.helpOffset, m.lay.body.W, m.lay.body.H)
		return nil
	}
	return m.focusedUpdate(msg)
}
func (m *Model) focusedUpdate(msg tea.Msg) tea.Cmd {
	return m.pane(m.focus).Update(msg)
}
func (m *Model) paste(msg tea.PasteMsg) tea.Cmd {
	if m.editing() {
		return m.focusedUpdate(msg)
	}
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
	m.pane(p).Wheel(delta)
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
