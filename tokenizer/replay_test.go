package tokenizer

import (
	"bytes"
	"slices"
	"testing"
)

// TestReplayOracle replays every oracle text with every shared tokenizer
// file: the replay ends in the oracle's ids, and each step joins two tokens
// whose bytes make the new one.
func TestReplayOracle(t *testing.T) {
	for _, file := range sharedFiles {
		t.Run(file, func(t *testing.T) {
			b := loadShared(t, file)
			cases := readOracle(t, oracleFile(file))
			if len(cases) == 0 {
				t.Fatal("oracle is empty")
			}
			bad, steps := 0, 0
			for _, c := range cases {
				got := b.Replay(c.Text, func(s MergeStep) bool {
					steps++
					if s.Whole {
						if len(s.Symbols) != 1 || s.Symbols[0] != s.ID {
							t.Errorf("%q: whole pre-token %q: symbols %v, want [%d]", c.Text, s.Word, s.Symbols, s.ID)
						}
						return true
					}
					joined := append(slices.Clone(b.TokenBytes(s.Left)), b.TokenBytes(s.Right)...)
					if !bytes.Equal(joined, b.TokenBytes(s.ID)) {
						t.Errorf("%q: step %d+%d→%d joins %q and %q into %q", c.Text, s.Left, s.Right, s.ID, b.TokenBytes(s.Left), b.TokenBytes(s.Right), b.TokenBytes(s.ID))
					}
					if !slices.Contains(s.Symbols, s.ID) {
						t.Errorf("%q: after merging into %d the symbols %v lack it", c.Text, s.ID, s.Symbols)
					}
					return true
				})
				if !slices.Equal(got, c.IDs) {
					bad++
					if bad <= 3 {
						t.Errorf("%q:\n replay %v\n oracle %v", c.Text, got, c.IDs)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d replays differ from the oracle", bad, len(cases))
			}
			if steps == 0 {
				t.Error("no merge replayed on any oracle text")
			}
		})
	}
}

func TestReplayTrained(t *testing.T) {
	b, err := TrainBPE("the cat sat on the mat. the cat ate.", TrainOptions{VocabSize: 280, Special: []string{"<|endoftext|>"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []string{"", "the cat", "the mat<|endoftext|>the 🤖 ate", "\xff\xfe sat", "中文"}
	for _, text := range tests {
		var steps []MergeStep
		got := b.Replay(text, func(s MergeStep) bool { steps = append(steps, s); return true })
		if want := b.Encode(text); !slices.Equal(got, want) {
			t.Errorf("%q: replay ends in %v, Encode gives %v", text, got, want)
		}
		for i, s := range steps {
			if m := b.Merges()[s.Rank]; m.Left != s.Left || m.Right != s.Right || m.ID != s.ID {
				t.Errorf("%q step %d: rank %d is merge %+v, step says %d+%d→%d", text, i, s.Rank, m, s.Left, s.Right, s.ID)
			}
		}
	}
	n := 0
	if got := b.Replay("the cat sat", func(MergeStep) bool { n++; return n < 2 }); got != nil || n != 2 {
		t.Errorf("stopping after 2 steps: got ids %v after %d steps, want nil after 2", got, n)
	}
}

// FuzzReplay: the replay of any text ends in Encode's ids.
func FuzzReplay(f *testing.F) {
	f.Add("the cat sat<|endoftext|>on 🤖 \xff")
	b, err := TrainBPE("the cat sat on the mat. the cat ate the rat.", TrainOptions{VocabSize: 290, Special: []string{"<|endoftext|>"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		if got, want := b.Replay(text, func(MergeStep) bool { return true }), b.Encode(text); !slices.Equal(got, want) {
			t.Errorf("%q: replay %v, Encode %v", text, got, want)
		}
	})
}
