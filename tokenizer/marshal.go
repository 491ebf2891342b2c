package tokenizer

import (
	"encoding/binary"
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

// spaceLeading is the "space" of a word vocabulary whose words carry the
// space before them. Vocabularies saved before that rule have no "space" and
// keep the rule they were trained with: every run of whitespace a token.
const spaceLeading = "leading"

type savedTokenizer struct {
	Format  string   `json:"format"`
	Version int      `json:"version"`
	Kind    string   `json:"kind"` // char, word or bpe
	Chars   string   `json:"chars,omitempty"`
	Unk     bool     `json:"unk,omitempty"`
	Words   []string `json:"words,omitempty"` // word: the vocabulary after <unk>
	Limit   int      `json:"limit,omitempty"`
	Space   string   `json:"space,omitempty"` // word: "leading" (see Word); absent in files written before that rule
	BPE     *bpeWire `json:"bpe,omitempty"`
}

// bpeWire is a bpeConfig with its two large tables packed as little-endian
// binary (base64 in the JSON), which reads back many times faster than
// JSON arrays of 200k entries.
type bpeWire struct {
	bpeConfig
	VocabBytes []byte `json:"vocab_bytes"` // the pieces, back to back
	VocabLens  []byte `json:"vocab_lens"`  // int32 per id: the piece's length, -1 for no piece
	MergeIDs   []byte `json:"merge_ids"`   // int32 × 3 per merge: left, right, merged
}

func packBPE(cfg *bpeConfig) *bpeWire {
	w := &bpeWire{bpeConfig: *cfg, VocabLens: make([]byte, 0, 4*len(cfg.Vocab)), MergeIDs: make([]byte, 0, 12*len(cfg.Merges))}
	for _, p := range cfg.Vocab {
		n := int32(len(p))
		if p == nil {
			n = -1
		}
		w.VocabBytes = append(w.VocabBytes, p...)
		w.VocabLens = binary.LittleEndian.AppendUint32(w.VocabLens, uint32(n))
	}
	for _, m := range cfg.Merges {
		for _, id := range m {
			w.MergeIDs = binary.LittleEndian.AppendUint32(w.MergeIDs, uint32(id))
		}
	}
	return w
}

func (w *bpeWire) unpack() (bpeConfig, error) {
	cfg := w.bpeConfig
	if len(w.VocabLens)%4 != 0 {
		return cfg, fmt.Errorf("vocab_lens: %d bytes is not a whole number of int32s", len(w.VocabLens))
	}
	if len(w.MergeIDs)%12 != 0 {
		return cfg, fmt.Errorf("merge_ids: %d bytes is not a whole number of id triples", len(w.MergeIDs))
	}
	cfg.Vocab = make([][]byte, len(w.VocabLens)/4)
	off := 0
	for i := range cfg.Vocab {
		n := int32(binary.LittleEndian.Uint32(w.VocabLens[4*i:]))
		if n < 0 {
			continue
		}
		if off+int(n) > len(w.VocabBytes) {
			return cfg, fmt.Errorf("vocab_lens[%d]: piece runs past the end of vocab_bytes", i)
		}
		cfg.Vocab[i] = w.VocabBytes[off : off+int(n) : off+int(n)]
		off += int(n)
	}
	if off != len(w.VocabBytes) {
		return cfg, fmt.Errorf("vocab_bytes: %d bytes left over after the pieces", len(w.VocabBytes)-off)
	}
	cfg.Merges = make([][3]int32, len(w.MergeIDs)/12)
	for i := range cfg.Merges {
		for k := range 3 {
			cfg.Merges[i][k] = int32(binary.LittleEndian.Uint32(w.MergeIDs[12*i+4*k:]))
		}
	}
	return cfg, nil
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
		if t.leading {
			s.Space = spaceLeading
		}
	case *BPE:
		cfg := t.cfg
		s.Kind, s.BPE = "bpe", packBPE(&cfg)
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
		if s.Space != "" && s.Space != spaceLeading {
			return nil, fmt.Errorf("space: %q (want %q, or no space field for a vocabulary saved before that rule); was this file written by a newer lmlab?", s.Space, spaceLeading)
		}
		return newWordFrom(append([]string{unkText}, s.Words...), s.Limit, s.Space == spaceLeading), nil
	case "bpe":
		if s.BPE == nil {
			return nil, fmt.Errorf("bpe: missing")
		}
		cfg, err := s.BPE.unpack()
		if err != nil {
			return nil, fmt.Errorf("bpe.%w", err)
		}
		b, err := newBPE(cfg)
		if err != nil {
			return nil, fmt.Errorf("bpe.%w", err)
		}
		return b, nil
	}
	return nil, fmt.Errorf("kind: %q (want char, word or bpe)", s.Kind)
}
