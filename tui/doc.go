// Package tui is lmlab's terminal workbench: one Bubble Tea root model with
// plain pane components (dataset, tokens, loss, predict, attention, sample)
// around an engine.Trainer that runs in its own goroutine. It is the only
// package that imports Bubble Tea, lipgloss, bubbles and asciigraph.
//
//	m := tui.New(opts)
//	p := tea.NewProgram(m)
//	_, err := p.Run()
package tui
