package tokenizer

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Word is a word-level tokenizer. A word (a run of letters, marks and
// digits) and each punctuation or symbol character is a token, and carries
// the one space (U+0020) before it, as in GPT-2 and the tokenizers after it:
// "The cat sat on the mat." is "The", " cat", " sat", " on", " the", " mat",
// ".". Other whitespace stays in tokens of its own: a newline, a tab, and a
// run of spaces less the last, which goes to the word after it ("a  b" is
// "a", " ", " b"), as GPT-2's \s+(?!\S) leaves it; whitespace at the end of
// a text is one token. Unlike GPT-2, punctuation is not grouped: each mark
// is its own token (" \"", "?", "."), as in a word vocabulary built before
// this rule.
//
// Its vocabulary is <unk> (id 0) followed by the pieces of a training text,
// most frequent first and then in byte order, so it is the same on every
// run. Pieces past the vocabulary limit, or not in the training text,
// encode as <unk>.
//
// A word vocabulary saved before this rule (no "space" field, see Marshal)
// keeps the old one, where every run of whitespace is a token of its own
// ("the", " ", "mat"), so its checkpoints encode exactly as they were
// trained.
type Word struct {
	words   []string       // id → piece; words[0] is <unk>
	ids     map[string]int // piece → id
	limit   int            // the limit it was built with (0: none), for Name
	leading bool           // a word carries the space before it (false: the old rule)
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
	eachWordLeading(text, func(start, end int) {
		if bad == nil && endsInvalid(text[start:end]) {
			bad = fmt.Errorf("word tokenizer: training text has invalid UTF-8 at byte %d (0x%02x); convert it to UTF-8", end-1, text[end-1])
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
	return newWordFrom(append([]string{unkText}, words...), limit, true), nil
}

func newWordFrom(words []string, limit int, leading bool) *Word {
	w := &Word{words: words, ids: make(map[string]int, len(words)), limit: limit, leading: leading}
	for i, s := range words[1:] {
		w.ids[s] = i + 1
	}
	return w
}

// endsInvalid reports whether piece ends in a byte that is not valid UTF-8:
// a piece of either rule holds at most one, at its end.
func endsInvalid(piece string) bool {
	r, n := utf8.DecodeLastRuneInString(piece)
	return r == utf8.RuneError && n == 1
}

// each calls fn with the span of every piece of text, by w's rule.
func (w *Word) each(text string, fn func(start, end int)) {
	if w.leading {
		eachWordLeading(text, fn)
	} else {
		eachWord(text, fn)
	}
}

// eachWordLeading calls fn with the span of every piece of text: an
// optional space and then a run of letters, marks and digits or one other
// character (an invalid byte counts as one); or whitespace that no word
// takes. It is GPT-2's split without the contractions, with letters and
// digits in one run and punctuation one character a piece:
//
//	[ ]?[\p{L}\p{M}\p{N}]+|[ ]?[^\s\p{L}\p{M}\p{N}]|\s+(?!\S)|\s+
func eachWordLeading(text string, fn func(start, end int)) {
	for i := 0; i < len(text); {
		start := i
		if c, _ := classAt(text, i); c&clsS != 0 {
			end := runEnd(text, i, clsS)
			if end == len(text) { // whitespace at the end of the text: one token
				fn(i, end)
				return
			}
			// Before a word the run less its last character is a token, and
			// so is that character unless it is a space, which the word takes.
			_, n := utf8.DecodeLastRuneInString(text[i:end])
			if start = end - n; start > i {
				fn(i, start)
			}
			if text[start] != ' ' {
				fn(start, end)
				start = end
			}
			i = end
		}
		c, n := classAt(text, i)
		end := i + n
		if c&(clsL|clsN|clsUpper) != 0 { // clsUpper covers the marks
			end = runEnd(text, i, clsL|clsN|clsUpper)
		}
		fn(start, end)
		i = end
	}
}

// eachWord calls fn with the span of every piece of text by the rule of word
// vocabularies saved without a "space" field: a run of letters, marks and
// digits; a run of whitespace; or one other character (an invalid byte
// counts as one).
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

// LeadingSpace reports whether w's words carry the space before them; a
// vocabulary saved before that rule (see Word) does not.
func (w *Word) LeadingSpace() bool { return w.leading }

// VocabSize counts <unk> and the words.
func (w *Word) VocabSize() int { return len(w.words) }

// Encode returns one id per piece, 0 (<unk>) for pieces outside the
// vocabulary.
func (w *Word) Encode(text string) []int {
	var ids []int
	w.each(text, func(start, end int) { ids = append(ids, w.ids[text[start:end]]) })
	return ids
}

// EncodeTokens returns one token per piece; <unk> tokens have Fallback set.
func (w *Word) EncodeTokens(text string) []Token {
	var toks []Token
	w.each(text, func(start, end int) {
		id := w.ids[text[start:end]]
		toks = append(toks, Token{ID: id, Start: start, End: end, Fallback: id == 0, Unknown: id == 0})
	})
	markSplitRunes(text, toks)
	return toks
}

// Unknown returns the pieces of text outside the vocabulary, and its
// invalid bytes. A word is reported without the space it carries: in "The
// zebra" the unknown text is "zebra" at byte 4.
func (w *Word) Unknown(text string) []Position {
	var out []Position
	w.each(text, func(start, end int) {
		if _, ok := w.ids[text[start:end]]; !ok {
			if endsInvalid(text[start:end]) { // the byte, without a space before it
				out = append(out, Position{Offset: end - 1, Text: text[end-1 : end], Invalid: true})
				return
			}
			if w.leading && end-start > 1 && text[start] == ' ' {
				if c, _ := classAt(text, start+1); c&clsS == 0 {
					start++ // the word is unknown, not the space it carries
				}
			}
			out = append(out, Position{Offset: start, Text: text[start:end]})
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
