package tokenizer

import "testing"

func TestStats(t *testing.T) {
	c, err := NewChar("abc ", false)
	if err != nil {
		t.Fatal(err)
	}
	got := Stats(c, "aab cé", 2)
	want := CorpusStats{Tokenizer: "char", Tokens: 6, Bytes: 7, Chars: 6, UnknownBytes: 2, VocabSize: 4, VocabUsed: 4, Cover90: 5}
	if got.Tokenizer != want.Tokenizer || got.Tokens != want.Tokens || got.Bytes != want.Bytes || got.Chars != want.Chars ||
		got.UnknownBytes != want.UnknownBytes || got.FallbackBytes != 0 || got.VocabSize != want.VocabSize ||
		got.VocabUsed != want.VocabUsed || got.VocabUnused != 0 || got.Cover90 != want.Cover90 {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if len(got.MostFrequent) != 2 || got.MostFrequent[0].Text != "a" || got.MostFrequent[0].Count != 2 {
		t.Errorf("most frequent: got %+v, want a×2 first", got.MostFrequent)
	}

	b, err := TrainBPE("the cat sat on the mat", TrainOptions{VocabSize: 270})
	if err != nil {
		t.Fatal(err)
	}
	s := Stats(b, "the 🤖", 3)
	if s.FallbackBytes != 4 || s.FallbackShare != 4.0/8 {
		t.Errorf("byte-level BPE on an emoji it never saw: fallback %d bytes (share %v), want 4 (0.5)", s.FallbackBytes, s.FallbackShare)
	}
	if s.Longest[0].Text != "the" {
		t.Errorf("longest: got %+v, want \"the\" first", s.Longest)
	}
	if e := Stats(b, "", 3); e.Tokens != 0 || e.Cover90 != 0 || e.VocabUsed != 0 || e.VocabUnused != b.VocabSize() {
		t.Errorf("empty text: got %+v", e)
	}
}

func TestPieceText(t *testing.T) {
	tests := []struct{ in, want string }{{"", ""}, {"ab", "ab"}, {"\xf0\x9f", "<0xF0><0x9F>"}, {"中", "中"}, {" \xf0\x9f", " <0xF0><0x9F>"}, {"a\xffb", "a<0xFF>b"}}
	for _, tt := range tests {
		if got := PieceText([]byte(tt.in)); got != tt.want {
			t.Errorf("PieceText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
