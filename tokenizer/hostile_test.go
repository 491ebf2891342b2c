package tokenizer

import (
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// allocated returns the bytes fn allocates (runtime.MemStats.TotalAlloc,
// which counts every allocation whether or not it has been freed).
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// allocBudget is what loading a file of n bytes may allocate: 64 bytes per
// byte of input, plus 8 KiB for what any load costs whatever the size
// (reading the file, the error's text, encoding/json's decoder state).
func allocBudget(n int) uint64 { return 64*uint64(n) + 8<<10 }

// byteRanks is a .tiktoken body with a rank for every byte (0 to 255), the
// least a byte-level rank file can hold.
func byteRanks() string {
	var sb strings.Builder
	for i := range 256 {
		fmt.Fprintf(&sb, "%s %d\n", base64.StdEncoding.EncodeToString([]byte{byte(i)}), i)
	}
	return sb.String()
}

func writeTemp(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestHostileTiktoken loads malformed .tiktoken files from disk: each is a
// named error (errors.Is), mentions where, and allocates in proportion to
// the file, not to the rank it claims.
func TestHostileTiktoken(t *testing.T) {
	ab := base64.StdEncoding.EncodeToString([]byte("ab"))
	abc := base64.StdEncoding.EncodeToString([]byte("abc"))
	tests := []struct {
		name, content string
		want          []error // each must match with errors.Is
		wantText      string
	}{
		{"rank 2^40", "YQ== 1099511627776\n", []error{ErrIDRange}, "line 1: rank 1099511627776"},
		{"rank 2^40 after real ranks", byteRanks() + ab + " 1099511627776\n", []error{ErrIDRange}, "line 257: rank 1099511627776"},
		{"rank just under the old limit", "YQ== 16777215\n", []error{ErrIDRange}, "ranks 0 to 1 at most"},
		{"rank past int64", "YQ== 99999999999999999999999\n", []error{ErrIDRange}, "line 1"},
		{"gap", "YQ== 0\nYw== 2\nYg== 3\n\n", []error{ErrIDGap}, "rank 1: missing id"},
		{"two pieces, one rank", "YQ== 0\nYg== 1\nYw== 1\n", []error{ErrIDConflict}, `line 3: rank 1: two pieces share one id: line 2 gave it to "b", this line to "c"`},
		{"rank abc", "YQ== abc\n", []error{ErrNotInteger}, `line 1: rank "abc"`},
		{"rank 1.5", "YQ== 0\nYg== 1.5\n", []error{ErrNotInteger}, `line 2: rank "1.5"`},
		{"rank -1", "YQ== -1\n", []error{ErrNotInteger}, `line 1: rank "-1"`},
		{"last line cut in its rank", byteRanks() + ab + " 256\n" + abc + " 25", []error{ErrIDConflict, ErrTruncated}, "line 258 is the last and has no newline"},
		{"last line cut in its token", byteRanks() + ab + " 256\n" + abc[:3], []error{ErrTruncated}, "line 258"},
		{"last line cut after the space", byteRanks() + ab + " 256\n" + abc + " ", []error{ErrTruncated}, "line 258"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "x.tiktoken", tt.content)
			var err error
			got := allocated(func() { _, err = LoadTiktoken(path, TiktokenOptions{Pattern: "gpt2"}) })
			if err == nil {
				t.Fatal("loaded without error")
			}
			for _, w := range tt.want {
				if !errors.Is(err, w) {
					t.Errorf("got %v, want errors.Is(err, %q)", err, w)
				}
			}
			if !strings.Contains(err.Error(), tt.wantText) || !strings.Contains(err.Error(), "x.tiktoken") {
				t.Errorf("got %v, want it to name x.tiktoken and say %q", err, tt.wantText)
			}
			if got > allocBudget(len(tt.content)) {
				t.Errorf("allocated %d bytes for a %d-byte file (budget %d)", got, len(tt.content), allocBudget(len(tt.content)))
			}
		})
	}
	// The same file, whole, loads with or without its last newline.
	for _, body := range []string{byteRanks() + ab + " 256\n" + abc + " 257\n", byteRanks() + ab + " 256\n" + abc + " 257"} {
		b, err := ParseTiktoken([]byte(body), "x", TiktokenOptions{Pattern: "gpt2"})
		if err != nil {
			t.Fatalf("a whole file: %v", err)
		}
		if got := b.Encode("abc"); len(got) != 1 || got[0] != 257 {
			t.Errorf("Encode(abc) = %v, want [257]", got)
		}
	}
}

