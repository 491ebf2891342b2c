package tui

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/samples"
	"lmlab/tokenizer"
)

// This file is the Tokens pane's debugger: the token cursor and its detail
// lines, the glyph legend, the unknown-character line, the positions where
// two tokenizers cut differently, the merge replay of a byte-level BPE and
// the loading of a text file.

// pieceKind is how a tokenizer's files spell its vocabulary pieces.
type pieceKind int

const (
	piecePlain     pieceKind = iota // the piece is its text (char, word)
	pieceByteLevel                  // GPT-2's byte-to-character map: a space is Ġ
	pieceMeta                       // SentencePiece: a space is ▁, bytes are <0xNN>
)

// pieceKindOf finds how t spells its pieces: a BPE that encodes a character
// outside any vocabulary as bytes without byte fallback is byte-level; one
// that needs byte fallback or <unk> for it is SentencePiece-style.
func pieceKindOf(t tokenizer.Tokenizer) pieceKind {
	if _, ok := t.(*tokenizer.BPE); !ok {
		return piecePlain
	}
	for _, tk := range t.EncodeTokens("\U000F0000") { // a private-use character no vocabulary has
		if tk.Fallback {
			return pieceMeta
		}
	}
	return pieceByteLevel
}

// byteLevelRune is GPT-2's map from a byte to the character its vocabulary
// files write it as: printable Latin-1 bytes stand for themselves, the
// others (space, controls, …) for characters from U+0100 on.
var byteLevelRune = func() [256]rune {
	var m [256]rune
	n := 0
	for b := range 256 {
		if ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || (0xAE <= b && b <= 0xFF) {
			m[b] = rune(b)
			continue
		}
		m[b] = rune(256 + n)
		n++
	}
	return m
}()

// rawPiece is token id's vocabulary piece as the tokenizer's files write
// it ("Ġf", "▁def", "<0xF0>"). (tokenizer.BPE.Piece spells bytes for a
// terminal, <0xNN> for partial characters, not the files' Ġ alphabet.)
func rawPiece(t tokenizer.Tokenizer, kind pieceKind, tk tokenizer.Token) string {
	b := t.TokenBytes(tk.ID)
	switch {
	case tk.ID < 0:
		return "(none: outside the vocabulary)"
	case tk.Special:
		return string(b)
	case kind == pieceByteLevel:
		var sb strings.Builder
		for _, c := range b {
			sb.WriteRune(byteLevelRune[c])
		}
		return sb.String()
	case kind == pieceMeta && tk.Fallback && len(b) == 1:
		return fmt.Sprintf("<0x%02X>", b[0])
	case kind == pieceMeta:
		return strings.ReplaceAll(string(b), " ", metaspace)
	}
	return string(b)
}

// metaspace is SentencePiece's word-start marker.
const metaspace = "\u2581"

// hexBytes writes b as "F0 9F A4 96".
func hexBytes(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(' ')
		}
		fmt.Fprintf(&sb, "%02X", c)
	}
	return sb.String()
}

// strconvQuote quotes a piece on one line (control characters, newlines
// and invalid bytes escaped), so a detail line stays one line.
func strconvQuote(s string) string {
	q := fmt.Sprintf("%q", s)
	return `"` + standalone(q[1:])
}

// tokenDetail is the detail lines of token i of toks over text: its place,
// id, vocabulary piece, bytes and span, and for a token that is part of a
// character (byte-level pieces, byte fallback), the character and every
// token it takes ("🤖" = 3 tokens).
func tokenDetail(st Styles, t tokenizer.Tokenizer, kind pieceKind, text string, toks []tokenizer.Token, i int) []string {
	if i < 0 || i >= len(toks) {
		return nil
	}
	tk := toks[i]
	b := t.TokenBytes(tk.ID)
	id := fmt.Sprint(tk.ID)
	if tk.ID < 0 {
		id = "none"
	}
	var flags []string
	switch {
	case tk.Special:
		flags = append(flags, "special")
	case tk.ID < 0 || (tk.Fallback && kind != pieceMeta):
		flags = append(flags, "unknown")
		if tk.Start >= 0 && tk.Start <= tk.End && tk.End <= len(text) {
			b = []byte(text[tk.Start:tk.End]) // the text's bytes, not those of the <unk> piece
		}
	case tk.Fallback:
		flags = append(flags, "byte fallback")
	}
	if tk.SplitsRune {
		flags = append(flags, "splits a character")
	}
	line := st.Label.Render(fmt.Sprintf("token %d/%d", i+1, len(toks))) +
		st.Value.Render(fmt.Sprintf(" id %s · piece %s · bytes %s · at %d–%d", id, strconvQuote(rawPiece(t, kind, tk)), hexBytes(b), tk.Start, tk.End))
	if len(flags) > 0 {
		line += st.TokenDiff.Render(" · " + strings.Join(flags, ", "))
	}
	out := []string{line}
	if g := charGroup(text, toks, i); g != "" {
		out = append(out, st.Muted.Render(g))
	}
	return out
}

