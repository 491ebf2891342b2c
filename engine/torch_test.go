package engine

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"lmlab/engine/testenv"
)

// TestCheckpointLoadsIntoPyTorch saves a trained checkpoint and has PyTorch
// (a nanoGPT-style model in testdata/nanogpt_check.py, reading the file by
// the safetensors rules) compute the loss on the same windows. Equal losses
// mean the names, the [out, in] layouts and the model's math all agree.
// It needs python3 with torch; without it the test skips, unless
// LMLAB_REQUIRE=torch says the machine has it.
func TestCheckpointLoadsIntoPyTorch(t *testing.T) {
	python := testenv.Python(t)
	tr, data := trainerForTest(t)
	tr.Model.Config.Dropout = 0 // PyTorch runs in eval mode; dropout is off there too
	for i := 0; i < 20; i++ {
		mustStep(t, tr)
	}
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "m.safetensors")
	if err := SaveCheckpoint(ckpt, tr.Checkpoint(nil, nil)); err != nil {
		t.Fatal(err)
	}
	ids, _ := json.Marshal(data.Val)
	idsPath := filepath.Join(dir, "ids.json")
	os.WriteFile(idsPath, ids, 0o644)
	out, err := exec.Command(python, "testdata/nanogpt_check.py", ckpt, idsPath).CombinedOutput()
	if err != nil {
		t.Fatalf("nanogpt_check.py: %v\n%s", err, out)
	}
	var got struct {
		Loss   float64 `json:"loss"`
		Tokens int     `json:"tokens"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("nanogpt_check.py printed %q: %v", out, err)
	}
	want, n := tr.Model.Eval(data.Val, tr.Model.Config.Context, 4, 0)
	if n != got.Tokens || math.Abs(got.Loss-want) > 1e-4 {
		t.Errorf("PyTorch loss %.6f over %d tokens, lmlab %.6f over %d", got.Loss, got.Tokens, want, n)
	}
}