// tinyHF is a valid byte-level-free tokenizer.json; hostile cases replace
// parts of it.
const tinyHF = `{"added_tokens":[{"id":4,"content":"<s>","special":true}],"model":{"type":"BPE","vocab":{"<unk>":0,"a":1,"b":2,"ab":3},"merges":["a b"],"unk_token":"<unk>"}}`

func TestHostileHF(t *testing.T) {
	with := func(old, new string) string {
		if !strings.Contains(tinyHF, old) {
			t.Fatalf("tinyHF has no %s", old)
		}
		return strings.Replace(tinyHF, old, new, 1)
	}
	// For the gap: 300 added tokens repeat "a" (allowed), so ids may run to
	// 4+301+256; an id of 500 leaves more than 256 unused ids below it.
	manyAdded := strings.Repeat(`{"id":1,"content":"a"},`, 300)
	tests := []struct {
		name, content string
		want          error
		wantText      string
	}{
		{"vocab id 2^40", with(`"ab":3`, `"ab":1099511627776`), ErrIDRange, `model.vocab["ab"] at byte 111: id 1099511627776`},
		{"vocab id past int64", with(`"ab":3`, `"ab":99999999999999999999999`), ErrIDRange, "model.vocab"},
		{"vocab id negative", with(`"ab":3`, `"ab":-3`), ErrIDRange, "id -3"},
		{"added id 2^40", with(`"id":4`, `"id":1099511627776`), ErrIDRange, `added_tokens[0] ("<s>"): id 1099511627776`},
		{"added id under the old limit", with(`"id":4`, `"id":16777215`), ErrIDRange, "allow ids 0 to 260"},
		{"vocab id abc", with(`"ab":3`, `"ab":"abc"`), ErrNotInteger, `model.vocab["ab"] at byte 116: id "abc"`},
		{"vocab id 1.5", with(`"ab":3`, `"ab":1.5`), ErrNotInteger, "id 1.5"},
		{"vocab id 1e400", with(`"ab":3`, `"ab":1e400`), ErrNotInteger, "id 1e400"},
		{"vocab id null", with(`"ab":3`, `"ab":null`), ErrNotInteger, "id null"},
		{"added id abc", with(`"id":4`, `"id":"abc"`), ErrNotInteger, `added_tokens[0] ("<s>"): id "abc": id is not an integer`},
		{"added id 1.5", with(`"id":4`, `"id":1.5`), ErrNotInteger, `added_tokens[0] ("<s>"): id`},
		{"added id 1e400", with(`"id":4`, `"id":1e400`), ErrNotInteger, "1e400"},
		{"added id missing", with(`"id":4,`, ``), nil, `added_tokens[0] ("<s>"): id: missing`},
		{"two pieces, one id", with(`"ab":3`, `"ab":2`), ErrIDConflict, `model.vocab["ab"] at byte 111: id 2: two pieces share one id: "b" at byte 105 has it too`},
		{"added token on another piece", with(`"id":4`, `"id":2`), ErrIDConflict, `added_tokens[0] ("<s>"): id 2: two pieces share one id: model.vocab gives it to "b" at byte 105`},
		{"two added tokens, one id", with(`[{"id":4`, `[{"id":4,"content":"<t>"},{"id":4`), ErrIDConflict, `added_tokens[1] ("<s>"): id 4: two pieces share one id: added_tokens[0] ("<t>") has it too`},
		{"gap", strings.Replace(with(`"added_tokens":[`, `"added_tokens":[`+manyAdded), `"ab":3`, `"ab":500`, 1), ErrIDGap, "id 3: missing id: 496 ids"},
		{"normalizer of the wrong type", with(`"model"`, `"normalizer":5,"model"`), nil, "at byte 72 (line 1): normalizer: want an object, got a JSON number"},
		{"truncated in the vocab", tinyHF[:110], ErrTruncated, "at byte 110"},
		{"truncated in a string", tinyHF[:20], ErrTruncated, "at byte 20"},
		{"truncated at the end", tinyHF[:len(tinyHF)-1], ErrTruncated, fmt.Sprintf("at byte %d", len(tinyHF)-1)},
	}
	if _, err := ParseHF([]byte(tinyHF), "tiny"); err != nil {
		t.Fatalf("tinyHF itself: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, "hostile.tokenizer.json", tt.content)
			var err error
			got := allocated(func() { _, err = LoadHF(path) })
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("got %v, want errors.Is(err, %q)", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.wantText) || !strings.Contains(err.Error(), "hostile.tokenizer.json") {
				t.Errorf("got %v, want it to name the file and say %q", err, tt.wantText)
			}
			if got > allocBudget(len(tt.content)) {
				t.Errorf("allocated %d bytes for a %d-byte file (budget %d)", got, len(tt.content), allocBudget(len(tt.content)))
			}
		})
	}
}

