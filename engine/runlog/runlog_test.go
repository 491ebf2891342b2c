package runlog

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"lmlab/engine"
)

var started = time.Date(2026, 11, 29, 8, 10, 0, 0, time.UTC)

// sampleRun writes a small complete run to dir and returns its path.
func sampleRun(t testing.TB, dir string, h Header) string {
	t.Helper()
	if h.Started.IsZero() {
		h.Started = started
	}
	w, err := Create(dir, h)
	if err != nil {
		t.Fatal(err)
	}
	for s := 1; s <= 5; s++ {
		if err := w.Metrics(s, map[string]float64{Loss: 4 - float64(s)/2, LR: 1e-3}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Metrics(5, map[string]float64{ValLoss: 2.0}); err != nil {
		t.Fatal(err)
	}
	if err := w.Health(engine.HealthEvent{Step: 3, Kind: engine.LossSpike, Message: "step 3: spike — lower the learning rate"}); err != nil {
		t.Fatal(err)
	}
	if err := w.End(End{Step: 5, Status: Done, Values: map[string]float64{ValLoss: 1.9, TrainLoss: 1.4}}); err != nil {
		t.Fatal(err)
	}
	return w.Path()
}

var catsHeader = Header{Preset: "tiny", Data: []string{"sample:cats"},
	Model: engine.Config{VocabSize: 30, Context: 64, Layers: 2, Heads: 4, Embd: 64},
	Train: engine.TrainConfig{Steps: 5, Batch: 16, Context: 64, GradAccum: 1, LR: 3e-3}}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := sampleRun(t, dir, catsHeader)
	if got, want := filepath.Base(path), "20261129-081000-tiny.jsonl"; got != want {
		t.Errorf("file %s, want %s", got, want)
	}
	run, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := catsHeader
	want.Format, want.Name, want.Started = Format, "20261129-081000-tiny", started
	if !reflect.DeepEqual(run.Header, want) {
		t.Errorf("header %+v, want %+v", run.Header, want)
	}
	steps, losses := run.Series(Loss)
	if !reflect.DeepEqual(steps, []int{1, 2, 3, 4, 5}) || !reflect.DeepEqual(losses, []float64{3.5, 3, 2.5, 2, 1.5}) {
		t.Errorf("loss series %v %v", steps, losses)
	}
	if s, v, ok := run.Final(ValLoss); !ok || s != 5 || v != 1.9 {
		t.Errorf("final val loss %d %g %v, want step 5 1.9 (the end's)", s, v, ok)
	}
	if s, v, ok := run.Best(Loss); !ok || s != 5 || v != 1.5 {
		t.Errorf("best loss %d %g %v", s, v, ok)
	}
	if got, want := run.Metrics(), []string{Loss, LR, TrainLoss, ValLoss}; !reflect.DeepEqual(got, want) {
		t.Errorf("metrics %v, want %v", got, want)
	}
	if len(run.Health) != 1 || run.Health[0].Kind != engine.LossSpike || run.Status() != Done || run.Steps() != 5 || run.Torn {
		t.Errorf("health %v, status %s, steps %d, torn %v", run.Health, run.Status(), run.Steps(), run.Torn)
	}
}

// TestEveryPrefixReads: a crash can stop the writer anywhere; every prefix
// of a log reads, as the records whose lines are whole.
func TestEveryPrefixReads(t *testing.T) {
	path := sampleRun(t, t.TempDir(), catsHeader)
	full, _ := os.ReadFile(path)
	firstNL := bytes.IndexByte(full, '\n')
	for n := firstNL; n <= len(full); n++ {
		run, err := Read(bytes.NewReader(full[:n]))
		if err != nil {
			t.Fatalf("prefix of %d bytes: %v", n, err)
		}
		whole := bytes.Count(full[:n], []byte("\n"))
		got := 1 + len(run.Points) + len(run.Health)
		if run.End != nil {
			got++
		}
		wantTorn := n > 0 && full[n-1] != '\n'
		if got != whole && !(got == whole+1 && !run.Torn) { // a line complete but for its newline is kept
			t.Fatalf("prefix of %d bytes: %d records from %d whole lines", n, got, whole)
		}
		if run.Torn && !wantTorn {
			t.Fatalf("prefix of %d bytes ends a line but reads as torn", n)
		}
	}
}

func TestReadRefusesDamage(t *testing.T) {
	path := sampleRun(t, t.TempDir(), catsHeader)
	full, _ := os.ReadFile(path)
	lines := strings.SplitAfter(string(full), "\n")
	for _, tt := range []struct {
		name, text, want string
	}{
		{"empty", "", "empty"},
		{"not JSON", "hello\n", "line 1"},
		{"no header", lines[1] + lines[2], "not the run header"},
		{"other format", strings.Replace(lines[0], Format, "lmlab-runlog-9", 1), "lmlab-runlog-9"},
		{"damaged middle line", lines[0] + "{\"type\":\"metr\n" + lines[1], "line 2"},
		{"second header", lines[0] + lines[0], "second run header"},
		{"unknown record", lines[0] + `{"type":"gossip"}` + "\n", "gossip"},
		{"torn header", lines[0][:20], "line 1"},
	} {
		_, err := Read(strings.NewReader(tt.text))
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Read = %v; want ErrFormat mentioning %q", tt.name, err, tt.want)
		}
	}
}

