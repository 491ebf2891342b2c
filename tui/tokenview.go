package tui

import (
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/term"

	"lmlab/tokenizer"
)

// TokenViewOptions says how RenderTokens draws a text cut into tokens.
type TokenViewOptions struct {
	Width      int  // wrap lines at this many cells; 0 or less: no wrapping
	ShowIDs    bool // write each token's id after it, in subscript digits
	Whitespace bool // draw space as ·, newline as ⏎ (tabs and control characters are always visible)
	// WrapAtTokens starts a new line before a token (with its id and
	// separator) that does not fit on the rest of the line, rather than
	// cutting it; tokens wider than a line are still cut.
	WrapAtTokens bool
}

// Glyphs of the token view.
const (
	glyphSpace    = "·"
	glyphTab      = "→"
	glyphNewline  = "⏎"
	glyphCR       = "␍"
	glyphUniSpace = "␣" // other Unicode spaces (no-break space, ideographic space, ...)
	glyphEmpty    = "∅" // a token that covers no input bytes (inserted by a normalizer)
	glyphSep      = "│" // between tokens when there is no colour
	glyphDiffSep  = "┃" // a cut the other tokenizer does not make, when there is no colour
	glyphJoin     = "┊" // a cut inside one character: two pieces of it meet here
	glyphUnknown  = "⁇" // after an unknown token (<unk>, or a character outside the vocabulary)
	glyphMeta     = "▁" // SentencePiece's word start, seen in pieces (--decode, --merges)
)

// unit is one piece of drawn text: a glyph, a separator or an id, with the
// style it is drawn in (an index into the palette) and its width in cells.
type unit struct {
	text  string
	width int
	style int
	brk   bool // a line break follows
	tok   int  // index of the token the unit belongs to (with its id and separator)
}

// Palette indexes: the styles a token view draws with.
const (
	palA = iota
	palB
	palWhiteA // whitespace glyphs inside an A or B token
	palWhiteB
	palSpecial
	palSpecialB
	palUnknown
	palUnknownB
	palFallback
	palFallbackB
	palDiffA
	palDiffB
	palMuted
	palDiff
	palLen
)

func palette(st Styles) []lipgloss.Style {
	p := make([]lipgloss.Style, palLen)
	p[palA], p[palB] = st.TokenA, st.TokenB
	p[palWhiteA], p[palWhiteB] = st.Whitespace.Inherit(st.TokenA), st.Whitespace.Inherit(st.TokenB)
	p[palSpecial], p[palUnknown], p[palFallback] = st.TokenSpecial, st.TokenUnknown, st.TokenFallback
	p[palSpecialB], p[palUnknownB], p[palFallbackB] = st.TokenSpecialB, st.TokenUnknownB, st.TokenFallbackB
	p[palDiffA] = st.TokenDiff.Inherit(st.TokenA)
	p[palDiffB] = st.TokenDiff.Inherit(st.TokenB)
	p[palMuted], p[palDiff] = st.Muted, st.TokenDiff
	return p
}

// RenderTokens draws text with its tokens: alternating styles (or, without
// colour, │ between tokens), ┊ where a cut falls inside one character,
// visible whitespace, invisible characters as <U+XXXX>, special tokens,
// byte fallback pieces and tokens that split a character (as <XX> bytes),
// unknown tokens followed by ⁇, and wraps at opt.Width counting cells per
// grapheme cluster. Legend explains each mark. It never panics: spans outside the text, out of order
// or overlapping are clipped.
func RenderTokens(st Styles, text string, toks []tokenizer.Token, opt TokenViewOptions) string {
	return layout(palette(st), tokenUnits(st, text, toks, nil, opt), opt.Width, opt.WrapAtTokens)
}

// TokenRow is one tokenizer's tokens of a text, for RenderCompare.
type TokenRow struct {
	Name   string
	Tokens []tokenizer.Token
}

// RenderCompare draws the same text cut by two tokenizers, one above the
// other, each headed by its name and counts; in each, a cut the other
// tokenizer does not make is marked (TokenDiff, or ┃ without colour).
func RenderCompare(st Styles, text string, a, b TokenRow, opt TokenViewOptions) string {
	cutsA, cutsB := cuts(a.Tokens), cuts(b.Tokens)
	differ := 0
	for c := range cutsA {
		if !cutsB[c] {
			differ++
		}
	}
	for c := range cutsB {
		if !cutsA[c] {
			differ++
		}
	}
	var sb strings.Builder
	sb.WriteString(compareRow(st, text, a.Name, TokenSummary(text, a.Tokens), a.Tokens, cutsB, opt))
	sb.WriteString("\n\n")
	sb.WriteString(compareRow(st, text, b.Name, TokenSummary(text, b.Tokens), b.Tokens, cutsA, opt))
	sb.WriteString("\n")
	sb.WriteString(differLine(st, differ))
	return sb.String()
}

