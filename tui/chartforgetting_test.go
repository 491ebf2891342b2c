package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"lmlab/engine/lab"
	"lmlab/samples"
)

// baseCheckpoint saves a session on data (a file written here, with n
// lines) and returns the checkpoint and the data file.
func baseCheckpoint(t *testing.T, n int) (ck, data string) {
	t.Helper()
	dir := t.TempDir()
	data = filepath.Join(dir, "original.txt")
	writeLines(t, data, n, "The cat sat on the mat.", "The dog slept on the rug.", "A fox is quiet.")
	opt := testSessionOptions()
	opt.Data = []string{data}
	s, err := lab.Open(opt)
	if err != nil {
		t.Fatal(err)
	}
	ck = filepath.Join(dir, "base.safetensors")
	if err := s.Save(ck); err != nil {
		t.Fatal(err)
	}
	return ck, data
}

// forgetPage cycles m's Loss pane to the forgetting chart.
func forgetPage(m *Model) string {
	m.setFocus(paneLoss)
	for m.loss.mon.chart != chartForgetting {
		m.Update(keyPress("c"))
	}
	return ansi.Strip(m.loss.View())
}

// TestForgettingMeasured: a fine-tune from a checkpoint that names its
// data measures the loss on that data's validation text at each
// evaluation, and the forgetting chart shows it beside the domain's.
func TestForgettingMeasured(t *testing.T) {
	ck, data := baseCheckpoint(t, 60)
	m := newModelWith(t, lab.Options{Init: ck, Data: []string{testCorpus}}, 200, 60)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.until("the base", func() bool { return m.base != nil && !m.busy })
	if !m.loss.forget.on {
		t.Fatal("forgetting is not watched in a fine-tune from a checkpoint on other data")
	}
	d.key("v")
	d.until("an evaluation", func() bool { return len(m.loss.val) == 1 })
	if len(m.loss.forget.vals) != 1 {
		t.Fatalf("original val loss at %v, want one evaluation; err %q", m.loss.forget.steps, m.loss.forget.err)
	}
	// Nothing trained yet: the value is the base's own loss on its data.
	c, err := samples.Load([]string{data}, samples.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tc := m.sess.Trainer.Cfg
	want, _ := m.base.Eval(m.sess.Encode(c.ValText()), tc.Context, tc.Batch, forgetWindows)
	if got := m.loss.forget.vals[0]; got != want {
		t.Errorf("original val loss %v, want the base's %v", got, want)
	}
	d.key("n")
	d.until("a step", func() bool { return m.Step() == 1 && m.stepsAsked == 0 })
	d.key("v")
	d.until("a second evaluation", func() bool { return len(m.loss.val) == 2 })
	if got := m.loss.forget.steps; len(got) != 2 || got[1] != 1 {
		t.Fatalf("original val loss at steps %v, want [0 1]", got)
	}
	page := forgetPage(m)
	for _, w := range []string{"Loss · forgetting", "original ", "domain val", "original data: /", "since step 0"} {
		if !strings.Contains(page, w) {
			t.Errorf("forgetting page lacks %q:\n%s", w, page)
		}
	}
	if !strings.HasSuffix(m.loss.forget.name, "original.txt") {
		t.Errorf("original data %q, want the base's file", m.loss.forget.name)
	}
}

// TestForgettingUnreloadable: when the base's data is gone, the chart says
// so and evaluations go on without it.
func TestForgettingUnreloadable(t *testing.T) {
	ck, data := baseCheckpoint(t, 60)
	if err := os.Remove(data); err != nil {
		t.Fatal(err)
	}
	m := newModelWith(t, lab.Options{Init: ck, Data: []string{testCorpus}}, 200, 60)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.until("the base", func() bool { return m.base != nil && !m.busy })
	d.key("v")
	d.until("an evaluation", func() bool { return len(m.loss.val) == 1 })
	if len(m.loss.forget.vals) != 0 {
		t.Errorf("original val loss %v from a missing file", m.loss.forget.vals)
	}
	page := forgetPage(m)
	if !strings.Contains(page, "cannot reload the base") || !strings.Contains(m.loss.forget.err, "original.txt") {
		t.Errorf("no note that the data is gone (err %q):\n%s", m.loss.forget.err, page)
	}
}

// TestForgettingNotFineTune: a run from scratch has no forgetting to
// measure, and its chart page says when there is.
func TestForgettingNotFineTune(t *testing.T) {
	m := fixture(t, 200, 60)
	if m.loss.forget.on || m.runner.Metrics != nil {
		t.Errorf("forgetting watched in a run from scratch")
	}
	if page := forgetPage(m); !strings.Contains(page, "--ckpt") {
		t.Errorf("the page does not say how to get the chart:\n%s", page)
	}
}

// TestForgettingGolden draws the forgetting chart of a fine-tune with a
// synthetic history: the original loss rises as the domain's falls.
func TestForgettingGolden(t *testing.T) {
	m := fixture(t, 120, 40)
	m.loss.forget = forgetState{on: true, name: "sample:cats"}
	for i, s := range []int{25, 50, 75, 100, 120} {
		m.loss.forget.add(s, map[string]float64{OrigValLoss: 1.2 + 0.15*float64(i)})
	}
	checkGolden(t, forgetPage(m), m.lay.panes[paneLoss].W)
}
