package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// GPT-2's original tokenizer files: vocab.json maps each byte-level piece to
// its id, merges.txt lists the merges in rank order, one "left right" pair a
// line after an optional "#version" line. The pre-tokenizer is GPT-2's split
// pattern and the pieces are byte-level, as in a tokenizer.json with a
// ByteLevel pre-tokenizer (use_regex, no prefix space).

// gpt2EOT is GPT-2's end-of-text token; in vocab.json it is a plain piece,
// but the tokenizers that read these files treat it as a special token.
const gpt2EOT = "<|endoftext|>"

// LoadGPT2Files reads a vocab.json and a merges.txt. The result encodes as
// the same tokenizer in tokenizer.json form does; "<|endoftext|>", when it is
// in the vocabulary, is a special token matched in the text.
func LoadGPT2Files(vocabPath, mergesPath string) (*BPE, error) {
	vocab, err := os.ReadFile(vocabPath)
	if err != nil {
		return nil, fmt.Errorf("load GPT-2 tokenizer: %w", err)
	}
	merges, err := os.ReadFile(mergesPath)
	if err != nil {
		return nil, fmt.Errorf("load GPT-2 tokenizer: %w", err)
	}
	b, err := ParseGPT2Files(vocab, merges, filepath.Base(filepath.Dir(vocabPath)))
	if err != nil {
		return nil, fmt.Errorf("load %s + %s: %w", filepath.Base(vocabPath), filepath.Base(mergesPath), err)
	}
	return b, nil
}

