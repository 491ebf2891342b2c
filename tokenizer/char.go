package tokenizer

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// Char is a character-level tokenizer whose vocabulary is the distinct
// characters of a training text, sorted by code point (as the PyTorch
// baseline builds it: tiny shakespeare gives 65 ids).
//
// A character outside the vocabulary cannot be encoded. By default there is
// no id for it, so the vocabulary stays exactly the characters of the text:
// Encode leaves such characters out, EncodeTokens returns them with ID -1 and
// Fallback set, and Unknown reports each with its byte offset, so callers
// show or refuse them rather than lose them silently. With an <unk> token
// (NewChar's withUnk) they encode as its id, the last one.
type Char struct {
	chars []rune               // id → character
	ids   map[rune]int         // character → id
	ascii [utf8.RuneSelf]int32 // ids of the ASCII characters, -1 where none: the map's answer, without hashing
	unk   int                  // id of <unk>, or -1
}

// NewChar builds the vocabulary from text. withUnk adds an <unk> id after
// the characters. Text with invalid UTF-8 is an error naming the byte.
func NewChar(text string, withUnk bool) (*Char, error) {
	seen := map[rune]bool{}
	var ascii [utf8.RuneSelf]bool
	for i := 0; i < len(text); {
		if b := text[i]; b < utf8.RuneSelf {
			ascii[b] = true
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && n == 1 {
			return nil, fmt.Errorf("char tokenizer: training text has invalid UTF-8 at byte %d (0x%02x); convert it to UTF-8", i, text[i])
		}
		seen[r] = true
		i += n
	}
	for b, ok := range ascii {
		if ok {
			seen[rune(b)] = true
		}
	}
	chars := make([]rune, 0, len(seen))
	for r := range seen {
		chars = append(chars, r)
	}
	slices.Sort(chars)
	return newCharFrom(chars, withUnk), nil
}

func newCharFrom(chars []rune, withUnk bool) *Char {
	c := &Char{chars: chars, ids: make(map[rune]int, len(chars)), unk: -1}
	for i := range c.ascii {
		c.ascii[i] = -1
	}
	for i, r := range chars {
		c.ids[r] = i
		if r < utf8.RuneSelf {
			c.ascii[r] = int32(i)
		}
	}
	if withUnk {
		c.unk = len(chars)
	}
	return c
}

// Name is "char".
func (c *Char) Name() string { return "char" }

// VocabSize is the number of characters, plus one for <unk> when present.
func (c *Char) VocabSize() int {
	if c.unk >= 0 {
		return len(c.chars) + 1
	}
	return len(c.chars)
}

// Encode returns one id per character; see Char for unknown characters.
func (c *Char) Encode(text string) []int {
	ids := make([]int, 0, len(text))
	for i := 0; i < len(text); {
		if b := text[i]; b < utf8.RuneSelf {
			if id := c.ascii[b]; id >= 0 {
				ids = append(ids, int(id))
			} else if c.unk >= 0 {
				ids = append(ids, c.unk)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(text[i:])
		if id, ok := c.lookup(r, n); ok {
			ids = append(ids, id)
		}
		i += n
	}
	return ids
}

// lookup returns the id of rune r of length n, or <unk>; ok is false when
// there is no id for it. An invalid byte (RuneError of length 1) is never in
// the vocabulary.
func (c *Char) lookup(r rune, n int) (int, bool) {
	if r < utf8.RuneSelf {
		if id := c.ascii[r]; id >= 0 {
			return int(id), true
		}
	} else if !(r == utf8.RuneError && n == 1) {
		if id, ok := c.ids[r]; ok {
			return id, true
		}
	}
	return c.unk, c.unk >= 0
}

// known reports whether r has an id of its own (not <unk>).
func (c *Char) known(r rune) bool {
	if r < utf8.RuneSelf {
		return c.ascii[r] >= 0
	}
	_, ok := c.ids[r]
	return ok
}

// EncodeTokens returns one token per character with its span.
func (c *Char) EncodeTokens(text string) []Token {
	toks := make([]Token, 0, len(text))
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		id, ok := c.lookup(r, n)
		known := ok && id != c.unk
		if !ok {
			id = -1
		}
		toks = append(toks, Token{ID: id, Start: i, End: i + n, Fallback: !known, Unknown: !known})
		i += n
	}
	return toks
}

// Unknown returns the characters of text outside the vocabulary and its
// invalid bytes.
func (c *Char) Unknown(text string) []Position {
	var out []Position
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if r == utf8.RuneError && n == 1 {
			out = append(out, Position{Offset: i, Text: text[i : i+1], Invalid: true})
		} else if !c.known(r) {
			out = append(out, Position{Offset: i, Text: text[i : i+n]})
		}
		i += n
	}
	return out
}

// TokenBytes returns the character's UTF-8 bytes, "<unk>" for <unk>.
func (c *Char) TokenBytes(id int) []byte {
	switch {
	case id >= 0 && id < len(c.chars):
		return utf8.AppendRune(nil, c.chars[id])
	case id == c.unk && id >= 0:
		return []byte(unkText)
	}
	return nil
}

// Decode concatenates the characters of ids.
func (c *Char) Decode(ids []int) string { return decodeBytes(c, ids) }

const unkText = "<unk>"
