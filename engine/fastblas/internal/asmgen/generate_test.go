package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCommittedFilesAreGenerated runs the generator into a temporary folder
// and checks that each committed output in engine/fastblas is byte for byte what
// it writes, so a hand edit to generated code, or a generator change whose
// output was not regenerated, fails here.
func TestCommittedFilesAreGenerated(t *testing.T) {
	dir := t.TempDir()
	if err := generate(dir); err != nil {
		t.Fatalf("generate: %v", err)
	}
	for _, name := range outputs {
		got, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("engine/fastblas/%s differs from what internal/asmgen writes (first at line %d); "+
				"edit the generator, not its output, and regenerate: go generate ./engine/fastblas",
				name, firstDiffLine(got, want))
		}
	}
}

// firstDiffLine returns the 1-based line of the first byte where a and b differ.
func firstDiffLine(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	return 1 + bytes.Count(a[:i], []byte("\n"))
}
