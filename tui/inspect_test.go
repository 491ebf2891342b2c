package tui

import (
	"testing"

	"lmlab/engine"
)

// TestSnapshotSpacing checks that only big models have their snapshots
// spaced out, in proportion to what one copies.
func TestSnapshotSpacing(t *testing.T) {
	tests := []struct {
		name string
		c    engine.Config
		want int64
	}{
		{"tiny", engine.Config{VocabSize: 65, Context: 64, Layers: 4, Heads: 4, Embd: 128}, 1},
		{"GPT-2 small", engine.Config{VocabSize: 50257, Context: 1024, Layers: 12, Heads: 12, Embd: 768}, 7},
		{"GPT-2 medium", engine.Config{VocabSize: 50257, Context: 1024, Layers: 24, Heads: 16, Embd: 1024}, 21},
	}
	for _, tt := range tests {
		if got := snapshotSpacing(tt.c); got != tt.want {
			t.Errorf("%s (%d MB a snapshot): spacing %d, want %d", tt.name, snapshotBytes(tt.c)>>20, got, tt.want)
		}
	}
}
