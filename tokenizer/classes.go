package tokenizer

import (
	"sync"
	"unicode"
	"unicode/utf8"
)

// Character classes the split patterns use, as bits of one byte.
const (
	clsL     = 1 << iota // \p{L}
	clsN                 // \p{N}
	clsS                 // \s (Unicode White_Space, as unicode.IsSpace)
	clsUpper             // o200k's [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]
	clsLower             // o200k's [\p{Ll}\p{Lm}\p{Lo}\p{M}]
	clsNL                // \r or \n
)

// asciiClass holds the classes of the 128 ASCII characters; bmpClass those of
// the rest of the Basic Multilingual Plane, built on first use.
var (
	asciiClass [128]uint8
	bmpOnce    sync.Once
	bmpClass   []uint8
)

func init() {
	for r := rune(0); r < 128; r++ {
		asciiClass[r] = slowClass(r)
	}
}

// slowClass computes the classes of r from the Unicode tables.
func slowClass(r rune) uint8 {
	var c uint8
	if unicode.IsLetter(r) {
		c |= clsL
	}
	if unicode.IsNumber(r) {
		c |= clsN
	}
	if unicode.IsSpace(r) {
		c |= clsS
	}
	if r == '\r' || r == '\n' {
		c |= clsNL
	}
	isM := unicode.IsMark(r)
	if isM || unicode.In(r, unicode.Lu, unicode.Lt, unicode.Lm, unicode.Lo) {
		c |= clsUpper
	}
	if isM || unicode.In(r, unicode.Ll, unicode.Lm, unicode.Lo) {
		c |= clsLower
	}
	return c
}

// runeClass returns the classes of r; an invalid byte (utf8.RuneError) is a
// symbol like U+FFFD.
func runeClass(r rune) uint8 {
	if r < 128 {
		return asciiClass[r]
	}
	if r < 0x10000 {
		bmpOnce.Do(func() {
			bmpClass = make([]uint8, 0x10000)
			for x := rune(128); x < 0x10000; x++ {
				bmpClass[x] = slowClass(x)
			}
		})
		return bmpClass[r]
	}
	return slowClass(r)
}

// classAt decodes the rune at s[i] and returns its classes and byte length.
// i must be < len(s).
func classAt(s string, i int) (uint8, int) {
	if c := s[i]; c < utf8.RuneSelf {
		return asciiClass[c], 1
	}
	r, n := utf8.DecodeRuneInString(s[i:])
	return runeClass(r), n
}

// runEnd returns the end of the run of runes from i that have any of the
// classes in want.
func runEnd(s string, i int, want uint8) int {
	for i < len(s) {
		c, n := classAt(s, i)
		if c&want == 0 {
			break
		}
		i += n
	}
	return i
}

// otherEnd returns the end of the run from i of runes that are not
// whitespace, letters or numbers: [^\s\p{L}\p{N}]+.
func otherEnd(s string, i int) int {
	for i < len(s) {
		c, n := classAt(s, i)
		if c&(clsL|clsN|clsS) != 0 {
			break
		}
		i += n
	}
	return i
}
