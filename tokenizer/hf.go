package tokenizer

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"

	"github.com/dlclark/regexp2"
)

// LoadHF reads a Hugging Face tokenizer.json whose model is BPE: byte-level
// (Split regex + ByteLevel pre-tokenizer, as Qwen, Llama 3 and o200k) or
// SentencePiece-style ("▁" normalizers, byte_fallback, fuse_unk), with its
// added tokens. Added tokens are matched in the text, as the tokenizers
// library does; the post-processor (which adds tokens such as <s> around a
// sequence) is not applied, nor are truncation and padding, so the ids are
// those of encode(text, add_special_tokens=False). A feature it does not
// support is an error naming it, never silently different ids.
func LoadHF(path string) (*BPE, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer.json: %w", err)
	}
	name := filepath.Base(path)
	name = strings.TrimSuffix(strings.TrimSuffix(name, ".json"), ".tokenizer")
	if name == "tokenizer" { // models keep tokenizer.json in a folder named after them
		name = filepath.Base(filepath.Dir(path))
	}
	b, err := ParseHF(data, name)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", filepath.Base(path), err)
	}
	return b, nil
}

type hfFile struct {
	AddedTokens   []hfAdded       `json:"added_tokens"`
	Normalizer    *hfNode         `json:"normalizer"`
	PreTokenizer  *hfNode         `json:"pre_tokenizer"`
	Decoder       *hfNode         `json:"decoder"`
	Model         *hfModel        `json:"model"`
	PostProcessor json.RawMessage `json:"post_processor"`
}

type hfAdded struct {
	ID         json.RawMessage `json:"id"` // parsed by parseID, for errors that name the field`
	Content    string          `json:"content"`
	SingleWord bool            `json:"single_word"`
	LStrip     bool            `json:"lstrip"`
	RStrip     bool            `json:"rstrip"`
	Normalized bool            `json:"normalized"`
	Special    bool            `json:"special"`
}

// hfNode is any normalizer, pre-tokenizer or decoder; each type uses some of
// the fields.
type hfNode struct {
	Type           string     `json:"type"`
	Normalizers    []hfNode   `json:"normalizers"`
	Pretokenizers  []hfNode   `json:"pretokenizers"`
	Decoders       []hfNode   `json:"decoders"`
	Pattern        *hfPattern `json:"pattern"`
	Content        *string    `json:"content"`
	Prepend        string     `json:"prepend"`
	Behavior       string     `json:"behavior"`
	Invert         bool       `json:"invert"`
	AddPrefixSpace bool       `json:"add_prefix_space"`
	UseRegex       bool       `json:"use_regex"`
	Start, Stop    int
}

type hfPattern struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

type hfModel struct {
	Type                    string          `json:"type"`
	Dropout                 *float64        `json:"dropout"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
	FuseUnk                 bool            `json:"fuse_unk"`
	ByteFallback            bool            `json:"byte_fallback"`
	IgnoreMerges            bool            `json:"ignore_merges"`
	Vocab                   json.RawMessage `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
}

// errUnsupported marks a tokenizer.json feature lmlab does not implement.
var errUnsupported = errors.New("not supported by lmlab")

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), errUnsupported)
}

