package tokenizer

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// encoding is what a tiktoken rank file does not say about itself: its
// split pattern and special tokens, known by the encoding's name.
type encoding struct {
	pattern string
	special map[string]int
}

var gpt2Special = map[string]int{"<|endoftext|>": 50256}

// encodings are tiktoken's named encodings.
var encodings = map[string]encoding{
	"gpt2":      {PatternGPT2, gpt2Special},
	"r50k_base": {PatternGPT2, gpt2Special},
	"p50k_base": {PatternGPT2, gpt2Special},
	"p50k_edit": {PatternGPT2, map[string]int{"<|endoftext|>": 50256, "<|fim_prefix|>": 50281, "<|fim_middle|>": 50282, "<|fim_suffix|>": 50283}},
	"cl100k_base": {PatternCL100K, map[string]int{
		"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
		"<|fim_suffix|>": 100260, "<|endofprompt|>": 100276,
	}},
	"o200k_base": {PatternO200K, map[string]int{"<|endoftext|>": 199999, "<|endofprompt|>": 200018}},
}

// TiktokenOptions configures LoadTiktoken.
type TiktokenOptions struct {
	// Pattern is a split pattern name or regex; by default the pattern of
	// the encoding the file is named after (gpt2, r50k_base, p50k_base,
	// p50k_edit, cl100k_base, o200k_base).
	Pattern string
	// AllowSpecial matches the special tokens in text; by default they are
	// encoded as ordinary text (tiktoken's encode_ordinary).
	AllowSpecial bool
}

// maxRank bounds every vocabulary (trained, loaded or learned) to ids that
// fit comfortably in an int32 table.
const maxRank = 1 << 24

// LoadTiktoken reads a .tiktoken rank file (one "<base64 bytes> <rank>" per
// line). Its split pattern and special tokens come from its name (for
// example cl100k_base.tiktoken) or from opt.Pattern.
func LoadTiktoken(path string, opt TiktokenOptions) (*BPE, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load tiktoken: %w", err)
	}
	name := strings.TrimSuffix(filepath.Base(path), ".tiktoken")
	b, err := ParseTiktoken(data, name, opt)
	if err != nil {
		return nil, fmt.Errorf("load tiktoken %s: %w", filepath.Base(path), err)
	}
	return b, nil
}