// compareRow is one row of a comparison: the tokenizer's name and summary,
// and toks drawn with the cuts missing from other marked.
func compareRow(st Styles, text, name, summary string, toks []tokenizer.Token, other map[int]bool, opt TokenViewOptions) string {
	return st.Title.Render(name) + st.Muted.Render("  "+summary) + "\n" +
		layout(palette(st), tokenUnits(st, text, toks, other, opt), opt.Width, opt.WrapAtTokens)
}

// differLine says how many cuts two tokenizers do not share.
func differLine(st Styles, differ int) string {
	switch differ {
	case 0:
		return st.Muted.Render("both cut the text at the same places")
	case 1:
		return st.TokenDiff.Render("1 cut differs")
	}
	return st.TokenDiff.Render(fmt.Sprintf("%d cuts differ", differ))
}

// countDiffer counts the cuts (token ends but the last) that one of a and b
// makes and the other does not, as RenderCompare does, by merging: the
// tokens of a tokenizer come in order. Out of order, it counts with sets.
func countDiffer(a, b []tokenizer.Token) int {
	ends := func(toks []tokenizer.Token) []int {
		if len(toks) == 0 {
			return nil
		}
		out := make([]int, 0, len(toks)-1)
		for _, t := range toks[:len(toks)-1] {
			if n := len(out); n > 0 && t.End < out[n-1] {
				return nil
			} else if n == 0 || t.End != out[n-1] {
				out = append(out, t.End)
			}
		}
		return out
	}
	ea, eb := ends(a), ends(b)
	if (ea == nil && len(a) > 1) || (eb == nil && len(b) > 1) {
		ca, cb := cuts(a), cuts(b)
		differ := 0
		for c := range ca {
			if !cb[c] {
				differ++
			}
		}
		for c := range cb {
			if !ca[c] {
				differ++
			}
		}
		return differ
	}
	differ, i, j := 0, 0, 0
	for i < len(ea) && j < len(eb) {
		switch {
		case ea[i] == eb[j]:
			i++
			j++
		case ea[i] < eb[j]:
			differ++
			i++
		default:
			differ++
			j++
		}
	}
	return differ + len(ea) - i + len(eb) - j
}

// TokenSummary is "N tokens · C chars/token · B bytes/token".
func TokenSummary(text string, toks []tokenizer.Token) string {
	n := len(toks)
	noun := "tokens"
	if n == 1 {
		noun = "token"
	}
	if n == 0 {
		return "0 tokens"
	}
	chars := utf8.RuneCountInString(text)
	return fmt.Sprintf("%d %s · %.2f chars/token · %.2f bytes/token", n, noun, float64(chars)/float64(n), float64(len(text))/float64(n))
}

// cuts returns the byte offsets where tokens end inside the text (the
// boundaries between tokens).
func cuts(toks []tokenizer.Token) map[int]bool {
	m := make(map[int]bool, len(toks))
	for i, t := range toks {
		if i < len(toks)-1 {
			m[t.End] = true
		}
	}
	return m
}

// tokenUnits turns tokens into units. With other set (compare mode), cuts
// missing from other are marked.
func tokenUnits(st Styles, text string, toks []tokenizer.Token, other map[int]bool, opt TokenViewOptions) []unit {
	var out []unit
	done := 0 // bytes of text already drawn
	for i, t := range toks {
		style, white := palA, palWhiteA
		if i%2 == 1 {
			style, white = palB, palWhiteB
		}
		diff := other != nil && i < len(toks)-1 && !other[t.End]
		unknown := t.ID < 0 || t.Unknown
		switch {
		case t.Special:
			style, white = palSpecial+i%2, palSpecial+i%2
		case unknown:
			style, white = palUnknown+i%2, palUnknown+i%2
		case t.Fallback || t.SplitsRune:
			style, white = palFallback+i%2, palFallback+i%2
		case diff:
			style += palDiffA - palA
		}
		first := len(out)
		start, end := max(t.Start, done, 0), min(t.End, len(text))
		switch {
		case start >= end:
			out = append(out, unit{text: glyphEmpty, width: 1, style: white})
		default:
			out = append(out, spanUnits(text, start, end, style, white, opt.Whitespace)...)
		}
		done = max(done, end)
		// A line break after the token's last glyph moves after its id and
		// separator, so they stay on the token's line.
		endBreak := out[len(out)-1].brk
		out[len(out)-1].brk = false
		if unknown {
			out = append(out, unit{text: glyphUnknown, width: 1, style: style})
		}
		if opt.ShowIDs {
			id := subscript(t.ID)
			out = append(out, unit{text: id, width: ansi.StringWidth(id), style: palMuted})
		}
		if i < len(toks)-1 {
			inside := cutInsideChar(text, t.End)
			switch {
			case st.NoColor && diff:
				out = append(out, unit{text: glyphDiffSep, width: 1, style: palDiff})
			case inside:
				out = append(out, unit{text: glyphJoin, width: 1, style: palMuted})
			case st.NoColor:
				out = append(out, unit{text: glyphSep, width: 1, style: palMuted})
			}
		}
		if len(out) > first {
			out[len(out)-1].brk = endBreak
		}
		for k := first; k < len(out); k++ {
			out[k].tok = i
		}
	}
	return out
}