// charGroup says which character token i is a piece of, and how many
// tokens that character takes, when the token covers only part of a
// character or the character takes more than one token: "🤖" U+1F916 = 3
// tokens (ids 9468 242 244). It is "" for a token of whole characters.
func charGroup(text string, toks []tokenizer.Token, i int) string {
	tk := toks[i]
	if tk.Start < 0 || tk.End > len(text) || tk.Start >= tk.End {
		return ""
	}
	// The character the token starts in, or, for a token that starts on a
	// character, the character it ends in.
	at := tk.Start
	if utf8.RuneStart(text[at]) && tk.End < len(text) && !utf8.RuneStart(text[tk.End]) {
		at = tk.End - 1
	}
	rs := at
	for rs > 0 && at-rs < utf8.UTFMax && !utf8.RuneStart(text[rs]) {
		rs--
	}
	r, n := utf8.DecodeRuneInString(text[rs:])
	if r == utf8.RuneError && n <= 1 {
		return ""
	}
	re := rs + n
	var ids []string
	for _, o := range toks {
		if o.End > rs && o.Start < re {
			ids = append(ids, fmt.Sprint(o.ID))
		}
	}
	if len(ids) < 2 && !tk.SplitsRune {
		return ""
	}
	noun := "tokens"
	if len(ids) == 1 {
		noun = "token"
	}
	return fmt.Sprintf("%s U+%04X (%s) = %d %s: ids %s", strconvQuote(text[rs:re]), r, hexBytes([]byte(text[rs:re])), len(ids), noun, strings.Join(ids, " "))
}

// drawTokens draws toks as RenderTokens does (with other, as a row of
// RenderCompare does), with units whose glyphs would run together drawn
// apart (see fixUnits), and the token at cursor (≥ 0) in the cursor style:
// reverse video, which shows without colour too.
func drawTokens(st Styles, text string, toks []tokenizer.Token, other map[int]bool, opt TokenViewOptions, cursor int) string {
	pal := append(palette(st), lipgloss.NewStyle().Reverse(true).Bold(true))
	units := fixUnits(tokenUnits(st, text, toks, other, opt))
	if cursor >= 0 {
		for k := range units {
			if units[k].tok == cursor {
				units[k].style = len(pal) - 1
			}
		}
	}
	return layout(pal, units, opt.Width, opt.WrapAtTokens)
}

// fixUnits makes every unit as wide on screen as its width says. A unit
// that would join the one before it into one character (a skin tone, a
// flag's second letter, a combining mark or joiner that starts a token) is
// merged into it when both are one token in one style, and otherwise has
// its leading code points written as <U+XXXX>, since they belong to another
// token; invisible format characters (zero-width space, joiner, BOM, bidi
// controls) are always written so.
func fixUnits(units []unit) []unit {
	out := units[:0]
	for _, u := range units {
		if strings.ContainsFunc(u.text, isFormat) {
			u.text = showFormat(u.text)
			u.width = ansi.StringWidth(u.text)
		}
		if u.text == "" || u.text[0] < utf8.RuneSelf {
			out = append(out, u)
			continue
		}
		// Whether u joins the unit before it, or would join whatever
		// comes before it on screen (a border, at the start of a line).
		var prev *unit
		if n := len(out); n > 0 && !out[n-1].brk {
			prev = &out[n-1]
		}
		if first, _ := utf8.DecodeRuneInString(u.text); !mayJoinNext(first) && (prev == nil || !mayJoinPrev(lastRune(prev.text))) {
			out = append(out, u)
			continue
		}
		joins := prev != nil && ansi.StringWidth(prev.text+u.text) != prev.width+u.width
		if !joins && ansi.StringWidth("x"+u.text) == 1+u.width {
			out = append(out, u)
			continue
		}
		if prev != nil && joins && prev.tok == u.tok && prev.style == u.style {
			prev.text += u.text
			prev.width = ansi.StringWidth(prev.text)
			prev.brk = u.brk
			continue
		}
		before := "x"
		if joins {
			before = prev.text
		}
		u.text, u.width = escapeJoining(before, u.text)
		out = append(out, u)
	}
	return out
}