func TestCreateNeverReplaces(t *testing.T) {
	dir := t.TempDir()
	a := sampleRun(t, dir, catsHeader)
	before, _ := os.ReadFile(a)
	b := sampleRun(t, dir, catsHeader)
	if filepath.Base(b) != "20261129-081000-tiny-2.jsonl" {
		t.Errorf("second run with the same name went to %s", b)
	}
	if after, _ := os.ReadFile(a); !bytes.Equal(before, after) {
		t.Error("the second run changed the first's file")
	}
	if _, err := Create(dir, Header{Name: "../escape"}); err == nil {
		t.Error("Create accepted a run name with a path in it")
	}
}

func TestAppendCutsATornLine(t *testing.T) {
	path := sampleRun(t, t.TempDir(), catsHeader)
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"type":"metrics","step":6,"val`)
	f.Close()
	if run, err := ReadFile(path); err != nil || !run.Torn {
		t.Fatalf("torn file: %v, torn %v", err, run != nil && run.Torn)
	}
	w, err := Append(path)
	if err != nil {
		t.Fatal(err)
	}
	w.Metrics(7, map[string]float64{Loss: 1})
	w.Close()
	run, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if steps, _ := run.Series(Loss); run.Torn || steps[len(steps)-1] != 7 || len(steps) != 6 {
		t.Errorf("after Append: loss steps %v, torn %v", steps, run.Torn)
	}
}

func TestMetricsDropNonFinite(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, Header{Name: "nan"})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Metrics(1, map[string]float64{Loss: nan(), LR: 1e-3}); err != nil {
		t.Fatal(err)
	}
	w.Close()
	run, err := ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if got := run.Points[0].Values; len(got) != 1 || got[LR] != 1e-3 {
		t.Errorf("values %v, want lr only", got)
	}
}

func nan() float64 { var z float64; return z / z }

func TestListAndFind(t *testing.T) {
	dir := t.TempDir()
	h := catsHeader
	h.Name = "cats-a"
	sampleRun(t, dir, h)
	h.Name, h.Started = "cats-b", started.Add(-time.Hour) // older
	sampleRun(t, dir, h)
	h.Name = "shakespeare"
	sampleRun(t, dir, h)
	os.WriteFile(filepath.Join(dir, "notes.jsonl"), []byte("{}\n"), 0o644)
	runs, err := List(dir)
	if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), "notes.jsonl") {
		t.Errorf("List error %v, want one naming notes.jsonl", err)
	}
	var names []string
	for _, r := range runs {
		names = append(names, r.Name)
	}
	if want := []string{"cats-b", "shakespeare", "cats-a"}; !reflect.DeepEqual(names, want) {
		t.Errorf("List names %v, want %v (oldest first)", names, want)
	}
	for _, tt := range []struct{ q, want, err string }{
		{"shake", "shakespeare", ""},
		{"cats-a", "cats-a", ""},
		{filepath.Join(dir, "cats-b.jsonl"), "cats-b", ""},
		{"cats", "", "matches 2 runs"},
		{"dogs", "", "not in"},
	} {
		r, err := Find(dir, tt.q)
		switch {
		case tt.err == "" && (err != nil || r.Name != tt.want):
			t.Errorf("Find(%q) = %v, %v; want %s", tt.q, r, err, tt.want)
		case tt.err != "" && (!errors.Is(err, ErrNoRun) || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("Find(%q) error %v; want ErrNoRun with %q", tt.q, err, tt.err)
		}
	}
	if runs, err := List(filepath.Join(dir, "missing")); len(runs) != 0 || err != nil {
		t.Errorf("List of a missing dir: %v, %v", runs, err)
	}
}

func TestDefaultDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/state")
	if got, err := DefaultDir(); err != nil || got != filepath.Join("/state", "lmlab", "runs") {
		t.Errorf("DefaultDir = %q, %v", got, err)
	}
}

// FuzzRead: Read never panics, every refusal wraps ErrFormat, and what it
// accepts has a header of this format and no more bytes than it was given.
func FuzzRead(f *testing.F) {
	path := sampleRun(f, f.TempDir(), catsHeader)
	full, _ := os.ReadFile(path)
	f.Add(full)
	f.Add(full[:len(full)/2])
	f.Add([]byte(""))
	f.Add([]byte("\n\n"))
	f.Add([]byte(`{"type":"run","lmlab_runlog":"lmlab-runlog-1"}` + "\n" + `{"type":"end","values":{"x":1e400}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		run, err := Read(bytes.NewReader(b))
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		if run.Format != Format {
			t.Fatalf("accepted format %q", run.Format)
		}
		if run.size > int64(len(b)) {
			t.Fatalf("read %d bytes of %d", run.size, len(b))
		}
	})
}

func TestRecipeRoundTrip(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir, catsHeader)
	if err != nil {
		t.Fatal(err)
	}
	tc := catsHeader.Train
	tc.LR, tc.WeightDecay = 6e-3, 0.1
	want := Recipe{Step: 40, Change: "lr×2", Train: tc, Dropout: 0.1}
	if err := w.Recipe(want); err != nil {
		t.Fatal(err)
	}
	if err := w.Metrics(41, map[string]float64{Loss: 2}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	run, err := ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Recipes) != 1 || !reflect.DeepEqual(run.Recipes[0], want) {
		t.Errorf("recipes %+v, want [%+v]", run.Recipes, want)
	}
	if got := len(run.Points); got != 1 {
		t.Errorf("%d metrics records after the recipe, want 1", got)
	}
}
