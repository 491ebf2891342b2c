package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// BPE is a byte-pair-encoding tokenizer: trained here (TrainBPE), or loaded
// from a tiktoken rank file (LoadTiktoken) or a Hugging Face tokenizer.json
// (LoadHF). Text goes through four steps, each optional:
//
//  1. special (added) tokens are cut out of the text first;
//  2. normalizers rewrite the rest (NFC, "▁" for spaces, ...);
//  3. split patterns cut it into pre-tokens (words);
//  4. each pre-token starts as bytes (byte-level) or characters (with byte
//     fallback) and merges pair by pair, lowest rank first.
//
// Everything it does follows from a bpeConfig, which Marshal stores, so a
// tokenizer rebuilt from it encodes exactly the same.
type BPE struct {
	cfg bpeConfig

	size     int               // VocabSize
	pieces   *pieceTable       // piece → id
	pairs    map[uint64]uint64 // (left<<32 | right) → (rank<<32 | new id); nil in rank mode
	byteIDs  [256]int32        // byte-level: the token of each byte; else the <0xNN> fallback token; -1 if none
	splits   []splitter
	specials *specialMatcher  // nil when no special token is matched in text
	special  []bool           // id → is a special or added token
	fallback []bool           // id → is a byte-fallback piece or <unk>
	bytes    [][]byte         // id → TokenBytes, character-level only (byte-level pieces are their bytes)
	specText map[int32][]byte // special token id → its text
	// metaChunks is set when no piece has "▁" after another character, so
	// no merge can cross the start of a "▁word" and a SentencePiece-style
	// text can be merged word by word instead of as one long word: the same
	// result, faster.
	metaChunks bool
}

const metaspace = "\u2581" // ▁, SentencePiece's space

// bpeConfig is the complete description of a BPE; Marshal writes it as JSON.
type bpeConfig struct {
	Name      string `json:"name"`
	ByteLevel bool   `json:"byte_level"` // pieces are raw bytes; else UTF-8 with "<0xNN>" byte fallback
	// RankMerges merges the adjacent pair whose concatenation has the lowest
	// id, as tiktoken does; otherwise Merges lists the pairs in rank order.
	RankMerges   bool           `json:"rank_merges,omitempty"`
	Vocab        [][]byte       `json:"-"`                // id → piece; nil for unused ids (saved as vocab_bytes and vocab_lens)
	Merges       [][3]int32     `json:"-"`                // left id, right id, merged id; rank = index (saved as merge_ids)
	Counts       []int          `json:"counts,omitempty"` // trained: how often each merged pair occurred
	Normalizers  []normStep     `json:"normalizers,omitempty"`
	Splits       []splitStep    `json:"splits,omitempty"`
	Specials     []specialToken `json:"specials,omitempty"`
	MatchSpecial bool           `json:"match_special,omitempty"` // cut Specials out of the text
	Unk          int32          `json:"unk"`                     // id of the unknown token, -1 for none
	ByteFallback bool           `json:"byte_fallback,omitempty"`
	FuseUnk      bool           `json:"fuse_unk,omitempty"`
	IgnoreMerges bool           `json:"ignore_merges,omitempty"` // a pre-token in the vocabulary is one token
	Decoders     []decodeStep   `json:"decoders,omitempty"`
}

// normStep is one normalizer: nfc, nfd, nfkc, nfkd, prepend (To) or replace
// (From → To).
type normStep struct {
	Type string `json:"type"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
}

// splitStep is one split pattern (a name or a regex) and what is kept:
// "isolated" keeps matches and the text between them as pieces, "matches"
// only the matches, "gaps" only the text between matches.
type splitStep struct {
	Pattern  string `json:"pattern"`
	Behavior string `json:"behavior"`
}

// specialToken is a special or added token, matched in the text verbatim.
type specialToken struct {
	Text    string `json:"text"`
	ID      int32  `json:"id"`
	Special bool   `json:"special"` // false for added tokens that are not special
}

// decodeStep is one step of the decoder of a character-level BPE: replace
// (From → To), bytefallback, fuse, or strip (From, Start, Stop).
type decodeStep struct {
	Type  string `json:"type"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
	Start int    `json:"start,omitempty"`
	Stop  int    `json:"stop,omitempty"`
}

