package main

import (
	"path/filepath"
	"testing"
)

// `train --resume CKPT --steps N` past the end of the checkpoint's run goes
// on as the workbench's E does: the saved schedule to its end, then the
// final learning rate held for the added steps; from a checkpoint at the end
// and from one in the middle alike, with the same losses.
func TestTrainResumeGoesOnPastTheEnd(t *testing.T) {
	dir := t.TempDir()
	end, mid := filepath.Join(dir, "end.safetensors"), filepath.Join(dir, "mid.safetensors")
	args := append([]string{"train", "--steps", "20", "--warmup", "4", "--json"}, small...)
	if _, stderr, code := lmlab(t, append(args, "--out", end)...); code != 0 {
		t.Fatalf("train exited %d: %s", code, stderr)
	}
	if _, stderr, code := lmlab(t, append(args, "--out", mid, "--stop-at", "12")...); code != 0 {
		t.Fatalf("train --stop-at exited %d: %s", code, stderr)
	}
	fromEnd, stderr, code := lmlab(t, "train", "--resume", end, "--steps", "30", "--json")
	if code != 0 {
		t.Fatalf("train --resume end --steps 30 exited %d: %s", code, stderr)
	}
	fromMid, stderr, code := lmlab(t, "train", "--resume", mid, "--steps", "30", "--json")
	if code != 0 {
		t.Fatalf("train --resume mid --steps 30 exited %d: %s", code, stderr)
	}

	lrs := func(out string) (map[float64]float64, map[string]any) {
		got := map[float64]float64{}
		var ext map[string]any
		for _, l := range jsonLines(t, out) {
			if _, ok := l["extended"]; ok {
				if ext != nil {
					t.Errorf("two extension lines: %v and %v", ext, l)
				}
				ext = l
			}
			if lr, ok := l["lr"].(float64); ok && l["loss"] != nil {
				got[l["step"].(float64)] = lr
			}
		}
		return got, ext
	}
	endLR, endExt := lrs(fromEnd)
	midLR, midExt := lrs(fromMid)
	for name, ext := range map[string]map[string]any{"end": endExt, "mid": midExt} {
		if ext == nil || ext["extended"] != 30.0 || ext["step"] != 20.0 {
			t.Fatalf("from %s: extension line %v, want extended 30 at step 20", name, ext)
		}
	}
	final := endExt["lr"].(float64)
	if midExt["lr"] != final || !(final > 0) {
		t.Errorf("held rate %v from the middle, %v from the end", midExt["lr"], final)
	}
	if len(endLR) != 10 || len(midLR) != 18 {
		t.Fatalf("%d steps from the end, %d from the middle; want 10 (21–30) and 18 (13–30)", len(endLR), len(midLR))
	}
	for s := 13.0; s <= 20; s++ {
		if s > 13 && !(midLR[s] < midLR[s-1]) {
			t.Errorf("step %v at lr %g after %g: the saved cosine should still fall", s, midLR[s], midLR[s-1])
		}
		if !(midLR[s] > final) {
			t.Errorf("step %v at lr %g, not above the final rate %g: the cosine was stretched or cut", s, midLR[s], final)
		}
	}
	for s := 21.0; s <= 30; s++ {
		if endLR[s] != final || midLR[s] != final {
			t.Errorf("step %v at lr %g (from the end), %g (from the middle); want the final rate %g", s, endLR[s], midLR[s], final)
		}
	}
	endLoss, midLoss := stepLosses(jsonLines(t, fromEnd)), stepLosses(jsonLines(t, fromMid))
	for s := 21.0; s <= 30; s++ {
		if endLoss[s] != midLoss[s] {
			t.Errorf("step %v: loss %v going on from the end, %v from the middle", s, endLoss[s], midLoss[s])
		}
	}
}