// ParseHF parses a tokenizer.json; name goes into the tokenizer's name
// ("hf:" + name). Errors name the field at fault and, for the vocabulary,
// the byte offset.
//
// Ids (model.vocab and added_tokens) must be integers (else ErrNotInteger)
// below the number of entries plus idSlack (256), else ErrIDRange, so the
// tables built are proportional to the file. At most idSlack ids below the
// largest may be unused (o200k's tokenizer.json leaves 19), else ErrIDGap.
// Two different pieces with one id, in the vocabulary or an added token
// whose id is another piece, are ErrIDConflict. A file cut short is
// ErrTruncated with the byte offset where it ends.
func ParseHF(data []byte, name string) (*BPE, error) {
	var f hfFile
	if err := json.Unmarshal(data, &f); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se) && se.Offset >= int64(len(data)) && !json.Valid(data):
			return nil, fmt.Errorf("at byte %d (line %d): not valid JSON: %v: %w", len(data), 1+bytes.Count(data, []byte{'\n'}), err, ErrTruncated)
		case errors.As(err, &se):
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte{'\n'})
			return nil, fmt.Errorf("at byte %d (line %d): not valid JSON: %v", se.Offset, line, err)
		case errors.As(err, &te):
			line := 1 + bytes.Count(data[:min(int(te.Offset), len(data))], []byte{'\n'})
			return nil, fmt.Errorf("at byte %d (line %d): %s: want %s, got a JSON %s", te.Offset, line, te.Field, jsonKind(te.Type), te.Value)
		}
		return nil, fmt.Errorf("not a tokenizer.json: %v", err)
	}
	m := f.Model
	if m == nil {
		return nil, fmt.Errorf("model: missing")
	}
	if m.Type != "BPE" && !(m.Type == "" && len(m.Vocab) > 0 && len(m.Merges) > 0) {
		return nil, unsupported("model.type %q (lmlab loads BPE models)", m.Type)
	}
	if m.Dropout != nil && *m.Dropout != 0 {
		return nil, unsupported("model.dropout %v", *m.Dropout)
	}
	if m.ContinuingSubwordPrefix != nil && *m.ContinuingSubwordPrefix != "" {
		return nil, unsupported("model.continuing_subword_prefix %q", *m.ContinuingSubwordPrefix)
	}
	if m.EndOfWordSuffix != nil && *m.EndOfWordSuffix != "" {
		return nil, unsupported("model.end_of_word_suffix %q", *m.EndOfWordSuffix)
	}
	if len(m.Vocab) == 0 || string(m.Vocab) == "null" {
		return nil, fmt.Errorf("model.vocab: missing")
	}
	pieces, pieceIDs, offs, err := scanVocab(m.Vocab, rawOffset(data, m.Vocab))
	if err != nil {
		return nil, fmt.Errorf("model.vocab%w", err)
	}
	if len(pieces) == 0 {
		return nil, fmt.Errorf("model.vocab: empty")
	}
	vocab := make(map[string]int, len(pieces))
	for i, p := range pieces {
		if _, dup := vocab[p]; dup {
			return nil, fmt.Errorf("model.vocab[%q] at byte %d: %q appears twice", p, offs[i], p)
		}
		vocab[p] = pieceIDs[i]
	}
	added := make([]int, len(f.AddedTokens))
	for i, a := range f.AddedTokens {
		if added[i], err = parseID(a.ID); err != nil {
			return nil, fmt.Errorf("added_tokens[%d] (%q): %w", i, a.Content, err)
		}
	}
	// Bound every id before a table is sized by the largest.
	limit := len(pieces) + len(added) + idSlack
	for i, id := range pieceIDs {
		if id < 0 || id >= limit {
			return nil, fmt.Errorf("model.vocab[%q] at byte %d: id %d: %w: %d pieces and added tokens allow ids 0 to %d", pieces[i], offs[i], id, ErrIDRange, len(pieces)+len(added), limit-1)
		}
	}
	for i, id := range added {
		if id < 0 || id >= limit {
			return nil, fmt.Errorf("added_tokens[%d] (%q): id %d: %w: %d pieces and added tokens allow ids 0 to %d", i, f.AddedTokens[i].Content, id, ErrIDRange, len(pieces)+len(added), limit-1)
		}
	}
	cfg := bpeConfig{Name: "hf:" + name, Unk: -1, FuseUnk: m.FuseUnk, ByteFallback: m.ByteFallback, IgnoreMerges: m.IgnoreMerges, MatchSpecial: true}

	if f.Normalizer != nil {
		if cfg.Normalizers, err = hfNormalizers(*f.Normalizer, "normalizer"); err != nil {
			return nil, err
		}
	}
	if f.PreTokenizer != nil {
		if err := hfPreTokenizer(*f.PreTokenizer, "pre_tokenizer", &cfg); err != nil {
			return nil, err
		}
	}
	if f.Decoder != nil {
		if err := hfDecoder(*f.Decoder, "decoder", &cfg); err != nil {
			return nil, err
		}
	}
	if cfg.ByteLevel && cfg.ByteFallback {
		return nil, unsupported("model.byte_fallback with a ByteLevel pre-tokenizer")
	}

	// The vocabulary, by id; byte-level pieces are stored as the raw bytes
	// their characters stand for.
	maxID := -1
	for _, id := range pieceIDs {
		maxID = max(maxID, id)
	}
	cfg.Vocab = make([][]byte, maxID+1)
	owner := make([]int, maxID+1) // id → index in pieces + 1, for errors
	for i, piece := range pieces {
		id := pieceIDs[i]
		if j := owner[id] - 1; j >= 0 {
			return nil, fmt.Errorf("model.vocab[%q] at byte %d: id %d: %w: %q at byte %d has it too", piece, offs[i], id, ErrIDConflict, pieces[j], offs[j])
		}
		owner[id] = i + 1
		if piece == "" {
			return nil, fmt.Errorf("model.vocab at byte %d: empty piece (id %d)", offs[i], id)
		}
		p := []byte(piece)
		if cfg.ByteLevel {
			if p, err = unByteLevel(piece); err != nil {
				return nil, fmt.Errorf("model.vocab[%q] at byte %d: %w", piece, offs[i], err)
			}
		}
		cfg.Vocab[id] = p
	}
	// Added tokens may repeat a piece with its id, never take another's.
	addedAt := make(map[int]int, len(added))
	used := make(map[int]bool, len(added))
	for i, id := range added {
		a := f.AddedTokens[i]
		if id < len(cfg.Vocab) && cfg.Vocab[id] != nil && a.Content != string(cfg.Vocab[id]) && a.Content != pieces[owner[id]-1] {
			j := owner[id] - 1
			return nil, fmt.Errorf("added_tokens[%d] (%q): id %d: %w: model.vocab gives it to %q at byte %d", i, a.Content, id, ErrIDConflict, pieces[j], offs[j])
		}
		if j, ok := addedAt[id]; ok && f.AddedTokens[j].Content != a.Content {
			return nil, fmt.Errorf("added_tokens[%d] (%q): id %d: %w: added_tokens[%d] (%q) has it too", i, a.Content, id, ErrIDConflict, j, f.AddedTokens[j].Content)
		}
		addedAt[id] = i
		used[id] = true
	}
	missing, firstMissing := 0, -1
	for id := range max(len(cfg.Vocab), maxAdded(added)+1) {
		if (id >= len(cfg.Vocab) || cfg.Vocab[id] == nil) && !used[id] {
			missing++
			if firstMissing < 0 {
				firstMissing = id
			}
		}
	}
	if missing > idSlack {
		return nil, fmt.Errorf("id %d: %w: %d ids below the largest belong to no piece or added token, more than the %d allowed", firstMissing, ErrIDGap, missing, idSlack)
	}
	if m.UnkToken != nil {
		id, ok := vocab[*m.UnkToken]
		if !ok {
			return nil, fmt.Errorf("model.unk_token %q is not in model.vocab", *m.UnkToken)
		}
		cfg.Unk = int32(id)
	}
	if cfg.Merges, err = hfMerges(m.Merges, vocab); err != nil {
		return nil, err
	}
	for i, a := range f.AddedTokens {
		where := fmt.Sprintf("added_tokens[%d] (%q)", i, a.Content)
		switch {
		case a.SingleWord:
			return nil, unsupported("%s: single_word", where)
		case a.LStrip:
			return nil, unsupported("%s: lstrip", where)
		case a.RStrip:
			return nil, unsupported("%s: rstrip", where)
		case a.Normalized:
			return nil, unsupported("%s: normalized=true", where)
		case a.Content == "":
			return nil, fmt.Errorf("%s: empty content", where)
		}
		cfg.Specials = append(cfg.Specials, specialToken{Text: a.Content, ID: int32(added[i]), Special: a.Special})
	}
	return newBPE(cfg)
}

