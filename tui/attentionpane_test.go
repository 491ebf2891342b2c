package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// longAttention is a pane of 44×16 cells showing a made-up 40-token prompt
// with 2 layers of 2 heads: far more positions than fit.
func longAttention(t *testing.T) *attentionPane {
	t.Helper()
	st, km := PlainStyles(), newKeyMap()
	p := newAttentionPane(&st, &km)
	p.SetSize(44, 16)
	const n, L, H = 40, 2, 2
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = fmt.Sprintf("t%d", i+1) // numbered from 1, as the pane counts positions
	}
	att := make([][][][]float32, L)
	for l := range att {
		for h := 0; h < H; h++ {
			rows := make([][]float32, n)
			for q := range rows {
				rows[q] = make([]float32, n)
				for k := 0; k <= q; k++ {
					rows[q][k] = float32((q+k+l+h)%5) / 4
				}
			}
			att[l] = append(att[l], rows)
		}
	}
	p.setInspection(7, tokens, att)
	return p
}

// shownQueries returns the query labels of the rows p draws.
func shownQueries(p *attentionPane) []string {
	var out []string
	for _, l := range strings.Split(ansi.Strip(p.View()), "\n") {
		f := strings.Fields(strings.Trim(l, "┃│ "))
		if len(f) > 0 && strings.HasPrefix(f[0], "t") && len(f) > 1 && !strings.HasPrefix(f[1], "t") {
			out = append(out, f[0])
		}
	}
	return out
}

// TestAttentionScrollsLongPrompts pages through a prompt longer than the
// pane: every query row and key column is reachable, the window says which
// part it shows, and the paging keys stop at the ends.
func TestAttentionScrollsLongPrompts(t *testing.T) {
	p := longAttention(t)
	pgup, pgdn := tea.KeyPressMsg{Code: tea.KeyPgUp}, tea.KeyPressMsg{Code: tea.KeyPgDown}
	if got, want := p.q, 39; got != want {
		t.Fatalf("starts on query %d, want the last, %d", got, want)
	}
	if s := ansi.Strip(p.View()); !strings.Contains(s, "of 40") {
		t.Errorf("no line says which part of the 40 positions is shown:\n%s", s)
	}
	seen := map[string]bool{}
	for i := 0; i < 20 && p.q > 0; i++ {
		for _, q := range shownQueries(p) {
			seen[q] = true
		}
		p.Update(pgup)
	}
	for _, q := range shownQueries(p) {
		seen[q] = true
	}
	if p.q != 0 {
		t.Errorf("pgup stops at query %d, want 0", p.q)
	}
	for i := 1; i <= 40; i++ {
		if !seen[fmt.Sprintf("t%d", i)] {
			t.Errorf("query t%d never shown while paging up", i)
		}
	}
	p.Update(pgup)
	if p.q != 0 {
		t.Errorf("pgup at the top moved to query %d", p.q)
	}
	// Keys: from the last query, page left to the first key and back.
	p.Update(tea.KeyPressMsg{Code: tea.KeyEnd})
	p.Update(pgdn)
	if p.q != 39 {
		t.Errorf("end then pgdn: query %d, want 39", p.q)
	}
	_, _, cols, _ := p.grid(40)
	p.moveCursor(40, 0)
	for p.k > 0 {
		k := p.k
		p.Update(tea.KeyPressMsg{Code: 'H', Text: "H"})
		if p.k != max(k-cols, 0) {
			t.Fatalf("H from key %d: key %d, want %d", k, p.k, max(k-cols, 0))
		}
	}
	if s := ansi.Strip(p.View()); !strings.Contains(s, "keys 1–") {
		t.Errorf("at key 0 the window does not start at key 1:\n%s", s)
	}
	p.Update(tea.KeyPressMsg{Code: tea.KeyRight, Mod: tea.ModShift})
	if p.k != cols {
		t.Errorf("shift+right from key 0: key %d, want %d", p.k, cols)
	}
	p.Update(tea.KeyPressMsg{Code: tea.KeyHome})
	if p.q != 0 || p.k != 0 {
		t.Errorf("home: query %d key %d, want 0 0", p.q, p.k)
	}
}

// TestAttentionScrollGolden draws the long prompt's map one page up and
// one page of keys to the right, at a fixed size.
func TestAttentionScrollGolden(t *testing.T) {
	p := longAttention(t)
	p.Update(tea.KeyPressMsg{Code: tea.KeyPgUp})
	p.moveCursor(-40, 0)
	p.Update(tea.KeyPressMsg{Code: 'L', Text: "L"})
	checkGolden(t, ansi.Strip(p.View()), 44)
}
