package main

import (
	"encoding/json"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine"
)

func TestFinetuneFreezesAndReports(t *testing.T) {
	dir := t.TempDir()
	base, ft := filepath.Join(dir, "base.safetensors"), filepath.Join(dir, "ft.safetensors")
	shape := []string{"--preset", "tiny", "--layers", "2", "--embd", "32", "--heads", "2", "--context", "32", "--batch", "4", "--seed", "3"}
	if _, stderr, code := lmlab(t, append([]string{"train", "--data", "sample:general", "--steps", "30", "--eval-windows", "20", "--out", base, "--json"}, shape[:len(shape)-2]...)...); code != 0 {
		t.Fatalf("pretrain: %s", stderr)
	}
	out, stderr, code := lmlab(t, "finetune", "--ckpt", base, "--data", "sample:clinic", "--steps", "40", "--batch", "4",
		"--freeze-embeddings", "--freeze-layers", "1", "--out", ft, "--json")
	if code != 0 {
		t.Fatalf("finetune exited %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var rep finetuneReport
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), &rep); err != nil {
		t.Fatalf("last line %q: %v", lines[len(lines)-1], err)
	}
	d, o := rep.DomainVal, rep.OriginalVal
	if d.Base == nil || d.Finetuned == nil || o.Base == nil || o.Finetuned == nil {
		t.Fatalf("report has missing losses: %s", lines[len(lines)-1])
	}
	if !(*d.Finetuned < *d.Base) {
		t.Errorf("domain val loss went from %v to %v; fine-tuning should lower it", *d.Base, *d.Finetuned)
	}
	if len(rep.Probes) == 0 || len(rep.Probes[0].Base) != 5 || len(rep.Probes[0].Finetuned) != 5 {
		t.Errorf("probes %+v, want top-5 base and fine-tuned for each", rep.Probes)
	}

	// Frozen tensors are bit-identical; the rest moved.
	b, err := engine.LoadCheckpoint(base)
	if err != nil {
		t.Fatal(err)
	}
	f, err := engine.LoadCheckpoint(ft)
	if err != nil {
		t.Fatal(err)
	}
	bm, fm := b.Model(), f.Model()
	check := func(name string, x, y []float32, frozen bool) {
		same := true
		for i := range x {
			if math.Float32bits(x[i]) != math.Float32bits(y[i]) {
				same = false
				break
			}
		}
		if same != frozen {
			t.Errorf("%s: unchanged=%v, want %v", name, same, frozen)
		}
	}
	C := bm.Config.Embd
	check("wte", bm.Params.WTE, fm.Params.WTE, true)
	check("wpe", bm.Params.WPE, fm.Params.WPE, true)
	check("h.0.attn.c_attn.weight", bm.Params.QKVW[:3*C*C], fm.Params.QKVW[:3*C*C], true)
	check("h.0.mlp.c_fc.weight", bm.Params.FCW[:4*C*C], fm.Params.FCW[:4*C*C], true)
	check("h.0.ln_1.bias", bm.Params.LN1B[:C], fm.Params.LN1B[:C], true)
	check("h.1.attn.c_attn.weight", bm.Params.QKVW[3*C*C:], fm.Params.QKVW[3*C*C:], false)
	check("h.1.mlp.c_proj.weight", bm.Params.FCProjW[4*C*C:], fm.Params.FCProjW[4*C*C:], false)
	check("ln_f.weight", bm.Params.LNFW, fm.Params.LNFW, false)
}

func TestFinetuneNeedsItsFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"finetune", "--data", "sample:clinic", "--out", "x"}, "--ckpt"},
		{[]string{"finetune", "--ckpt", "b", "--data", "sample:clinic"}, "--out"},
		{[]string{"finetune", "--ckpt", "b", "--out", "x"}, "--data"},
	} {
		_, stderr, code := lmlab(t, tt.args...)
		if code != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want 1 and a mention of %s", tt.args, code, stderr, tt.want)
		}
	}
}
