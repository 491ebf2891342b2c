package tui

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// These tests run the workbench in a real Bubble Tea program (teatest v2),
// reading the bytes it writes to its terminal.

const programWait = 60 * time.Second

func waitFor(t *testing.T, tm *teatest.TestModel, what string, cond func(out []byte) bool) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), cond, teatest.WithDuration(programWait), teatest.WithCheckInterval(20*time.Millisecond))
}

func contains(s string) func([]byte) bool {
	return func(b []byte) bool { return bytes.Contains(b, []byte(s)) }
}

// restored reports whether out ends the alternate screen and shows the
// cursor again, as a program that left the terminal clean does.
func restored(out []byte) bool {
	return bytes.Contains(out, []byte("\x1b[?1049l")) && bytes.Contains(out, []byte("\x1b[?25h"))
}

func programModel(t *testing.T) *Model {
	st := PlainStyles()
	return New(Options{Session: testSessionOptions(), Styles: &st})
}

func TestProgramTrainsPausesAndQuits(t *testing.T) {
	m := programModel(t)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	waitFor(t, tm, "the start hint", contains("Press space to start training"))
	tm.Send(keyPress("space"))
	waitFor(t, tm, "running", contains("running"))
	tm.Send(keyPress("space"))
	waitFor(t, tm, "paused", contains("paused"))
	tm.Send(keyPress("?"))
	waitFor(t, tm, "the help", contains("Moving around"))
	tm.Send(keyPress("q"))
	waitFor(t, tm, "the quit question", contains("Quit anyway?"))
	tm.Send(keyPress("y"))
	final := tm.FinalModel(t, teatest.WithFinalTimeout(programWait)).(*Model)
	defer final.Close()
	if final.Step() == 0 || final.Running() {
		t.Errorf("final model: step %d, running %v; want steps taken and paused", final.Step(), final.Running())
	}
	if final.Err() != nil {
		t.Errorf("Err() = %v", final.Err())
	}
	out, _ := io.ReadAll(tm.FinalOutput(t))
	if !restored(out) {
		t.Errorf("terminal not restored at exit; last output %q", tail(out))
	}
}

func TestProgramFollowsResizes(t *testing.T) {
	m := programModel(t)
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(200, 60))
	waitFor(t, tm, "the grid", func(b []byte) bool {
		return bytes.Contains(b, []byte("Attention")) && bytes.Contains(b, []byte("Press space"))
	})
	tm.Send(tea.WindowSizeMsg{Width: 80, Height: 24})
	waitFor(t, tm, "the tab bar", contains("[1 Dataset]"))
	tm.Send(tea.WindowSizeMsg{Width: 70, Height: 20})
	waitFor(t, tm, "the too-small message", contains("Terminal too small: 70×20"))
	tm.Send(keyPress("q")) // nothing trained: no question
	final := tm.FinalModel(t, teatest.WithFinalTimeout(programWait)).(*Model)
	final.Close()
	out, _ := io.ReadAll(tm.FinalOutput(t))
	if !restored(out) {
		t.Errorf("terminal not restored at exit; last output %q", tail(out))
	}
}

func TestProgramSurvivesAPanicInAPane(t *testing.T) {
	// A pane whose data is inconsistent panics while drawing; the program
	// must end with the error and the terminal restored.
	programs := make(chan *tea.Program, 1)
	st := PlainStyles()
	m := New(Options{Styles: &st, Start: func() tea.Cmd { return nil },
		Quit: func() { (<-programs).Quit() }})
	m.loading = false
	m.loss.train = []float64{3, 2, 1} // no steps: downsample indexes past the end
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 40))
	programs <- tm.GetProgram()
	final := tm.FinalModel(t, teatest.WithFinalTimeout(programWait)).(*Model)
	if err := final.Err(); err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("Err() = %v, want the recovered panic", err)
	}
	out, _ := io.ReadAll(tm.FinalOutput(t))
	if !restored(out) {
		t.Errorf("terminal not restored after the panic; last output %q", tail(out))
	}
}

func tail(b []byte) string {
	return string(b[max(len(b)-200, 0):])
}