// mayJoinNext reports whether r can join the character before it into one
// grapheme (Unicode's grapheme cluster rules): marks, format characters,
// skin tones, regional indicators, Hangul jamo and syllables. It is a
// quick filter: fixUnits measures to be sure.
func mayJoinNext(r rune) bool {
	switch {
	case r < 0x300:
		return false
	case 0x1F3FB <= r && r <= 0x1F3FF, 0x1F1E6 <= r && r <= 0x1F1FF: // skin tones, regional indicators
		return true
	case 0x1100 <= r && r <= 0x11FF, 0xA960 <= r && r <= 0xA97F, 0xAC00 <= r && r <= 0xD7FF: // Hangul
		return true
	case r == 0x0E33, r == 0x0EB3, r == 0xFF9E, r == 0xFF9F:
		return true
	}
	return unicode.In(r, unicode.Mn, unicode.Me, unicode.Mc, unicode.Cf) || mayJoinPrev(r)
}

// mayJoinPrev reports whether r can join the character after it: a
// virama before a consonant, a prepended format character, a regional
// indicator or Hangul jamo (and for safety any letter of a script that
// writes conjuncts).
func mayJoinPrev(r rune) bool {
	switch {
	case r < 0x300:
		return false
	case 0x1F1E6 <= r && r <= 0x1F1FF, 0x1100 <= r && r <= 0x11FF, 0xA960 <= r && r <= 0xA97F, 0xAC00 <= r && r <= 0xD7FF:
		return true
	case 0x0900 <= r && r <= 0x0DFF, 0x1000 <= r && r <= 0x109F, 0x1780 <= r && r <= 0x17FF, 0xA8E0 <= r && r <= 0xA8FF, 0x11000 <= r && r <= 0x11FFF:
		return true // Indic, Myanmar, Khmer: conjuncts and prepended letters
	}
	return unicode.In(r, unicode.Mn, unicode.Cf)
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// escapeJoining writes the leading code points of s as <U+XXXX> until s no
// longer joins prev, and returns s and its width.
func escapeJoining(prev, s string) (string, int) {
	var esc strings.Builder
	for s != "" {
		r, n := utf8.DecodeRuneInString(s)
		fmt.Fprintf(&esc, "<U+%04X>", r)
		s = s[n:]
		if s == "" || ansi.StringWidth(prev+esc.String()+s) == ansi.StringWidth(prev)+ansi.StringWidth(esc.String())+ansi.StringWidth(s) {
			break
		}
	}
	out := esc.String() + s
	return out, ansi.StringWidth(out)
}

// cursorLine is the line, counted from 0, on which the view of toks drawn
// as RenderTokens does at opt.Width shows token cursor.
func cursorLine(st Styles, text string, toks []tokenizer.Token, opt TokenViewOptions, cursor int) int {
	units := fixUnits(tokenUnits(st, text, toks, nil, opt))
	n := 0
	for n < len(units) && units[n].tok < cursor {
		n++
	}
	if n < len(units) {
		n++ // the cursor's first unit: it may move to the next line
	}
	return strings.Count(ansi.Strip(layout(palette(st), units[:n], opt.Width, opt.WrapAtTokens)), "\n")
}

// legend explains every mark of the token view, in one paragraph.
func legend(st Styles, noColor bool) []string {
	items := [][2]string{
		{glyphSpace, "space"}, {glyphNewline, "newline"}, {glyphTab, "tab"}, {glyphCR, "CR"}, {glyphUniSpace, "other space"},
		{"␀", "control"}, {"<XX>", "a byte of a split character"}, {metaspace, "word start (SentencePiece piece)"},
		{"Ġ", "space (byte-level piece)"}, {glyphEmpty, "inserted"}, {"₁₂", "id"},
	}
	if noColor {
		items = append(items, [2]string{glyphSep, "cut"}, [2]string{glyphDiffSep, "cut the other lacks"},
			[2]string{"underline", "odd token"}, [2]string{"reverse", "unknown, byte fallback, split character"})
	} else {
		items = append(items, [2]string{st.TokenUnknown.Render("unk"), "unknown"}, [2]string{st.TokenFallback.Render("fb"), "byte fallback, split character"},
			[2]string{st.TokenSpecial.Render("sp"), "special"}, [2]string{st.TokenDiff.Render("cut"), "cut the other lacks"})
	}
	parts := make([]string, len(items))
	for i, it := range items {
		parts[i] = st.Value.Render(it[0]) + " " + st.Muted.Render(it[1])
	}
	return []string{st.Label.Render("legend ") + strings.Join(parts, st.Muted.Render(", "))}
}

// showFormat writes the invisible format characters of s (zero-width
// space and joiner, byte order mark, bidi controls: Unicode's Cf) as
// <U+XXXX>, so that a line of text has the width it is measured to have
// in every terminal, and a right-to-left override cannot reorder it.
func showFormat(s string) string {
	if !strings.ContainsFunc(s, isFormat) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isFormat(r) {
			fmt.Fprintf(&b, "<U+%04X>", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// headLine is the start of the text as the pane's first line shows it:
// whitespace visible, invalid bytes as <XX>, format characters as <U+XXXX>.
func headLine(s string) string {
	return standalone(showFormat(showSpace(showInvalid(s))))
}

// standalone is s with a first character that would join whatever is
// drawn before it (a skin tone, a combining mark: the label, a quote, a
// border) written as <U+XXXX>.
func standalone(s string) string {
	if s != "" && s[0] >= utf8.RuneSelf && ansi.StringWidth("x"+s) != 1+ansi.StringWidth(s) {
		s, _ = escapeJoining("x", s)
	}
	return s
}

// showInvalid writes the bytes of s that are not UTF-8 as <XX>.
func showInvalid(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, "<%02X>", s[i])
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func isFormat(r rune) bool { return r >= 0x80 && unicode.Is(unicode.Cf, r) }

// unknownLine lists the first places of text tok cannot represent, or ""
// when there are none. Only the text drawn is searched.
func unknownLine(st Styles, tok tokenizer.Tokenizer, text string) string {
	pos := tokenizer.Unknown(tok, text)
	if len(pos) == 0 {
		return ""
	}
	const show = 4
	parts := make([]string, 0, show)
	for _, p := range pos[:min(show, len(pos))] {
		if p.Invalid {
			parts = append(parts, p.String())
		} else {
			parts = append(parts, fmt.Sprintf("%s at byte %d", strconvQuote(p.Text), p.Offset))
		}
	}
	more := ""
	if len(pos) > show {
		more = fmt.Sprintf(" and %d more", len(pos)-show)
	}
	return st.TokenUnknown.Render(fmt.Sprintf("%d not in the vocabulary", len(pos))) + st.Muted.Render(": "+strings.Join(parts, ", ")+more)
}

// differAt lists the first byte offsets where a and b cut differently.
func differAt(a, b []tokenizer.Token, show int) (at []int, more bool) {
	ca, cb := cuts(a), cuts(b)
	var all []int
	for c := range ca {
		if !cb[c] {
			all = append(all, c)
		}
	}
	for c := range cb {
		if !ca[c] {
			all = append(all, c)
		}
	}
	sort.Ints(all)
	if len(all) > show {
		return all[:show], true
	}
	return all, false
}

// Loading a file into the Tokens pane's text.

// tokenFileMax caps a file loaded into the Tokens pane: the pane encodes
// all of it at once.
const tokenFileMax = 4 << 20

// errNotTextFile is a path the Tokens pane will not load: a directory.
var errNotTextFile = errors.New("not a text file")

// readTextFile reads a text file for the Tokens pane with the limits of
// data files (samples.Load): a FIFO, device or socket is refused without
// being opened, and so is binary data; at most tokenFileMax bytes. Invalid
// UTF-8 is kept, for byte-level tokenizers to show.
func readTextFile(path string) (string, error) {
	if path == "" {
		return "", fmt.Errorf("open: no path; type the path of a text file, or esc")
	}
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, rest)
		}
	}
	abs, err := filepath.Abs(path) // a path, never "-" (stdin) or sample:NAME
	if err != nil {
		return "", fmt.Errorf("open %s: %w", path, err)
	}
	info, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("open %s: no such file; check the path (relative to %s)", path, filepath.Dir(abs))
	case err != nil:
		return "", fmt.Errorf("open %s: %w", path, err)
	case info.IsDir():
		return "", fmt.Errorf("open %s: %w: a directory; give one text file", path, errNotTextFile)
	}
	c, err := samples.Load([]string{abs}, samples.Options{MaxBytes: tokenFileMax, AllowInvalidUTF8: true})
	if err != nil {
		return "", fmt.Errorf("open: %w", err)
	}
	var sb strings.Builder
	for i, d := range c.Sources[0].Docs {
		if i > 0 {
			sb.WriteByte('\n')
		}
		sb.WriteString(d.Text)
	}
	return sb.String(), nil
}
