package tui

import (
	"strings"
	"testing"

	"lmlab/engine"
)

// TestRunnerPanicIsOneLineAndPauses: a panic on the trainer's goroutine
// while training runs reaches the help line as one line (its stack stays in
// the error), the workbench shows the run paused, and the frame keeps its
// size.
func TestRunnerPanicIsOneLineAndPauses(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.until("the first inspection", func() bool { return !m.busy })
	// A metric that breaks at the first evaluation (step 20), set between
	// steps through the runner.
	m.runner.Do(func(*engine.Trainer) {
		m.runner.Metrics = func(*engine.Model) map[string]float64 { panic("metric broke\nsecond line") }
	})
	d.key("space")
	d.until("the error", func() bool { return m.msgErr })
	d.until("the pause", func() bool { return !m.running && len(m.asked) == 0 })
	s := stripped(m)
	line := lineWith(s, "metric broke")
	if line == "" || strings.Contains(s, "second line") {
		t.Errorf("help line %q: want the panic's first line only", line)
	}
	if !strings.Contains(lineWith(s, "loss "), "paused") {
		t.Errorf("status bar %q: want paused after the panic", lineWith(s, "loss "))
	}
	if n := strings.Count(s, "\n") + 1; n != 40 {
		t.Errorf("frame has %d lines, want 40", n)
	}
}
