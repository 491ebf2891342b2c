package tokenizer

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestScanVocabMatchesEncodingJSON pits the fast vocab and merges readers
// against encoding/json, their naive twin, on keys full of escapes.
func TestScanVocabMatchesEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	alphabet := []string{"a", "Ġ", "▁", "\"", "\\", "/", "\n", "\t", "\x01", "<", "&", "🤖", "\u2028", " "}
	want := map[string]int{}
	for i := range 500 {
		var sb strings.Builder
		for range 1 + rng.IntN(6) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		want[sb.String()] = i
	}
	raw, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	// Hand-written escapes encoding/json does not produce.
	raw = append(raw[:len(raw)-1], []byte(`, "\ud83e\udd16\/x\u00e9" : -3 , "\ud800": 7}`)...)
	want["🤖/xé"], want["\ufffd"] = -3, 7
	pieces, ids, _, err := scanVocab(raw, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for i, p := range pieces {
		got[p] = ids[i]
	}
	var twin map[string]int
	if err := json.Unmarshal(raw, &twin); err != nil {
		t.Fatal(err)
	}
	for k, v := range twin {
		if got[k] != v || want[k] != v {
			t.Errorf("%q: scanVocab %d, encoding/json %d, want %d", k, got[k], v, want[k])
		}
	}
	if len(got) != len(twin) {
		t.Errorf("scanVocab read %d keys, encoding/json %d", len(got), len(twin))
	}

	merges := []string{"a b", "Ġ t", "\\ \"", "🤖 x"}
	rawM, _ := json.Marshal(merges)
	pairs, bad, err := scanMerges(rawM, 0)
	if err != nil || bad >= 0 || len(pairs) != 4 || pairs[2] != [2]string{"\\", "\""} {
		t.Errorf("string merges: %q, bad %d, %v", pairs, bad, err)
	}
	rawA, _ := json.Marshal([][2]string{{"a b", "c"}, {"x", "y"}})
	pairs, bad, err = scanMerges(rawA, 0)
	if err != nil || bad >= 0 || !slices.Equal(pairs, [][2]string{{"a b", "c"}, {"x", "y"}}) {
		t.Errorf("array merges: %q, bad %d, %v", pairs, bad, err)
	}
	if _, bad, _ := scanMerges([]byte(`["a b", "a  b", "ab"]`), 0); bad != 1 {
		t.Errorf("bad merge at %d, want 1", bad)
	}
	for _, in := range []string{`{"a": 1.5}`, `{"a" 1}`, `{"a": 1,}`, `["a`, `[["a"]]`, `{"\u12": 1}`} {
		if _, _, _, err1 := scanVocab([]byte(in), 0); err1 == nil {
			if _, _, err2 := scanMerges([]byte(in), 0); err2 == nil {
				t.Errorf("%s: no error from either reader", in)
			}
		}
	}
}
