package tui_test

import (
	"fmt"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine/lab"
	"lmlab/tui"
)

// The workbench on a built-in sample: the model builds its session in a
// command and opens paused; Close stops the trainer's goroutine.
func ExampleNew() {
	m := tui.New(tui.Options{Session: lab.Options{Data: []string{"sample:cats"}}})
	p := tea.NewProgram(m)
	_, err := p.Run()
	m.Close()
	if err == nil {
		err = m.Err() // a session that could not be built, or a recovered panic
	}
	if err != nil {
		fmt.Println(err)
	}
}
