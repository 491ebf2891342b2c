package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Widths of the ? screen's explanation column.
const (
	explainMaxW = 78 // longer lines are hard to read
	explainMinW = 36 // narrower, the keys go below the explanation
)

// helpPage is the ? screen for the focused pane, fitted to w×h and
// scrolled down offset lines: a title, the pane's explanation (what it
// shows, how to read it, the legend of its marks, what to look for now)
// and the keys (the global keys from keyMap.FullHelp and the pane's),
// side by side when the screen is wide enough. When it does not fit, the
// last line says which lines show and how to scroll.
func (m *Model) helpPage(w, h, offset int) string {
	title, body := m.helpContent(w)
	rows := max(h-1, 1)
	if len(body) <= rows {
		return title + "\n" + strings.Join(body, "\n")
	}
	rows = max(rows-1, 1) // the scroll line
	offset = min(max(offset, 0), len(body)-rows)
	end := offset + rows
	more := m.st.Muted.Render(fmt.Sprintf("lines %d–%d of %d · ↑/↓ pgup/pgdn scroll", offset+1, end, len(body)))
	return title + "\n" + strings.Join(body[offset:end], "\n") + "\n" + more
}

// helpScroll is the ? screen's offset after key msg (↑/↓ a line, pgup/pgdn
// a page, home/end), clamped to the content of a w×h screen; keys that do
// not scroll leave it.
func (m *Model) helpScroll(msg tea.KeyPressMsg, offset, w, h int) int {
	_, body := m.helpContent(w)
	page := max(h-2, 1) // the title and the scroll line
	// The scrolling bindings are pane keys, off while help is open: match
	// their keys, not the bindings.
	k, pressed := &m.keys, msg.String()
	on := func(b key.Binding) bool { return slices.Contains(b.Keys(), pressed) }
	switch {
	case on(k.Up):
		offset--
	case on(k.Down):
		offset++
	case on(k.PageUp):
		offset -= page
	case on(k.PageDown):
		offset += page
	case pressed == "home":
		offset = 0
	case pressed == "end":
		offset = len(body)
	}
	return min(max(offset, 0), max(len(body)-page, 0))
}

// helpContent is the ? screen at width w: its title line, and the lines
// below it (which scroll).
func (m *Model) helpContent(w int) (string, []string) {
	title, body := m.helpBlocks(w)
	// One width for every line, so that centring the screen keeps the
	// columns and the left edge straight.
	bw := ansi.StringWidth(title)
	for _, l := range body {
		bw = max(bw, ansi.StringWidth(l))
	}
	for i, l := range body {
		body[i] = l + strings.Repeat(" ", bw-ansi.StringWidth(l))
	}
	return title + strings.Repeat(" ", bw-ansi.StringWidth(title)), body
}

// helpBlocks is helpContent before its lines are made one width.
func (m *Model) helpBlocks(w int) (string, []string) {
	name := paneTitles[m.focus] + " pane"
	title := m.st.TitleFocused.Render(name) + m.st.Muted.Render("  ? or esc closes · tab: the next pane's help")
	keys := m.keyColumns()
	avail := max(w-4, 20)
	sep := "    "
	// The keys in one row, or the global keys above the pane's, or all in
	// a column: whichever leaves the explanation a readable width.
	arrangements := []string{joinRow(keys, sep)}
	if len(keys) == 3 {
		arrangements = append(arrangements, joinRow(keys[:2], sep)+"\n\n"+keys[2])
	}
	arrangements = append(arrangements, strings.Join(keys, "\n\n"))
	for i := range arrangements {
		arrangements[i] = m.st.TitleFocused.Render("Keys") + "\n" + arrangements[i]
	}
	for _, block := range arrangements {
		kw := lipgloss.Width(block)
		if ew := min(avail-kw-len(sep), explainMaxW); ew >= explainMinW {
			text := strings.Join(m.explainLines(ew), "\n")
			both := lipgloss.JoinHorizontal(lipgloss.Top, lipgloss.NewStyle().Width(ew).Render(text), sep, block)
			return title, strings.Split(both, "\n")
		}
	}
	ew := min(avail, explainMaxW)
	var keysBlock string
	for _, block := range arrangements {
		if keysBlock = block; lipgloss.Width(block) <= avail {
			break
		}
	}
	lines := append(m.explainLines(ew), "")
	return title, append(lines, strings.Split(keysBlock, "\n")...)
}

// keyColumns are the key groups of the ? screen, each under its heading:
// training, moving around, and the focused pane's keys.
func (m *Model) keyColumns() []string {
	groups := m.keys.FullHelp()
	headings := []string{"Training", "Moving around"}
	var pane []key.Binding
	for _, b := range m.keys.paneKeys(m.focus) {
		c := *b // pane keys are off while help is open; show them anyway
		c.SetEnabled(true)
		pane = append(pane, c)
	}
	pane = dedupe(pane)
	if len(pane) > 0 {
		groups = append(groups, pane)
		headings = append(headings, paneTitles[m.focus]+" pane")
	}
	var cols []string
	for i, g := range groups {
		body := m.help.FullHelpView([][]key.Binding{g})
		if body == "" {
			continue
		}
		cols = append(cols, m.st.HelpHeading.Render(headings[i])+"\n"+body)
	}
	return cols
}

// explainLines is the focused pane's explanation wrapped at w cells.
func (m *Model) explainLines(w int) []string {
	e := explain(m.focus, m.explainState())
	st := m.st
	var out []string
	section := func(heading string, paras []string) {
		if len(paras) == 0 {
			return
		}
		if len(out) > 0 {
			out = append(out, "")
		}
		out = append(out, st.HelpHeading.Render(heading))
		for i, p := range paras {
			if i > 0 {
				out = append(out, "")
			}
			out = append(out, strings.Split(ansi.Wrap(p, w, " "), "\n")...)
		}
	}
	section("What it shows", e.shows)
	section("How to read it", e.read)
	if len(e.legend) > 0 {
		out = append(out, "", st.HelpHeading.Render("Symbols"))
		mw := 0
		for _, l := range e.legend {
			mw = max(mw, ansi.StringWidth(l.mark))
		}
		for _, l := range e.legend {
			pad := strings.Repeat(" ", mw-ansi.StringWidth(l.mark)+2)
			out = append(out, hang(st.HelpKey.Render(l.mark)+pad+st.HelpDesc.Render(l.meaning), w, mw+2)...)
		}
	}
	section("What to look for now", e.now)
	return out
}

// joinRow puts blocks side by side, sep between them.
func joinRow(blocks []string, sep string) string {
	return lipgloss.JoinHorizontal(lipgloss.Top, joinWith(blocks, sep)...)
}

func joinWith(cols []string, sep string) []string {
	var out []string
	for i, c := range cols {
		if i > 0 {
			out = append(out, sep)
		}
		out = append(out, c)
	}
	return out
}

// dedupe drops bindings whose help key repeats (e/enter listed once).
func dedupe(bs []key.Binding) []key.Binding {
	seen := map[string]bool{}
	var out []key.Binding
	for _, b := range bs {
		if k := b.Help().Key; !seen[k] {
			seen[k] = true
			out = append(out, b)
		}
	}
	return out
}
