package tui

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"lmlab/tokenizer"
)

// The merge replay of the Tokens pane: for a byte-level BPE, the token
// under the cursor is taken back to its bytes and merged again pair by
// pair, lowest rank first, as the tokenizer does, one step per ] key. It is
// written over the tokenizer's exported API (TokenBytes, BPE.Merges, and
// for tiktoken, whose merges are ranked by the merged piece's id, the
// vocabulary itself).

// replayTable is what a replay needs of one tokenizer, built once.
type replayTable struct {
	tok    tokenizer.Tokenizer
	byteID [256]int          // the token of each single byte; -1: none
	pairs  map[[2]int][2]int // merge list: (left, right) → (rank, merged id)
	pieces map[string]int    // rank merges (tiktoken): piece → id, which is its rank
	why    string            // why this tokenizer has no replay, or ""
}

func newReplayTable(t tokenizer.Tokenizer, kind pieceKind) *replayTable {
	rt := &replayTable{tok: t}
	b, ok := t.(*tokenizer.BPE)
	if !ok || kind != pieceByteLevel {
		rt.why = fmt.Sprintf("only a byte-level BPE has merges to replay; %s is not one", t.Name())
		return rt
	}
	for i := range rt.byteID {
		rt.byteID[i] = -1
	}
	special := map[int]bool{}
	for _, id := range b.Special() {
		special[id] = true
	}
	merges := b.Merges()
	if len(merges) == 0 {
		rt.pieces = make(map[string]int, b.VocabSize())
	}
	for id := range b.VocabSize() {
		p := b.TokenBytes(id)
		if p == nil || special[id] {
			continue
		}
		if len(p) == 1 && rt.byteID[p[0]] < 0 {
			rt.byteID[p[0]] = id
		}
		if rt.pieces != nil {
			if _, dup := rt.pieces[string(p)]; !dup {
				rt.pieces[string(p)] = id
			}
		}
	}
	if len(merges) > 0 {
		rt.pairs = make(map[[2]int][2]int, len(merges))
		for rank, m := range merges {
			if _, dup := rt.pairs[[2]int{m.Left, m.Right}]; !dup {
				rt.pairs[[2]int{m.Left, m.Right}] = [2]int{rank, m.ID}
			}
		}
	}
	return rt
}

// replayStep is one merge: the pair at symbol index at joined into id.
type replayStep struct {
	rank, left, right, id, at int
}

// replay is the merges of one token's bytes, from bytes to the end.
type replay struct {
	tokIdx int   // the token replayed (index in the pane's tokens)
	id     int   // its id
	start  []int // the ids of its bytes
	steps  []replayStep
	why    string // why there is no replay, or ""
}

// run merges piece from its bytes, lowest rank first (leftmost on a tie),
// until no pair merges.
func (rt *replayTable) run(piece []byte) (start []int, steps []replayStep, why string) {
	if rt.why != "" {
		return nil, nil, rt.why
	}
	syms := make([]int, len(piece))
	text := make([]string, len(piece))
	for i, c := range piece {
		if rt.byteID[c] < 0 {
			return nil, nil, fmt.Sprintf("byte %02X has no token of its own in %s", c, rt.tok.Name())
		}
		syms[i], text[i] = rt.byteID[c], string([]byte{c})
	}
	start = append([]int(nil), syms...)
	for len(syms) > 1 {
		best := replayStep{rank: -1}
		for j := 0; j+1 < len(syms); j++ {
			rank, id, ok := 0, 0, false
			if rt.pairs != nil {
				var v [2]int
				v, ok = rt.pairs[[2]int{syms[j], syms[j+1]}]
				rank, id = v[0], v[1]
			} else {
				id, ok = rt.pieces[text[j]+text[j+1]]
				rank = id
			}
			if ok && (best.rank < 0 || rank < best.rank) {
				best = replayStep{rank: rank, left: syms[j], right: syms[j+1], id: id, at: j}
			}
		}
		if best.rank < 0 {
			break
		}
		steps = append(steps, best)
		syms[best.at] = best.id
		text[best.at] += text[best.at+1]
		syms = append(syms[:best.at+1], syms[best.at+2:]...)
		text = append(text[:best.at+1], text[best.at+2:]...)
	}
	return start, steps, ""
}

