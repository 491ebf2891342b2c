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