// newBPE checks cfg and builds the tokenizer it describes. Errors name the
// field at fault. Special token ids must be below len(cfg.Vocab) +
// len(cfg.Specials) + idSlack (else ErrIDRange), so a saved tokenizer
// cannot make it allocate more than its size warrants.
func newBPE(cfg bpeConfig) (*BPE, error) {
	b := &BPE{cfg: cfg, size: len(cfg.Vocab)}
	for id, p := range cfg.Vocab {
		if p != nil && len(p) == 0 {
			return nil, fmt.Errorf("vocab[%d]: empty piece", id)
		}
	}
	var first, second int32
	b.pieces, first, second = newPieceTable(cfg.Vocab)
	if first >= 0 && cfg.RankMerges { // ranks are defined by the bytes: they must be unique
		return nil, fmt.Errorf("vocab[%d]: piece %q is also id %d", second, cfg.Vocab[second], first)
	}
	limit := len(cfg.Vocab) + len(cfg.Specials) + idSlack
	for _, s := range cfg.Specials {
		if s.ID < 0 || int(s.ID) >= limit {
			return nil, fmt.Errorf("special token %q: id %d: %w: %d pieces and %d special tokens allow ids 0 to %d", s.Text, s.ID, ErrIDRange, len(cfg.Vocab), len(cfg.Specials), limit-1)
		}
		if s.Text == "" {
			return nil, fmt.Errorf("special token %d: empty text", s.ID)
		}
		b.size = max(b.size, int(s.ID)+1)
	}
	for i := range b.byteIDs {
		b.byteIDs[i] = -1
		key := string([]byte{byte(i)})
		if !cfg.ByteLevel {
			key = fmt.Sprintf("<0x%02X>", i)
		}
		if id, ok := b.pieces.lookup(key); ok {
			b.byteIDs[i] = id
		}
	}
	if cfg.ByteLevel {
		for i, id := range b.byteIDs {
			if id < 0 {
				return nil, fmt.Errorf("vocab: byte-level vocabulary has no token for byte 0x%02x", i)
			}
		}
	}
	if cfg.Unk < -1 || int(cfg.Unk) >= b.size {
		return nil, fmt.Errorf("unk: id %d is outside the vocabulary (0..%d)", cfg.Unk, b.size-1)
	}
	if !cfg.RankMerges {
		b.pairs = make(map[uint64]uint64, len(cfg.Merges))
		for rank, m := range cfg.Merges {
			for _, id := range m {
				if id < 0 || int(id) >= len(cfg.Vocab) || cfg.Vocab[id] == nil {
					return nil, fmt.Errorf("merges[%d]: id %d is not in the vocabulary", rank, id)
				}
			}
			key := uint64(m[0])<<32 | uint64(m[1])
			if _, dup := b.pairs[key]; !dup { // the first (lowest) rank wins, as in Hugging Face
				b.pairs[key] = uint64(rank)<<32 | uint64(m[2])
			}
		}
	} else if len(cfg.Merges) > 0 {
		return nil, fmt.Errorf("merges: a tokenizer that merges by rank has no merge list")
	}
	if len(cfg.Counts) > 0 && len(cfg.Counts) != len(cfg.Merges) {
		return nil, fmt.Errorf("counts: %d counts for %d merges", len(cfg.Counts), len(cfg.Merges))
	}
	for i, st := range cfg.Splits {
		sp, err := newSplitter(ResolvePattern(st.Pattern))
		if err != nil {
			return nil, fmt.Errorf("splits[%d]: %w", i, err)
		}
		switch st.Behavior {
		case "isolated", "matches", "gaps":
		default:
			return nil, fmt.Errorf("splits[%d]: behavior %q (want isolated, matches or gaps)", i, st.Behavior)
		}
		b.splits = append(b.splits, sp)
	}
	for i, n := range cfg.Normalizers {
		if err := n.check(); err != nil {
			return nil, fmt.Errorf("normalizers[%d]: %w", i, err)
		}
	}
	for i, d := range cfg.Decoders {
		switch d.Type {
		case "replace", "bytefallback", "fuse", "strip":
		default:
			return nil, fmt.Errorf("decoders[%d]: unknown type %q", i, d.Type)
		}
	}
	b.special = make([]bool, b.size)
	b.fallback = make([]bool, b.size)
	for _, s := range cfg.Specials {
		b.special[s.ID] = true
	}
	if cfg.MatchSpecial && len(cfg.Specials) > 0 {
		b.specials = newSpecialMatcher(cfg.Specials)
	}
	if !cfg.ByteLevel {
		for _, id := range b.byteIDs {
			if id >= 0 {
				b.fallback[id] = true
			}
		}
	}
	if cfg.Unk >= 0 {
		b.fallback[cfg.Unk] = true
	}
	if !cfg.ByteLevel && len(cfg.Splits) == 0 {
		b.metaChunks = true
		for _, p := range cfg.Vocab {
			rest := strings.TrimLeft(string(p), metaspace)
			if strings.Contains(rest, metaspace) {
				b.metaChunks = false
				break
			}
		}
	}
	if !cfg.ByteLevel {
		b.bytes = make([][]byte, len(cfg.Vocab))
		for id, p := range cfg.Vocab {
			b.bytes[id] = b.pieceBytes(p)
		}
	}
	b.specText = make(map[int32][]byte, len(cfg.Specials))
	for _, s := range cfg.Specials {
		b.specText[s.ID] = []byte(s.Text)
	}
	return b, nil
}

