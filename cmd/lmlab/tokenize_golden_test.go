package main

import (
	"path/filepath"
	"testing"

	"github.com/charmbracelet/x/exp/golden"
)

// previewText has emoji (a ZWJ family, a flag), CJK, a combining mark, a
// zero-width space, a BOM, a soft hyphen and a word outside small
// vocabularies.
const previewText = "Café cafe\u0301 中文 🤖👨\u200d👩\u200d👧 a\u200bb \ufeffx co\u00adop 🇯🇵 zyzzyva"

// TestTokenizePreviewGolden renders the CLI preview of one text with and
// without colour for a word vocabulary (unknown words), tiktoken (emoji and
// CJK cut inside characters) and a SentencePiece-style tokenizer (byte
// fallback). The goldens under testdata/TestTokenizePreviewGolden keep the
// escape codes of --color always. Regenerate with
// go test ./cmd/lmlab -run TestTokenizePreviewGolden -update.
func TestTokenizePreviewGolden(t *testing.T) {
	dir := sharedTokenizers(t)
	data := corpus(t)
	tests := []struct {
		name string
		args []string
	}{
		{"word", []string{"--tokenizer", "word", "--data", data}},
		{"cl100k", []string{"--tokenizer", "tiktoken:" + filepath.Join(dir, "cl100k_base.tiktoken")}},
		{"spm_byte_fallback", []string{"--tokenizer", "hf:" + filepath.Join(dir, "spm-bpe-32k.tokenizer.json")}},
	}
	for _, tt := range tests {
		for _, color := range []string{"never", "always"} {
			t.Run(tt.name+"_"+color, func(t *testing.T) {
				args := append(tt.args, "--color", color, "--width", "60", "--show-ids", previewText)
				out, errOut, code := tokenize(t, "", args...)
				if code != 0 {
					t.Fatalf("exit %d: %s", code, errOut)
				}
				golden.RequireEqual(t, out)
			})
		}
	}
}
