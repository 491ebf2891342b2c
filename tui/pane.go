package tui

import tea "charm.land/bubbletea/v2"

// pane is all the root model asks of a pane. Each pane is a plain
// component in its own file (datasetpane.go, tokenpane.go, …) embedding a
// box, which gives it a size, focus, and no edit box or wheel until it says
// otherwise.
type pane interface {
	SetSize(w, h int)
	SetFocused(bool)
	View() string
	Update(msg tea.Msg) tea.Cmd // keys while focused, and pastes while editing
	Editing() bool              // an edit box has every key
	Wheel(delta int)            // the mouse wheel over the pane: delta lines, < 0 up
}

// panes are the panes in paneID order. Adding a pane is a file, an id and
// a title in layout.go, a place in the grid, and a line here.
func (m *Model) panes() [numPanes]pane {
	return [numPanes]pane{m.dataset, m.tokens, m.loss, m.predict, m.attention, m.sample}
}

func (m *Model) pane(p paneID) pane { return m.panes()[p] }

// Editing is false for a pane without an edit box.
func (b *box) Editing() bool { return false }

// Wheel does nothing for a pane that does not scroll.
func (b *box) Wheel(int) {}

func (p *datasetPane) Wheel(delta int)   { p.scroll(delta) }
func (p *tokenPane) Wheel(delta int)     { p.scroll(delta) }
func (p *predictPane) Wheel(delta int)   { p.move(sign(delta)) }
func (p *attentionPane) Wheel(delta int) { p.moveCursor(0, sign(delta)) }
func (p *samplePane) Wheel(delta int)    { p.scroll(delta) }
