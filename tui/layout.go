package tui

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// paneID names a pane; the order is the focus order.
type paneID int

const (
	paneDataset paneID = iota
	paneTokens
	paneLoss
	panePredict
	paneAttention
	paneSample
	numPanes
)

// paneTitles are the titles on screen, spelled exactly as the issue and the
// end-to-end tests expect them.
var paneTitles = [numPanes]string{"Dataset", "Tokens", "Loss", "Predict", "Attention", "Sample"}

func (p paneID) String() string { return paneTitles[p] }

// Terminal sizes: below minWidth×minHeight the workbench asks for a bigger
// terminal; from gridWidth×gridHeight on every pane is on screen at once, in
// between the panes are tabs.
const (
	minWidth, minHeight   = 80, 24
	gridWidth, gridHeight = 120, 40
	footerHeight          = 2 // status bar and help line
)

// rect is a rectangle of terminal cells.
type rect struct{ X, Y, W, H int }

func (r rect) contains(x, y int) bool {
	return x >= r.X && x < r.X+r.W && y >= r.Y && y < r.Y+r.H
}

type layoutMode int

const (
	layoutTooSmall layoutMode = iota
	layoutTabs
	layoutGrid
)

// screenLayout is where everything goes for one terminal size. It is
// computed once per resize by computeLayout and pushed down as SetSize calls.
type screenLayout struct {
	mode   layoutMode
	W, H   int
	tabs   rect           // the tab bar (tab layout only)
	body   rect           // the area the panes (or the help) fill
	panes  [numPanes]rect // each pane's box, border included
	footer rect           // status bar and help line
}

// computeLayout places the panes for a w×h terminal. In the grid the columns
// hold Dataset over Tokens, Loss over Sample, Predict over Attention: the
// data, the training, and the look inside.
func computeLayout(w, h int) screenLayout {
	l := screenLayout{W: w, H: h}
	if w < minWidth || h < minHeight {
		l.mode = layoutTooSmall
		return l
	}
	l.footer = rect{0, h - footerHeight, w, footerHeight}
	if w < gridWidth || h < gridHeight {
		l.mode = layoutTabs
		l.tabs = rect{0, 0, w, 1}
		l.body = rect{0, 1, w, h - 1 - footerHeight}
		for p := range l.panes {
			l.panes[p] = l.body
		}
		return l
	}
	l.mode = layoutGrid
	l.body = rect{0, 0, w, h - footerHeight}
	c0 := w * 3 / 10
	c1 := (w - c0) / 2
	c2 := w - c0 - c1
	top := l.body.H / 2
	bottom := l.body.H - top
	l.panes[paneDataset] = rect{0, 0, c0, top}
	l.panes[paneTokens] = rect{0, top, c0, bottom}
	l.panes[paneLoss] = rect{c0, 0, c1, top}
	l.panes[paneSample] = rect{c0, top, c1, bottom}
	l.panes[panePredict] = rect{c0 + c1, 0, c2, top}
	l.panes[paneAttention] = rect{c0 + c1, top, c2, bottom}
	return l
}

// paneAt returns the pane under cell (x, y) and whether there is one.
func (l screenLayout) paneAt(x, y int, focus paneID) (paneID, bool) {
	switch l.mode {
	case layoutTabs:
		return focus, l.body.contains(x, y)
	case layoutGrid:
		for p := paneID(0); p < numPanes; p++ {
			if l.panes[p].contains(x, y) {
				return p, true
			}
		}
	}
	return 0, false
}

// box draws a pane: a border of the pane style with the title set into the
// top edge, around content cut or padded to the inner size.
type box struct {
	st      *Styles
	w, h    int // outer size, border included
	focused bool
}

// SetSize sets the outer size of the box.
func (b *box) SetSize(w, h int) { b.w, b.h = w, h }

// SetFocused marks the box as the focused pane.
func (b *box) SetFocused(f bool) { b.focused = f }

// inner returns the size available for content.
func (b *box) inner() (w, h int) { return max(b.w-2, 0), max(b.h-2, 0) }

// frame renders the box around lines.
func (b *box) frame(title string, lines []string) string {
	if b.w < 4 || b.h < 2 {
		return ""
	}
	border := b.st.Pane.GetBorderStyle()
	glyph, titleStyle := b.st.Border, b.st.Title
	if b.focused {
		border = b.st.PaneFocused.GetBorderStyle()
		glyph, titleStyle = b.st.BorderFocused, b.st.TitleFocused
	}
	iw, ih := b.inner()
	var sb strings.Builder
	sb.Grow((b.w + 8) * b.h)
	t := ansi.Truncate(title, max(iw-3, 0), "…")
	rest := iw - 2 - ansi.StringWidth(t)
	sb.WriteString(glyph.Render(border.TopLeft + border.Top))
	if rest >= 1 && t != "" {
		sb.WriteString(" " + titleStyle.Render(t) + " ")
		sb.WriteString(glyph.Render(strings.Repeat(border.Top, rest-1) + border.TopRight))
	} else {
		sb.WriteString(glyph.Render(strings.Repeat(border.Top, max(iw-1, 0)) + border.TopRight))
	}
	left, right := glyph.Render(border.Left), glyph.Render(border.Right)
	for i := 0; i < ih; i++ {
		sb.WriteByte('\n')
		sb.WriteString(left)
		line := ""
		if i < len(lines) {
			line = lines[i]
		}
		sb.WriteString(fit(line, iw))
		sb.WriteString(right)
	}
	sb.WriteByte('\n')
	sb.WriteString(glyph.Render(border.BottomLeft + strings.Repeat(border.Bottom, iw) + border.BottomRight))
	return sb.String()
}

// fit cuts s to exactly w cells, padding with spaces.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	n := asciiWidth(s)
	if n < 0 {
		n = ansi.StringWidth(s)
	}
	if n > w {
		s = ansi.Truncate(s, w, "…")
		n = ansi.StringWidth(s)
	}
	if n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// place puts block (lines of any width) into a w×h area, each line cut or
// padded to w, missing lines blank.
func place(block string, w, h int) []string {
	lines := strings.Split(block, "\n")
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = fit(lines[i], w)
		} else {
			out[i] = strings.Repeat(" ", w)
		}
	}
	return out
}

// center places block in the middle of a w×h area.
func center(block string, w, h int) string {
	return lipgloss.Place(w, h, lipgloss.Center, lipgloss.Center, block)
}

// asciiWidth is the width of printable ASCII text, or -1 for anything else
// (escapes, other characters), which ansi.StringWidth must measure.
func asciiWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			return -1
		}
	}
	return len(s)
}
