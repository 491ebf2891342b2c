package tokenizer

import (
	"slices"
	"testing"
)

// TestOracle checks that every shared tokenizer file gives exactly the ids
// tiktoken or Hugging Face tokenizers gave for each oracle text, and that
// the spans of the tokens cover the text in order.
func TestOracle(t *testing.T) {
	for _, file := range sharedFiles {
		t.Run(file, func(t *testing.T) {
			b := loadShared(t, file)
			cases := readOracle(t, oracleFile(file))
			if len(cases) == 0 {
				t.Fatal("oracle is empty")
			}
			bad := 0
			for _, c := range cases {
				got := b.Encode(c.Text)
				if !slices.Equal(got, c.IDs) {
					bad++
					if bad <= 5 {
						t.Errorf("%q:\n got %v\nwant %v", c.Text, got, c.IDs)
					}
				}
				toks := b.EncodeTokens(c.Text)
				ids := make([]int, len(toks))
				for i, tk := range toks {
					ids[i] = tk.ID
				}
				if !slices.Equal(ids, got) {
					t.Errorf("%q: EncodeTokens ids %v differ from Encode %v", c.Text, ids, got)
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d texts differ", bad, len(cases))
			}
		})
	}
}
