package tokenizer

import (
	"slices"
	"testing"
	"unicode/utf8"
)

// encodeCharNaive is Char.Encode through the rune map alone, the way it
// was before the ASCII table: the twin the table is checked against.
func encodeCharNaive(c *Char, text string) []int {
	var ids []int
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		id, ok := c.ids[r]
		switch {
		case ok && !(r == utf8.RuneError && n == 1):
			ids = append(ids, id)
		case c.unk >= 0:
			ids = append(ids, c.unk)
		}
		i += n
	}
	return ids
}

// TestCharASCIITable: Encode, EncodeTokens and Unknown answer through the
// ASCII table exactly as the rune map does, with and without <unk>, for
// ASCII the vocabulary has and lacks, other characters, and invalid bytes.
func TestCharASCIITable(t *testing.T) {
	train := "The cat sat.\nÉté 🤖 über"
	texts := []string{"", "The cat sat.", "Zebra? {x}\t~", "Été 🤖 über", "\x00\x7f", "a\xffb\xc3", "The\r\nZ🤖é"}
	for _, withUnk := range []bool{false, true} {
		c, err := NewChar(train, withUnk)
		if err != nil {
			t.Fatal(err)
		}
		for _, text := range texts {
			if got, want := c.Encode(text), encodeCharNaive(c, text); !slices.Equal(got, want) {
				t.Errorf("unk %v, Encode(%q) = %v, want %v", withUnk, text, got, want)
			}
			var fromTokens []int
			for _, tk := range c.EncodeTokens(text) {
				if tk.ID >= 0 {
					fromTokens = append(fromTokens, tk.ID)
				}
			}
			if want := encodeCharNaive(c, text); !slices.Equal(fromTokens, want) {
				t.Errorf("unk %v, EncodeTokens(%q) ids %v, want %v", withUnk, text, fromTokens, want)
			}
			var unknown []string
			for i := 0; i < len(text); {
				r, n := utf8.DecodeRuneInString(text[i:])
				if _, ok := c.ids[r]; !ok || (r == utf8.RuneError && n == 1) {
					unknown = append(unknown, text[i:i+n])
				}
				i += n
			}
			var got []string
			for _, p := range c.Unknown(text) {
				got = append(got, p.Text)
			}
			if !slices.Equal(got, unknown) {
				t.Errorf("unk %v, Unknown(%q) = %q, want %q", withUnk, text, got, unknown)
			}
		}
	}
}

// FuzzCharASCIITable holds the table to the map on any text.
func FuzzCharASCIITable(f *testing.F) {
	f.Add("The cat sat.", "Zebra 🤖\xff")
	f.Fuzz(func(t *testing.T, train, text string) {
		if !utf8.ValidString(train) {
			return
		}
		for _, withUnk := range []bool{false, true} {
			c, err := NewChar(train, withUnk)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := c.Encode(text), encodeCharNaive(c, text); !slices.Equal(got, want) {
				t.Fatalf("unk %v, train %q: Encode(%q) = %v, want %v", withUnk, train, text, got, want)
			}
		}
	})
}