func hfNormalizers(n hfNode, where string) ([]normStep, error) {
	switch n.Type {
	case "Sequence":
		var out []normStep
		for i, c := range n.Normalizers {
			steps, err := hfNormalizers(c, fmt.Sprintf("%s.normalizers[%d]", where, i))
			if err != nil {
				return nil, err
			}
			out = append(out, steps...)
		}
		return out, nil
	case "NFC", "NFD", "NFKC", "NFKD":
		return []normStep{{Type: strings.ToLower(n.Type)}}, nil
	case "Prepend":
		return []normStep{{Type: "prepend", To: n.Prepend}}, nil
	case "Replace":
		if n.Pattern == nil || n.Pattern.String == nil || n.Content == nil {
			return nil, unsupported("%s: Replace with a Regex pattern", where)
		}
		if *n.Pattern.String == "" {
			return nil, fmt.Errorf("%s: Replace with an empty pattern", where)
		}
		return []normStep{{Type: "replace", From: *n.Pattern.String, To: *n.Content}}, nil
	}
	return nil, unsupported("%s: normalizer %q", where, n.Type)
}

func hfPreTokenizer(n hfNode, where string, cfg *bpeConfig) error {
	switch n.Type {
	case "Sequence":
		for i, c := range n.Pretokenizers {
			if err := hfPreTokenizer(c, fmt.Sprintf("%s.pretokenizers[%d]", where, i), cfg); err != nil {
				return err
			}
		}
		return nil
	case "Split":
		if n.Pattern == nil {
			return fmt.Errorf("%s: Split without a pattern", where)
		}
		var pattern string
		switch {
		case n.Pattern.Regex != nil:
			pattern = *n.Pattern.Regex
		case n.Pattern.String != nil:
			pattern = regexp2.Escape(*n.Pattern.String)
		default:
			return fmt.Errorf("%s: Split pattern is neither String nor Regex", where)
		}
		var behavior string
		switch {
		case n.Behavior == "Isolated":
			behavior = "isolated"
		case n.Behavior == "Removed" && n.Invert:
			behavior = "matches"
		case n.Behavior == "Removed":
			behavior = "gaps"
		default:
			return unsupported("%s: Split behavior %q", where, n.Behavior)
		}
		if _, err := newSplitter(pattern); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		cfg.Splits = append(cfg.Splits, splitStep{Pattern: patternName(pattern), Behavior: behavior})
		return nil
	case "ByteLevel":
		if n.AddPrefixSpace {
			return unsupported("%s: ByteLevel add_prefix_space=true", where)
		}
		cfg.ByteLevel = true
		if n.UseRegex {
			cfg.Splits = append(cfg.Splits, splitStep{Pattern: "gpt2", Behavior: "isolated"})
		}
		return nil
	}
	return unsupported("%s: pre-tokenizer %q", where, n.Type)
}

