package tokenizer

import (
	"errors"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	tests := []struct {
		in        string
		want      Spec
		wantErr   string // part of the error; "" for none
		learns    bool
		byteLevel bool
	}{
		{"char", Spec{Kind: KindChar}, "", true, false},
		{"word", Spec{Kind: KindWord}, "", true, false},
		{"word:50", Spec{Kind: KindWord, N: 50}, "", true, false},
		{"bpe:4096", Spec{Kind: KindBPE, N: 4096}, "", true, true},
		{"bpe:256", Spec{Kind: KindBPE, N: 256}, "", true, true},
		{"bpe:tok.json", Spec{Kind: KindBPE, Path: "tok.json"}, "", false, true},
		{"bpe:./abc", Spec{Kind: KindBPE, Path: "./abc"}, "", false, true},
		{"bpe:/tmp/4096", Spec{Kind: KindBPE, Path: "/tmp/4096"}, "", false, true},
		{"tiktoken:cl100k_base.tiktoken", Spec{Kind: KindTiktoken, Path: "cl100k_base.tiktoken"}, "", false, true},
		{"hf:models/qwen3/tokenizer.json", Spec{Kind: KindHF, Path: "models/qwen3/tokenizer.json"}, "", false, true},
		{"hf:C:/x:y.json", Spec{Kind: KindHF, Path: "C:/x:y.json"}, "", false, true},
		{"ckpt:run.ckpt", Spec{Kind: KindCheckpoint, Path: "run.ckpt"}, "", false, true},
		{"ckpt:日本.ckpt", Spec{Kind: KindCheckpoint, Path: "日本.ckpt"}, "", false, true},

		{"", Spec{}, `tokenizer spec "": empty`, false, false},
		{"bpe:", Spec{}, "want bpe:N (vocabulary size) or bpe:FILE", false, false},
		{"bpe", Spec{}, "want bpe:N", false, false},
		{"bpe:abc", Spec{}, `"abc" is neither a vocabulary size nor a file path`, false, false},
		{"bpe:-1", Spec{}, "bpe:N needs N from 256", false, false},
		{"bpe:0", Spec{}, "bpe:N needs N from 256", false, false},
		{"bpe:255", Spec{}, "got 255", false, false},
		{"bpe:99999999999999999999", Spec{}, "got 99999999999999999999", false, false},
		{"bpe:4k", Spec{}, `"4k" is not a whole number`, false, false},
		{"bpe:1.5", Spec{}, "is not a whole number", false, false},
		{"word:0", Spec{}, "want word:N with N from 2", false, false},
		{"word:1", Spec{}, "want word:N", false, false},
		{"word:", Spec{}, "want word:N", false, false},
		{"word:x", Spec{}, `got "x"`, false, false},
		{"char:5", Spec{}, "char takes no argument", false, false},
		{"char:", Spec{}, "char takes no argument", false, false},
		{"hf:", Spec{}, "want hf:FILE (a tokenizer.json)", false, false},
		{"tiktoken:", Spec{}, "want tiktoken:FILE", false, false},
		{"ckpt:", Spec{}, "want ckpt:FILE", false, false},
		{"gpt2", Spec{}, `unknown kind "gpt2"`, false, false},
		{"Char", Spec{}, `unknown kind "Char"`, false, false},
		{"🤖:x", Spec{}, "unknown kind", false, false},
	}
	for _, tt := range tests {
		got, err := ParseSpec(tt.in)
		if tt.wantErr != "" {
			var se *SpecError
			if !errors.As(err, &se) || se.Spec != tt.in || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "valid forms: "+Specs) {
				t.Errorf("ParseSpec(%q) = %v, %v; want a *SpecError mentioning %q and the valid forms", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSpec(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseSpec(%q).String() = %q", tt.in, s)
		}
		if got.Learns() != tt.learns || got.ByteLevel() != tt.byteLevel {
			t.Errorf("%q: Learns %v ByteLevel %v, want %v %v", tt.in, got.Learns(), got.ByteLevel(), tt.learns, tt.byteLevel)
		}
	}
}

// TestSpecByteLevelMatchesLoaded checks ByteLevel against AcceptsAnyBytes
// for the kinds whose answer is known before loading.
func TestSpecByteLevelMatchesLoaded(t *testing.T) {
	for _, spec := range []string{"char", "word", "word:20", "bpe:300"} {
		sp, err := ParseSpec(spec)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := FromSpec(spec, SpecOptions{Text: trainText})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := sp.ByteLevel(), AcceptsAnyBytes(tok); got != want {
			t.Errorf("%s: ByteLevel %v, AcceptsAnyBytes %v", spec, got, want)
		}
	}
}

func TestKindString(t *testing.T) {
	tests := []struct {
		k    Kind
		want string
	}{
		{KindChar, "char"}, {KindWord, "word"}, {KindBPE, "bpe"}, {KindTiktoken, "tiktoken"},
		{KindHF, "hf"}, {KindCheckpoint, "ckpt"}, {0, "Kind(0)"}, {99, "Kind(99)"},
	}
	for _, tt := range tests {
		if got := tt.k.String(); got != tt.want {
			t.Errorf("Kind(%d).String() = %q, want %q", int(tt.k), got, tt.want)
		}
	}
	if got := (Spec{}).String(); got != "" {
		t.Errorf("zero Spec String = %q, want \"\"", got)
	}
}

// FuzzParseSpec checks that ParseSpec never panics and that every spec it
// accepts round-trips through String.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"", "char", "word:7", "bpe:4096", "bpe:x.json", "bpe:abc", "bpe:-1", "hf:a:b", "ckpt:", "tiktoken:/x", "bpe:+300", "word:007"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sp, err := ParseSpec(s)
		if err != nil {
			var se *SpecError
			if !errors.As(err, &se) {
				t.Fatalf("ParseSpec(%q): error %v is not a *SpecError", s, err)
			}
			return
		}
		again, err := ParseSpec(sp.String())
		if err != nil || again != sp {
			t.Fatalf("ParseSpec(%q) = %+v; its String %q parses to %+v, %v", s, sp, sp.String(), again, err)
		}
		if sp.Learns() && !(sp.Kind == KindChar || sp.Kind == KindWord || sp.Kind == KindBPE) {
			t.Fatalf("%q: %v learns", s, sp.Kind)
		}
	})
}