// TestHostileUnmarshal gives a saved tokenizer (as a checkpoint carries it)
// a special token with a huge id: an error, and no table of that size.
func TestHostileUnmarshal(t *testing.T) {
	data, err := Marshal(trained(t, 300))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"2147483647", "16777215", "556"} {
		hostile := strings.Replace(string(data), `"unk":-1`, `"specials":[{"text":"<x>","id":`+id+`,"special":true}],"unk":-1`, 1)
		if hostile == string(data) {
			t.Fatal("no \"unk\":-1 in the saved tokenizer")
		}
		var err error
		got := allocated(func() { _, err = Unmarshal([]byte(hostile)) })
		if !errors.Is(err, ErrIDRange) || !strings.Contains(err.Error(), "special token \"<x>\": id "+id) {
			t.Errorf("id %s: got %v, want ErrIDRange naming the token and id", id, err)
		}
		// A trained tokenizer's own tables are a few times its file; the
		// hostile id must add nothing of its size (2 GB of flags for 2^31).
		if got > allocBudget(len(hostile)) {
			t.Errorf("id %s: allocated %d bytes for %d bytes of input", id, got, len(hostile))
		}
	}
	ok := strings.Replace(string(data), `"unk":-1`, `"specials":[{"text":"<x>","id":555,"special":true}],"unk":-1`, 1)
	if _, err := Unmarshal([]byte(ok)); err != nil {
		t.Errorf("special id 555 (the last within the slack) refused: %v", err)
	}
}

// TestWordVocabTooLarge checks that an unlimited word vocabulary past
// MaxWords is refused with advice to use word:N, and that word:N works.
func TestWordVocabTooLarge(t *testing.T) {
	var sb strings.Builder
	for i := range MaxWords {
		fmt.Fprintf(&sb, "w%d ", i)
	}
	text := sb.String()
	_, err := NewWord(text, 0)
	if !errors.Is(err, ErrVocabTooLarge) || !strings.Contains(err.Error(), "word:N") {
		t.Fatalf("got %v, want ErrVocabTooLarge suggesting word:N", err)
	}
	_, err = FromSpec("word", SpecOptions{Text: text, TextName: "big.txt"})
	if !errors.Is(err, ErrVocabTooLarge) || !strings.Contains(err.Error(), "big.txt") {
		t.Fatalf("FromSpec: got %v, want ErrVocabTooLarge naming big.txt", err)
	}
	w, err := FromSpec("word:1000", SpecOptions{Text: text})
	if err != nil || w.VocabSize() != 1000 {
		t.Fatalf("word:1000: got %v, %v", w, err)
	}
}

