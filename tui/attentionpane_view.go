package tui

import (
	"fmt"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Marks of the Attention pane, beside the shades.
const (
	attCursorMark    = "◂" // after the cursor's cell
	attStrongestMark = "*" // after the strongest key of each row
	attLeftMark      = "◂" // in the key header: keys hidden to the left
)

// spellToken is a token's text as the Tokens pane spells it: · for a space,
// ⏎ for a newline, → for a tab, control and invisible characters as
// pictures or <U+XXXX>, bytes that are not a whole character as <XX>, and
// ∅ for a token with no text.
func spellToken(s string) string {
	if s == "" {
		return glyphEmpty
	}
	var b strings.Builder
	for _, u := range spanUnits(s, 0, len(s), 0, 0, true) {
		b.WriteString(u.text)
	}
	return b.String()
}

// heat is the style of weight w: its shade level's colour, faint in the
// lower half of the level, so colour tells ten steps apart where the
// glyphs tell five (0.06 and 0.12 are both ░, the first fainter).
func (p *attentionPane) heat(w float32) lipgloss.Style {
	lvl := shade(w)
	lo, hi := float32(0), float32(1)
	if lvl > 0 {
		lo = shadeLimits[lvl-1]
	}
	if lvl < len(shadeLimits) {
		hi = shadeLimits[lvl]
	}
	st := p.st.Heat[lvl]
	if p.st.NoColor {
		return st // faint text is not read without colour; the glyph carries the level
	}
	return st.Faint(w < (lo+hi)/2)
}

// quoteToken puts a spelled token in quotes, unescaped: the spelling already
// shows what is invisible, and a backslash stays one.
func quoteToken(s string) string { return `"` + s + `"` }

// headName is the shown head: "head 2/4" counted from 1, or the mean.
func (p *attentionPane) headName(h int) string {
	if h < p.heads {
		return fmt.Sprintf("head %d/%d", h+1, p.heads)
	}
	return "mean of heads"
}

// hundredths is a weight as two digits, in hundredths; 1 (which two digits
// cannot hold) is "1.".
func hundredths(w float32) string {
	n := int(w*100 + 0.5)
	if n >= 100 {
		return "1."
	}
	return fmt.Sprintf("%2d", max(n, 0))
}

// offScreen says what is off screen in each direction ("◂ 12 more  ▾ 5 more"),
// or "" when everything fits.
func offScreen(left, right, up, down int) string {
	var parts []string
	for _, d := range []struct {
		n     int
		arrow string
	}{{up, "▴"}, {down, "▾"}, {left, "◂"}, {right, "▸"}} {
		if d.n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d more", d.arrow, d.n))
		}
	}
	return strings.Join(parts, "  ")
}

func (p *attentionPane) View() string { return p.frame("Attention", p.lines()) }

func (p *attentionPane) lines() []string {
	st := p.st
	w, _ := p.inner()
	keys := "  [ ] layer  < > head  a mean  o overview  # numbers"
	if p.overview {
		keys = "  ↑↓←→ choose  enter show  o back"
	}
	out := []string{st.Label.Render("layer ") + st.Value.Render(fmt.Sprintf("%d/%d", p.layer+1, p.layers)) +
		" " + st.Value.Render(p.headName(p.head)) + st.Muted.Render(keys)}
	if !p.have || len(p.att) == 0 || len(p.tokens) == 0 {
		return append(out, "", st.Muted.Render("waiting for the model…"))
	}
	if p.overview {
		return append(out, p.overviewLines(w)...)
	}
	return append(out, p.mapLines(w)...)
}

