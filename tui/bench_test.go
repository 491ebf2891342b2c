package tui

import (
	"testing"
)

// BenchmarkView measures a full frame at 200×60 in colour: every pane
// redrawn, the loss graph replotted (the worst case; a repaint tick during
// training redraws less).
func BenchmarkView(b *testing.B) {
	m := fixture(b, 200, 60)
	st := DefaultStyles()
	st.NoColor = false
	m.st = st
	b.ReportAllocs()
	for b.Loop() {
		m.dirty = true
		m.paneOK = [numPanes]bool{}
		m.loss.valid = false
		m.dataset.preview = nil
		_ = m.View()
	}
}

// BenchmarkViewTrainingFrame is a repaint tick while training runs: new
// steps for the Loss pane and the status bar, the other panes cached.
func BenchmarkViewTrainingFrame(b *testing.B) {
	m := fixture(b, 200, 60)
	st := DefaultStyles()
	st.NoColor = false
	m.st = st
	m.View()
	b.ReportAllocs()
	for b.Loop() {
		m.dirty = true
		m.loss.valid = false
		_ = m.View()
	}
}

// BenchmarkViewUnchanged is what the program pays after an update that
// changed nothing visible, such as a step event between repaint ticks.
func BenchmarkViewUnchanged(b *testing.B) {
	m := fixture(b, 200, 60)
	m.View()
	b.ReportAllocs()
	for b.Loop() {
		_ = m.View()
	}
}
