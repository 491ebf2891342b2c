package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
)

// shades are the heat glyphs, weakest to strongest, and shadeLimits the
// upper bounds of the first four: they read without colour.
var (
	shades      = [5]string{"·", "░", "▒", "▓", "█"}
	shadeLimits = [4]float32{0.05, 0.25, 0.5, 0.75}
)

func shade(w float32) int {
	for i, lim := range shadeLimits {
		if w < lim {
			return i
		}
	}
	return 4
}

// attentionPane draws one layer's attention as a heatmap: query tokens down
// the side, key tokens across, for one head or the mean over heads, with a
// cell cursor that shows the exact weight.
type attentionPane struct {
	box
	km *keyMap

	layers, heads int
	layer, head   int // head == heads means the mean over heads
	step          int
	have          bool
	tokens        []string
	att           [][][][]float32
	q, k          int // the cursor: query row, key column
	follow        bool
}

func newAttentionPane(st *Styles, km *keyMap) *attentionPane {
	return &attentionPane{box: box{st: st}, km: km, follow: true}
}

func (p *attentionPane) setConfig(c engine.Config) {
	p.layers, p.heads = c.Layers, c.Heads
	p.layer = c.Layers - 1
	p.head = c.Heads // start on the mean: the clearest picture
}

func (p *attentionPane) setInspection(step int, tokens []string, att [][][][]float32) {
	p.step, p.have = step, true
	p.tokens, p.att = tokens, att
	n := len(tokens)
	if p.follow || p.q >= n {
		p.q = max(n-1, 0)
		p.k = min(p.k, p.q)
	}
	if len(att) > 0 {
		p.layers, p.heads = len(att), len(att[0])
		p.layer = min(p.layer, p.layers-1)
		p.head = min(p.head, p.heads)
	}
}

// moveCursor moves the cell cursor; keys after the query are masked, so the
// cursor stays on or below the diagonal.
func (p *attentionPane) moveCursor(dk, dq int) {
	n := len(p.tokens)
	if n == 0 {
		return
	}
	p.q = min(max(p.q+dq, 0), n-1)
	p.k = min(max(p.k+dk, 0), p.q)
	p.follow = p.q == n-1
}

// weight returns the shown weight of query q on key k.
func (p *attentionPane) weight(q, k int) float32 {
	heads := p.att[p.layer]
	if p.head < len(heads) {
		return heads[p.head][q][k]
	}
	var sum float32
	for _, h := range heads {
		sum += h[q][k]
	}
	return sum / float32(len(heads))
}

// attentionScroll are the pane's paging keys: they move the cursor, and with
// it the visible window, a page of query rows or key columns at a time, so
// a prompt longer than the pane is scrolled through, never cut. (The arrow
// keys move one cell; the window follows the cursor either way.)
var attentionScroll = struct {
	QueryPageUp, QueryPageDown, KeyPageLeft, KeyPageRight, First, Last key.Binding
}{
	QueryPageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
	QueryPageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
	KeyPageLeft:   key.NewBinding(key.WithKeys("shift+left", "H"), key.WithHelp("H", "page left")),
	KeyPageRight:  key.NewBinding(key.WithKeys("shift+right", "L"), key.WithHelp("L", "page right")),
	First:         key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "first query")),
	Last:          key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "last query")),
}

// grid is the heatmap's geometry at the pane's size for n tokens: the label
// column's width, the cell width, and how many key columns and query rows
// fit.
func (p *attentionPane) grid(n int) (labelW, cw, cols, rows int) {
	w, h := p.inner()
	for _, t := range p.tokens {
		labelW = max(labelW, ansi.StringWidth(showSpace(t)))
	}
	labelW = min(max(labelW, 3), 8)
	cw = min(max((w-labelW-1)/max(n, 1), 2), 4) // cell width: glyphs and a gap
	cols = max((w-labelW-1)/cw, 1)
	rows = max(h-4, 1) // the layer line, the cursor line, the key header and the legend
	if n > rows || n > cols {
		rows = max(h-5, 1) // and the line that says which part is shown
	}
	return labelW, cw, cols, rows
}