// glyphUnits draws valid UTF-8 text grapheme cluster by grapheme cluster
// (so a ZWJ sequence, a flag or a wide character is one unit of the width
// the terminal gives it), making whitespace and control characters visible
// and invisible or format characters (zero-width space and joiner, BOM,
// soft hyphen, bidi controls, a combining mark with nothing to combine
// with) a <U+XXXX> mark.
func glyphUnits(s string, style, white int, whitespace bool) []unit {
	var out []unit
	for s != "" {
		r, n := utf8.DecodeRuneInString(s)
		u := unit{width: 1, style: white}
		switch {
		case r == '\n':
			u.text, u.brk = " ", true
			if whitespace {
				u.text = glyphNewline
			} else {
				u.style = style
			}
		case r == ' ':
			u.text = glyphSpace
			if !whitespace {
				u.text, u.style = " ", style
			}
		case r == '\t':
			u.text = glyphTab
		case r == '\r':
			u.text = glyphCR
		case r < 0x20:
			u.text = string(0x2400 + r) // the Control Pictures block: ␀ ␁ ...
		case r == 0x7f:
			u.text = "␡"
		case unicode.IsSpace(r):
			u.text = glyphUniSpace
		case invisible(r):
			u = markUnit(r, style)
		default:
			cluster, w := ansi.FirstGraphemeCluster(s, ansi.GraphemeWidth)
			if w < 2 {
				// Only an emoji sequence keeps its joiners and tags inside;
				// elsewhere a format character is cut out and shown.
				for k, c := range cluster {
					if k > 0 && unicode.Is(unicode.Cf, c) {
						cluster = cluster[:k]
						break
					}
				}
				w = ansi.StringWidth(cluster)
			}
			u = unit{text: cluster, width: w, style: style}
			n = len(cluster)
		}
		out = append(out, u)
		s = s[n:]
	}
	return out
}

// invisible reports whether r, at the start of a grapheme cluster, draws
// nothing: a format character (U+200B, U+200D, U+FEFF, U+00AD, bidi
// controls, ...) or a combining mark standing alone.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Mn, unicode.Me) || ansi.StringWidth(string(r)) == 0
}

// markUnit draws r as <U+XXXX>.
func markUnit(r rune, style int) unit {
	m := fmt.Sprintf("<U+%04X>", r)
	return unit{text: m, width: len(m), style: style}
}

// cutInsideChar reports whether a cut at byte p of text falls inside a
// character (between the bytes of one UTF-8 sequence) or before a
// combining mark or joiner that belongs to the character before it.
func cutInsideChar(text string, p int) bool {
	if p <= 0 || p >= len(text) {
		return false
	}
	if !utf8.RuneStart(text[p]) {
		return true
	}
	r, _ := utf8.DecodeRuneInString(text[p:])
	return unicode.In(r, unicode.Mn, unicode.Me) || r == 0x200D
}

// spanUnits draws text[start:end]: whole characters as glyphs, and bytes
// that are not whole characters inside the span (a piece of a character the
// token splits, or invalid UTF-8) as <XX>.
func spanUnits(text string, start, end, style, white int, whitespace bool) []unit {
	var out []unit
	run := start // start of the current run of whole characters
	for p := start; p < end; {
		r, n := utf8.DecodeRuneInString(text[p:])
		if (r != utf8.RuneError || n > 1) && p+n <= end {
			p += n
			continue
		}
		out = append(out, glyphUnits(text[run:p], style, white, whitespace)...)
		out = append(out, unit{text: fmt.Sprintf("<%02X>", text[p]), width: 4, style: style})
		p++
		run = p
	}
	return append(out, glyphUnits(text[run:end], style, white, whitespace)...)
}

var subscripts = []rune("₀₁₂₃₄₅₆₇₈₉")

// subscript writes id in subscript digits; an id below zero (a character
// outside the vocabulary) is ₋.
func subscript(id int) string {
	if id < 0 {
		return "₋"
	}
	s := fmt.Sprint(id)
	var b strings.Builder
	for _, c := range s {
		b.WriteRune(subscripts[c-'0'])
	}
	return b.String()
}

