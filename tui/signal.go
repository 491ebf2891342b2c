package tui

import (
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"
)

// SignalMsg tells the workbench the process got SIGINT, SIGTERM or SIGHUP
// (a closed SSH session sends SIGHUP): it saves the run where s would, as
// lmlab train does, and quits. A failed save still quits; the error is then
// the model's Err, for the command to print once the terminal is restored.
type SignalMsg struct{ Signal os.Signal }

// signalled answers a SignalMsg.
func (m *Model) signalled(msg SignalMsg) tea.Cmd {
	m.signal = msg.Signal
	if m.sess == nil || !m.unsaved() {
		m.quitting = true
		return tea.Quit
	}
	m.quitOnSave, m.quitOnSignal = true, msg.Signal
	if m.saving {
		return nil // the save under way quits when it is answered
	}
	return m.save()
}

// signalSaveFailed ends a signalled quit whose save failed.
func (m *Model) signalSaveFailed(err error) tea.Cmd {
	m.fatal = fmt.Errorf("%v: %w", m.quitOnSignal, err) // says where a rescued run went
	m.quitting = true
	return tea.Quit
}

// Signal is the signal that ended the workbench (see SignalMsg), or nil,
// and one line saying what was done about it.
func (m *Model) Signal() (os.Signal, string) {
	if m.signal == nil {
		return nil, ""
	}
	if m.quitOnSignal != nil && m.savedPath != "" {
		return m.signal, fmt.Sprintf("%v: saved step %d to %s", m.signal, m.savedStep, m.savedPath)
	}
	return m.signal, fmt.Sprintf("%v: nothing unsaved", m.signal)
}
