package tui

import (
	"slices"
	"sort"
	"unicode/utf8"

	"lmlab/tokenizer"
)

// tokenCache keeps one tokenizer's tokens of the last text it was asked
// for, so that after an edit only the text around the edit is encoded
// again: the tokens of the unchanged start are kept up to a cut a few tokens
// before the edit, the text from there is encoded in a growing window until
// its tokens fall back in step with the old ones after the edit, and the old
// tokens from that point on are kept, shifted. A 1 MB text costs one full
// encoding when it arrives, and a key after that costs about the window.
type tokenCache struct {
	tok  tokenizer.Tokenizer // nil: empty
	text string
	toks []tokenizer.Token
}

// Tuning of the incremental encoding: how many tokens before an edit the
// encoding restarts, the first window after the edit (bytes), and how many
// tokens at a window's end are not trusted (the window's end may cut them).
const (
	cacheBackTokens = 8
	cacheWindow     = 256
	cacheTailTokens = 4
)

// reset forgets the cached tokens (the tokenizer changed).
func (c *tokenCache) reset() { *c = tokenCache{} }

// tokens returns tok's tokens of text, as tok.EncodeTokens(text) would.
func (c *tokenCache) tokens(tok tokenizer.Tokenizer, text string) []tokenizer.Token {
	switch {
	case c.tok == nil:
		c.tok, c.text, c.toks = tok, text, tok.EncodeTokens(text)
	case text != c.text:
		c.toks, c.text = c.update(text), text
	}
	return c.toks
}

// update encodes text, an edit of c.text, reusing c.toks.
func (c *tokenCache) update(text string) []tokenizer.Token {
	old, toks := c.text, c.toks
	// The edit: old[p:len(old)-s] became text[p:len(text)-s].
	p := 0
	for p < len(old) && p < len(text) && old[p] == text[p] {
		p++
	}
	s := 0
	for s < len(old)-p && s < len(text)-p && old[len(old)-1-s] == text[len(text)-1-s] {
		s++
	}
	oldEnd, newEnd, delta := len(old)-s, len(text)-s, len(text)-len(old)

	// Restart a few tokens before the first token the edit touches.
	i0 := sort.Search(len(toks), func(i int) bool { return toks[i].End >= p })
	i0 = max(i0-cacheBackTokens, 0)
	// A cut between tokens, at the start of a character (a byte-level
	// tokenizer splits characters; a token's flags say so against the text
	// it was given).
	for i0 > 0 && (toks[i0-1].End > toks[i0].Start || toks[i0].Start >= len(old) || !utf8.RuneStart(old[toks[i0].Start])) {
		i0--
	}
	b := 0
	if i0 > 0 {
		b = toks[i0].Start // i0 < len(toks): it stepped back
	}
	if b > p { // tokens out of order: start over
		return c.tok.EncodeTokens(text)
	}
	for span := cacheWindow; ; span *= 2 {
		e := newEnd + span
		for e < len(text) && !utf8.RuneStart(text[e]) {
			e++
		}
		if e >= len(text) {
			return splice(toks, i0, len(toks), c.tok.EncodeTokens(text[b:]), b, 0)
		}
		win := c.tok.EncodeTokens(text[b:e])
		// A window token that ends after the edit where an old token ends
		// (shifted), and whose next token is the old one's next: from
		// there on, the old tokens hold.
		for j := 0; j < len(win)-cacheTailTokens; j++ {
			end := win[j].End + b
			if end < newEnd || end <= b {
				continue
			}
			k := sort.Search(len(toks), func(i int) bool { return toks[i].End >= end-delta })
			if k >= len(toks)-1 || toks[k].End != end-delta || toks[k].End < oldEnd {
				continue
			}
			next, was := win[j+1], toks[k+1]
			if next.ID != was.ID || next.Start+b != was.Start+delta || next.End+b != was.End+delta {
				continue
			}
			return splice(toks, i0, k+1, win[:j+1], b, delta)
		}
	}
}

// splice replaces toks[i:j] with mid shifted by midOff bytes, and shifts
// the tokens after it by tailOff bytes, in place when toks has room.
func splice(toks []tokenizer.Token, i, j int, mid []tokenizer.Token, midOff, tailOff int) []tokenizer.Token {
	for k := range mid {
		mid[k].Start += midOff
		mid[k].End += midOff
	}
	out := slices.Replace(toks, i, j, mid...)
	if tailOff != 0 {
		for k := i + len(mid); k < len(out); k++ {
			out[k].Start += tailOff
			out[k].End += tailOff
		}
	}
	return out
}
