package tokenizer

import (
	"encoding/json"
	"fmt"
	"slices"
	"unicode/utf8"
)

// The saved form of a tokenizer starts with this format name and version.
const (
	formatName    = "lmlab-tokenizer"
	formatVersion = 1
)

type savedTokenizer struct {
	Format  string     `json:"format"`
	Version int        `json:"version"`
	Kind    string     `json:"kind"` // char, word or bpe
	Chars   string     `json:"chars,omitempty"`
	Unk     bool       `json:"unk,omitempty"`
	Words   []string   `json:"words,omitempty"` // word: the vocabulary after <unk>
	Limit   int        `json:"limit,omitempty"`
	BPE     *bpeConfig `json:"bpe,omitempty"`
}

// Marshal returns a self-contained JSON description of t, enough to rebuild
// it exactly with Unmarshal without the files it was loaded from. It works
// for the tokenizers of this package.
func Marshal(t Tokenizer) ([]byte, error) {
	s := savedTokenizer{Format: formatName, Version: formatVersion}
	switch t := t.(type) {
	case *Char:
		s.Kind, s.Chars, s.Unk = "char", string(t.chars), t.unk >= 0
	case *Word:
		s.Kind, s.Words, s.Limit = "word", t.words[1:], t.limit
	case *BPE:
		cfg := t.cfg
		s.Kind, s.BPE = "bpe", &cfg
	default:
		return nil, fmt.Errorf("tokenizer: cannot marshal %T", t)
	}
	return json.Marshal(s)
}

// Unmarshal rebuilds a tokenizer from Marshal's output. Errors name the
// field at fault.
func Unmarshal(data []byte) (Tokenizer, error) {
	var s savedTokenizer
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("not a saved tokenizer (JSON from lmlab tokenize --train-out): %v", err)
	}
	if s.Format != formatName {
		return nil, fmt.Errorf("format: got %q, want %q (is this a file written by lmlab tokenize --train-out?)", s.Format, formatName)
	}
	if s.Version != formatVersion {
		return nil, fmt.Errorf("version: got %d, this lmlab reads %d", s.Version, formatVersion)
	}
	switch s.Kind {
	case "char":
		if !utf8.ValidString(s.Chars) {
			return nil, fmt.Errorf("chars: not valid UTF-8")
		}
		chars := []rune(s.Chars)
		if !slices.IsSorted(chars) || len(slices.Compact(slices.Clone(chars))) != len(chars) {
			return nil, fmt.Errorf("chars: want distinct characters in code point order")
		}
		return newCharFrom(chars, s.Unk), nil
	case "word":
		seen := map[string]bool{unkText: true}
		for i, w := range s.Words {
			if w == "" || seen[w] {
				return nil, fmt.Errorf("words[%d]: %q is empty, <unk> or repeated", i, w)
			}
			seen[w] = true
		}
		if s.Limit < 0 || s.Limit == 1 || (s.Limit > 0 && len(s.Words)+1 > s.Limit) {
			return nil, fmt.Errorf("limit: %d does not fit %d words", s.Limit, len(s.Words))
		}
		return newWordFrom(append([]string{unkText}, s.Words...), s.Limit), nil
	case "bpe":
		if s.BPE == nil {
			return nil, fmt.Errorf("bpe: missing")
		}
		b, err := newBPE(*s.BPE)
		if err != nil {
			return nil, fmt.Errorf("bpe.%w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("kind: %q (want char, word or bpe)", s.Kind)
}
