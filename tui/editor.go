package tui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
)

// editor is a pane's one-line edit box (the Dataset pane's source to add,
// the Tokens pane's text, the Predict and Sample panes' prompt): start
// opens it on a text, enter leaves applying it, esc leaves restoring the
// text it had. A pane embeds it and says Editing from its editing field.
type editor struct {
	input   textinput.Model
	editing bool
}

func newEditor(st *Styles) editor { return editor{input: newInput(st)} }

// start opens the box on text, the cursor at its end.
func (e *editor) start(text string) tea.Cmd {
	e.editing = true
	e.input.SetValue(text)
	e.input.CursorEnd()
	return e.input.Focus()
}

// edit passes msg to the open box; enter leaves with apply's command, esc
// leaves and restores old.
func (e *editor) edit(km *keyMap, msg tea.Msg, old string, apply func(string) tea.Cmd) tea.Cmd {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(k, km.Apply):
			e.editing = false
			e.input.Blur()
			return apply(e.input.Value())
		case key.Matches(k, km.Cancel):
			e.editing = false
			e.input.Blur()
			e.input.SetValue(old)
			return nil
		}
	}
	var cmd tea.Cmd
	e.input, cmd = e.input.Update(msg)
	return cmd
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
