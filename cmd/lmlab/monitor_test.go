package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine/runlog"
)

// TestTrainKeepsARunLog: a run writes its log (header, a metrics line per
// step, the end), lmlab runs lists it, and a healthy run has no health lines.
func TestTrainKeepsARunLog(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := lmlab(t, append([]string{"train", "--steps", "20", "--json", "--runs", dir}, small...)...)
	if code != 0 {
		t.Fatalf("train: %s", stderr)
	}
	if strings.Contains(out, `"health"`) {
		t.Errorf("a healthy run reported health findings:\n%s", out)
	}
	runs, err := runlog.List(dir)
	if err != nil || len(runs) != 1 {
		t.Fatalf("runs in %s: %v, %v; want one", dir, runs, err)
	}
	r := runs[0]
	if steps, _ := r.Series(runlog.Loss); r.Status() != runlog.Done || r.Steps() != 20 || len(steps) != 20 {
		t.Errorf("run log: status %q, %d steps, %d losses; want done, 20, 20", r.Status(), r.Steps(), len(steps))
	}
	list, stderr, code := lmlab(t, "runs", "--runs", dir)
	if code != 0 || !strings.Contains(list, strings.TrimSuffix(filepath.Base(r.Path), runlog.Ext)) {
		t.Errorf("lmlab runs: code %d, %q, stderr %s; want the run listed", code, list, stderr)
	}
}

// TestTrainReportsHealth: a learning rate far too high is reported as
// {"health":…} lines, each with its step, kind and a message, and logged.
func TestTrainReportsHealth(t *testing.T) {
	dir := t.TempDir()
	out, stderr, code := lmlab(t, append([]string{"train", "--steps", "30", "--lr", "10", "--warmup", "0", "--json", "--runs", dir}, small...)...)
	var health []map[string]any
	for _, l := range jsonLines(t, out) {
		if h, ok := l["health"].(map[string]any); ok {
			health = append(health, h)
		}
	}
	if len(health) == 0 {
		t.Fatalf("lr 10: no health lines (exit %d, stderr %s):\n%s", code, stderr, out)
	}
	for _, h := range health {
		if h["kind"] == "" || h["message"] == "" || h["step"] == nil {
			b, _ := json.Marshal(h)
			t.Errorf("health line %s lacks step, kind or message", b)
		}
	}
	runs, err := runlog.List(dir)
	if err != nil || len(runs) != 1 || len(runs[0].Health) != len(health) {
		t.Errorf("run log: %v, %v; want one run with the %d health findings", runs, err, len(health))
	}
}
