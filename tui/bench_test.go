package tui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
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

// pasteText is about n bytes of mixed text: ASCII words from the test
// corpus's world, CJK, emoji, accents and newlines.
func pasteText(n int) string {
	pieces := []string{"The cat sat on the mat. ", "A dog slept on the rug.\n", "猫は静かに座っていた。", "🐈🐕 ", "café naïve ", "\n\n", "the hen, the fox; ", "狐と鶏。", "👍🏽 ok "}
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		b.WriteString(pieces[(i*7+i/3)%len(pieces)])
	}
	return b.String()
}

// BenchmarkKeyAfterPaste is one key typed into the Tokens pane's text or
// the Predict pane's prompt, and the frame after it, once 1 MB is pasted
// there, at 120×40.
func BenchmarkKeyAfterPaste(b *testing.B) {
	text := pasteText(1 << 20)
	for _, tc := range []struct {
		name string
		pane paneID
	}{{"tokens", paneTokens}, {"predict", panePredict}} {
		b.Run(tc.name, func(b *testing.B) {
			m := fixture(b, 120, 40)
			m.setFocus(tc.pane)
			m.Update(keyPress("e"))
			m.Update(tea.PasteMsg{Content: text})
			m.View()
			keys := []tea.KeyPressMsg{keyPress("x"), keyPress("backspace")}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				m.Update(keys[i%2])
				_ = m.View()
				i++
			}
		})
	}
}

// BenchmarkPaste is the paste itself: 1 MB into the Tokens pane's text or
// the Predict pane's prompt, and the frame after it (the Tokens pane
// encodes the whole text once, for its counts).
func BenchmarkPaste(b *testing.B) {
	text := pasteText(1 << 20)
	for _, tc := range []struct {
		name string
		pane paneID
	}{{"tokens", paneTokens}, {"predict", panePredict}} {
		b.Run(tc.name, func(b *testing.B) {
			m := fixture(b, 120, 40)
			m.setFocus(tc.pane)
			b.ReportAllocs()
			for b.Loop() {
				m.Update(keyPress("e"))
				m.Update(tea.PasteMsg{Content: text})
				_ = m.View()
				m.Update(keyPress("esc"))
			}
		})
	}
}
