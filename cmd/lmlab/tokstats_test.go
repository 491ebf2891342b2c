package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestTokenizeStatsJSON(t *testing.T) {
	data := corpus(t)
	out, errOut, code := tokenize(t, "", "--stats", "--json", "--tokenizer", "char", "--tokenizer", "word", "--compare", "bpe:300", "--data", data)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got statsJSON
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	if got.Bytes != 20*48 || got.Chars != got.Bytes {
		t.Errorf("corpus: %d bytes, %d chars; want %d of each", got.Bytes, got.Chars, 20*48)
	}
	var names []string
	for _, s := range got.Tokenizers {
		names = append(names, s.Tokenizer)
		if s.VocabUsed+s.VocabUnused != s.VocabSize || s.Cover90 < 1 || s.Cover90 > s.VocabUsed {
			t.Errorf("%s: used %d + unused %d != %d, or cover90 %d outside 1..used", s.Tokenizer, s.VocabUsed, s.VocabUnused, s.VocabSize, s.Cover90)
		}
		if len(s.MostFrequent) == 0 || len(s.Longest) == 0 {
			t.Errorf("%s: no most frequent or longest tokens", s.Tokenizer)
		}
	}
	if want := "char word bpe:"; !strings.HasPrefix(strings.Join(names, " "), want) {
		t.Errorf("tokenizers %v, want %s", names, want)
	}
	if c := got.Tokenizers[0]; c.Tokens != got.Bytes || c.BytesPerToken != 1 {
		t.Errorf("char on ASCII: %d tokens (%.2f bytes/token), want one per byte", c.Tokens, c.BytesPerToken)
	}
}

func TestTokenizeStatsTable(t *testing.T) {
	out, errOut, code := tokenize(t, "", "--stats", "--tokenizer", "char", "--tokenizer", "word", "--data", corpus(t))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"tokens", "bytes/token", "never used", "90% of text in", "longest:", "most frequent:", `" " ×`} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
}

func TestTokenizeModeErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--tokenizer", "char", "--tokenizer", "word", "x"}, "more than once"},
		{[]string{"--tokenizer", "char", "--stats", "--ids"}, "separate modes"},
		{[]string{"--tokenizer", "char", "--json", "x"}, "--json goes with"},
		{[]string{"--tokenizer", "char", "--merges", "--compare", "word", "x"}, "not --compare"},
		{[]string{"--tokenizer", "char", "--color", "blue", "x"}, "--color"},
		{[]string{"--tokenizer", "char", "--threads", "-1", "x"}, "--threads"},
	}
	for _, tt := range tests {
		_, errOut, code := tokenize(t, "", tt.args...)
		if code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}
