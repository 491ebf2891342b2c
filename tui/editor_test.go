package tui

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"
)

// TestEditorWindowMatchesPlainInput is the naive twin of the windowed edit
// box: the same keys and pastes given to it and to a plain text input
// holding the whole text leave the same text and the same cursor, while
// the window moves through a text longer than one.
func TestEditorWindowMatchesPlainInput(t *testing.T) {
	st := PlainStyles()
	km := newKeyMap()
	e := newEditor(&st)
	e.setWidth(30)
	plain := newInput(&st)
	plain.SetWidth(30)
	text := pasteText(2 * editInline)
	e.start(text)
	plain.SetValue(text)
	plain.CursorEnd()
	plain.Focus()
	if e.before == "" {
		t.Fatal("a text longer than editInline is not windowed")
	}

	keys := []tea.KeyPressMsg{keyPress("a"), keyPress("猫"), keyPress("space"), keyPress("backspace"),
		{Code: tea.KeyDelete}, keyPress("left"), keyPress("right"), keyPress("home"), keyPress("end"),
		{Code: tea.KeyLeft, Mod: tea.ModAlt}, {Code: tea.KeyRight, Mod: tea.ModAlt}}
	rng := rand.New(rand.NewPCG(7, 8))
	moved := false
	for i := 0; i < 500; i++ {
		var msg tea.Msg
		switch r := rng.IntN(100); {
		case r < 1:
			msg = tea.PasteMsg{Content: pasteText(rng.IntN(2 * editInline))}
		case r < 40: // long runs of left and right move the window
			msg = keys[5+rng.IntN(2)]
		default:
			msg = keys[rng.IntN(len(keys))]
		}
		before := e.before
		e.edit(&km, msg, "", nil)
		plain, _ = plain.Update(msg)
		moved = moved || e.before != before
		want := plain.Value()
		wantCur := len(string([]rune(want)[:plain.Position()]))
		if got := e.value(); got != want {
			t.Fatalf("key %d (%v): the box holds %d bytes, the plain input %d", i, msg, len(got), len(want))
		}
		if got := e.cursor(); got != wantCur {
			t.Fatalf("key %d (%v): cursor at byte %d, the plain input's at %d", i, msg, got, wantCur)
		}
		if !utf8.ValidString(e.before) || !utf8.ValidString(e.after) {
			t.Fatalf("key %d: the window cuts a character", i)
		}
	}
	if !moved {
		t.Error("the window never moved")
	}
}