// TestPatternTimeout runs the catastrophic pattern (a+)+$ on a's followed by
// b through every way a user pattern arrives (--pattern for training, a
// tokenizer.json Split, a saved tokenizer) and checks for a
// *PatternTimeoutError naming it, and that the ids still cover the text.
func TestPatternTimeout(t *testing.T) {
	defer func(d time.Duration) { patternTimeout = d }(patternTimeout)
	patternTimeout = 20 * time.Millisecond
	const pattern = `(a+)+$`
	evil := strings.Repeat("a", 40) + "b"
	checkTimeout := func(t *testing.T, err error) {
		t.Helper()
		var te *PatternTimeoutError
		if !errors.As(err, &te) || te.Pattern != pattern || te.Timeout != patternTimeout {
			t.Fatalf("got %v, want a *PatternTimeoutError for %s", err, pattern)
		}
		if !strings.Contains(err.Error(), pattern) {
			t.Errorf("%q does not name the pattern", err)
		}
	}

	t.Run("train", func(t *testing.T) {
		_, err := TrainBPE("x y "+evil, TrainOptions{VocabSize: 300, Pattern: pattern})
		checkTimeout(t, err)
	})

	b, err := TrainBPE("ab ba aab", TrainOptions{VocabSize: 260, Pattern: pattern})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	saved, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	hf := `{"model":{"type":"BPE","vocab":{` + byteLevelVocab() + `},"merges":[]},"pre_tokenizer":{"type":"Sequence","pretokenizers":[{"type":"Split","pattern":{"Regex":"(a+)+$"},"behavior":"Isolated"},{"type":"ByteLevel"}]}}`
	fromHF, err := ParseHF([]byte(hf), "evil")
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []Tokenizer{b, saved, fromHF} {
		t.Run(tok.Name(), func(t *testing.T) {
			ids, err := EncodeChecked(tok, "cd "+evil)
			checkTimeout(t, err)
			if got := tok.Decode(ids); got != "cd "+evil {
				t.Errorf("Decode(EncodeChecked) = %q, want the text back", got)
			}
			if got := tok.Encode("cd " + evil); len(got) != len(ids) {
				t.Errorf("Encode gave %d ids, EncodeChecked %d", len(got), len(ids))
			}
			if _, err := EncodeChecked(tok, "aaab"); err != nil {
				t.Errorf("a short text: %v", err)
			}
		})
	}
	// Tokenizers without a user pattern never report one.
	c := mustChar(t)
	if ids, err := EncodeChecked(c, "First"); err != nil || len(ids) != 5 {
		t.Errorf("char: got %v, %v", ids, err)
	}
}

// byteLevelVocab is the 256 byte-level pieces of GPT-2 as tokenizer.json
// vocab entries.
func byteLevelVocab() string {
	parts := make([]string, 256)
	for i := range 256 {
		parts[i] = fmt.Sprintf("%q:%d", string(byteLevelRunes[i]), i)
	}
	return strings.Join(parts, ",")
}

// TestTiktokenSpecialIDs checks the special tokens a known encoding brings:
// an id the file gives to a piece is ErrIDConflict naming the line, and a
// file far too small for them is ErrIDRange asking whether the name fits.
func TestTiktokenSpecialIDs(t *testing.T) {
	var sb strings.Builder
	sb.WriteString(byteRanks())
	for i := 256; i <= 50256; i++ {
		fmt.Fprintf(&sb, "%s %d\n", base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "p%d", i)), i)
	}
	_, err := ParseTiktoken([]byte(sb.String()), "gpt2", TiktokenOptions{})
	if !errors.Is(err, ErrIDConflict) || !strings.Contains(err.Error(), `line 50257 gives it to "p50256"`) {
		t.Errorf("special id taken by a piece: got %v, want ErrIDConflict naming line 50257", err)
	}
	_, err = ParseTiktoken([]byte(byteRanks()), "gpt2", TiktokenOptions{})
	if !errors.Is(err, ErrIDRange) || !strings.Contains(err.Error(), "is this really gpt2?") {
		t.Errorf("256 ranks named gpt2: got %v, want ErrIDRange asking whether it is gpt2", err)
	}
}