// ParseTiktoken parses the contents of a rank file for the encoding name.
// The ranks must be 0 to n-1 for a file of n tokens, each once, in any
// order: a rank of n or more is ErrIDRange, a missing one ErrIDGap, a rank
// given twice ErrIDConflict, a rank that is not a whole number
// ErrNotInteger, and a malformed last line without its newline
// ErrTruncated. So the table it builds is never larger than the file's line
// count. Errors name the line.
func ParseTiktoken(data []byte, name string, opt TiktokenOptions) (*BPE, error) {
	enc, known := encodings[name]
	pattern := enc.pattern
	if opt.Pattern != "" {
		pattern = opt.Pattern
	} else if !known {
		return nil, fmt.Errorf("no split pattern is known for an encoding named %q; pass --pattern with a name (%s) or a regex", name, strings.Join(PatternNames(), ", "))
	}
	lines := bytes.Count(data, []byte{'\n'}) + 1 // a bound on the number of tokens
	vocab := make([][]byte, 0, min(lines, maxRank))
	rankLine := make([]int32, 0, cap(vocab)) // rank → the line that gave it, for errors
	arena := make([]byte, 0, len(data)*3/4)
	for line := 1; len(data) > 0; line++ {
		var l []byte
		cut := false // the line has no newline: the file may be truncated
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			l, data = data[:i], data[i+1:]
		} else {
			l, data, cut = data, nil, true
		}
		l = bytes.TrimSuffix(l, []byte{'\r'})
		if len(l) == 0 {
			continue
		}
		lineErr := func(format string, args ...any) error {
			err := fmt.Errorf("line %d: "+format, append([]any{line}, args...)...)
			if cut {
				return fmt.Errorf("%w (line %d is the last and has no newline: %w)", err, line, ErrTruncated)
			}
			return err
		}
		sp := bytes.IndexByte(l, ' ')
		if sp <= 0 || bytes.IndexByte(l[sp+1:], ' ') >= 0 {
			return nil, lineErr("want \"<base64 token> <rank>\", got %q", clip(l))
		}
		rank, ok := parseRank(l[sp+1:])
		switch {
		case !ok:
			return nil, lineErr("rank %q: %w (want a whole number from 0)", clip(l[sp+1:]), ErrNotInteger)
		case rank >= lines:
			return nil, lineErr("rank %s: %w: a file of %d lines holds ranks 0 to %d at most", clip(l[sp+1:]), ErrIDRange, lines, lines-1)
		case rank >= maxRank:
			return nil, lineErr("rank %d: %w: the limit is %d", rank, ErrIDRange, maxRank-1)
		}
		start := len(arena)
		arena = append(arena, make([]byte, base64.StdEncoding.DecodedLen(sp))...)
		n, err := base64.StdEncoding.Decode(arena[start:], l[:sp])
		if err != nil {
			return nil, lineErr("token %q is not base64: %v", clip(l[:sp]), err)
		}
		arena = arena[:start+n]
		if n == 0 {
			return nil, lineErr("empty token")
		}
		for len(vocab) <= rank {
			vocab = append(vocab, nil)
			rankLine = append(rankLine, 0)
		}
		if vocab[rank] != nil {
			return nil, lineErr("rank %d: %w: line %d gave it to %q, this line to %q", rank, ErrIDConflict, rankLine[rank], vocab[rank], arena[start:start+n])
		}
		vocab[rank] = arena[start : start+n : start+n]
		rankLine[rank] = int32(line)
	}
	if len(vocab) == 0 {
		return nil, fmt.Errorf("no ranks: the file is empty")
	}
	for rank, p := range vocab {
		if p == nil {
			return nil, fmt.Errorf("rank %d: %w: no line gives it, yet line %d has rank %d (ranks run 0 to %d without gaps; is a line missing?)",
				rank, ErrIDGap, rankLine[len(vocab)-1], len(vocab)-1, len(vocab)-1)
		}
	}
	cfg := bpeConfig{
		Name:       "tiktoken:" + name,
		ByteLevel:  true,
		RankMerges: true,
		Vocab:      vocab,
		Splits:     []splitStep{{Pattern: patternName(pattern), Behavior: "isolated"}},
		Unk:        -1,
	}
	specials := make([]string, 0, len(enc.special))
	for s := range enc.special {
		specials = append(specials, s)
	}
	sort.Strings(specials)
	for _, s := range specials {
		id := enc.special[s]
		if id < len(vocab) && vocab[id] != nil {
			return nil, fmt.Errorf("special token %s has id %d: %w: line %d gives it to %q; is this really %s?", s, id, ErrIDConflict, rankLine[id], vocab[id], name)
		}
		cfg.Specials = append(cfg.Specials, specialToken{Text: s, ID: int32(id), Special: true})
	}
	cfg.MatchSpecial = opt.AllowSpecial
	b, err := newBPE(cfg)
	if errors.Is(err, ErrIDRange) && known {
		return nil, fmt.Errorf("%w; the file has %d ranks: is this really %s?", err, len(vocab), name)
	}
	if err != nil {
		return nil, err
	}
	return b, nil
}

// patternName returns the name of a known pattern, so that a marshalled
// tokenizer says "cl100k" rather than repeating the regex.
func patternName(p string) string {
	for _, n := range PatternNames() {
		if patternNames[n] == p {
			return n
		}
	}
	return p
}

// parseRank parses a decimal rank; a rank too large for an int saturates
// at the largest int (out of range either way).
func parseRank(b []byte) (int, bool) {
	if len(b) == 0 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > (math.MaxInt-9)/10 {
			n = math.MaxInt
			continue
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// clip shortens a quoted excerpt of a malformed file.
func clip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
