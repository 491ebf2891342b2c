package tui

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// newAttention is a w×h Attention pane showing att over tokens, drawn with
// st.
func newAttention(t *testing.T, st Styles, w, h int, tokens []string, att [][][][]float32) *attentionPane {
	t.Helper()
	km := newKeyMap()
	p := newAttentionPane(&st, &km)
	p.SetSize(w, h)
	p.setInspection(7, tokens, att)
	return p
}

// longAttention is a pane of 44×16 cells showing a made-up 40-token prompt
// with 2 layers of 2 heads: far more positions than fit.
func longAttention(t *testing.T) *attentionPane {
	t.Helper()
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
	return newAttention(t, PlainStyles(), 44, 16, tokens, att)
}

// lessonTokens and lessonAttention are a small made-up prompt with 2
// layers of 2 heads. Layer 1 head 1 is hand-written so that its row for
// " on" holds 0.06 and 0.24; the other heads are seeded and normalised,
// with a single strongest key in every row.
var lessonTokens = []string{"The", " cat", " sat", " on", "\n", "the"}

func lessonAttention() [][][][]float32 {
	n := len(lessonTokens)
	r := rand.New(rand.NewPCG(11, 0))
	att := make([][][][]float32, 2)
	for l := range att {
		att[l] = make([][][]float32, 2)
		for h := range att[l] {
			rows := make([][]float32, n)
			for q := range rows {
				rows[q] = make([]float32, n)
				var sum float32
				for k := 0; k <= q; k++ {
					rows[q][k] = r.Float32()
					sum += rows[q][k]
				}
				for k := 0; k <= q; k++ {
					rows[q][k] /= sum
				}
			}
			att[l][h] = rows
		}
	}
	att[0][0][3] = []float32{0.06, 0.24, 0.40, 0.30, 0, 0}
	att[0][0][5] = []float32{0.03, 0.5, 0.12, 0.2, 0.1, 0.05}
	return att
}

// mapRow returns the cells of query q's row as p draws them without
// colour: cw cells each, glyphs then the gap (cursor or strongest mark).
func mapRow(t *testing.T, p *attentionPane, q int) []string {
	t.Helper()
	labelW, cw, _, _ := p.grid(len(p.tokens))
	label := fit(ansi.Truncate(p.spelled[q], labelW, "…"), labelW) + " "
	for _, l := range strings.Split(ansi.Strip(p.View()), "\n") {
		r := []rune(l)
		if len(r) < 2 {
			continue
		}
		inner := string(r[1 : len(r)-1]) // inside the border
		if !strings.HasPrefix(inner, label) {
			continue
		}
		cells := []rune(strings.TrimPrefix(inner, label))
		var out []string
		for i := 0; i+cw <= len(cells); i += cw {
			out = append(out, string(cells[i:i+cw]))
		}
		return out
	}
	t.Fatalf("no row for query %d (%q) in\n%s", q, p.spelled[q], ansi.Strip(p.View()))
	return nil
}

