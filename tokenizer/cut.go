package tokenizer

import "strings"

// LastSafeCut returns the largest i > 0 such that encoding text[:i] and
// text[i:] separately gives the same ids as encoding text, or -1 when it
// knows of none (then encode text whole). Streaming encoders cut long
// inputs there, so memory stays bounded and blocks encode in parallel.
//
// Safe cuts are found for a char tokenizer (any character boundary), a word
// tokenizer (after a newline before an ASCII letter or digit, and for words
// that carry their leading space after a visible ASCII character), and a
// BPE whose pre-tokenizer is the gpt2, cl100k, o200k or qwen2 split
// pattern, optionally after Unicode normalization, with no special token
// spanning a line: there, a lone "\n" between a visible ASCII character and
// an ASCII letter or digit is always a pre-token of its own, at the end of a
// text too, since every alternative of those patterns that takes a newline
// takes only whitespace, or punctuation, newlines and "/" before or after
// it. (A longer run of whitespace is not safe: gpt2's \s+(?!\S) splits
// "\n\n" before a letter, not at the end of a text.)
func LastSafeCut(t Tokenizer, text string) int {
	switch t := t.(type) {
	case *Char:
		for i := len(text) - 1; i > 0; i-- {
			if text[i] < 0x80 || text[i] >= 0xC0 {
				return i
			}
		}
		return -1
	case *Word:
		// A word is a run of letters, digits and marks, a run of spaces, or
		// one other character: after a newline and before an ASCII letter or
		// digit both runs end, whatever follows. With words that carry their
		// leading space the newline must also follow a visible ASCII
		// character, as for BPE below: a longer run of whitespace keeps its
		// last character apart before a word but not at the end of a text.
		for end := len(text); end > 0; {
			i := strings.LastIndexByte(text[:end], '\n')
			if i < 0 {
				return -1
			}
			if i+1 < len(text) && isASCIIAlnum(text[i+1]) && (!t.leading || i == 0 || text[i-1] < 0x80 && !isASCIISpace(text[i-1])) {
				return i + 1
			}
			end = i
		}
	case *BPE:
		if !t.cutsAtLines() {
			return -1
		}
		for end := len(text); end > 0; {
			i := strings.LastIndexByte(text[:end], '\n')
			if i < 0 {
				return -1
			}
			if i+1 < len(text) && isASCIIAlnum(text[i+1]) && i > 0 && text[i-1] < 0x80 && !isASCIISpace(text[i-1]) {
				return i + 1
			}
			end = i
		}
	}
	return -1
}

func isASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

func isASCIIAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// cutsAtLines reports whether b's pre-tokenizer always ends a pre-token
// after a "\n" followed by an ASCII letter or digit (see LastSafeCut).
func (b *BPE) cutsAtLines() bool {
	if len(b.cfg.Splits) == 0 {
		return false
	}
	for _, n := range b.cfg.Normalizers {
		switch n.Type {
		case "nfc", "nfd", "nfkc", "nfkd": // an ASCII letter after \n composes with neither
		default:
			return false
		}
	}
	for _, s := range b.cfg.Splits {
		switch ResolvePattern(s.Pattern) {
		case PatternGPT2, PatternCL100K, PatternO200K, PatternQwen2:
		default:
			return false
		}
		if s.Behavior == "gaps" { // these patterns match every character: isolated and matches keep them all
			return false
		}
	}
	for _, s := range b.cfg.Specials {
		if b.specials != nil && strings.Contains(s.Text, "\n") {
			return false
		}
	}
	return true
}
