package tokenizer

import (
	"fmt"
	"os"
	"path/filepath"
	"unicode/utf8"
)

// Tokenizer turns text into token ids and back.
type Tokenizer interface {
	// Encode returns the ids of text.
	Encode(text string) []int
	// Decode returns the text of ids; ids outside the vocabulary decode to
	// nothing.
	Decode(ids []int) string
	// VocabSize is one more than the largest id.
	VocabSize() int
	// TokenBytes returns the raw bytes of one token (nil outside the
	// vocabulary).
	TokenBytes(id int) []byte
	// EncodeTokens returns the tokens of text with the byte span each covers.
	EncodeTokens(text string) []Token
	// Name says what the tokenizer is, e.g. "char", "bpe:4096",
	// "tiktoken:cl100k_base", "hf:qwen3".
	Name() string
}

// Token is one token of an input text.
type Token struct {
	ID         int
	Start, End int  // byte span in the input; Start == End for a token the normalizer inserted
	Special    bool // special or added token, such as <|endoftext|>
	Fallback   bool // byte-fallback piece (<0xNN>), <unk>, or a character outside the vocabulary (ID -1)
	SplitsRune bool // the span starts or ends inside a multi-byte UTF-8 character
	Unknown    bool // the unknown token (<unk>) or a character outside the vocabulary (ID -1); Fallback is set too
}

// Position is a place in a text that a tokenizer cannot represent: a
// character or word outside its vocabulary, or a byte that is not UTF-8.
type Position struct {
	Offset  int    // byte offset in the text
	Text    string // the character, word or byte
	Invalid bool   // Text is a byte that is not valid UTF-8
}

func (p Position) String() string {
	if p.Invalid {
		return fmt.Sprintf("invalid UTF-8 byte 0x%02x at byte %d", p.Text[0], p.Offset)
	}
	if utf8.RuneCountInString(p.Text) == 1 {
		r, _ := utf8.DecodeRuneInString(p.Text)
		return fmt.Sprintf("%q (U+%04X) at byte %d", p.Text, r, p.Offset)
	}
	return fmt.Sprintf("%q at byte %d", p.Text, p.Offset)
}

// Unknown returns the places in text that t cannot represent: characters or
// words outside a char or word vocabulary, and invalid UTF-8 for them. It is
// empty for byte-level tokenizers, which represent every byte string.
func Unknown(t Tokenizer, text string) []Position {
	if u, ok := t.(interface{ Unknown(string) []Position }); ok {
		return u.Unknown(text)
	}
	return nil
}

// EncodeChecked is t.Encode(text) for callers that want to know when the
// ids are not what the tokenizer's rules give: it returns a
// *PatternTimeoutError when a user-supplied split pattern (--pattern, a
// tokenizer.json Split, a checkpoint's tokenizer) took longer than the match
// timeout on text, with the ids Encode returns (the rest of the piece being
// split is encoded unsplit). A tokenizer that can report this has an
// EncodeChecked(string) ([]int, error) method, as *BPE does; for any other
// the error is nil.
func EncodeChecked(t Tokenizer, text string) ([]int, error) {
	if c, ok := t.(interface {
		EncodeChecked(string) ([]int, error)
	}); ok {
		return c.EncodeChecked(text)
	}
	return t.Encode(text), nil
}

// AcceptsAnyBytes reports whether t represents every byte string, invalid
// UTF-8 included (byte-level BPE, byte fallback), so data for it need not be
// valid UTF-8.
func AcceptsAnyBytes(t Tokenizer) bool { return len(Unknown(t, "\xff")) == 0 }

// SpecOptions carries what FromSpec needs besides the spec.
type SpecOptions struct {
	Text       string   // training text for char, word and bpe:N
	TextName   string   // where Text came from, for error messages
	Pattern    string   // split pattern: a name (gpt2, r50k, p50k, cl100k, o200k, qwen2) or a regex; bpe:N and tiktoken
	VocabLimit int      // word: keep this many entries, <unk> included (0: all words)
	Special    []string // bpe:N: special tokens, given the last ids
	// AllowSpecial makes tiktoken tokenizers match their special tokens in
	// the text (tiktoken's allowed_special="all"); by default they encode
	// "<|endoftext|>" as ordinary text, as tiktoken's encode_ordinary does.
	// Hugging Face added tokens always match, as in the tokenizers library.
	AllowSpecial bool
	Unk          bool // char: add an <unk> id after the characters
	// Checkpoint reads the tokenizer stored in a checkpoint, for ckpt:FILE.
	Checkpoint func(path string) ([]byte, error)
}