// layout flows units into lines of at most width cells (no limit when
// width ≤ 0), drawing each run of units that share a style at once. With
// atTokens, a token (with its id and separator) that does not fit on the
// rest of a line starts a new one; a token wider than a line is cut where
// it must.
func layout(pal []lipgloss.Style, units []unit, width int, atTokens bool) string {
	var sb, run strings.Builder
	runStyle := -1
	flush := func() {
		if runStyle >= 0 {
			sb.WriteString(pal[runStyle].Render(run.String()))
			run.Reset()
			runStyle = -1
		}
	}
	col := 0
	for i, u := range units {
		if width > 0 && col > 0 {
			need := u.width
			if atTokens && (i == 0 || units[i-1].tok != u.tok) { // a token starts: keep it whole if it fits on a line
				need = tokenWidth(units[i:])
				if need > width {
					need = u.width
				}
			}
			if col+need > width {
				flush()
				sb.WriteString("\n")
				col = 0
			}
		}
		if u.style != runStyle {
			flush()
			runStyle = u.style
		}
		run.WriteString(u.text)
		col += u.width
		if u.brk {
			flush()
			sb.WriteString("\n")
			col = 0
		}
	}
	flush()
	return strings.TrimSuffix(sb.String(), "\n")
}

// tokenWidth is the width of the first token of units, up to its first
// line break.
func tokenWidth(units []unit) int {
	w := 0
	for _, u := range units {
		if u.tok != units[0].tok {
			break
		}
		w += u.width
		if u.brk {
			break
		}
	}
	return w
}

// StylesFor returns DefaultStyles when w is a terminal that shows colour,
// and PlainStyles otherwise (a pipe, a file, NO_COLOR, TERM=dumb), so that
// where colour is lost token boundaries still show as │ marks.
func StylesFor(w io.Writer) Styles {
	if colorprofile.Detect(w, os.Environ()) < colorprofile.ANSI {
		return PlainStyles()
	}
	return DefaultStyles()
}

// Fprintln writes s and a newline to w, with its colours reduced to what w
// can show.
func Fprintln(w io.Writer, s string) error {
	_, err := lipgloss.Fprintln(w, s)
	return err
}

// TerminalWidth returns the width of the terminal w writes to, or 0 when w
// is not a terminal.
func TerminalWidth(w io.Writer) int {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(f.Fd()) {
		return 0
	}
	width, _, err := term.GetSize(f.Fd())
	if err != nil {
		return 0
	}
	return width
}

// Legend explains every glyph and style of the token view, one entry per
// line, each a sample drawn as the view draws it and what it means. A pane
// shows as many lines as fit.
func Legend(st Styles) string {
	pal := palette(st)
	type entry struct{ sample, meaning string }
	tokens := pal[palA].Render("tok") + pal[palB].Render("en")
	entries := []entry{
		{tokens, "tokens in alternating styles"},
	}
	if st.NoColor {
		entries[0] = entry{"tok" + glyphSep + "en", "a cut between tokens"}
		entries = append(entries, entry{glyphDiffSep, "a cut the other tokenizer does not make (--compare)"})
	} else {
		entries = append(entries, entry{pal[palDiffA].Render("cut"), "a token ending where the other tokenizer does not cut (--compare)"})
	}
	entries = append(entries,
		entry{glyphJoin, "a cut inside one character: two pieces of it meet"},
		entry{pal[palFallback].Render("<E4>"), "a byte that is not a whole character (byte fallback, or a token that splits a character)"},
		entry{pal[palA].Render("<U+200B>"), "an invisible character: zero-width space or joiner, BOM, soft hyphen, bidi control, lone combining mark"},
		entry{pal[palUnknown].Render("x" + glyphUnknown), "unknown: <unk> or a character outside the vocabulary"},
		entry{pal[palSpecial].Render("<|endoftext|>"), "a special or added token"},
		entry{glyphSpace + " " + glyphTab + " " + glyphNewline + " " + glyphCR, "space, tab, newline, carriage return"},
		entry{glyphUniSpace, "another Unicode space (no-break, ideographic, ...)"},
		entry{glyphEmpty, "a token that covers no text (inserted by a normalizer)"},
		entry{glyphMeta, "SentencePiece's word start, in pieces (--decode, --merges)"},
		entry{subscript(42) + " " + subscript(-1), "a token's id (--show-ids); ₋ when it has none"},
	)
	w := 0
	for _, e := range entries {
		w = max(w, ansi.StringWidth(e.sample))
	}
	lines := make([]string, len(entries))
	for i, e := range entries {
		lines[i] = e.sample + strings.Repeat(" ", w-ansi.StringWidth(e.sample)) + "  " + st.Muted.Render(e.meaning)
	}
	return strings.Join(lines, "\n")
}