func hfDecoder(n hfNode, where string, cfg *bpeConfig) error {
	switch n.Type {
	case "Sequence":
		for i, c := range n.Decoders {
			if err := hfDecoder(c, fmt.Sprintf("%s.decoders[%d]", where, i), cfg); err != nil {
				return err
			}
		}
		return nil
	case "ByteLevel":
		return nil // pieces are already raw bytes
	case "Replace":
		if n.Pattern == nil || n.Pattern.String == nil || n.Content == nil {
			return unsupported("%s: Replace with a Regex pattern", where)
		}
		cfg.Decoders = append(cfg.Decoders, decodeStep{Type: "replace", From: *n.Pattern.String, To: *n.Content})
		return nil
	case "ByteFallback":
		cfg.Decoders = append(cfg.Decoders, decodeStep{Type: "bytefallback"})
		return nil
	case "Fuse":
		cfg.Decoders = append(cfg.Decoders, decodeStep{Type: "fuse"})
		return nil
	case "Strip":
		if n.Content == nil {
			return fmt.Errorf("%s: Strip without content", where)
		}
		cfg.Decoders = append(cfg.Decoders, decodeStep{Type: "strip", From: *n.Content, Start: n.Start, Stop: n.Stop})
		return nil
	}
	return unsupported("%s: decoder %q", where, n.Type)
}