// ParseGPT2Files parses the contents of a vocab.json and a merges.txt; name
// goes into the tokenizer's name ("hf:" + name). It checks the files as
// ParseHF checks a tokenizer.json (ids bounded by the file, no gaps or
// conflicts; errors name the line of merges.txt or the byte of vocab.json)
// and builds the tokenizer through it.
func ParseGPT2Files(vocab, merges []byte, name string) (*BPE, error) {
	vocab = bytes.TrimSpace(vocab)
	if len(vocab) == 0 || vocab[0] != '{' {
		return nil, errors.New("vocab.json: want a JSON object mapping pieces to ids")
	}
	if !json.Valid(vocab) {
		var v any
		err := json.Unmarshal(vocab, &v)
		var se *json.SyntaxError
		if errors.As(err, &se) && se.Offset >= int64(len(vocab)) {
			return nil, fmt.Errorf("vocab.json at byte %d: %v: %w", len(vocab), err, ErrTruncated)
		}
		return nil, fmt.Errorf("vocab.json: not valid JSON: %v", err)
	}
	pieces, ids, offs, err := scanVocab(vocab, 0)
	if err != nil {
		return nil, fmt.Errorf("vocab.json%s%w", sepFor(err), err)
	}
	known := make(map[string]bool, len(pieces))
	for i, p := range pieces {
		if known[p] {
			return nil, fmt.Errorf("vocab.json at byte %d: %q appears twice", offs[i], p)
		}
		known[p] = true
	}
	// merges.txt, checked line by line so errors name the line.
	var list []string
	for i, line := range strings.Split(string(merges), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if line == "" || (i == 0 && strings.HasPrefix(line, "#version")) {
			continue
		}
		l, r, ok := strings.Cut(line, " ")
		if !ok || l == "" || r == "" || strings.Contains(r, " ") {
			return nil, fmt.Errorf("merges.txt line %d: %q is not two pieces separated by one space", i+1, clip([]byte(line)))
		}
		for _, p := range []string{l, r, l + r} {
			if !known[p] {
				return nil, fmt.Errorf("merges.txt line %d: piece %q is not in vocab.json", i+1, clip([]byte(p)))
			}
		}
		list = append(list, line)
	}
	// The same tokenizer as a tokenizer.json, parsed by ParseHF.
	doc := map[string]any{
		"model":         map[string]any{"type": "BPE", "vocab": json.RawMessage(vocab), "merges": list},
		"pre_tokenizer": map[string]any{"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},
		"decoder":       map[string]any{"type": "ByteLevel"},
	}
	if i := slices.Index(pieces, gpt2EOT); i >= 0 {
		doc["added_tokens"] = []map[string]any{{"id": ids[i], "content": gpt2EOT, "special": true}}
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return ParseHF(data, name)
}

// sepFor puts a space before an error that does not start with an index.
func sepFor(err error) string {
	if strings.HasPrefix(err.Error(), "[") {
		return ""
	}
	return " "
}

// ErrNotByteLevel is returned (wrapped) by MarshalHF for a tokenizer that a
// byte-level BPE tokenizer.json cannot describe.
var ErrNotByteLevel = errors.New("not a byte-level BPE tokenizer")

// MarshalHF writes t as a Hugging Face tokenizer.json: a BPE model with
// byte-level pieces, its split patterns as Split pre-tokenizers (GPT-2's as
// ByteLevel's own regex), its special tokens as added tokens. LoadHF reads it
// back as a tokenizer with the same ids, with one difference: Hugging Face
// always matches added tokens in the text, while a tiktoken tokenizer loaded
// without AllowSpecial encodes "<|endoftext|>" as ordinary text. A
// tiktoken rank file becomes merges the way Hugging Face converts one: each
// piece's splits into two pieces, in the piece's rank order. Char, word and
// SentencePiece-style tokenizers are ErrNotByteLevel.
func MarshalHF(t Tokenizer) ([]byte, error) {
	b, ok := t.(*BPE)
	if !ok || !b.cfg.ByteLevel {
		return nil, fmt.Errorf("tokenizer %s: %w (export char and word vocabularies as vocab.json)", t.Name(), ErrNotByteLevel)
	}
	cfg := &b.cfg
	piece := func(id int32) string {
		var s strings.Builder
		for _, c := range cfg.Vocab[id] {
			s.WriteRune(byteLevelRunes[c])
		}
		return s.String()
	}
	// model.vocab in id order, written by hand: a Go map would sort it.
	var vb bytes.Buffer
	vb.WriteByte('{')
	for id, p := range cfg.Vocab {
		if p == nil {
			continue
		}
		if vb.Len() > 1 {
			vb.WriteByte(',')
		}
		k, _ := json.Marshal(piece(int32(id)))
		fmt.Fprintf(&vb, "%s:%d", k, id)
	}
	vb.WriteByte('}')

	var merges [][2]string
	if cfg.RankMerges {
		ids := make(map[string]int32, len(cfg.Vocab))
		for id, p := range cfg.Vocab {
			if p != nil {
				ids[string(p)] = int32(id)
			}
		}
		for _, p := range cfg.Vocab { // ids are ranks: this is rank order
			var local [][2]int32
			for i := 1; i < len(p); i++ {
				l, okl := ids[string(p[:i])]
				r, okr := ids[string(p[i:])]
				if okl && okr {
					local = append(local, [2]int32{l, r})
				}
			}
			slices.SortFunc(local, func(x, y [2]int32) int {
				if x[0] != y[0] {
					return int(x[0] - y[0])
				}
				return int(x[1] - y[1])
			})
			for _, m := range local {
				merges = append(merges, [2]string{piece(m[0]), piece(m[1])})
			}
		}
	} else {
		for _, m := range cfg.Merges {
			merges = append(merges, [2]string{piece(m[0]), piece(m[1])})
		}
	}

	var pre []map[string]any
	useRegex := false
	for i, s := range cfg.Splits {
		if i == 0 && len(cfg.Splits) == 1 && s.Pattern == "gpt2" && s.Behavior == "isolated" {
			useRegex = true
			break
		}
		split := map[string]any{"type": "Split", "pattern": map[string]string{"Regex": ResolvePattern(s.Pattern)}, "invert": false}
		switch s.Behavior {
		case "isolated":
			split["behavior"] = "Isolated"
		case "matches":
			split["behavior"], split["invert"] = "Removed", true
		case "gaps":
			split["behavior"] = "Removed"
		}
		pre = append(pre, split)
	}
	pre = append(pre, map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": useRegex})
	var norms []map[string]any
	for _, n := range cfg.Normalizers {
		switch n.Type {
		case "prepend":
			norms = append(norms, map[string]any{"type": "Prepend", "prepend": n.To})
		case "replace":
			norms = append(norms, map[string]any{"type": "Replace", "pattern": map[string]string{"String": n.From}, "content": n.To})
		default:
			norms = append(norms, map[string]any{"type": strings.ToUpper(n.Type)})
		}
	}
	added := []map[string]any{}
	for _, s := range cfg.Specials {
		added = append(added, map[string]any{"id": s.ID, "content": s.Text, "single_word": false, "lstrip": false,
			"rstrip": false, "normalized": false, "special": s.Special})
	}
	doc := map[string]any{
		"version":        "1.0",
		"truncation":     nil,
		"padding":        nil,
		"added_tokens":   added,
		"normalizer":     nil,
		"pre_tokenizer":  map[string]any{"type": "Sequence", "pretokenizers": pre},
		"post_processor": nil,
		"decoder":        map[string]any{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": useRegex},
		"model": map[string]any{"type": "BPE", "dropout": nil, "unk_token": nil, "continuing_subword_prefix": nil,
			"end_of_word_suffix": nil, "fuse_unk": false, "byte_fallback": false, "ignore_merges": cfg.IgnoreMerges,
			"vocab": json.RawMessage(vb.Bytes()), "merges": merges},
	}
	if len(pre) == 1 {
		doc["pre_tokenizer"] = pre[0]
	}
	if len(norms) > 0 {
		doc["normalizer"] = map[string]any{"type": "Sequence", "normalizers": norms}
	}
	if cfg.Unk >= 0 {
		return nil, fmt.Errorf("tokenizer %s: an unk token in a byte-level BPE: %w", t.Name(), errUnsupported)
	}
	return json.MarshalIndent(doc, "", " ")
}