// pieceBytes is what a piece decodes to on its own: the piece itself for a
// byte-level BPE, else the piece through the per-token decoder steps
// (replace, byte fallback).
func (b *BPE) pieceBytes(p []byte) []byte {
	if p == nil || b.cfg.ByteLevel {
		return p
	}
	s := string(p)
	for _, d := range b.cfg.Decoders {
		switch d.Type {
		case "replace":
			s = strings.ReplaceAll(s, d.From, d.To)
		case "bytefallback":
			if c, ok := parseByteToken(s); ok {
				s = string([]byte{c})
			}
		}
	}
	return []byte(s)
}

// parseByteToken parses "<0xNN>".
func parseByteToken(s string) (byte, bool) {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return 0, false
	}
	var v byte
	for _, c := range []byte(s[3:5]) {
		switch {
		case '0' <= c && c <= '9':
			v = v<<4 | (c - '0')
		case 'A' <= c && c <= 'F':
			v = v<<4 | (c - 'A' + 10)
		default:
			return 0, false
		}
	}
	return v, true
}

// Name is the name the tokenizer was given, e.g. "tiktoken:cl100k_base".
func (b *BPE) Name() string { return b.cfg.Name }

// VocabSize is one more than the largest id.
func (b *BPE) VocabSize() int { return b.size }

// TokenBytes returns the bytes id stands for.
func (b *BPE) TokenBytes(id int) []byte {
	switch {
	case id < 0 || id >= b.size:
		return nil
	case b.special[id]:
		return b.specText[int32(id)]
	case id >= len(b.cfg.Vocab):
		return nil
	case b.cfg.ByteLevel:
		return b.cfg.Vocab[id]
	}
	return b.bytes[id]
}

// Merges returns the merge history of a trained BPE, in order: which pair
// merged into which id, and how often the pair occurred when it did. For a
// loaded Hugging Face BPE it is the merge list (counts zero); for tiktoken it
// is empty.
func (b *BPE) Merges() []Merge {
	out := make([]Merge, len(b.cfg.Merges))
	for i, m := range b.cfg.Merges {
		out[i] = Merge{Left: int(m[0]), Right: int(m[1]), ID: int(m[2])}
		if i < len(b.cfg.Counts) {
			out[i].Count = b.cfg.Counts[i]
		}
	}
	return out
}

// Merge is one step of BPE: Left and Right merge into ID; Count is how often
// the pair occurred in the training text when it was chosen.
type Merge struct {
	Left, Right, ID int
	Count           int
}

// Special returns the special and added tokens with their ids.
func (b *BPE) Special() map[string]int {
	m := make(map[string]int, len(b.cfg.Specials))
	for _, s := range b.cfg.Specials {
		m[s.Text] = int(s.ID)
	}
	return m
}

// Encode returns the ids of text. If a user-supplied split pattern times
// out (see EncodeChecked), the rest of that piece is encoded unsplit.
func (b *BPE) Encode(text string) []int {
	ids, _ := b.EncodeChecked(text)
	return ids
}

// EncodeChecked is Encode that also returns the first *PatternTimeoutError
// of a split pattern, with the ids Encode returns.
func (b *BPE) EncodeChecked(text string) ([]int, error) {
	ids := make([]int, 0, len(text)/3+1)
	err := b.encode(text, func(id int32, _, _ int) { ids = append(ids, int(id)) })
	return ids, err
}