// TestAttentionScrollsLongPrompts pages through a prompt longer than the
// pane: every query row and key column is reachable, the lines say how
// much is off screen in each direction, and the paging keys stop at the
// ends.
func TestAttentionScrollsLongPrompts(t *testing.T) {
	p := longAttention(t)
	pgup, pgdn := tea.KeyPressMsg{Code: tea.KeyPgUp}, tea.KeyPressMsg{Code: tea.KeyPgDown}
	if got, want := p.q, 39; got != want {
		t.Fatalf("starts on query %d, want the last, %d", got, want)
	}
	_, _, cols, rows := p.grid(40)
	s := ansi.Strip(p.View())
	for _, want := range []string{fmt.Sprintf("▴ %d more", 40-rows), fmt.Sprintf("▸ %d more", 40-cols)} {
		if !strings.Contains(s, want) {
			t.Errorf("at the last query and the first key, no %q:\n%s", want, s)
		}
	}
	for _, not := range []string{"▾ ", "◂ "} {
		if strings.Contains(s, not) {
			t.Errorf("at the last query and the first key, %q shows:\n%s", not, s)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < 20 && p.q > 0; i++ {
		for q := range p.tokens {
			if strings.Contains(s, "\n│"+fit(p.spelled[q], 3)+" ") {
				seen[p.spelled[q]] = true
			}
		}
		p.Update(pgup)
		s = ansi.Strip(p.View())
	}
	for q := range p.tokens {
		if strings.Contains(s, "\n│"+fit(p.spelled[q], 3)+" ") {
			seen[p.spelled[q]] = true
		}
	}
	if p.q != 0 {
		t.Errorf("pgup stops at query %d, want 0", p.q)
	}
	if want := fmt.Sprintf("▾ %d more", 40-rows); !strings.Contains(s, want) || strings.Contains(s, "▴ ") {
		t.Errorf("at the first query, want %q and no ▴:\n%s", want, s)
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
	p.moveCursor(40, 0)
	if want := fmt.Sprintf("◂ %d more", 40-cols); !strings.Contains(ansi.Strip(p.View()), want) {
		t.Errorf("on the last key, no %q:\n%s", want, ansi.Strip(p.View()))
	}
	for p.k > 0 {
		k := p.k
		p.Update(tea.KeyPressMsg{Code: '{', Text: "{"})
		if p.k != max(k-cols, 0) {
			t.Fatalf("H from key %d: key %d, want %d", k, p.k, max(k-cols, 0))
		}
	}
	if s := ansi.Strip(p.View()); strings.Contains(s, "◂ ") {
		t.Errorf("at key 1 the window still says keys are hidden to the left:\n%s", s)
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

// TestAttentionIndicatorsFollowTheCursor walks the cursor along the last
// row of a prompt wider than the pane, right to the end and back: the
// window moves only when the cursor would leave it, the cursor's cell is
// always drawn, and the counts of keys hidden on each side are exact.
func TestAttentionIndicatorsFollowTheCursor(t *testing.T) {
	p := longAttention(t)
	_, _, cols, _ := p.grid(40)
	if cols >= 40 {
		t.Fatalf("the test needs more keys than fit; %d columns fit", cols)
	}
	check := func(k, wantLeft int) {
		t.Helper()
		if p.k != k {
			t.Fatalf("the cursor is on key %d, want %d", p.k, k)
		}
		cells := mapRow(t, p, 39)
		if len(cells) != cols {
			t.Fatalf("key %d: %d cells drawn, want %d", k, len(cells), cols)
		}
		if c := k - wantLeft; !strings.HasSuffix(cells[c], attCursorMark) {
			t.Errorf("key %d: cell %d is %q, want the cursor", k, c, cells[c])
		}
		s := ansi.Strip(p.View())
		for _, c := range []struct {
			n     int
			arrow string
		}{{wantLeft, "◂"}, {40 - wantLeft - cols, "▸"}} {
			want := fmt.Sprintf("%s %d more", c.arrow, c.n)
			if c.n == 0 {
				want = c.arrow + " "
			}
			if got := strings.Contains(s, want); got != (c.n > 0) {
				t.Errorf("key %d: %q shown: %v; the line says %q", k, want, got, lineWith(s, "more"))
			}
		}
	}
	right, left := tea.KeyPressMsg{Code: tea.KeyRight}, tea.KeyPressMsg{Code: tea.KeyLeft}
	for k := 0; k < 40; k++ {
		check(k, max(k-cols+1, 0))
		p.Update(right)
	}
	for k := 39; k >= 0; k-- {
		check(k, min(k, 40-cols))
		p.Update(left)
	}
}

// TestAttentionShadesTellApart checks that 0.06 and 0.24, which a
// beginner must tell apart, draw differently without colour, as numbers,
// and with colour.
func TestAttentionShadesTellApart(t *testing.T) {
	if shade(0.06) == shade(0.24) {
		t.Fatalf("0.06 and 0.24 share shade %q", shades[shade(0.06)])
	}
	att := lessonAttention()
	if att[0][0][3][0] != 0.06 || att[0][0][3][1] != 0.24 {
		t.Fatal("the test data lost its 0.06 and 0.24")
	}
	p := newAttention(t, PlainStyles(), 40, 14, lessonTokens, att)
	row := mapRow(t, p, 3)
	if row[0] == row[1] {
		t.Errorf("without colour, 0.06 and 0.24 both draw as %q", row[0])
	}
	p.Update(tea.KeyPressMsg{Code: '#', Text: "#"})
	row = mapRow(t, p, 3)
	if got, want := strings.TrimSpace(row[0]), "6"; got != want {
		t.Errorf("as numbers, 0.06 draws %q, want %q", got, want)
	}
	if got, want := strings.Trim(row[1], " *"), "24"; got != want {
		t.Errorf("as numbers, 0.24 draws %q, want %q", got, want)
	}
	t.Setenv("NO_COLOR", "")
	pc := newAttention(t, DefaultStyles(), 40, 14, lessonTokens, att)
	draw := func(w float32) string { return pc.heat(w).Render(shades[shade(w)]) }
	if lo, hi := draw(0.06), draw(0.24); lo == hi {
		t.Errorf("with colour, 0.06 and 0.24 both draw as %q", lo)
	}
	// Within one glyph's level, colour still tells the halves apart.
	if shade(0.06) != shade(0.12) {
		t.Fatal("0.06 and 0.12 are meant to share a glyph")
	}
	if lo, hi := draw(0.06), draw(0.12); lo == hi {
		t.Errorf("with colour, 0.06 and 0.12 both draw as %q", lo)
	}
	if lo, hi := p.heat(0.06).Render("x"), p.heat(0.12).Render("x"); lo != hi {
		t.Errorf("without colour, 0.06 and 0.12 differ by attributes (%q, %q), which are not read", lo, hi)
	}
}

func TestHundredths(t *testing.T) {
	for _, c := range []struct {
		w    float32
		want string
	}{{0, " 0"}, {0.004, " 0"}, {0.06, " 6"}, {0.24, "24"}, {0.994, "99"}, {0.996, "1."}, {1, "1."}} {
		if got := hundredths(c.w); got != c.want {
			t.Errorf("hundredths(%v) = %q, want %q", c.w, got, c.want)
		}
	}
}

// TestAttentionStrongestMark checks, in every layer and head, that each
// row's * sits after its argmax, found here by a plain loop, and that the
// cursor line names the cursor row's strongest key.
func TestAttentionStrongestMark(t *testing.T) {
	att := lessonAttention()
	p := newAttention(t, PlainStyles(), 40, 14, lessonTokens, att)
	for l := range att {
		for h := 0; h <= len(att[l]); h++ {
			p.layer, p.head = l, h
			for q := range lessonTokens {
				want, best := -1, float32(-1)
				for k := 0; k <= q; k++ {
					var v float32
					if h < len(att[l]) {
						v = att[l][h][q][k]
					} else {
						for _, hd := range att[l] {
							v += hd[q][k]
						}
						v /= float32(len(att[l]))
					}
					if v > best {
						want, best = k, v
					}
				}
				row := mapRow(t, p, q)
				var marked []int
				for k, c := range row {
					if strings.HasSuffix(c, attStrongestMark) {
						marked = append(marked, k)
					}
				}
				if q == p.q && p.k == want {
					if len(marked) != 0 {
						t.Errorf("layer %d head %d query %d: marks %v besides the cursor on the argmax", l, h, q, marked)
					}
				} else if len(marked) != 1 || marked[0] != want {
					t.Errorf("layer %d head %d query %d: * after keys %v, want after %d (weights %v)", l, h, q, marked, want, att[l][min(h, len(att[l])-1)][q])
				}
				if q == p.q {
					s := ansi.Strip(p.View())
					if w := fmt.Sprintf("strongest %d %s", want+1, quoteToken(p.spelled[want])); !strings.Contains(s, w) {
						t.Errorf("layer %d head %d: the cursor line lacks %q:\n%s", l, h, w, lineWith(s, "query"))
					}
				}
			}
		}
	}
}

// TestAttentionCursorTokensInFull checks that the cursor's query and key
// are spelled in full as the Tokens pane spells them, with positions
// counted from 1 and the exact weight.
func TestAttentionCursorTokensInFull(t *testing.T) {
	tokens := []string{"Antidisestablishment", " ", "\n", "\xe2\x82"}
	att := [][][][]float32{{{
		{1, 0, 0, 0}, {0.5, 0.5, 0, 0}, {0.2, 0.3, 0.5, 0}, {0.1, 0.2, 0.3, 0.4},
	}}}
	p := newAttention(t, PlainStyles(), 60, 14, tokens, att)
	for _, c := range []struct {
		q, k int
		want []string
	}{
		{3, 0, []string{`query 4 "<E2><82>"`, `→ key 1 "Antidisestablishment": 0.1000`}},
		{2, 1, []string{`query 3 "⏎"`, `→ key 2 "·": 0.3000`}},
		{1, 0, []string{`query 2 "·"`, `→ key 1 "Antidisestablishment": 0.5000  (the strongest *)`}},
	} {
		p.q, p.k = c.q, c.k
		s := ansi.Strip(p.View())
		for _, w := range c.want {
			if !strings.Contains(s, w) {
				t.Errorf("cursor at query %d key %d: no %q in\n%s", c.q, c.k, w, s)
			}
		}
	}
}

func TestSpellToken(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", "∅"},
		{" cat", "·cat"},
		{"a\tb\r\n", "a→b␍⏎"},
		{"\x00", "␀"},
		{"é", "é"},
		{"\xe2\x82", "<E2><82>"},
		{"\u200b", "<U+200B>"},
		{"猫", "猫"},
	} {
		if got := spellToken(c.in); got != c.want {
			t.Errorf("spellToken(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestAttentionGolden draws the small prompt at a fixed size: the heatmap
// with and without colour, with numbers, and the overview.
func TestAttentionGolden(t *testing.T) {
	for _, c := range []struct {
		name   string
		colour bool
		keys   []tea.KeyPressMsg
	}{
		{"plain", false, nil},
		{"colour", true, nil},
		{"numbers", false, []tea.KeyPressMsg{{Code: '#', Text: "#"}}},
		{"overview", false, []tea.KeyPressMsg{{Code: 'o', Text: "o"}}},
		{"overview-colour", true, []tea.KeyPressMsg{{Code: 'o', Text: "o"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			st := PlainStyles()
			if c.colour {
				t.Setenv("NO_COLOR", "")
				st = DefaultStyles()
			}
			p := newAttention(t, st, 48, 14, lessonTokens, lessonAttention())
			p.q, p.k = 3, 2
			p.SetFocused(true)
			for _, k := range c.keys {
				p.Update(k)
			}
			view := p.View()
			if c.colour {
				if !strings.Contains(view, "\x1b[38;5;") {
					t.Error("the colour styles draw no colour")
				}
			} else {
				if strings.Contains(view, "\x1b[38;5;") {
					t.Error("the plain styles draw colour")
				}
				view = ansi.Strip(view) // bold and reverse video are not read in a diff
			}
			checkGolden(t, view, 48)
		})
	}
}

// TestAttentionScrollGolden draws the long prompt's map one page up and
// one page of keys to the right, at a fixed size.
func TestAttentionScrollGolden(t *testing.T) {
	p := longAttention(t)
	p.Update(tea.KeyPressMsg{Code: tea.KeyPgUp})
	p.moveCursor(-40, 0)
	p.Update(tea.KeyPressMsg{Code: '}', Text: "}"})
	checkGolden(t, ansi.Strip(p.View()), 44)
}

// TestAttentionOverviewPicks opens the overview through the workbench's
// Update, checks that it shows every layer × head's strongest key for the
// cursor's query, moves to layer 1 head 1 with the arrows and shows it with
// enter; o closes the overview without changing what is shown.
func TestAttentionOverviewPicks(t *testing.T) {
	m := fixture(t, 200, 60)
	m.setFocus(paneAttention)
	a := m.attention
	if a.layer != 1 || a.head != 2 {
		t.Fatalf("starts on layer %d head %d, want the last layer's mean (1, 2)", a.layer, a.head)
	}
	m.Update(keyPress("o"))
	s := stripped(m)
	if !a.overview || !strings.Contains(s, "where each head looks") {
		t.Fatalf("o did not open the overview:\n%s", s)
	}
	if !m.keys.Pick.Enabled() {
		t.Error("enter (show the chosen head) is not enabled in the overview")
	}
	for l := range a.att {
		for h := 0; h <= len(a.att[l]); h++ {
			k, w := a.strongest(l, h, a.q)
			cell := ansi.Truncate(a.spelled[k], 4, "") // the cell is narrower than some tokens
			num := strings.TrimPrefix(fmt.Sprintf("%.2f", w), "0")
			line := lineWith(s, fmt.Sprintf("layer %d ", l+1))
			if !strings.Contains(line, num) || !strings.Contains(line, cell) {
				t.Errorf("layer %d head %d: the overview row lacks %q %s:\n%s", l+1, h+1, cell, num, line)
			}
		}
	}
	for _, k := range []string{"up", "left", "left", "left"} { // left stops at head 1
		m.Update(keyPress(k))
	}
	if a.ol != 0 || a.oh != 0 {
		t.Fatalf("up, left ×3: overview cursor on layer %d head %d, want 0 0", a.ol, a.oh)
	}
	if a.layer != 1 || a.head != 2 {
		t.Errorf("moving in the overview changed the heatmap to layer %d head %d", a.layer, a.head)
	}
	m.Update(keyPress("enter"))
	if a.overview || a.layer != 0 || a.head != 0 {
		t.Fatalf("enter: overview %v, layer %d head %d; want the heatmap of layer 0 head 0", a.overview, a.layer, a.head)
	}
	if s := stripped(m); !strings.Contains(s, "layer 1/2 head 1/2") {
		t.Errorf("after enter the pane does not say layer 1/2 head 1/2:\n%s", lineWith(s, "layer"))
	}
	if m.keys.Pick.Enabled() {
		t.Error("enter stays enabled after the overview closed")
	}
	m.Update(keyPress("o"))
	m.Update(keyPress("right"))
	m.Update(keyPress("o"))
	if a.overview || a.layer != 0 || a.head != 0 {
		t.Errorf("o, right, o: overview %v, layer %d head %d; want closed on layer 0 head 0", a.overview, a.layer, a.head)
	}
}

// TestAttentionFitsAnySize draws the heatmap, the numbers and the overview
// of a model with more heads and layers than fit at every size from tiny
// to wide: no line is wider than the pane, the pane has its height, and
// the cursor's cells stay drawn.
func TestAttentionFitsAnySize(t *testing.T) {
	const n, L, H = 30, 6, 12
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i] = strings.Repeat("x", i%11) // "" (∅) up to 10 cells
	}
	r := rand.New(rand.NewPCG(3, 0))
	att := make([][][][]float32, L)
	for l := range att {
		att[l] = make([][][]float32, H)
		for h := range att[l] {
			att[l][h] = make([][]float32, n)
			for q := range att[l][h] {
				att[l][h][q] = make([]float32, n)
				for k := 0; k <= q; k++ {
					att[l][h][q][k] = r.Float32() / float32(q+1)
				}
			}
		}
	}
	for w := 4; w <= 70; w += 3 {
		for h := 2; h <= 24; h += 2 {
			for _, mode := range []string{"map", "#", "o"} {
				p := newAttention(t, PlainStyles(), w, h, tokens, att)
				p.ol, p.oh = 0, 0
				if mode != "map" {
					p.Update(tea.KeyPressMsg{Code: rune(mode[0]), Text: mode})
				}
				p.Update(tea.KeyPressMsg{Code: tea.KeyPgUp})
				p.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
				lines := strings.Split(ansi.Strip(p.View()), "\n")
				if len(lines) != h {
					t.Errorf("%d×%d %s: %d lines", w, h, mode, len(lines))
				}
				for i, l := range lines {
					if got := ansi.StringWidth(l); got != w {
						t.Errorf("%d×%d %s: line %d is %d cells wide: %q", w, h, mode, i, got, l)
					}
				}
			}
		}
	}
	// Where the map has room, the cursor's cell and the overview's chosen
	// cell are on screen after moving.
	p := newAttention(t, PlainStyles(), 40, 16, tokens, att)
	p.Update(tea.KeyPressMsg{Code: tea.KeyPgUp})
	if s := ansi.Strip(p.View()); !strings.Contains(s, attCursorMark) {
		t.Errorf("after pgup the cursor's cell is off screen:\n%s", s)
	}
	p.Update(tea.KeyPressMsg{Code: 'o', Text: "o"})
	for range H {
		p.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
	}
	s := ansi.Strip(p.View())
	// 38 cells inside: a 9-cell layer column and three 9-cell head columns
	// of the 13 (12 heads and the mean).
	if !strings.Contains(s, attOverviewMark) || !strings.Contains(s, "▸ 10 more") || strings.Contains(s, "◂ ") {
		t.Errorf("overview at head 1 of 12: want the chosen cell, ▸ 10 more and no ◂:\n%s", s)
	}
}

func TestKeepVisible(t *testing.T) {
	for _, c := range []struct {
		name                 string
		start, cur, total, n int
		want                 int
	}{
		{"all fit", 5, 3, 4, 10, 0},
		{"cursor inside stays", 3, 5, 20, 6, 3},
		{"cursor left of the window", 8, 2, 20, 6, 2},
		{"cursor right of the window", 0, 9, 20, 6, 4},
		{"no room past the end", 18, 19, 20, 6, 14},
		{"a window of one", 0, 7, 20, 1, 7},
	} {
		if got := keepVisible(c.start, c.cur, c.total, c.n); got != c.want {
			t.Errorf("%s: keepVisible(%d, %d, %d, %d) = %d, want %d", c.name, c.start, c.cur, c.total, c.n, got, c.want)
		}
	}
}