// Specs lists the spec forms, for help texts.
const Specs = "char, word, word:N, bpe:N, bpe:FILE (saved by --train-out), tiktoken:FILE, hf:FILE, ckpt:FILE"

// FromSpec builds a tokenizer from a spec (read by ParseSpec):
//
//	char            characters of opt.Text
//	word, word:N    words of opt.Text (N: vocabulary limit, <unk> included)
//	bpe:N           byte-level BPE trained on opt.Text to N tokens
//	bpe:FILE        a tokenizer saved with Marshal (lmlab tokenize --train-out)
//	tiktoken:FILE   a .tiktoken rank file; the pattern from the file name or opt.Pattern
//	hf:FILE         a Hugging Face tokenizer.json with a BPE model
//	ckpt:FILE       the tokenizer stored in a checkpoint (needs opt.Checkpoint)
func FromSpec(spec string, opt SpecOptions) (Tokenizer, error) {
	sp, err := ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	t, err := fromSpec(sp, opt)
	if err != nil && opt.TextName != "" && sp.Learns() {
		return nil, fmt.Errorf("%s (learning from %s): %w", spec, opt.TextName, err)
	}
	return t, err
}

func fromSpec(sp Spec, opt SpecOptions) (Tokenizer, error) {
	if (sp.Kind == KindChar || sp.Kind == KindWord) && opt.Text == "" {
		return nil, fmt.Errorf("tokenizer spec %q learns its vocabulary from a text, and the text is empty (give --data)", sp)
	}
	switch sp.Kind {
	case KindChar:
		return NewChar(opt.Text, opt.Unk)
	case KindWord:
		limit := opt.VocabLimit
		if sp.N != 0 {
			limit = sp.N
		}
		return NewWord(opt.Text, limit)
	case KindBPE:
		if sp.Path != "" {
			return loadSaved(sp.Path)
		}
		return TrainBPE(opt.Text, TrainOptions{VocabSize: sp.N, Pattern: opt.Pattern, Special: opt.Special})
	case KindTiktoken:
		return LoadTiktoken(sp.Path, TiktokenOptions{Pattern: opt.Pattern, AllowSpecial: opt.AllowSpecial})
	case KindHF:
		return LoadHF(sp.Path)
	case KindCheckpoint:
		if opt.Checkpoint == nil {
			return nil, fmt.Errorf("tokenizer spec %q: checkpoints are not readable here", sp)
		}
		data, err := opt.Checkpoint(sp.Path)
		if err != nil {
			return nil, err
		}
		t, err := Unmarshal(data)
		if err != nil {
			return nil, fmt.Errorf("checkpoint %s: %w", sp.Path, err)
		}
		return t, nil
	}
	return nil, fmt.Errorf("tokenizer spec %q: no kind", sp)
}

// loadSaved reads a file written by Marshal.
func loadSaved(path string) (Tokenizer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer: %w", err)
	}
	t, err := Unmarshal(data)
	if err != nil {
		return nil, fmt.Errorf("load tokenizer %s: %w", filepath.Base(path), err)
	}
	return t, nil
}

// markSplitRunes sets SplitsRune on tokens whose span starts or ends inside a
// multi-byte character of text.
func markSplitRunes(text string, toks []Token) {
	for i := range toks {
		t := &toks[i]
		if t.Start < t.End && (insideRune(text, t.Start) || insideRune(text, t.End)) {
			t.SplitsRune = true
		}
	}
}

// insideRune reports whether byte offset p falls strictly inside a valid
// multi-byte UTF-8 character of s.
func insideRune(s string, p int) bool {
	if p <= 0 || p >= len(s) || utf8.RuneStart(s[p]) {
		return false
	}
	for q := p - 1; q >= 0 && q >= p-3; q-- {
		if utf8.RuneStart(s[q]) {
			_, n := utf8.DecodeRuneInString(s[q:])
			return n > 1 && q+n > p
		}
	}
	return false
}

// decodeBytes concatenates TokenBytes of ids.
func decodeBytes(t interface{ TokenBytes(int) []byte }, ids []int) string {
	var b []byte
	for _, id := range ids {
		b = append(b, t.TokenBytes(id)...)
	}
	return string(b)
}