// EncodeTokens returns the tokens of text with their byte spans.
func (b *BPE) EncodeTokens(text string) []Token {
	toks := make([]Token, 0, len(text)/3+1)
	_ = b.encode(text, func(id int32, start, end int) {
		toks = append(toks, Token{ID: int(id), Start: start, End: end, Special: b.special[id], Fallback: b.fallback[id], Unknown: id == b.cfg.Unk})
	})
	markSplitRunes(text, toks)
	return toks
}

// Decode concatenates the bytes of ids; ids outside the vocabulary decode to
// nothing. A character-level BPE runs its decoder (for example, the space a
// SentencePiece tokenizer put in front of the text is removed again).
func (b *BPE) Decode(ids []int) string {
	if b.cfg.ByteLevel {
		return decodeBytes(b, ids)
	}
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		if p := b.TokenBytes(id); p != nil {
			parts = append(parts, string(p))
		}
	}
	for _, d := range b.cfg.Decoders {
		switch d.Type {
		case "fuse":
			parts = []string{strings.Join(parts, "")}
		case "strip":
			for i, p := range parts {
				parts[i] = stripRunes(p, d.From, d.Start, d.Stop)
			}
		}
	}
	return strings.Join(parts, "")
}

// stripRunes removes up to start leading and stop trailing copies of c.
func stripRunes(s, c string, start, stop int) string {
	for ; start > 0 && c != "" && strings.HasPrefix(s, c); start-- {
		s = s[len(c):]
	}
	for ; stop > 0 && c != "" && strings.HasSuffix(s, c); stop-- {
		s = s[:len(s)-len(c)]
	}
	return s
}

// encode calls emit with each token of text and its byte span. It encodes
// the whole text even when a split pattern times out, and returns the first
// such error.
func (b *BPE) encode(text string, emit func(id int32, start, end int)) error {
	return b.encodeWith(text, emit, b.encodeWord)
}

// wordFunc encodes one pre-token w at offset off: encodeWord, or
// replayWord for Replay.
type wordFunc func(w string, off int, emit func(id int32, start, end int))

// encodeWith is encode with word encoding each pre-token.
func (b *BPE) encodeWith(text string, emit func(id int32, start, end int), word wordFunc) error {
	pos := 0
	var first error
	if b.specials != nil {
		for {
			s, e, id := b.specials.find(text, pos)
			if s < 0 {
				break
			}
			if err := b.encodeSegment(text[pos:s], pos, emit, word); err != nil && first == nil {
				first = err
			}
			emit(id, s, e)
			pos = e
		}
	}
	if err := b.encodeSegment(text[pos:], pos, emit, word); err != nil && first == nil {
		first = err
	}
	return first
}

// encodeSegment encodes text without special tokens; off is its offset in
// the input.
func (b *BPE) encodeSegment(seg string, off int, emit func(id int32, start, end int), word wordFunc) error {
	if seg == "" {
		return nil
	}
	norm, align := b.normalize(seg)
	out := emit
	if align == nil {
		if off != 0 {
			out = func(id int32, s, e int) { emit(id, s+off, e+off) }
		}
	} else {
		out = func(id int32, s, e int) {
			if s < e {
				s, e = align[s].start, align[e-1].end
			} else {
				s, e = align[s].start, align[s].start
			}
			emit(id, s+off, e+off)
		}
	}
	err := b.splitLevel(norm, 0, 0, out, word)
	if te, ok := err.(*PatternTimeoutError); ok && align == nil {
		te.Offset += off
	}
	return err
}

// splitLevel applies split step level to text (at offset off) and encodes
// the pieces, after the remaining steps, as words. It returns the first
// *PatternTimeoutError, its Offset counted from the start of the segment.
func (b *BPE) splitLevel(text string, off, level int, emit func(id int32, start, end int), word wordFunc) error {
	if level == len(b.splits) {
		if !b.metaChunks {
			word(text, off, emit)
			return nil
		}
		// Cut before each "▁" that follows another character.
		start := 0
		for i := 0; i < len(text); {
			j := strings.Index(text[i:], metaspace)
			if j < 0 {
				break
			}
			j += i
			if j > start && !strings.HasSuffix(text[:j], metaspace) {
				word(text[start:j], off+start, emit)
				start = j
			}
			i = j + len(metaspace)
		}
		word(text[start:], off+start, emit)
		return nil
	}
	behavior := b.cfg.Splits[level].Behavior
	last := 0
	var first error
	keep := func(err error) {
		if err != nil && first == nil {
			first = err
		}
	}
	err := b.splits[level].each(text, func(s, e int) {
		if s > last && behavior != "matches" {
			keep(b.splitLevel(text[last:s], off+last, level+1, emit, word))
		}
		if behavior != "gaps" {
			keep(b.splitLevel(text[s:e], off+s, level+1, emit, word))
		}
		last = e
	})
	if te, ok := err.(*PatternTimeoutError); ok {
		te.Offset += off
		keep(te)
	}
	if last < len(text) && behavior != "matches" {
		keep(b.splitLevel(text[last:], off+last, level+1, emit, word))
	}
	return first
}

