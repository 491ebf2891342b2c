package tokenizer

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/dlclark/regexp2"
)

// The split patterns of the tokenizers lmlab knows, exactly as their files
// spell them. Each has a dedicated scanner below; any other pattern runs on
// regexp2, which supports the look-ahead in `\s+(?!\S)`.
const (
	PatternGPT2   = `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
	PatternCL100K = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	PatternQwen2  = `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`
	PatternO200K  = `[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`
)

// patternNames maps the names accepted by --pattern (and tiktoken file names)
// to patterns. r50k and p50k use GPT-2's pattern; qwen2 is cl100k's with
// single digits (Qwen2, Qwen3).
var patternNames = map[string]string{
	"gpt2":   PatternGPT2,
	"r50k":   PatternGPT2,
	"p50k":   PatternGPT2,
	"cl100k": PatternCL100K,
	"qwen2":  PatternQwen2,
	"o200k":  PatternO200K,
}

// PatternNames lists the named split patterns, for help texts.
func PatternNames() []string { return []string{"gpt2", "r50k", "p50k", "cl100k", "o200k", "qwen2"} }

// ResolvePattern returns the pattern a name stands for, or the argument
// itself when it is not a name (a regular expression).
func ResolvePattern(nameOrRegex string) string {
	if p, ok := patternNames[nameOrRegex]; ok {
		return p
	}
	return nameOrRegex
}

// splitter cuts text into pre-tokens, calling fn with the byte span of each
// piece in order. The pieces of the dedicated scanners tile the text; a
// general regex may leave gaps between its matches, and stops with a
// *PatternTimeoutError when a match takes too long.
type splitter interface {
	each(text string, fn func(start, end int)) error
}

// scanFunc is a dedicated scanner: the end of the piece that starts at i
// (i < len(s)).
type scanFunc func(s string, i int) int

func (f scanFunc) each(s string, fn func(start, end int)) error {
	for i := 0; i < len(s); {
		e := f(s, i)
		fn(i, e)
		i = e
	}
	return nil
}

// newSplitter returns the dedicated scanner for a known pattern, or compiles
// the pattern with regexp2.
func newSplitter(pattern string) (splitter, error) {
	switch pattern {
	case PatternGPT2:
		return scanFunc(scanGPT2), nil
	case PatternCL100K:
		return scanFunc(scanCL100K), nil
	case PatternQwen2:
		return scanFunc(scanQwen2), nil
	case PatternO200K:
		return scanFunc(scanO200K), nil
	}
	return newRegexSplitter(pattern)
}

// contraction returns the length of 's 't 're 've 'm 'll 'd at s[i:] (which
// starts with the apostrophe), or 0. With fold, letters match in any case as
// Rust's regex does under (?i), including ſ (U+017F, which folds to s).
func contraction(s string, i int, fold bool) int {
	if i+1 >= len(s) || s[i] != '\'' {
		return 0
	}
	lower := func(c byte) byte {
		if fold && 'A' <= c && c <= 'Z' {
			return c + 'a' - 'A'
		}
		return c
	}
	c := lower(s[i+1])
	switch c {
	case 's', 't', 'm', 'd':
		return 2
	case 'r', 'v', 'l':
		if i+2 < len(s) {
			want := byte('e')
			if c == 'l' {
				want = 'l'
			}
			if lower(s[i+2]) == want {
				return 3
			}
		}
	case 0xC5: // ſ is C5 BF
		if fold && i+2 < len(s) && s[i+2] == 0xBF {
			return 3
		}
	}
	return 0
}

// spaceEnd handles the last two alternatives every pattern ends with,
// `\s+(?!\S)|\s+`, for a whitespace run starting at i: the run up to the end
// of text, or the run less its last character when a non-space follows, or
// that single character.
func spaceEnd(s string, i int) int {
	e := runEnd(s, i, clsS)
	if e == len(s) {
		return e
	}
	_, last := utf8.DecodeLastRuneInString(s[i:e])
	if e-last > i {
		return e - last
	}
	return e
}

// newlineEnd handles `\s*[\r\n]+` at i: the whitespace run up to and
// including its last \r or \n, or -1 when the run has none.
func newlineEnd(s string, i int) int {
	e := runEnd(s, i, clsS)
	for j := e - 1; j >= i; j-- {
		if s[j] == '\r' || s[j] == '\n' {
			return j + 1
		}
	}
	return -1
}

// scanGPT2 is PatternGPT2.
func scanGPT2(s string, i int) int {
	if n := contraction(s, i, false); n > 0 {
		return i + n
	}
	if s[i] == ' ' && i+1 < len(s) {
		c, _ := classAt(s, i+1)
		switch {
		case c&clsL != 0:
			return runEnd(s, i+1, clsL)
		case c&clsN != 0:
			return runEnd(s, i+1, clsN)
		case c&clsS == 0:
			return otherEnd(s, i+1)
		}
	}
	c, _ := classAt(s, i)
	switch {
	case c&clsL != 0:
		return runEnd(s, i, clsL)
	case c&clsN != 0:
		return runEnd(s, i, clsN)
	case c&clsS == 0:
		return otherEnd(s, i)
	}
	return spaceEnd(s, i)
}

func scanCL100K(s string, i int) int { return scanCL100KDigits(s, i, 3) }
func scanQwen2(s string, i int) int  { return scanCL100KDigits(s, i, 1) }

// scanCL100KDigits is PatternCL100K with \p{N}{1,maxDigits}.
func scanCL100KDigits(s string, i int, maxDigits int) int {
	if n := contraction(s, i, true); n > 0 {
		return i + n
	}
	c, n := classAt(s, i)
	// [^\r\n\p{L}\p{N}]?\p{L}+
	if c&clsL != 0 {
		return runEnd(s, i, clsL)
	}
	if c&(clsNL|clsN) == 0 && i+n < len(s) {
		if c2, _ := classAt(s, i+n); c2&clsL != 0 {
			return runEnd(s, i+n, clsL)
		}
	}
	if c&clsN != 0 {
		return digitsEnd(s, i, maxDigits)
	}
	// ` ?[^\s\p{L}\p{N}]+[\r\n]*`
	if e := otherRun(s, i, c); e > 0 {
		return runEnd(s, e, clsNL)
	}
	if e := newlineEnd(s, i); e > 0 {
		return e
	}
	return spaceEnd(s, i)
}

// digitsEnd matches \p{N}{1,max} at i, which starts with a number.
func digitsEnd(s string, i, max int) int {
	for k := 0; k < max && i < len(s); k++ {
		c, n := classAt(s, i)
		if c&clsN == 0 {
			break
		}
		i += n
	}
	return i
}

// otherRun matches ` ?[^\s\p{L}\p{N}]+` at i, whose first rune has classes
// c, returning its end or -1.
func otherRun(s string, i int, c uint8) int {
	j := i
	if s[i] == ' ' && i+1 < len(s) {
		if c2, _ := classAt(s, i+1); c2&(clsL|clsN|clsS) == 0 {
			j = i + 1
			c = c2
		}
	}
	if c&(clsL|clsN|clsS) != 0 {
		return -1
	}
	return otherEnd(s, j)
}

// scanO200K is PatternO200K.
func scanO200K(s string, i int) int {
	c, n := classAt(s, i)
	prefix := c&(clsNL|clsL|clsN) == 0 && i+n < len(s) // [^\r\n\p{L}\p{N}] can be taken
	// [prefix]?[Upper]*[Lower]+('s...)?
	if prefix {
		if e := o200kWord(s, i+n); e > 0 {
			return e
		}
	}
	if e := o200kWord(s, i); e > 0 {
		return e
	}
	// [prefix]?[Upper]+[Lower]*('s...)?
	if prefix {
		if e := o200kCaps(s, i+n); e > 0 {
			return e
		}
	}
	if e := o200kCaps(s, i); e > 0 {
		return e
	}
	if c&clsN != 0 {
		return digitsEnd(s, i, 3)
	}
	// ` ?[^\s\p{L}\p{N}]+[\r\n/]*`
	if e := otherRun(s, i, c); e > 0 {
		for e < len(s) && (s[e] == '\r' || s[e] == '\n' || s[e] == '/') {
			e++
		}
		return e
	}
	if e := newlineEnd(s, i); e > 0 {
		return e
	}
	return spaceEnd(s, i)
}

// o200kWord matches [Upper]*[Lower]+ and an optional contraction at i,
// backtracking as a regex engine does: Upper* is greedy, and when no Lower
// follows the run it gives back runes until one of them (a Lm, Lo or M, which
// are in both classes) can serve as the Lower. Returns the end or -1.
func o200kWord(s string, i int) int {
	e := i
	lastLower := -1 // end of the last rune of the Upper run that is also Lower
	for e < len(s) {
		c, n := classAt(s, e)
		if c&clsUpper == 0 {
			break
		}
		e += n
		if c&clsLower != 0 {
			lastLower = e
		}
	}
	switch {
	case e < len(s) && classOf(s, e)&clsLower != 0:
		e = runEnd(s, e, clsLower)
	case lastLower > 0:
		e = lastLower
	default:
		return -1
	}
	return e + contraction(s, e, true)
}

// o200kCaps matches [Upper]+[Lower]* and an optional contraction at i, or -1.
func o200kCaps(s string, i int) int {
	e := runEnd(s, i, clsUpper)
	if e == i {
		return -1
	}
	e = runEnd(s, e, clsLower)
	return e + contraction(s, e, true)
}

func classOf(s string, i int) uint8 {
	c, _ := classAt(s, i)
	return c
}

// regexSplitter runs a pattern on regexp2, for patterns without a dedicated
// scanner, with a timeout on each match (the pattern comes from a user or a
// file). regexp2 works on runes; runesOf maps them back to bytes.
type regexSplitter struct {
	re      *regexp2.Regexp
	pattern string
}

func newRegexSplitter(pattern string) (*regexSplitter, error) {
	re, err := regexp2.Compile(pattern, regexp2.None)
	if err != nil {
		return nil, fmt.Errorf("split pattern %q: %w (use a name: %s, or a valid regular expression)", pattern, err, strings.Join(PatternNames(), ", "))
	}
	re.MatchTimeout = patternTimeout
	return &regexSplitter{re: re, pattern: pattern}, nil
}

// each stops at the first match that times out; the text after the last
// match is then left to the caller, as text after the last match is.
func (r *regexSplitter) each(s string, fn func(start, end int)) error {
	runes, offs := runesOf(s)
	at := 0 // where the search for the next match starts
	m, err := r.re.FindRunesMatch(runes)
	for err == nil && m != nil {
		if m.Length > 0 { // an empty match cuts nothing
			fn(offs[m.Index], offs[m.Index+m.Length])
		}
		at = offs[m.Index+m.Length]
		m, err = r.re.FindNextMatch(m)
	}
	if err != nil { // regexp2's only match error is its timeout
		return &PatternTimeoutError{Pattern: r.pattern, Offset: at, Timeout: r.re.MatchTimeout}
	}
	return nil
}

// runesOf decodes s into runes, one per invalid byte as []rune(s) does, and
// the byte offset of each rune (plus len(s) at the end).
func runesOf(s string) ([]rune, []int) {
	runes := make([]rune, 0, len(s))
	offs := make([]int, 0, len(s)+1)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		runes = append(runes, r)
		offs = append(offs, i)
		i += n
	}
	return runes, append(offs, len(s))
}
