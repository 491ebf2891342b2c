package tokenizer

import (
	"slices"
	"strings"
)

// specialMatcher finds special tokens in text: at the leftmost position
// where one starts, the longest one (as Hugging Face's added vocabulary).
type specialMatcher struct {
	first  [256]bool
	tokens []specialToken // longest first
}

func newSpecialMatcher(toks []specialToken) *specialMatcher {
	m := &specialMatcher{tokens: slices.Clone(toks)}
	// Longest first, so the first that matches at a position is the longest.
	slices.SortStableFunc(m.tokens, func(a, b specialToken) int { return len(b.Text) - len(a.Text) })
	for _, t := range m.tokens {
		m.first[t.Text[0]] = true
	}
	return m
}

// find returns the span and id of the first special token in s at or after
// from, or start -1.
func (m *specialMatcher) find(s string, from int) (start, end int, id int32) {
	for i := from; i < len(s); i++ {
		if !m.first[s[i]] {
			continue
		}
		for _, t := range m.tokens {
			if strings.HasPrefix(s[i:], t.Text) {
				return i, i + len(t.Text), t.ID
			}
		}
	}
	return -1, -1, 0
}
