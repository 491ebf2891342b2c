package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/lipgloss/v2"
)

// fullHelpView is the ? screen: the global keys from keyMap.FullHelp and
// the focused pane's keys, each group under a heading, laid out by
// bubbles/help and fitted to w×h.
func (m *Model) fullHelpView(w, h int) string {
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
	var block string
	sep := "    "
	if wide := lipgloss.JoinHorizontal(lipgloss.Top, joinWith(cols, sep)...); lipgloss.Width(wide) <= w-4 {
		block = wide
	} else {
		block = strings.Join(cols, "\n\n")
	}
	title := m.st.TitleFocused.Render("Keys") + m.st.Muted.Render("  (? or esc closes; pane keys are for the focused pane: tab moves focus)")
	out := title + "\n\n" + block
	if lipgloss.Height(out) > h {
		out = title + "\n" + block
	}
	return out
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
