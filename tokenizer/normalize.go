package tokenizer

import (
	"fmt"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// span is the byte range of the input that one byte of normalized text
// comes from.
type span struct{ start, end int }

func (n normStep) check() error {
	switch n.Type {
	case "nfc", "nfd", "nfkc", "nfkd", "prepend":
		return nil
	case "replace":
		if n.From == "" {
			return fmt.Errorf("replace: empty pattern")
		}
		return nil
	}
	return fmt.Errorf("unknown normalizer %q", n.Type)
}

func (n normStep) form() norm.Form {
	switch n.Type {
	case "nfd":
		return norm.NFD
	case "nfkc":
		return norm.NFKC
	case "nfkd":
		return norm.NFKD
	}
	return norm.NFC
}

// normalize runs the normalizers on s. align maps each byte of the result
// to the input bytes it comes from; it is nil when the result is s itself.
func (b *BPE) normalize(s string) (string, []span) {
	var align []span
	for _, n := range b.cfg.Normalizers {
		switch n.Type {
		case "prepend":
			if s == "" {
				continue
			}
			align = identity(align, len(s))
			at := align[0].start
			pre := make([]span, len(n.To), len(n.To)+len(align))
			for i := range pre {
				pre[i] = span{at, at}
			}
			s, align = n.To+s, append(pre, align...)
		case "replace":
			if !strings.Contains(s, n.From) {
				continue
			}
			align = identity(align, len(s))
			var out strings.Builder
			var na []span
			for i := 0; i < len(s); {
				if strings.HasPrefix(s[i:], n.From) {
					sp := span{align[i].start, align[i+len(n.From)-1].end}
					out.WriteString(n.To)
					for range len(n.To) {
						na = append(na, sp)
					}
					i += len(n.From)
					continue
				}
				out.WriteByte(s[i])
				na = append(na, align[i])
				i++
			}
			s, align = out.String(), na
		default:
			f := n.form()
			if f.IsNormalString(s) {
				continue
			}
			align = identity(align, len(s))
			var out []byte
			var na []span
			var it norm.Iter
			it.InitString(f, s)
			for !it.Done() {
				start := it.Pos()
				seg := it.Next()
				end := it.Pos()
				if string(seg) == s[start:end] {
					na = append(na, align[start:end]...)
				} else {
					sp := span{align[start].start, align[end-1].end}
					for range seg {
						na = append(na, sp)
					}
				}
				out = append(out, seg...)
			}
			s, align = string(out), na
		}
	}
	return s, align
}

// identity returns align, or the identity alignment of n bytes when align
// is nil.
func identity(align []span, n int) []span {
	if align != nil {
		return align
	}
	align = make([]span, n)
	for i := range align {
		align[i] = span{i, i + 1}
	}
	return align
}

// specialMatcher finds special tokens in text: at the leftmost position
// where one starts, the longest one (as Hugging Face's added vocabulary).
type specialMatcher struct {
	first  [256]bool
	tokens []specialToken // longest first
}

func newSpecialMatcher(toks []specialToken) *specialMatcher {
	m := &specialMatcher{tokens: append([]specialToken(nil), toks...)}
	// Longest first, so the first that matches at a position is the longest.
	for i := 1; i < len(m.tokens); i++ {
		for j := i; j > 0 && len(m.tokens[j].Text) > len(m.tokens[j-1].Text); j-- {
			m.tokens[j], m.tokens[j-1] = m.tokens[j-1], m.tokens[j]
		}
	}
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