// encodeWord applies the model to one pre-token w at offset off.
func (b *BPE) encodeWord(w string, off int, emit func(id int32, start, end int)) {
	if w == "" {
		return
	}
	if b.cfg.RankMerges || b.cfg.IgnoreMerges {
		if id, ok := b.pieces.lookup(w); ok {
			emit(id, off, off+len(w))
			return
		}
	}
	var buf [smallWord]sym
	syms := b.symbols(w, buf[:0])
	for _, s := range merge(b.ranker(), w, syms) {
		emit(s.id, off+int(s.start), off+int(s.end))
	}
}

// symbols appends to syms the symbols w starts as, before any merge: its
// bytes (byte-level) or its characters (see charSymbols).
func (b *BPE) symbols(w string, syms []sym) []sym {
	if !b.cfg.ByteLevel {
		return b.charSymbols(w, syms)
	}
	if len(w) > cap(syms) {
		syms = make([]sym, 0, len(w))
	}
	for i := 0; i < len(w); i++ {
		syms = append(syms, sym{start: int32(i), end: int32(i + 1), id: b.byteIDs[w[i]]})
	}
	return syms
}

// ranker is how b ranks a pair: by the merge list, or (tiktoken) by the id
// of the merged piece.
func (b *BPE) ranker() ranker {
	if b.cfg.RankMerges {
		return pieceRanker{b.pieces}
	}
	return pairRanker{b.pairs}
}

// charSymbols splits w into its characters, as Hugging Face's BPE model does
// for a non-byte-level vocabulary: a character in the vocabulary is its
// token; otherwise its bytes as <0xNN> tokens (byte fallback), or <unk>,
// consecutive unknowns fused into one when FuseUnk is set. Like the Rust
// code, a pending <unk> is only written before the next known character.
func (b *BPE) charSymbols(w string, syms []sym) []sym {
	pending := sym{start: -1}
	flush := func() {
		if pending.start >= 0 {
			syms = append(syms, pending)
			pending.start = -1
		}
	}
	for i := 0; i < len(w); {
		_, n := utf8.DecodeRuneInString(w[i:])
		if id, ok := b.pieces.lookup(w[i : i+n]); ok {
			flush()
			syms = append(syms, sym{start: int32(i), end: int32(i + n), id: id})
			i += n
			continue
		}
		if b.cfg.ByteFallback && b.hasByteTokens(w[i:i+n]) {
			for k := i; k < i+n; k++ {
				syms = append(syms, sym{start: int32(k), end: int32(k + 1), id: b.byteIDs[w[k]]})
			}
			i += n
			continue
		}
		if b.cfg.Unk >= 0 {
			if pending.start >= 0 && b.cfg.FuseUnk {
				pending.end = int32(i + n)
			} else {
				flush()
				pending = sym{start: int32(i), end: int32(i + n), id: b.cfg.Unk}
			}
		}
		i += n
	}
	flush()
	return syms
}

func (b *BPE) hasByteTokens(s string) bool {
	for i := 0; i < len(s); i++ {
		if b.byteIDs[s[i]] < 0 {
			return false
		}
	}
	return true
}

// pairRanker merges by the merge list.
type pairRanker struct{ pairs map[uint64]uint64 }

func (p pairRanker) rank(_ string, l, r sym) (int32, int32, bool) {
	v, ok := p.pairs[uint64(uint32(l.id))<<32|uint64(uint32(r.id))]
	return int32(v >> 32), int32(uint32(v)), ok
}

// pieceRanker merges by the id of the concatenated bytes (tiktoken).
type pieceRanker struct{ t *pieceTable }

func (p pieceRanker) rank(w string, l, r sym) (int32, int32, bool) {
	id, ok := p.t.lookup(w[l.start:r.end])
	return id, id, ok
}