// after is the symbols once the first n steps are applied.
func (r *replay) after(n int) []int {
	syms := append([]int(nil), r.start...)
	for _, s := range r.steps[:min(n, len(r.steps))] {
		syms[s.at] = s.id
		syms = append(syms[:s.at+1], syms[s.at+2:]...)
	}
	return syms
}

// startReplay replays the token under the cursor, from its bytes.
func (p *tokenPane) startReplay() {
	if !p.replayOn || p.cur < 0 {
		return
	}
	toks := p.cache.tokens(p.tok, p.text)
	if p.cur >= len(toks) {
		return
	}
	if p.rtab == nil || p.rtab.tok != p.tok {
		p.rtab = newReplayTable(p.tok, p.kind)
	}
	tk := toks[p.cur]
	r := &replay{tokIdx: p.cur, id: tk.ID}
	switch {
	case tk.Special:
		r.why = "a special token is matched whole, not merged"
	case tk.ID < 0:
		r.why = "this token is outside the vocabulary"
	default:
		r.start, r.steps, r.why = p.rtab.run(p.tok.TokenBytes(tk.ID))
	}
	p.replay, p.step = r, 0
}

// replayLines draws the replay at its step: which merge was applied last
// (its rank and the pair it joined) and the symbols now.
func (p *tokenPane) replayLines() []string {
	st, r := p.st, p.replay
	if r == nil {
		return nil
	}
	piece := func(id int) string {
		return strconvQuote(rawPiece(p.tok, p.kind, tokenizer.Token{ID: id}))
	}
	head := st.Label.Render("merge replay ") + st.Muted.Render(fmt.Sprintf("of token %d (id %d): ", r.tokIdx+1, r.id))
	if r.why != "" {
		return []string{head + st.Muted.Render(r.why)}
	}
	out := []string{head + st.Value.Render(fmt.Sprintf("%d of %d merges", p.step, len(r.steps))) + st.Muted.Render(" · [ ] step")}
	if p.step == 0 {
		out = append(out, st.Muted.Render(fmt.Sprintf("%d bytes, before any merge", len(r.start))))
	} else {
		s := r.steps[p.step-1]
		out = append(out, st.Value.Render(fmt.Sprintf("rank %d: %s + %s → %s (id %d)", s.rank, piece(s.left), piece(s.right), piece(s.id), s.id)))
	}
	syms := r.after(p.step)
	parts := make([]string, len(syms))
	for i, id := range syms {
		parts[i] = rawPiece(p.tok, p.kind, tokenizer.Token{ID: id})
	}
	line := st.Value.Render(strings.Join(parts, " │ "))
	if p.step == len(r.steps) && (len(syms) != 1 || syms[0] != r.id) {
		line += st.Muted.Render(fmt.Sprintf("  (the merges end in %d tokens, not id %d: the tokenizer matched the piece whole)", len(syms), r.id))
	}
	return append(out, line)
}

// wholeLimit is about how much of a long text the whole-text replay
// replays (cut at a line end when there is one): its merges are stepped one
// by one, so more would not be looked at.
const wholeLimit = 4096

// wholeReplay is the merge replay of the whole text: every merge
// (*BPE).Replay applies, pre-token by pre-token.
type wholeReplay struct {
	of    string // the pane's text it was made from
	text  string // the text replayed: of, or its first wholeLimit bytes or so
	final []tokenizer.Token
	steps []tokenizer.MergeStep
	why   string // why there is no replay, or ""
}

// newWholeReplay replays text with t's merges.
func newWholeReplay(t tokenizer.Tokenizer, rt *replayTable, text string) *wholeReplay {
	r := &wholeReplay{of: text, text: text}
	b, ok := t.(*tokenizer.BPE)
	if !ok || rt.why != "" {
		r.why = rt.why
		return r
	}
	if len(text) > wholeLimit {
		cut := strings.LastIndexByte(text[:wholeLimit], '\n') + 1
		if cut == 0 {
			cut = wholeLimit
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
		}
		r.text = text[:cut]
	}
	b.Replay(r.text, func(s tokenizer.MergeStep) bool {
		if s.Start < 0 || s.Start+len(s.Word) > len(r.text) || r.text[s.Start:s.Start+len(s.Word)] != s.Word {
			r.why = t.Name() + " rewrites the text before merging: its merges cannot be placed in the text"
			return false
		}
		r.steps = append(r.steps, s)
		return true
	})
	if r.why != "" {
		r.steps = nil
	}
	r.final = t.EncodeTokens(r.text)
	return r
}

