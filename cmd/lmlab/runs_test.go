package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"lmlab/engine"
	"lmlab/engine/runlog"
)

// writeRuns logs two made-up runs in a new directory: "cats-fast" (lr 3e-3,
// 40 steps, done, one health event) and "cats-slow" (lr 1e-3, 20 steps, no
// end), and returns the directory.
func writeRuns(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for i, r := range []struct {
		name  string
		lr    float64
		steps int
		end   bool
	}{{"cats-fast", 3e-3, 40, true}, {"cats-slow", 1e-3, 20, false}} {
		w, err := runlog.Create(dir, runlog.Header{Name: r.name, Preset: "tiny", Data: []string{"sample:cats"},
			Started: time.Date(2026, 11, 29, 8, i, 0, 0, time.UTC),
			Model:   engine.Config{VocabSize: 30, Context: 64, Layers: 2, Heads: 4, Embd: 64},
			Train:   engine.TrainConfig{Steps: 40, Batch: 16, Context: 64, GradAccum: 1, LR: r.lr, MinLR: r.lr / 10}})
		if err != nil {
			t.Fatal(err)
		}
		for s := 1; s <= r.steps; s++ {
			w.Metrics(s, map[string]float64{runlog.Loss: 3 / float64(s), runlog.LR: r.lr})
			if s%10 == 0 {
				w.Metrics(s, map[string]float64{runlog.ValLoss: 3.5 / float64(s)})
			}
		}
		if r.end {
			w.Health(engine.HealthEvent{Step: 7, Kind: engine.LossSpike, Message: "step 7: loss spiked — lower the learning rate"})
			w.End(runlog.End{Step: r.steps, Status: runlog.Done, Values: map[string]float64{runlog.ValLoss: 0.08}})
		} else {
			w.Close()
		}
	}
	return dir
}

func TestRunsList(t *testing.T) {
	dir := writeRuns(t)
	os.WriteFile(filepath.Join(dir, "notes.jsonl"), []byte("my notes\n"), 0o644)
	out, stderr, code := lmlab(t, "runs", "--runs", dir)
	if code != 0 {
		t.Fatalf("runs exited %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "NAME") {
		t.Fatalf("runs printed %d lines, want a header and 2 runs:\n%s", len(lines), out)
	}
	for i, want := range [][]string{{"cats-fast", "sample:cats", "tiny", "40", "done", "0.0750", "0.0800", "1"},
		{"cats-slow", "20", "no end", "0.1500", "0.1750", "0"}} {
		for _, w := range want {
			if !strings.Contains(lines[i+1], w) {
				t.Errorf("row %q lacks %q", lines[i+1], w)
			}
		}
	}
	if !strings.Contains(stderr, "notes.jsonl") {
		t.Errorf("stderr %q does not warn about notes.jsonl", stderr)
	}

	out, _, code = lmlab(t, "runs", "--runs", dir, "--json")
	var got []runSummary
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var s runSummary
		if err := json.Unmarshal([]byte(l), &s); err != nil {
			t.Fatalf("runs --json line %q: %v", l, err)
		}
		got = append(got, s)
	}
	if code != 0 || len(got) != 2 || got[0].Name != "cats-fast" || got[0].ValLoss == nil || *got[0].ValLoss != 0.08 ||
		*got[0].BestValLoss != 0.08 || got[0].BestValStep != 40 || got[1].Steps != 20 || got[1].Status != "no end" {
		t.Errorf("runs --json = %+v", got)
	}

	out, _, code = lmlab(t, "runs", "--runs", filepath.Join(dir, "none"))
	if code != 0 || !strings.Contains(out, "no runs in") {
		t.Errorf("runs of an empty directory: exit %d, %q", code, out)
	}
}

func TestRunsCompare(t *testing.T) {
	dir := writeRuns(t)
	out, stderr, code := lmlab(t, "runs", "compare", "cats-f", "cats-s", "--runs", dir)
	if code != 0 {
		t.Fatalf("runs compare exited %d: %s", code, stderr)
	}
	rows := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		f := strings.SplitN(l, "  ", 2)
		rows[f[0]] = strings.Join(strings.Fields(f[1]), " ")
	}
	for row, want := range map[string]string{
		"run":            "cats-fast cats-slow",
		"lr → min lr":    "0.003 → 0.0003 0.001 → 0.0001",
		"steps":          "40 of 40 20 of 40",
		"final val loss": "0.0800 0.1750",
		"health":         "loss_spike@7 -",
	} {
		if rows[row] != want {
			t.Errorf("row %q = %q, want %q\n%s", row, rows[row], want, out)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"runs", "compare", "--runs", dir}, "name the runs"},
		{[]string{"runs", "compare", "cats", "--runs", dir}, `run "cats" matches 2 runs`},
		{[]string{"runs", "compare", "dogs", "--runs", dir}, `run "dogs" is not in`},
		{[]string{"runs", "list", "--runs", dir}, `unexpected argument "list"`},
	} {
		_, stderr, code := lmlab(t, tt.args...)
		if code != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, %q; want 1 and %q", tt.args, code, stderr, tt.want)
		}
	}
}
