package tui

import (
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// editor is a pane's one-line edit box (the Dataset pane's source to add,
// the Tokens pane's text, the Predict and Sample panes' prompt): start
// opens it on a text, enter leaves applying it, esc leaves restoring the
// text it had. A pane embeds it and says Editing from its editing field.
//
// A long text (a 1 MB paste) is not handed to the text input whole: the
// input holds a window of it around the cursor, and before and after hold
// the rest, so a key costs the window's size, not the text's. The window
// moves when the cursor nears its edge. A short text has no window, and the
// box behaves exactly as a plain text input.
type editor struct {
	input         textinput.Model
	before, after string // the text outside the input's window; "" for a short text
	editing       bool
}

// Window sizes of a long text, in bytes: a text longer than editInline is
// windowed; the window spans about editHalf runes each side of the cursor
// and moves when the cursor comes within editMargin runes of its edge or it
// grows past editInline.
const (
	editInline = 16 << 10
	editHalf   = 1024
	editMargin = 256
)

func newEditor(st *Styles) editor { return editor{input: newInput(st)} }

// value is the whole text in the box.
func (e *editor) value() string {
	if e.before == "" && e.after == "" {
		return e.input.Value()
	}
	return e.before + e.input.Value() + e.after
}

// view draws the box.
func (e *editor) view() string { return e.input.View() }

// setWidth sets the box's width in cells.
func (e *editor) setWidth(w int) { e.input.SetWidth(w) }

// setValue puts text in the box as the text input's SetValue does (tabs and
// newlines become spaces); a long text gets the cursor at its end.
func (e *editor) setValue(text string) {
	if len(text) <= editInline {
		e.before, e.after = "", ""
		e.input.SetValue(text)
		return
	}
	text = sanitize(text)
	e.setText(text, len(text))
}

// start opens the box on text, the cursor at its end.
func (e *editor) start(text string) tea.Cmd {
	e.editing = true
	e.setValue(text)
	e.cursorEnd()
	return e.input.Focus()
}

func (e *editor) cursorEnd() {
	if e.after != "" {
		e.setText(e.value(), len(e.value()))
	}
	e.input.CursorEnd()
}

// edit passes msg to the open box; enter leaves with apply's command, esc
// leaves and restores old.
func (e *editor) edit(km *keyMap, msg tea.Msg, old string, apply func(string) tea.Cmd) tea.Cmd {
	windowed := e.before != "" || e.after != ""
	switch msg := msg.(type) {
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, km.Apply):
			e.editing = false
			e.input.Blur()
			return apply(e.value())
		case key.Matches(msg, km.Cancel):
			e.editing = false
			e.input.Blur()
			e.setValue(old)
			return nil
		case windowed && key.Matches(msg, e.input.KeyMap.LineStart):
			e.setText(e.value(), 0)
			e.input.CursorStart()
			return nil
		case windowed && key.Matches(msg, e.input.KeyMap.LineEnd):
			e.cursorEnd()
			return nil
		case windowed && key.Matches(msg, e.input.KeyMap.DeleteBeforeCursor):
			e.before = ""
		case windowed && key.Matches(msg, e.input.KeyMap.DeleteAfterCursor):
			e.after = ""
		}
	case tea.PasteMsg:
		if len(msg.Content) > editInline || windowed {
			// Spliced here: the text input would re-measure the whole text.
			text, cur := e.value(), e.cursor()
			clean := sanitize(msg.Content)
			e.setText(text[:cur]+clean+text[cur:], cur+len(clean))
			return nil
		}
	}
	var cmd tea.Cmd
	e.input, cmd = e.input.Update(msg)
	e.rewindow()
	return cmd
}

// cursor is the cursor's byte offset in value().
func (e *editor) cursor() int {
	win, pos := e.input.Value(), e.input.Position()
	off := 0
	for range pos {
		_, n := utf8.DecodeRuneInString(win[off:])
		off += n
	}
	return len(e.before) + off
}

// setText puts text (already sanitized) in the box with the cursor at byte
// cur, windowing a long text around the cursor.
func (e *editor) setText(text string, cur int) {
	if len(text) <= editInline {
		e.before, e.after = "", ""
		e.input.SetValue(text)
		e.input.SetCursor(utf8.RuneCountInString(text[:cur]))
		return
	}
	lo, hi := cur, cur
	for i := 0; i < editHalf && lo > 0; i++ {
		_, n := utf8.DecodeLastRuneInString(text[:lo])
		lo -= n
	}
	for i := 0; i < editHalf && hi < len(text); i++ {
		_, n := utf8.DecodeRuneInString(text[hi:])
		hi += n
	}
	e.before, e.after = text[:lo], text[hi:]
	e.input.SetValue(text[lo:hi])
	e.input.SetCursor(utf8.RuneCountInString(text[lo:cur]))
}

// rewindow moves the window after an edit when the cursor nears its edge,
// it has grown too long, or a short text has become long.
func (e *editor) rewindow() {
	win := e.input.Value()
	if e.before == "" && e.after == "" && len(win) <= editInline {
		return
	}
	pos, n := e.input.Position(), utf8.RuneCountInString(win)
	if (e.before != "" && pos < editMargin) || (e.after != "" && n-pos < editMargin) || len(win) > editInline {
		e.setText(e.value(), e.cursor())
	}
}

// sanitize is text as the text input keeps it: tabs and newlines become
// spaces, other control characters and invalid bytes go.
func sanitize(text string) string {
	in := textinput.New() // no width: it does not measure the text
	in.SetValue(text)
	return in.Value()
}

// editPrompt is edit for a prompt: enter reports the text as the new prompt.
func (e *editor) editPrompt(km *keyMap, msg tea.Msg, old string) tea.Cmd {
	return e.edit(km, msg, old, func(text string) tea.Cmd {
		return func() tea.Msg { return promptMsg{text} }
	})
}

// newInput returns a one-line text input in the workbench's styles, with a
// steady cursor (no blink ticks, so the screen stays still and goldens
// stay stable).
func newInput(st *Styles) textinput.Model {
	in := textinput.New()
	in.Prompt = ""
	s := textinput.DefaultStyles(true)
	s.Focused.Text = st.Input
	s.Blurred.Text = st.Input
	s.Focused.Prompt = st.Label
	s.Blurred.Prompt = st.Label
	s.Cursor.Blink = false
	in.SetStyles(s)
	return in
}
