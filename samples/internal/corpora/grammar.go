package corpora

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Grammar is a set of symbols, each with alternatives to choose from. It is
// written as text, one rule a line:
//
//	animal = cat | dog | small {colour} bird
//	colour = red | brown
//
// A line that starts with white space continues the rule above it. {name}
// expands a symbol (or a variable bound by the caller), ~ is the empty
// alternative, ^ capitalises the next letter, and a repeated alternative is
// chosen more often. Lines starting with # are comments.
type Grammar map[string][]string

// NewGrammar parses src. It panics on a malformed rule: grammars are part of
// the program, and the generation test runs every one of them.
func NewGrammar(src string) Grammar {
	g := Grammar{}
	last := ""
	for _, line := range strings.Split(src, "\n") {
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last == "" {
				panic("corpora: grammar: continuation before any rule: " + line)
			}
			g[last] = append(g[last], splitAlts(line)...)
			continue
		}
		name, body, ok := strings.Cut(line, "=")
		if !ok {
			panic("corpora: grammar: rule without '=': " + line)
		}
		last = strings.TrimSpace(name)
		g[last] = append(g[last], splitAlts(body)...)
	}
	return g
}

func splitAlts(s string) []string {
	var alts []string
	for _, a := range strings.Split(s, "|") {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if a == "~" {
			a = ""
		}
		alts = append(alts, a)
	}
	return alts
}

// Expand expands tmpl: each {name} becomes vars[name] if bound, else a random
// alternative of the rule name, and what it becomes is expanded in turn. Then ^ marks are applied and
// "a" becomes "an" before a vowel sound. It panics on an unknown name.
func (g Grammar) Expand(r *Rand, tmpl string, vars map[string]string) string {
	var b strings.Builder
	g.expand(&b, r, tmpl, vars, 0)
	return Polish(b.String())
}

func (g Grammar) expand(b *strings.Builder, r *Rand, tmpl string, vars map[string]string, depth int) {
	if depth > 40 {
		panic("corpora: grammar: recursion too deep in " + tmpl)
	}
	for {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			b.WriteString(tmpl)
			return
		}
		j := strings.IndexByte(tmpl[i:], '}')
		if j < 0 {
			panic("corpora: grammar: unclosed { in " + tmpl)
		}
		b.WriteString(tmpl[:i])
		name := tmpl[i+1 : i+j]
		tmpl = tmpl[i+j+1:]
		if v, ok := vars[name]; ok {
			g.expand(b, r, v, vars, depth+1)
			continue
		}
		alts, ok := g[name]
		if !ok {
			panic("corpora: grammar: unknown symbol {" + name + "}")
		}
		g.expand(b, r, Pick(r, alts), vars, depth+1)
	}
}

// Polish applies ^ (capitalise the next letter), turns "a" into "an" before a
// vowel sound, and squeezes the double spaces an empty alternative leaves.
func Polish(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	upper := false
	for i := 0; i < len(s); {
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == '^':
			upper = true
		case c == ' ' && i+1 < len(s) && s[i+1] == ' ':
			// drop one of two spaces
		case c == ' ' && i+1 < len(s) && strings.ContainsRune(",.;:!?", rune(s[i+1])) && b.Len() > 0:
			// no space before punctuation that an empty alternative left behind
		case upper && unicode.IsLetter(c):
			b.WriteRune(unicode.ToUpper(c))
			upper = false
		default:
			b.WriteRune(c)
		}
		i += size
	}
	return fixArticles(b.String())
}

// fixArticles turns the word "a" or "A" into "an"/"An" before a word that
// starts with a vowel sound.
func fixArticles(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/50)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c == 'a' || c == 'A') && i+2 < len(s) && s[i+1] == ' ' &&
			(i == 0 || !isWordByte(s[i-1])) && vowelSound(s[i+2:]) {
			b.WriteByte(c)
			b.WriteByte('n')
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '\'' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func vowelSound(w string) bool {
	lw := strings.ToLower(w)
	for _, p := range []string{"uni", "use", "usu", "one", "eu", "ewe"} {
		if strings.HasPrefix(lw, p) {
			return false
		}
	}
	for _, p := range []string{"hour", "honest", "honour", "heir", "8", "11", "18"} {
		if strings.HasPrefix(lw, p) {
			return true
		}
	}
	return lw != "" && strings.IndexByte("aeiou", lw[0]) >= 0
}

// Some expands k different alternatives of the rule name (all of them if it
// has fewer), in random order, so a paragraph never says the same thing twice.
func (g Grammar) Some(r *Rand, name string, k int, vars map[string]string) []string {
	alts, ok := g[name]
	if !ok {
		panic("corpora: grammar: unknown symbol {" + name + "}")
	}
	idx := make([]int, len(alts))
	for i := range idx {
		idx[i] = i
	}
	for i := len(idx) - 1; i > 0; i-- {
		j := r.Intn(i + 1)
		idx[i], idx[j] = idx[j], idx[i]
	}
	out := make([]string, 0, k)
	for _, i := range idx[:min(k, len(idx))] {
		out = append(out, g.Expand(r, alts[i], vars))
	}
	return out
}