// cursorLines are the query and key under the cursor, spelled in full, with
// the exact weight and the row's strongest key.
func (p *attentionPane) cursorLines(w int) []string {
	st := p.st
	sk, sw := p.strongest(p.layer, p.head, p.q)
	query := st.Label.Render("query ") + st.Value.Render(fmt.Sprintf("%d %s", p.q+1, quoteToken(p.spelled[p.q]))) +
		st.Label.Render("  strongest ") + st.Value.Render(fmt.Sprintf("%d %s %.4f", sk+1, quoteToken(p.spelled[sk]), sw))
	key := st.Label.Render("→ key ") + st.Value.Render(fmt.Sprintf("%d %s", p.k+1, quoteToken(p.spelled[p.k]))) +
		st.Label.Render(": ") + st.Value.Render(fmt.Sprintf("%.4f", p.weight(p.q, p.k)))
	if p.k == sk {
		key += st.Muted.Render("  (the strongest " + attStrongestMark + ")")
	}
	return []string{ansi.Truncate(query, w, "…"), ansi.Truncate(key, w, "…")}
}

// mapLines are the cursor lines, the heatmap's window around the cursor,
// what is off screen, and the legend.
func (p *attentionPane) mapLines(w int) []string {
	st := p.st
	n := len(p.tokens)
	out := p.cursorLines(w)

	// Geometry: a label column, then cells of cw columns.
	labelW, cw, cols, rows := p.grid(n)
	// The window of keys and queries shown keeps the cursor in view.
	k0 := keepVisible(p.k0, p.k, n, cols)
	q0 := keepVisible(p.q0, p.q, n, rows)
	k1, q1 := min(k0+cols, n), min(q0+rows, n)

	var hdr strings.Builder
	left := ""
	if k0 > 0 {
		left = attLeftMark // the count is on the line below the map
	}
	hdr.WriteString(fmt.Sprintf("%*s ", labelW, left))
	for k := k0; k < k1; k++ {
		hdr.WriteString(fit(ansi.Truncate(p.spelled[k], cw-1, ""), cw))
	}
	out = append(out, st.Muted.Render(hdr.String()))
	for q := q0; q < q1; q++ {
		var row strings.Builder
		label := fit(ansi.Truncate(p.spelled[q], labelW, "…"), labelW)
		if q == p.q {
			row.WriteString(st.Selected.Render(label))
		} else {
			row.WriteString(st.Muted.Render(label))
		}
		row.WriteByte(' ')
		sk, _ := p.strongest(p.layer, p.head, q)
		for k := k0; k < k1; k++ {
			if k > q {
				row.WriteString(strings.Repeat(" ", cw))
				continue
			}
			wgt := p.weight(q, k)
			lvl := shade(wgt)
			glyphs := strings.Repeat(shades[lvl], cw-1)
			if p.numbers {
				glyphs = fmt.Sprintf("%*s", cw-1, hundredths(wgt))
			}
			gap := " "
			if k == sk {
				gap = attStrongestMark
			}
			if q == p.q && k == p.k {
				row.WriteString(st.Cursor.Render(glyphs + attCursorMark)) // its exact weight is on top
			} else {
				row.WriteString(p.heat(wgt).Render(glyphs) + gap)
			}
		}
		out = append(out, row.String())
	}
	if m := offScreen(k0, n-k1, q0, n-q1); m != "" {
		// Part of the map is off screen: say how much in each direction,
		// and how to page to it, before the legend (which may be cut).
		out = append(out, st.Muted.Render(ansi.Truncate(m+"  pgup/pgdn { } page", w, "…")))
	}
	legend := fmt.Sprintf("%s<.05 %s<.15 %s<.35 %s<.75 %s %smax  step %d",
		shades[0], shades[1], shades[2], shades[3], shades[4], attStrongestMark, p.step)
	if p.numbers {
		legend = fmt.Sprintf("weight×100 (1.=1) %smax  step %d", attStrongestMark, p.step)
	}
	return append(out, st.Muted.Render(ansi.Truncate(legend, w, "…")))
}

