package main

import (
	"bytes"
	"errors"
	"io"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/engine/lab"
)

// TestWorkbenchFreezeFlags checks that the workbench's --freeze-embeddings
// and --freeze-layers reach the trainer, as lmlab finetune's do: the frozen
// tensors do not move when the workbench's session trains.
func TestWorkbenchFreezeFlags(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.safetensors")
	if _, stderr, code := lmlab(t, "train", "--data", "sample:cats", "--preset", "tiny", "--layers", "2", "--embd", "16",
		"--heads", "2", "--context", "16", "--batch", "4", "--steps", "3", "--eval-windows", "4", "--out", base, "--json"); code != 0 {
		t.Fatalf("pretrain: %s", stderr)
	}
	var stderr bytes.Buffer
	opts, code, ok := workbenchOptions([]string{"--ckpt", base, "--data", "sample:bank", "--freeze-embeddings", "--freeze-layers", "1", "--batch", "2"},
		nil, io.Discard, &stderr)
	if !ok {
		t.Fatalf("flags refused (%d): %s", code, stderr.String())
	}
	s, err := lab.Open(opts.Session)
	if err != nil {
		t.Fatal(err)
	}
	tc := s.Trainer.Cfg
	if !tc.FreezeEmbeddings || tc.FreezeLayers != 1 || tc.Batch != 2 {
		t.Fatalf("trainer freezes embeddings %v, %d layers, batch %d; want true, 1, 2", tc.FreezeEmbeddings, tc.FreezeLayers, tc.Batch)
	}
	before := s.Trainer.Model.Clone()
	for range 3 {
		s.Trainer.Step()
	}
	after := s.Trainer.Model
	same := func(x, y []float32) bool {
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				return false
			}
		}
		return true
	}
	C := after.Config.Embd
	if !same(before.Params.WTE, after.Params.WTE) || !same(before.Params.QKVW[:3*C*C], after.Params.QKVW[:3*C*C]) {
		t.Error("frozen embeddings or block 1 moved")
	}
	if same(before.Params.QKVW[3*C*C:], after.Params.QKVW[3*C*C:]) {
		t.Error("block 2 did not train")
	}

	// Without the flags, nothing is frozen; with too many layers, a clear error.
	opts, _, _ = workbenchOptions([]string{"--ckpt", base, "--data", "sample:bank"}, nil, io.Discard, &stderr)
	if s, err := lab.Open(opts.Session); err != nil || s.Trainer.Cfg.FreezeEmbeddings || s.Trainer.Cfg.FreezeLayers != 0 {
		t.Errorf("no freeze flags: %v, %+v", err, s.Trainer.Cfg)
	}
	opts, _, _ = workbenchOptions([]string{"--ckpt", base, "--freeze-layers", "5"}, nil, io.Discard, &stderr)
	var ce *engine.ConfigError
	if _, err := lab.Open(opts.Session); !errors.As(err, &ce) || ce.Flag != "--freeze-layers" {
		t.Errorf("--freeze-layers 5 on 2 layers: %v, want a *engine.ConfigError for --freeze-layers", err)
	}
}

func TestWorkbenchHelpListsTheFineTuneFlags(t *testing.T) {
	var out bytes.Buffer
	if _, code, ok := workbenchOptions([]string{"--help-workbench"}, nil, &out, io.Discard); ok || code != 0 {
		t.Fatalf("--help-workbench: ok %v, code %d", ok, code)
	}
	for _, want := range []string{"-freeze-embeddings", "-freeze-layers", "-ckpt"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help lacks %s:\n%s", want, out.String())
		}
	}
}
