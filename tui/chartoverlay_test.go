package tui

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"lmlab/engine/runlog"
)

// writeRun writes a finished run log of n steps to dir: its loss falls
// from 4 towards floor, with a validation loss every 25 steps.
func writeRun(t testing.TB, dir string, h runlog.Header, n int, floor float64) {
	t.Helper()
	w, err := runlog.Create(dir, h)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		loss := floor + (4-floor)*math.Exp(-float64(i)/20)
		vals := map[string]float64{runlog.Loss: loss, runlog.LR: h.Train.LR}
		if i%25 == 0 {
			vals[runlog.ValLoss] = loss + 0.2
		}
		if err := w.Metrics(i, vals); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.End(runlog.End{Step: n, Status: runlog.Done}); err != nil {
		t.Fatal(err)
	}
}

// overlayFixture is a workbench on the test corpus with a history, whose
// runs directory holds two earlier runs: "same-data" (the same data, lr
// 1e-2, older) and "cats" (other data, newer).
func overlayFixture(t *testing.T, w, h int) *Model {
	t.Helper()
	dir := t.TempDir()
	m, c := newTestModel(t, w, h)
	m.LogRuns(dir)
	start(t, m)
	same := m.loss.runs.head
	same.Name, same.Started = "same-data", time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	same.Train.LR = 1e-2
	writeRun(t, dir, same, 150, 0.2)
	cats := m.loss.runs.head
	cats.Name, cats.Started, cats.Data = "cats", time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), []string{"sample:cats"}
	writeRun(t, dir, cats, 80, 1.5)
	feedHistory(m, c, 120)
	m.message = ""
	m.setFocus(paneLoss)
	return m
}

func lossView(m *Model) string { return ansi.Strip(m.loss.View()) }

// TestOverlayCycle: o steps through the earlier runs, same data first and
// this session's own log left out, each named with how its recipe
// differs; past the last, and with O, the overlay is off.
func TestOverlayCycle(t *testing.T) {
	m := overlayFixture(t, 200, 60)
	plain := lossView(m)
	if strings.Contains(plain, "·") {
		t.Fatalf("the chart has overlay dots before o:\n%s", plain)
	}
	tests := []struct {
		key       string
		want      []string // in the legend line
		dots      bool     // the overlay is drawn
		wantShown string   // the overlay's name, "" none
	}{
		{"o", []string{"same-data (1/2) lr 1e-02"}, true, "same-data"},
		{"o", []string{"cats (2/2) data sample:cats"}, true, "cats"},
		{"o", nil, false, ""},
		{"o", []string{"same-data"}, true, "same-data"},
		{"O", nil, false, ""},
	}
	for i, tc := range tests {
		m.Update(keyPress(tc.key))
		view := lossView(m)
		shown := ""
		if r := m.loss.overlay.overlay(); r != nil {
			shown = r.Name
		}
		if shown != tc.wantShown {
			t.Errorf("press %d (%s): overlay %q, want %q", i+1, tc.key, shown, tc.wantShown)
		}
		line := lineWith(view, "·· ")
		for _, w := range tc.want {
			if !strings.Contains(line, w) {
				t.Errorf("press %d (%s): legend %q lacks %q", i+1, tc.key, line, w)
			}
		}
		if tc.want == nil && line != "" {
			t.Errorf("press %d (%s): legend %q with the overlay off", i+1, tc.key, line)
		}
		if got := strings.Contains(view, "·"); got != tc.dots {
			t.Errorf("press %d (%s): overlay drawn %v, want %v:\n%s", i+1, tc.key, got, tc.dots, view)
		}
		if !tc.dots && view != plain {
			t.Errorf("press %d (%s): the chart differs from the one without overlay:\n%s", i+1, tc.key, view)
		}
	}
}

// TestOverlaySeries: the overlay is sampled at the chart's buckets, as the
// mean of its steps in each and its latest validation loss.
func TestOverlaySeries(t *testing.T) {
	p := newLossPane(new(Styles), &keyMap{})
	p.overlay = overlayState{i: 0, runs: []*runlog.Run{{}},
		steps: []int{1, 2, 3, 4, 5, 6}, loss: []float64{6, 4, 3, 1, 2, 2}, vs: []int{4}, val: []float64{9}}
	loss, val := p.overlaySeries([]int{1, 4, 10})
	if want := []float64{6, 8.0 / 3, 2}; !equalFloats(loss, want) {
		t.Errorf("loss %v, want %v", loss, want)
	}
	if !math.IsNaN(val[0]) || val[1] != 9 || val[2] != 9 {
		t.Errorf("val %v, want [NaN 9 9]", val)
	}
	loss, _ = p.overlaySeries([]int{0})
	if !math.IsNaN(loss[0]) {
		t.Errorf("loss before the overlay's first step %v, want NaN", loss[0])
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

// TestOverlayNoRuns: o without a runs directory, or with no earlier run,
// says so in the pane.
func TestOverlayNoRuns(t *testing.T) {
	m, c := newTestModel(t, 120, 40)
	start(t, m)
	feedHistory(m, c, 30)
	m.setFocus(paneLoss)
	m.Update(keyPress("o"))
	if lineWith(lossView(m), "give --runs DIR") == "" {
		t.Errorf("no note about --runs:\n%s", lossView(m))
	}

	m, c = newTestModel(t, 120, 40)
	m.LogRuns(t.TempDir())
	start(t, m)
	feedHistory(m, c, 30) // its own log has a curve, but is not an earlier run
	m.setFocus(paneLoss)
	m.Update(keyPress("o"))
	if lineWith(lossView(m), "no earlier run") == "" || m.loss.overlay.overlay() != nil {
		t.Errorf("no note about no earlier run:\n%s", lossView(m))
	}
}

// TestRecipeDiff: the legend names what tells the runs apart, at most three.
func TestRecipeDiff(t *testing.T) {
	a := runlog.Header{Data: []string{"x"}}
	a.Train.LR, a.Model.Layers, a.Train.Batch = 1e-3, 2, 8
	tests := []struct {
		name string
		edit func(h *runlog.Header)
		want string
	}{
		{"same", func(h *runlog.Header) {}, "same recipe"},
		{"lr", func(h *runlog.Header) { h.Train.LR = 1e-2 }, "lr 1e-02"},
		{"data first", func(h *runlog.Header) { h.Model.Layers = 4; h.Data = []string{"y", "z"} }, "data y+z, layers 4"},
		{"three", func(h *runlog.Header) {
			h.Train.LR, h.Model.Layers, h.Train.Batch, h.Train.Steps = 1e-2, 4, 16, 9
		}, "lr 1e-02, layers 4, batch 16"},
		{"from", func(h *runlog.Header) { h.From = "base.safetensors" }, "from base.safetensors"},
	}
	for _, tc := range tests {
		b := a
		b.Data = append([]string(nil), a.Data...)
		tc.edit(&b)
		if got := recipeDiff(a, b); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestOverlayGolden draws the Loss pane with an earlier run overlaid.
func TestOverlayGolden(t *testing.T) {
	m := overlayFixture(t, 120, 40)
	m.Update(keyPress("o"))
	checkGolden(t, lossView(m), m.lay.panes[paneLoss].W)
}
