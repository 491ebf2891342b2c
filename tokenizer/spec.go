package tokenizer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Kind is the kind of tokenizer a spec names.
type Kind int

// The kinds of tokenizer spec. The zero Kind is no kind (an empty Spec).
const (
	KindChar       Kind = iota + 1 // char: the characters of a text
	KindWord                       // word, word:N: the words of a text
	KindBPE                        // bpe:N trains a byte-level BPE; bpe:FILE loads one saved with Marshal
	KindTiktoken                   // tiktoken:FILE: a .tiktoken rank file
	KindHF                         // hf:FILE: a Hugging Face tokenizer.json
	KindCheckpoint                 // ckpt:FILE: the tokenizer stored in a checkpoint
)

var kindNames = [...]string{KindChar: "char", KindWord: "word", KindBPE: "bpe", KindTiktoken: "tiktoken", KindHF: "hf", KindCheckpoint: "ckpt"}

// String is the kind as a spec spells it: char, word, bpe, tiktoken, hf,
// ckpt.
func (k Kind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Spec is a parsed tokenizer spec (see Specs and FromSpec).
type Spec struct {
	Kind Kind
	// N is the vocabulary limit of word:N (0 for word: no limit, or
	// SpecOptions.VocabLimit) or the vocabulary size of bpe:N (0 for
	// bpe:FILE).
	N int
	// Path is the file of bpe:FILE, tiktoken:FILE, hf:FILE and ckpt:FILE.
	Path string
}

// SpecError is a spec ParseSpec cannot read; Error lists the valid forms.
type SpecError struct {
	Spec   string // as given
	Reason string // what is wrong, e.g. `bpe:N needs N ≥ 256 (one id per byte)`
}

func (e *SpecError) Error() string {
	return fmt.Sprintf("tokenizer spec %q: %s (valid forms: %s)", e.Spec, e.Reason, Specs)
}

// ParseSpec reads a tokenizer spec: char, word, word:N (N ≥ 2, <unk>
// included), bpe:N (256 ≤ N ≤ 2^24), bpe:FILE, tiktoken:FILE, hf:FILE or
// ckpt:FILE. The argument of bpe: is a size when it is a whole number; a
// file must look like a path (have a '.' or a '/': write ./abc for a file
// named abc), so a mistyped size such as bpe:4k is an error rather than a
// missing file. Errors are *SpecError.
func ParseSpec(s string) (Spec, error) {
	bad := func(format string, args ...any) (Spec, error) {
		return Spec{}, &SpecError{Spec: s, Reason: fmt.Sprintf(format, args...)}
	}
	if s == "" {
		return bad("empty")
	}
	kind, arg, hasArg := strings.Cut(s, ":")
	switch kind {
	case "char":
		if hasArg {
			return bad("char takes no argument")
		}
		return Spec{Kind: KindChar}, nil
	case "word":
		if !hasArg {
			return Spec{Kind: KindWord}, nil
		}
		n, err := strconv.Atoi(arg)
		if err != nil || n < 2 || n > maxRank {
			return bad("want word:N with N from 2 to %d (the vocabulary limit, <unk> included), got %q", maxRank, arg)
		}
		return Spec{Kind: KindWord, N: n}, nil
	case "bpe":
		n, err := strconv.Atoi(arg)
		switch {
		case arg == "":
			return bad("want bpe:N (vocabulary size) or bpe:FILE (a tokenizer saved by --train-out)")
		case errors.Is(err, strconv.ErrRange) || (err == nil && (n < 256 || n > maxRank)):
			return bad("bpe:N needs N from 256 (one id per byte) to %d, got %s", maxRank, arg)
		case err == nil:
			return Spec{Kind: KindBPE, N: n}, nil
		case strings.ContainsAny(arg[:1], "+-0123456789") && !strings.ContainsAny(arg, `/\`):
			return bad("%q is not a whole number: want bpe:N (vocabulary size, e.g. bpe:4096)", arg)
		case !strings.ContainsAny(arg, `./\`):
			return bad("%q is neither a vocabulary size nor a file path: want bpe:N (e.g. bpe:4096) or bpe:FILE (write ./%s for a file named %s)", arg, arg, arg)
		}
		return Spec{Kind: KindBPE, Path: arg}, nil
	case "tiktoken", "hf", "ckpt":
		k := map[string]Kind{"tiktoken": KindTiktoken, "hf": KindHF, "ckpt": KindCheckpoint}[kind]
		if arg == "" {
			what := map[Kind]string{KindTiktoken: "a .tiktoken rank file", KindHF: "a tokenizer.json", KindCheckpoint: "a checkpoint"}[k]
			return bad("want %s:FILE (%s)", kind, what)
		}
		return Spec{Kind: k, Path: arg}, nil
	}
	return bad("unknown kind %q", kind)
}

// String is the spec as ParseSpec reads it back.
func (s Spec) String() string {
	switch {
	case s.Kind == KindChar:
		return "char"
	case s.Kind == KindWord && s.N == 0:
		return "word"
	case s.Kind == KindWord || (s.Kind == KindBPE && s.Path == ""):
		return s.Kind.String() + ":" + strconv.Itoa(s.N)
	case s.Kind == 0:
		return ""
	}
	return s.Kind.String() + ":" + s.Path
}

// Learns reports whether the tokenizer builds its vocabulary from the
// training text (char, word, word:N, bpe:N).
func (s Spec) Learns() bool {
	return s.Kind == KindChar || s.Kind == KindWord || (s.Kind == KindBPE && s.Path == "")
}

// ByteLevel reports whether the tokenizer accepts any bytes, invalid UTF-8
// included: false for char and word, true for bpe:N and tiktoken:FILE. For
// bpe:FILE, hf:FILE and ckpt:FILE it is known only once the file is loaded
// (a SentencePiece-style tokenizer.json without byte fallback, or a saved
// char tokenizer, does not); ByteLevel returns true for them, so data is not
// refused before the file is read, and AcceptsAnyBytes(tok) is the answer
// for the loaded tokenizer.
func (s Spec) ByteLevel() bool {
	return s.Kind != KindChar && s.Kind != KindWord && s.Kind != 0
}
