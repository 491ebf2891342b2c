package tokenizer

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Word is a word-level tokenizer: words (runs of letters, marks and digits),
// each punctuation or symbol character, and each run of whitespace are
// tokens. Its vocabulary is <unk> (id 0) followed by the pieces of a
// training text, most frequent first and then in byte order, so it is the
// same on every run. Pieces past the vocabulary limit, or not in the
// training text, encode as <unk>.
type Word struct {
	words []string       // id → piece; words[0] is <unk>
	ids   map[string]int // piece → id
	limit int            // the limit it was built with (0: none), for Name
}

// MaxWords is the most entries (<unk> included) a word vocabulary without
// a limit may have; past it NewWord fails with ErrVocabTooLarge and asks for
// word:N, since every entry is a row of the model's embedding.
const MaxWords = 1 << 16

// NewWord builds the vocabulary from text, keeping at most limit entries
// (<unk> included; 0 keeps every piece, up to MaxWords). Text with invalid
// UTF-8 is an error naming the byte.
func NewWord(text string, limit int) (*Word, error) {
	if limit < 0 || limit == 1 {
		return nil, fmt.Errorf("word tokenizer: vocabulary limit %d leaves no room for words; use 0 (no limit) or ≥ 2", limit)
	}
	if limit > maxRank {
		return nil, fmt.Errorf("word tokenizer: vocabulary limit %d: %w (the limit is %d)", limit, ErrVocabTooLarge, maxRank)
	}
	counts := map[string]int{}
	var bad error
	eachWord(text, func(start, end int) {
		if bad == nil && end-start == 1 && text[start] >= utf8.RuneSelf {
			bad = fmt.Errorf("word tokenizer: training text has invalid UTF-8 at byte %d (0x%02x); convert it to UTF-8", start, text[start])
		}
		counts[text[start:end]]++
	})
	if bad != nil {
		return nil, bad
	}
	if limit == 0 && len(counts)+1 > MaxWords {
		return nil, fmt.Errorf("word tokenizer: the text has %d distinct words, one id each with <unk> is %d: %w (the most without a limit is %d); use word:N to keep the N-1 most frequent, e.g. word:%d",
			len(counts), len(counts)+1, ErrVocabTooLarge, MaxWords, MaxWords/2)
	}
	words := make([]string, 0, len(counts))
	for w := range counts {
		words = append(words, w)
	}
	slices.SortFunc(words, func(a, b string) int {
		if c := cmp.Compare(counts[b], counts[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	if limit > 0 && len(words) > limit-1 {
		words = words[:limit-1]
	}
	return newWordFrom(append([]string{unkText}, words...), limit), nil
}

func newWordFrom(words []string, limit int) *Word {
	w := &Word{words: words, ids: make(map[string]int, len(words)), limit: limit}
	for i, s := range words[1:] {
		w.ids[s] = i + 1
	}
	return w
}

// eachWord calls fn with the span of every piece of text: a run of letters,
// marks and digits; a run of whitespace; or one other character (an invalid
// byte counts as one).
func eachWord(text string, fn func(start, end int)) {
	for i := 0; i < len(text); {
		c, n := classAt(text, i)
		end := i + n
		switch {
		case c&(clsL|clsN|clsUpper) != 0: // clsUpper covers the marks
			end = runEnd(text, i, clsL|clsN|clsUpper)
		case c&clsS != 0:
			end = runEnd(text, i, clsS)
		}
		fn(i, end)
		i = end
	}
}

// Name is "word", or "word:N" with a vocabulary limit.
func (w *Word) Name() string {
	if w.limit > 0 {
		return "word:" + strconv.Itoa(w.limit)
	}
	return "word"
}

// VocabSize counts <unk> and the words.
func (w *Word) VocabSize() int { return len(w.words) }

// Encode returns one id per piece, 0 (<unk>) for pieces outside the
// vocabulary.
func (w *Word) Encode(text string) []int {
	var ids []int
	eachWord(text, func(start, end int) { ids = append(ids, w.ids[text[start:end]]) })
	return ids
}

// EncodeTokens returns one token per piece; <unk> tokens have Fallback set.
func (w *Word) EncodeTokens(text string) []Token {
	var toks []Token
	eachWord(text, func(start, end int) {
		id := w.ids[text[start:end]]
		toks = append(toks, Token{ID: id, Start: start, End: end, Fallback: id == 0, Unknown: id == 0})
	})
	markSplitRunes(text, toks)
	return toks
}

// Unknown returns the pieces of text outside the vocabulary, and its
// invalid bytes.
func (w *Word) Unknown(text string) []Position {
	var out []Position
	eachWord(text, func(start, end int) {
		if _, ok := w.ids[text[start:end]]; !ok {
			invalid := end-start == 1 && text[start] >= utf8.RuneSelf
			out = append(out, Position{Offset: start, Text: text[start:end], Invalid: invalid})
		}
	})
	return out
}

// TokenBytes returns the piece of id, "<unk>" for 0.
func (w *Word) TokenBytes(id int) []byte {
	if id < 0 || id >= len(w.words) {
		return nil
	}
	return []byte(w.words[id])
}

// Decode concatenates the pieces of ids.
func (w *Word) Decode(ids []int) string { return decodeBytes(w, ids) }
