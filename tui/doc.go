// Package tui is lmlab's terminal workbench: one Bubble Tea root model with
// plain pane components (Dataset, Tokens, Loss, Predict, Attention, Sample)
// around an engine.Runner that trains on its own goroutine. It is the only
// package that imports Bubble Tea, lipgloss, bubbles and asciigraph.
//
//	m := tui.New(tui.Options{Session: lab.Options{Data: []string{"sample:cats"}}})
//	p := tea.NewProgram(m)
//	_, err := p.Run()
//	m.Close() // stops the trainer's goroutine
//	if err == nil {
//		err = m.Err() // a session that could not be built, or a recovered panic
//	}
//
// The model builds the session in a command, so the screen says "loading…"
// at once; the runner starts paused. A key press only sends the runner a
// request (engine.Run, Step, Save, …); every answer comes back as an event
// on the runner's one stream, read by a command re-armed after every batch,
// and only events change the training state on screen. The screen is
// redrawn at most a few times a second while training runs (and at once
// after a key), and the Predict, Attention and Sample panes follow
// snapshots of the model the runner hands out between steps, inspected in
// commands, so inspection never stalls training.
//
// The root model is one type split by concern: model.go (options, state,
// Update), run.go (runner requests and events), inspect.go (snapshots and
// inspection jobs), input.go (keys, paste, wheel), view.go (layout pass,
// frame, status and help lines) and status.go (the help line's message).
// The panes sit behind the small interface in pane.go, one file each, with
// the edit box of editor.go; data.go and finetune.go hold the Dataset
// pane's edits and the fine-tune base, and tokencache.go the Tokens pane's
// incremental encoding.
//
// A long text (a 1 MB paste) costs a key what a short one does: the edit
// box holds a window of it around the cursor, the Tokens pane re-encodes
// only around an edit and draws only the lines it shows, and the Predict
// pane encodes only the tail of a prompt the model sees.
package tui
