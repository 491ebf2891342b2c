package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
)

// shades are the heat glyphs, weakest to strongest, and shadeLimits the
// upper bounds of the first four: they read without colour. The limits
// grow about threefold, then twofold: a head spread over ten keys gives
// each about 0.1, so the small weights need the finer steps (0.06 is ░,
// 0.24 is ▒).
var (
	shades      = [5]string{"·", "░", "▒", "▓", "█"}
	shadeLimits = [4]float32{0.05, 0.15, 0.35, 0.75}
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
// cell cursor that shows the exact weight and each row's strongest key
// marked. Layers and heads are counted from 1 on screen, as `lmlab
// inspect` counts them. The overview (o) shows, for the cursor's query,
// where every layer's every head looks, and picks the one to draw.
type attentionPane struct {
	box
	km *keyMap

	layers, heads int
	layer, head   int // head == heads means the mean over heads
	step          int
	have          bool
	tokens        []string
	spelled       []string // tokens as the Tokens pane spells them (spellToken)
	att           [][][][]float32
	q, k          int // the cursor: query row, key column
	q0, k0        int // the first query row and key column shown (keepVisible)
	follow        bool
	numbers       bool // cells show weights as two-digit numbers

	overview bool
	ol, oh   int // the overview's cursor: layer, head (oh == heads: the mean)
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
	p.spelled = make([]string, len(tokens))
	for i, t := range tokens {
		p.spelled[i] = spellToken(t)
	}
	n := len(tokens)
	if p.follow || p.q >= n {
		p.q = max(n-1, 0)
		p.k = min(p.k, p.q)
	}
	if len(att) > 0 {
		p.layers, p.heads = len(att), len(att[0])
		p.layer = min(p.layer, p.layers-1)
		p.head = min(p.head, p.heads)
		p.ol = min(p.ol, p.layers-1)
		p.oh = min(p.oh, p.heads)
	}
	p.settle()
}

// SetSize sizes the pane and keeps the cursor's cell in view.
func (p *attentionPane) SetSize(w, h int) {
	p.box.SetSize(w, h)
	p.settle()
}

// settle moves the window of rows and columns shown as little as it takes
// to keep the cursor's cell in view.
func (p *attentionPane) settle() {
	n := len(p.tokens)
	_, _, cols, rows := p.grid(n)
	p.k0 = keepVisible(p.k0, p.k, n, cols)
	p.q0 = keepVisible(p.q0, p.q, n, rows)
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
	p.settle()
}

// weight returns the shown weight of query q on key k.
func (p *attentionPane) weight(q, k int) float32 { return p.weightAt(p.layer, p.head, q, k) }

// weightAt returns layer l's weight of query q on key k for head h, or the
// mean over heads when h is the number of heads.
func (p *attentionPane) weightAt(l, h, q, k int) float32 {
	heads := p.att[l]
	if h < len(heads) {
		return heads[h][q][k]
	}
	var sum float32
	for _, hd := range heads {
		sum += hd[q][k]
	}
	return sum / float32(len(heads))
}

// strongest returns the key query q attends to most in layer l, head h
// (the first of equals), and its weight.
func (p *attentionPane) strongest(l, h, q int) (k int, w float32) {
	w = -1
	for kk := 0; kk <= q; kk++ {
		if v := p.weightAt(l, h, q, kk); v > w {
			k, w = kk, v
		}
	}
	return k, w
}

// attentionScroll are the pane's paging keys ({ and }, not H and L: L is
// the lesson guide's, everywhere): they move the cursor, and with
// it the visible window, a page of query rows or key columns at a time, so
// a prompt longer than the pane is scrolled through, never cut. (The arrow
// keys move one cell; the window follows the cursor either way.)
var attentionScroll = struct {
	QueryPageUp, QueryPageDown, KeyPageLeft, KeyPageRight, First, Last key.Binding
}{
	QueryPageUp:   key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pgup", "page up")),
	QueryPageDown: key.NewBinding(key.WithKeys("pgdown"), key.WithHelp("pgdn", "page down")),
	KeyPageLeft:   key.NewBinding(key.WithKeys("shift+left", "{"), key.WithHelp("{", "page left")),
	KeyPageRight:  key.NewBinding(key.WithKeys("shift+right", "}"), key.WithHelp("}", "page right")),
	First:         key.NewBinding(key.WithKeys("home"), key.WithHelp("home", "first query")),
	Last:          key.NewBinding(key.WithKeys("end"), key.WithHelp("end", "last query")),
}

// Lines around the heatmap: the layer line and the two cursor lines above
// it, the key header, and the legend below.
const (
	attentionTop    = 3
	attentionAround = attentionTop + 2
)

// grid is the heatmap's geometry at the pane's size for n tokens: the label
// column's width, the cell width, and how many key columns and query rows
// fit.
func (p *attentionPane) grid(n int) (labelW, cw, cols, rows int) {
	w, h := p.inner()
	for _, t := range p.spelled {
		labelW = max(labelW, ansi.StringWidth(t))
	}
	labelW = min(max(labelW, 3), 8)
	cw = min(max((w-labelW-1)/max(n, 1), 2), 4) // cell width: glyphs and a gap
	if p.numbers {
		cw = max(cw, 3) // two digits and a gap
	}
	cols = max((w-labelW-1)/cw, 1)
	rows = max(h-attentionAround, 1)
	if n > rows || n > cols {
		rows = max(h-attentionAround-1, 1) // and the line that says what is off screen
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
	defer func() {
		km.overviewOn = p.overview
		p.settle()
	}()
	if key.Matches(k, km.Numbers) {
		p.numbers = !p.numbers
		return nil
	}
	if key.Matches(k, km.Overview) {
		p.overview = !p.overview && len(p.att) > 0
		p.ol, p.oh = p.layer, p.head
		return nil
	}
	if p.overview {
		p.overviewKey(k)
		return nil
	}
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

// overviewKey moves the overview's cursor over layers (rows) and heads
// (columns, the mean last); enter shows the chosen one in the heatmap.
func (p *attentionPane) overviewKey(k tea.KeyPressMsg) {
	km := p.km
	switch {
	case key.Matches(k, km.CellLeft), key.Matches(k, km.HeadPrev):
		p.oh = max(p.oh-1, 0)
	case key.Matches(k, km.CellRight), key.Matches(k, km.HeadNext):
		p.oh = min(p.oh+1, p.heads)
	case key.Matches(k, km.CellUp), key.Matches(k, km.LayerPrev):
		p.ol = max(p.ol-1, 0)
	case key.Matches(k, km.CellDown), key.Matches(k, km.LayerNext):
		p.ol = min(p.ol+1, p.layers-1)
	case key.Matches(k, km.HeadMean):
		p.oh = p.heads
	case key.Matches(k, km.Pick):
		p.layer, p.head = p.ol, p.oh
		p.overview = false
	}
}

// windowStart returns the first index of a window of size n over total
// items that keeps cur visible, preferring to show the end.
func windowStart(cur, total, n int) int { return keepVisible(total, cur, total, n) }

// keepVisible returns the first index of a window of size n over total
// items that starts as near start as it can while showing cur and no room
// past the end.
func keepVisible(start, cur, total, n int) int {
	if total <= n {
		return 0
	}
	start = min(start, total-n)
	if cur < start {
		start = cur
	}
	if cur >= start+n {
		start = cur - n + 1
	}
	return max(start, 0)
}