// Update handles the pane's keys.
func (p *attentionPane) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	km := p.km
	switch {
	case key.Matches(k, km.CellLeft):
		p.moveCursor(-1, 0)
	case key.Matches(k, km.CellRight):
		p.moveCursor(1, 0)
	case key.Matches(k, km.CellUp):
		p.moveCursor(0, -1)
	case key.Matches(k, km.CellDown):
		p.moveCursor(0, 1)
	case key.Matches(k, km.LayerPrev):
		p.layer = (p.layer + p.layers - 1) % max(p.layers, 1)
	case key.Matches(k, km.LayerNext):
		p.layer = (p.layer + 1) % max(p.layers, 1)
	case key.Matches(k, km.HeadPrev):
		p.head = (p.head + p.heads) % (p.heads + 1)
	case key.Matches(k, km.HeadNext):
		p.head = (p.head + 1) % (p.heads + 1)
	case key.Matches(k, km.HeadMean):
		p.head = p.heads
	case key.Matches(k, attentionScroll.QueryPageUp), key.Matches(k, attentionScroll.QueryPageDown),
		key.Matches(k, attentionScroll.KeyPageLeft), key.Matches(k, attentionScroll.KeyPageRight):
		_, _, cols, rows := p.grid(len(p.tokens))
		switch {
		case key.Matches(k, attentionScroll.QueryPageUp):
			p.moveCursor(0, -rows)
		case key.Matches(k, attentionScroll.QueryPageDown):
			p.moveCursor(0, rows)
		case key.Matches(k, attentionScroll.KeyPageLeft):
			p.moveCursor(-cols, 0)
		default:
			p.moveCursor(cols, 0)
		}
	case key.Matches(k, attentionScroll.First):
		p.moveCursor(-p.k, -p.q)
	case key.Matches(k, attentionScroll.Last):
		p.moveCursor(0, len(p.tokens))
	}
	return nil
}

func (p *attentionPane) View() string { return p.frame("Attention", p.lines()) }

func (p *attentionPane) lines() []string {
	st := p.st
	w, _ := p.inner()
	head := "mean of heads"
	if p.head < p.heads {
		head = fmt.Sprintf("head %d/%d", p.head+1, p.heads)
	}
	out := []string{st.Label.Render("layer ") + st.Value.Render(fmt.Sprintf("%d/%d", p.layer+1, p.layers)) +
		"  " + st.Value.Render(head) + st.Muted.Render("  [ ] layer  < > head  a mean")}
	if !p.have || len(p.att) == 0 || len(p.tokens) == 0 {
		return append(out, "", st.Muted.Render("waiting for the model…"))
	}
	n := len(p.tokens)
	wgt := p.weight(p.q, p.k)
	out = append(out, st.Label.Render("query ")+st.Value.Render(fmt.Sprintf("%q", showSpace(p.tokens[p.q])))+
		st.Label.Render(" → key ")+st.Value.Render(fmt.Sprintf("%q", showSpace(p.tokens[p.k])))+
		st.Label.Render(": ")+st.Value.Render(fmt.Sprintf("%.4f", wgt)))

	// Geometry: a label column, then cells of cw columns.
	labelW, cw, cols, rows := p.grid(n)
	// The window of keys and queries shown keeps the cursor in view.
	k0 := windowStart(p.k, n, cols)
	q0 := windowStart(p.q, n, rows)

	var hdr strings.Builder
	hdr.WriteString(strings.Repeat(" ", labelW+1))
	for k := k0; k < min(k0+cols, n); k++ {
		hdr.WriteString(fit(ansi.Truncate(showSpace(p.tokens[k]), cw-1, ""), cw))
	}
	out = append(out, st.Muted.Render(hdr.String()))
	for q := q0; q < min(q0+rows, n); q++ {
		var row strings.Builder
		label := fit(ansi.Truncate(showSpace(p.tokens[q]), labelW, "…"), labelW)
		if q == p.q {
			row.WriteString(st.Selected.Render(label))
		} else {
			row.WriteString(st.Muted.Render(label))
		}
		row.WriteByte(' ')
		for k := k0; k < min(k0+cols, n); k++ {
			cell := strings.Repeat(" ", cw)
			if k <= q {
				lvl := shade(p.weight(q, k))
				glyphs := strings.Repeat(shades[lvl], cw-1)
				if q == p.q && k == p.k {
					cell = st.Cursor.Render(glyphs + "◂") // the cursor: its exact weight is on top
				} else {
					cell = st.Heat[lvl].Render(glyphs) + " "
				}
			}
			row.WriteString(cell)
		}
		out = append(out, row.String())
	}
	legend := fmt.Sprintf("%s<.05 %s<.25 %s<.5 %s<.75 %s≥.75  step %d", shades[0], shades[1], shades[2], shades[3], shades[4], p.step)
	if n > rows || n > cols {
		// Part of the map is off screen: say which part is shown, and how
		// to page to the rest, before the legend (which may be cut).
		out = append(out, st.Muted.Render(ansi.Truncate(fmt.Sprintf("queries %d–%d, keys %d–%d of %d  pgup/pgdn ⇧←/⇧→ page",
			q0+1, min(q0+rows, n), k0+1, min(k0+cols, n), n), w, "…")))
	}
	return append(out, st.Muted.Render(legend))
}

// windowStart returns the first index of a window of size n over total
// items that keeps cur visible, preferring to show the end.
func windowStart(cur, total, n int) int {
	if total <= n {
		return 0
	}
	start := total - n
	if cur < start {
		start = cur
	}
	return start
}
