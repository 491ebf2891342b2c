package engine

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"lmlab/engine/testenv"
)

// TestGenerateMatchesPyTorch has testdata/generate_torch.py, the baseline
// BenchmarkGenerate is compared with, generate greedily from the same
// checkpoint, with and without its KV cache, inside the context and past it:
// it must produce lmlab's tokens, so the two time the same work. It needs
// python3 with torch (see TestCheckpointLoadsIntoPyTorch).
func TestGenerateMatchesPyTorch(t *testing.T) {
	python := testenv.Python(t)
	cfg := Config{VocabSize: 29, Context: 12, Layers: 2, Heads: 2, Embd: 16}
	m := peakedModel(cfg, 3)
	ckpt := filepath.Join(t.TempDir(), "m.safetensors")
	if err := SaveCheckpoint(ckpt, &Checkpoint{Config: cfg, Params: m.Arena()}); err != nil {
		t.Fatal(err)
	}
	prompt := []int32{3, 1, 4, 1, 5}
	const n = 20 // runs past the context of 12
	want := m.Generate(prompt, n, SampleOptions{}, nil)[len(prompt):]
	var args []string
	for _, id := range prompt {
		args = append(args, strconv.Itoa(int(id)))
	}
	for _, mode := range []string{"cache", "nocache"} {
		out, err := exec.Command(python, "testdata/generate_torch.py", ckpt, mode, strings.Join(args, ","), strconv.Itoa(n)).CombinedOutput()
		if err != nil {
			t.Fatalf("generate_torch.py %s: %v\n%s", mode, err, out)
		}
		var got struct {
			IDs []int32 `json:"ids"`
		}
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("generate_torch.py %s printed %q: %v", mode, out, err)
		}
		if !slices.Equal(got.IDs, want) {
			t.Errorf("PyTorch (%s) generated %v, lmlab %v", mode, got.IDs, want)
		}
	}
}
