package samples

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckSaysWhatToDo: a too-short text gets "lower --context" only when a
// smaller context fits; otherwise the fix is more text.
func TestCheckSaysWhatToDo(t *testing.T) {
	words := func(s string) int { return len(strings.Fields(s)) }
	src := func(train, val string) *Corpus {
		return &Corpus{Sources: []*Source{{Name: "notes.txt", Enabled: true, TrainText: train, ValText: val}}}
	}
	tests := []struct {
		name    string
		c       *Corpus
		context int
		wantErr error
		want    []string
		lacks   string
	}{
		{"fits", src("a b c d", "e f"), 1, nil, nil, ""},
		{"training short, a smaller context fits", src("a b c", "e f g h"), 8, ErrTooShort,
			[]string{"data notes.txt: 3 training tokens", "context 8 needs at least 9", "lower --context to at most 2"}, ""},
		{"training short at context 1", src("a", "e f g h"), 1, ErrTooShort,
			[]string{"1 training token,", "add text to this source, or leave it out of --data", "no context fits in 1 token"}, "--context"},
		{"no training text at all", src("", "e f g h"), 4, ErrTooShort,
			[]string{"0 training tokens", "no context fits in 0 tokens"}, "--context"},
		{"validation short, a smaller context fits", src("a b c d e f g h", "x y z"), 4, ErrTooShort,
			[]string{"data notes.txt: the validation text has 3 tokens", "lower --context to at most 2"}, ""},
		{"validation short at context 1", src("a b c d e f g h", "x"), 1, ErrTooShort,
			[]string{"validation text has 1 token,", "a tenth of each source is held out", "no context fits"}, "--context"},
		{"no sources", &Corpus{}, 4, ErrNoData, []string{"empty", "--data"}, ""},
		{"all disabled", &Corpus{Sources: []*Source{{Name: "x"}}}, 4, ErrNoData, []string{"disabled", "enable"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.c.Check(words, tt.context)
			if !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Fatalf("Check = %v, want %v", err, tt.wantErr)
			}
			if err == nil {
				return
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if tt.lacks != "" && strings.Contains(err.Error(), tt.lacks) {
				t.Errorf("error %q suggests %q, which cannot help", err, tt.lacks)
			}
		})
	}
}