// overviewLines draw, for the cursor's query, every layer (rows) and head
// (columns, the mean last): the key it attends to most, spelled, and the
// weight, with the overview's cursor on one cell; under the grid, each head
// of the chosen layer as a mini-row of shades: where it looks along the
// prompt.
func (p *attentionPane) overviewLines(w int) []string {
	st := p.st
	_, h := p.inner()
	out := []string{ansi.Truncate(st.Label.Render("where each head looks from query ")+
		st.Value.Render(fmt.Sprintf("%d %s", p.q+1, quoteToken(p.spelled[p.q]))), w, "…")}

	const labelW = 9 // "layer 12 "
	ncols := p.heads + 1
	cellW := min(max((w-labelW)/ncols, 9), 16)
	cols := max((w-labelW)/cellW, 1)
	rows := max(h-1-len(out)-1-2, 1) // the layer line, the head header, the mini-row and its label
	if ncols > cols || p.layers > rows {
		rows = max(rows-1, 1) // and what is off screen
	}
	h0 := windowStart(p.oh, ncols, cols)
	l0 := windowStart(p.ol, p.layers, rows)
	h1, l1 := min(h0+cols, ncols), min(l0+rows, p.layers)

	var hdr strings.Builder
	hdr.WriteString(strings.Repeat(" ", labelW))
	for hd := h0; hd < h1; hd++ {
		name := "mean"
		if hd < p.heads {
			name = fmt.Sprintf("head %d", hd+1)
		}
		hdr.WriteString(fit(" "+name, cellW))
	}
	out = append(out, st.Muted.Render(hdr.String()))
	for l := l0; l < l1; l++ {
		var row strings.Builder
		row.WriteString(st.Muted.Render(fit(fmt.Sprintf("layer %d", l+1), labelW)))
		for hd := h0; hd < h1; hd++ {
			k, wgt := p.strongest(l, hd, p.q)
			num := strings.TrimPrefix(fmt.Sprintf("%.2f", wgt), "0")
			tok := ansi.Truncate(p.spelled[k], cellW-2-len(num)-1, "…")
			cell := fit(tok+" "+num, cellW-1)
			if l == p.ol && hd == p.oh {
				row.WriteString(st.Cursor.Render(attOverviewMark + cell))
			} else {
				row.WriteString(" " + p.heat(wgt).Render(cell))
			}
		}
		out = append(out, row.String())
	}
	if m := offScreen(h0, ncols-h1, l0, p.layers-l1); m != "" {
		out = append(out, st.Muted.Render(ansi.Truncate(m, w, "…")))
	}
	// The chosen layer's heads, each as its whole row of shades for this
	// query: where it looks along the prompt. As many heads as there is
	// room for, around the chosen one.
	// The label column is "▸head 12"; when the row is longer than the
	// rest of the line, the keys nearest the query are shown.
	const miniW = 8
	k0 := windowStart(p.q, p.q+1, max(w-miniW-1, 1))
	out = append(out, st.Label.Render(ansi.Truncate(fmt.Sprintf("layer %d, keys %d–%d, each head:", p.ol+1, k0+1, p.q+1), w, "…")))
	room := max(h-1-len(out), 1)
	m0 := windowStart(p.oh, ncols, room)
	for hd := m0; hd < min(m0+room, ncols); hd++ {
		name := "mean"
		if hd < p.heads {
			name = fmt.Sprintf("head %d", hd+1)
		}
		mark := " "
		if hd == p.oh {
			mark = attOverviewMark
		}
		var mini strings.Builder
		mini.WriteString(st.Muted.Render(fit(mark+name, miniW)) + " ")
		for k := k0; k <= p.q; k++ {
			wgt := p.weightAt(p.ol, hd, p.q, k)
			mini.WriteString(p.heat(wgt).Render(shades[shade(wgt)]))
		}
		out = append(out, mini.String())
	}
	return out
}

// attOverviewMark starts the overview's chosen cell, so it shows without
// reverse video too.
const attOverviewMark = "▸"
