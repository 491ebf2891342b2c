package tokenizer

// MergeStep is one merge BPE applies while encoding a text: in pre-token
// Word, the adjacent pair Left, Right became ID.
type MergeStep struct {
	Word  string // the pre-token being merged (after normalization and splitting)
	Start int    // byte offset of Word in the normalized text (the input when no normalizer rewrites it)
	// Rank orders the merges: the lowest rank present merges first. It is
	// the index in the merge list, or for tiktoken the merged piece's id.
	Rank            int
	Left, Right, ID int
	// Whole is set when a pre-token found in the vocabulary is taken as one
	// token without its merges finishing there (tiktoken, and Hugging Face
	// ignore_merges): Left and Right are -1.
	Whole   bool
	Symbols []int // the ids of Word after this step
}

// Replay encodes text as Encode does, calling fn with each merge in the
// order it is applied: pre-token by pre-token, and in each the pair of
// lowest rank (the leftmost on ties) until none merges. It returns the ids,
// equal to Encode's, or nil when fn returns false to stop early.
//
// Replay is for looking at one text, not for speed: each step scans the
// whole pre-token (O(n²) in its length).
func (b *BPE) Replay(text string, fn func(MergeStep) bool) []int {
	var ids []int
	stopped := false
	word := func(w string, off int, emit func(id int32, start, end int)) {
		if stopped || w == "" {
			return
		}
		syms := b.symbols(w, nil)
		rk := b.ranker()
		ids := func() []int {
			out := make([]int, len(syms))
			for i, s := range syms {
				out[i] = int(s.id)
			}
			return out
		}
		for len(syms) > 1 && !stopped {
			best, at, bestID := noRank, -1, int32(0)
			for i := 0; i+1 < len(syms); i++ {
				if r, id, ok := rk.rank(w, syms[i], syms[i+1]); ok && r < best {
					best, at, bestID = r, i, id
				}
			}
			if at < 0 {
				break
			}
			l, r := syms[at], syms[at+1]
			syms[at] = sym{start: l.start, end: r.end, id: bestID}
			syms = append(syms[:at+1], syms[at+2:]...)
			stopped = !fn(MergeStep{Word: w, Start: off, Rank: int(best), Left: int(l.id), Right: int(r.id), ID: int(bestID), Symbols: ids()})
		}
		if stopped {
			return
		}
		if (b.cfg.RankMerges || b.cfg.IgnoreMerges) && len(syms) != 1 {
			if id, ok := b.pieces.lookup(w); ok {
				syms = append(syms[:0], sym{start: 0, end: int32(len(w)), id: id})
				stopped = !fn(MergeStep{Word: w, Start: off, Rank: int(id), Left: -1, Right: -1, ID: int(id), Whole: true, Symbols: ids()})
			}
		}
		for _, s := range syms {
			emit(s.id, off+int(s.start), off+int(s.end))
		}
	}
	_ = b.encodeWith(text, func(id int32, _, _ int) { ids = append(ids, int(id)) }, word)
	if stopped {
		return nil
	}
	return ids
}

// Piece is id's entry in the vocabulary as the file spells it: "▁the" in a
// SentencePiece vocabulary, a special token's text, and for a byte-level
// BPE its bytes (as <0xNN> when they are not valid UTF-8 on their own). It
// is "" outside the vocabulary.
func (b *BPE) Piece(id int) string {
	switch {
	case id < 0 || id >= b.size:
		return ""
	case b.special[id]:
		return string(b.specText[int32(id)])
	case id >= len(b.cfg.Vocab):
		return ""
	}
	return PieceText(b.cfg.Vocab[id])
}