// hfMerges reads model.merges, as "left right" strings or [left, right]
// pairs, into (left id, right id, merged id) triples.
func hfMerges(raw json.RawMessage, vocab map[string]int) ([][3]int32, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, fmt.Errorf("model.merges: missing")
	}
	pairs, bad, err := scanMerges(raw, 0)
	if err != nil {
		return nil, fmt.Errorf("model.merges: %w (want a list of \"left right\" strings or [left, right] pairs)", err)
	}
	if bad >= 0 {
		return nil, fmt.Errorf("model.merges[%d]: %q is not two pieces separated by one space", bad, pairs[bad][0])
	}
	out := make([][3]int32, len(pairs))
	for i, p := range pairs {
		l, okl := vocab[p[0]]
		r, okr := vocab[p[1]]
		n, okn := vocab[p[0]+p[1]]
		switch {
		case !okl:
			return nil, fmt.Errorf("model.merges[%d]: %q is not in model.vocab", i, p[0])
		case !okr:
			return nil, fmt.Errorf("model.merges[%d]: %q is not in model.vocab", i, p[1])
		case !okn:
			return nil, fmt.Errorf("model.merges[%d]: the merged piece %q is not in model.vocab", i, p[0]+p[1])
		}
		out[i] = [3]int32{int32(l), int32(r), int32(n)}
	}
	return out, nil
}

// byteLevelRunes maps each byte to the character GPT-2's byte-level BPE
// writes it as: printable Latin-1 bytes as themselves, the rest shifted to
// U+0100 and up, in order.
var byteLevelRunes, byteLevelBytes = func() ([256]rune, map[rune]byte) {
	var runes [256]rune
	inverse := make(map[rune]byte, 256)
	next := rune(256)
	for b := 0; b < 256; b++ {
		if ('!' <= b && b <= '~') || (0xA1 <= b && b <= 0xAC) || (0xAE <= b && b <= 0xFF) {
			runes[b] = rune(b)
		} else {
			runes[b] = next
			next++
		}
		inverse[runes[b]] = byte(b)
	}
	return runes, inverse
}()

// unByteLevel turns a byte-level piece back into the bytes it stands for.
func unByteLevel(piece string) ([]byte, error) {
	out := make([]byte, 0, len(piece))
	for _, r := range piece {
		b, ok := byteLevelBytes[r]
		if !ok {
			return nil, fmt.Errorf("character %q is not one of byte-level BPE's 256", r)
		}
		out = append(out, b)
	}
	return out, nil
}

// jsonKind names the JSON value a Go type decodes from, for errors.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "another value"
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Pointer:
		return jsonKind(t.Elem())
	}
	return "another value"
}

// maxAdded is the largest added token id, or -1.
func maxAdded(ids []int) int {
	m := -1
	for _, id := range ids {
		m = max(m, id)
	}
	return m
}

// rawOffset is the byte offset of raw, a json.RawMessage decoded from data,
// in data (0 when it cannot be found), so errors in it name file offsets.
func rawOffset(data, raw []byte) int {
	return max(bytes.Index(data, raw), 0)
}
