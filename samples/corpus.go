package samples

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Enabled returns the sources training uses, in order.
func (c *Corpus) Enabled() []*Source {
	var out []*Source
	for _, s := range c.Sources {
		if s.Enabled {
			out = append(out, s)
		}
	}
	return out
}

// ValText returns the validation text of the enabled sources, one after
// another.
func (c *Corpus) ValText() string {
	var b strings.Builder
	for _, s := range c.Enabled() {
		b.WriteString(s.ValText)
	}
	return b.String()
}

// Preview returns the start of the source's training text, at most n bytes,
// cut at a character boundary.
func (s *Source) Preview(n int) string {
	t := s.TrainText
	if len(t) <= n {
		return t
	}
	for n > 0 && !utf8.RuneStart(t[n]) {
		n--
	}
	return t[:n]
}

// Stats describes a text as the Dataset pane and the CLI report it.
type Stats struct {
	Bytes, Chars, Lines int
	Distinct            int    // distinct characters
	Tokens              int    // with the tokenizer given to Stats; 0 without one
	TrainTokens         int    // of that, in the training text
	ValTokens           int    // of that, in the validation text
	Unknown             int    // characters the tokenizer cannot represent
	UnknownChars        string // the distinct unknown characters, at most 32, in order of first sight
	InvalidBytes        int    // invalid UTF-8 bytes (kept only with AllowInvalidUTF8)
}

// Stats returns the statistics of the enabled sources together. encode and
// known may be nil: then tokens, and characters the tokenizer lacks, are not
// counted.
func (c *Corpus) Stats(encode func(string) []int, known func(rune) bool) Stats {
	var st Stats
	seen := map[rune]bool{}
	unknown := map[rune]bool{}
	for _, s := range c.Enabled() {
		s.stats(&st, seen, unknown, encode, known)
	}
	st.Distinct = len(seen)
	return st
}

// Stats returns the statistics of this source alone; see Corpus.Stats.
func (s *Source) Stats(encode func(string) []int, known func(rune) bool) Stats {
	var st Stats
	seen := map[rune]bool{}
	s.stats(&st, seen, map[rune]bool{}, encode, known)
	st.Distinct = len(seen)
	return st
}

func (s *Source) stats(st *Stats, seen, unknown map[rune]bool, encode func(string) []int, known func(rune) bool) {
	st.Bytes += s.Bytes
	st.Chars += s.Chars
	st.Lines += s.Lines
	st.InvalidBytes += s.InvalidBytes
	for _, text := range []string{s.TrainText, s.ValText} {
		for _, r := range text {
			seen[r] = true
			if known != nil && !known(r) {
				st.Unknown++
				if !unknown[r] && len(unknown) < 32 {
					unknown[r] = true
					st.UnknownChars += string(r)
				}
			}
		}
	}
	if encode != nil {
		tr, va := len(encode(s.TrainText)), len(encode(s.ValText))
		st.TrainTokens += tr
		st.ValTokens += va
		st.Tokens += tr + va
	}
}

// Leak is a line found in both the training and the validation text.
type Leak struct {
	Line string // the line, without its newline and surrounding space
	Val  int    // how often it occurs in the validation text
}

// minLeakLen is the shortest line Leaks reports: shorter lines ("Yes.",
// "}", a blank line) repeat in any corpus and say nothing about a leak.
const minLeakLen = 20

// Leaks returns the lines of at least 20 bytes that occur in the validation
// text of an enabled source and in the training text of any enabled source,
// most frequent first. A validation loss on leaked lines measures recall,
// not generalisation. Generated samples leak by design: their sentences
// repeat.
func (c *Corpus) Leaks() []Leak {
	val := map[string]int{}
	for _, s := range c.Enabled() {
		for line := range strings.Lines(s.ValText) {
			if line = strings.TrimSpace(line); len(line) >= minLeakLen {
				val[line]++
			}
		}
	}
	found := map[string]bool{}
	for _, s := range c.Enabled() {
		for line := range strings.Lines(s.TrainText) {
			if line = strings.TrimSpace(line); val[line] > 0 {
				found[line] = true
			}
		}
	}
	leaks := make([]Leak, 0, len(found))
	for line := range found {
		leaks = append(leaks, Leak{line, val[line]})
	}
	slices.SortFunc(leaks, func(a, b Leak) int {
		if a.Val != b.Val {
			return b.Val - a.Val
		}
		return strings.Compare(a.Line, b.Line)
	})
	return leaks
}

// Check reports, before training starts, whether the corpus can fill one
// batch: every enabled source needs at least context+1 training tokens (one
// window and its targets), and the validation text as many. count returns
// the number of tokens in a text. Errors match ErrNoData (no sources, or
// every one disabled) or ErrTooShort, and say what to change: a smaller
// --context when one would fit, else more text.
func (c *Corpus) Check(count func(string) int, context int) error {
	enabled := c.Enabled()
	if len(c.Sources) == 0 {
		return dataErr(ErrNoData, "", "the corpus is empty; give --data FILE, DIR/, - or sample:NAME")
	}
	if len(enabled) == 0 {
		return dataErr(ErrNoData, "", "every source is disabled; enable at least one")
	}
	need := context + 1
	for _, s := range enabled {
		if n := count(s.TrainText); n < need {
			return dataErr(ErrTooShort, s.Name, "%s, but one batch at context %d needs at least %d; %s",
				plural(n, "training token"), context, need, shortFix(n, context, "add text to this source, or leave it out of --data"))
		}
	}
	if n := count(c.ValText()); n < need {
		names := make([]string, len(enabled))
		for i, s := range enabled {
			names[i] = s.Name
		}
		return dataErr(ErrTooShort, strings.Join(names, ", "), "the validation text has %s, but one evaluation window at context %d needs at least %d; %s",
			plural(n, "token"), context, need, shortFix(n, context, "add text (a tenth of each source is held out for validation), or more documents to a directory or JSONL source"))
	}
	return nil
}

// shortFix says what to do about a text of n tokens that is too short for
// the context: lower the context when a smaller one fits (context c needs
// c+1 tokens, and a context is at least 1), else moreText.
func shortFix(n, context int, moreText string) string {
	if n >= 2 && n-1 < context {
		return fmt.Sprintf("%s, or lower --context to at most %d", moreText, n-1)
	}
	return fmt.Sprintf("%s: no context fits in %s (context 1 needs 2)", moreText, plural(n, "token"))
}

// plural returns "1 thing" or "n things".
func plural(n int, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return fmt.Sprintf("%d %ss", n, thing)
}