// tokensAt is the text's tokens once the first k merges are applied: each
// replayed pre-token as its bytes before its first merge, as its symbols
// after its last merge applied; the rest as t encodes it.
func (r *wholeReplay) tokensAt(t tokenizer.Tokenizer, rt *replayTable, k int) []tokenizer.Token {
	var out []tokenizer.Token
	ti := 0
	tok := func(id, start, end int) tokenizer.Token {
		return tokenizer.Token{ID: id, Start: start, End: end,
			SplitsRune: tokenizer.InsideRune(r.text, start) || tokenizer.InsideRune(r.text, end)}
	}
	for i := 0; i < len(r.steps); {
		s := r.steps[i]
		j := i // the word's steps are i..j
		for j+1 < len(r.steps) && r.steps[j+1].Start == s.Start && r.steps[j+1].Word == s.Word {
			j++
		}
		end := s.Start + len(s.Word)
		for ti < len(r.final) && r.final[ti].Start < s.Start {
			out = append(out, r.final[ti])
			ti++
		}
		for ti < len(r.final) && r.final[ti].Start < end {
			ti++
		}
		if k <= i {
			for o := s.Start; o < end; o++ {
				out = append(out, tok(rt.byteID[r.text[o]], o, o+1))
			}
		} else {
			o := s.Start
			for _, id := range r.steps[min(k, j+1)-1].Symbols {
				n := len(t.TokenBytes(id))
				out = append(out, tok(id, o, min(o+n, end)))
				o += n
			}
		}
		i = j + 1
	}
	return append(out, r.final[ti:]...)
}

// wholeLines draws the whole-text replay at step k: the merge applied
// last, in which pre-token, and its rank.
func (p *tokenPane) wholeLines() []string {
	st, r := p.st, p.whole
	if r == nil {
		return nil
	}
	head := st.Label.Render("merge replay ") + st.Muted.Render("of the text: ")
	if len(r.text) < len(r.of) {
		head = st.Label.Render("merge replay ") + st.Muted.Render(fmt.Sprintf("of the text's first %d bytes: ", len(r.text)))
	}
	if r.why != "" {
		return []string{head + st.Muted.Render(r.why)}
	}
	out := []string{head + st.Value.Render(fmt.Sprintf("%d of %d merges", p.step, len(r.steps))) + st.Muted.Render(" · [ ] step · a: the token")}
	if p.step == 0 {
		return append(out, st.Muted.Render("every pre-token in bytes, before any merge"))
	}
	s := r.steps[p.step-1]
	piece := func(id int) string {
		return strconvQuote(rawPiece(p.tok, p.kind, tokenizer.Token{ID: id}))
	}
	where := st.Muted.Render(fmt.Sprintf("in %s at byte %d: ", strconvQuote(s.Word), s.Start))
	if s.Whole {
		return append(out, where+st.Value.Render(fmt.Sprintf("the whole piece is id %d", s.ID)))
	}
	return append(out, where+st.Value.Render(fmt.Sprintf("rank %d: %s + %s → %s (id %d)", s.Rank, piece(s.Left), piece(s.Right), piece(s.ID), s.ID)))
}

// startWhole replays the text when the replay is of the whole text.
func (p *tokenPane) startWhole() {
	if !p.replayOn || !p.replayAll {
		return
	}
	if p.rtab == nil || p.rtab.tok != p.tok {
		p.rtab = newReplayTable(p.tok, p.kind)
	}
	if p.whole == nil || p.whole.of != p.text || p.wholeTok != p.tok {
		p.whole, p.wholeTok, p.step = newWholeReplay(p.tok, p.rtab, p.text), p.tok, 0
	}
}
