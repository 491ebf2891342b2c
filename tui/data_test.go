package tui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/samples"
)

// extraCorpus is a second source for the tests: more sentences in the
// words of testCorpus.
const extraCorpus = "testdata/workbench-extra.txt"

// newModelWith is newTestModel on other session options.
func newModelWith(t testing.TB, opt lab.Options, w, h int) *Model {
	t.Helper()
	st := PlainStyles()
	c := &clock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	m := New(Options{Session: opt, Styles: &st, Now: c.Now,
		Every: RefreshIntervals{Frame: 20 * time.Millisecond, Inspect: 200 * time.Millisecond, Sample: 400 * time.Millisecond}})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

// twoSources trains on testCorpus and extraCorpus.
func twoSources() lab.Options {
	opt := testSessionOptions()
	opt.Data = []string{testCorpus, extraCorpus}
	return opt
}

// trainerData returns the trainer's segments and step, asked between steps.
func trainerData(m *Model) (segs []engine.Segment, val []int32, step int) {
	m.runner.Do(func(t *engine.Trainer) { segs, val, step = t.Data.Train, t.Data.Val, t.Steps() })
	return segs, val, step
}

func segNames(segs []engine.Segment) []string {
	var out []string
	for _, s := range segs {
		out = append(out, s.Name)
	}
	return out
}

// applied reports whether the trainer has taken n data changes and nothing
// is on its way.
func applied(m *Model, n int) func() bool {
	return func() bool { return m.dataGen == n && !m.dataBusy && m.applied == m.sess.Corpus }
}

// steps takes n single steps and waits for them.
func steps(d *driver, n int) {
	d.t.Helper()
	want := d.m.step + n
	for i := 0; i < n; i++ {
		d.key("n")
	}
	d.until("the steps", func() bool { return d.m.step == want && d.m.stepsAsked == 0 })
}

// typeText types s into the focused input, key by key.
func typeText(d *driver, s string) {
	for _, r := range s {
		if r == ' ' {
			d.key("space")
		} else {
			d.key(string(r))
		}
	}
}

func TestToggleSourceContinuesTheRun(t *testing.T) {
	m := newModelWith(t, twoSources(), 200, 60)
	d := newDriver(t, m)
	d.run(start(t, m))
	steps(d, 2)
	segs, val, _ := trainerData(m)
	if got := segNames(segs); !slices.Equal(got, []string{testCorpus, extraCorpus}) {
		t.Fatalf("the trainer starts on %v", got)
	}
	valBefore := len(val)

	d.key("l") // the second source
	d.key("x")
	d.until("the source off on screen", func() bool { return !m.sess.Corpus.Sources[1].Enabled })
	if !strings.Contains(stripped(m), "applying") {
		t.Errorf("no sign that the change is on its way:\n%s", stripped(m))
	}
	d.until("the new data in the trainer", applied(m, 1))
	segs, val, step := trainerData(m)
	if got := segNames(segs); !slices.Equal(got, []string{testCorpus}) {
		t.Errorf("after x the trainer trains on %v", got)
	}
	if step != 2 || m.step != 2 {
		t.Errorf("the data change moved the run: trainer at step %d, screen at %d; want 2", step, m.step)
	}
	if len(val) >= valBefore {
		t.Errorf("validation tokens %d, before %d: the source's validation text should have left", len(val), valBefore)
	}
	// The validation text changed: an evaluation on it follows.
	d.until("the evaluation on the new validation text", func() bool { return m.haveVal })
	s := stripped(m)
	if l := lineWith(s, "workbench-extra.txt"); !strings.Contains(l, "off") {
		t.Errorf("the source's line does not say off: %q", l)
	}
	if !strings.Contains(s, "all 1 of 2 on,") {
		t.Errorf("the total does not count one source:\n%s", s)
	}
	// Checkpoints record the data in use.
	var specs []string
	if err := json.Unmarshal([]byte(m.sess.Meta()["data"]), &specs); err != nil || !slices.Equal(specs, []string{testCorpus}) {
		t.Errorf("checkpoint data list %v (%v), want only %s", specs, err, testCorpus)
	}
	// Training goes on from step 2 on the new data.
	steps(d, 1)
	if _, _, step := trainerData(m); step != 3 {
		t.Errorf("one step after the change: trainer at %d", step)
	}

	d.key("x") // back on
	d.until("both sources again", applied(m, 2))
	segs, _, _ = trainerData(m)
	if got := segNames(segs); !slices.Equal(got, []string{testCorpus, extraCorpus}) {
		t.Errorf("after x again the trainer trains on %v", got)
	}
}

func TestReweightSource(t *testing.T) {
	m := newModelWith(t, twoSources(), 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("l")
	d.key("+")
	d.until("weight 2 in the trainer", applied(m, 1))
	segs, _, _ := trainerData(m)
	if segs[0].Weight != 1 || segs[1].Weight != 2 {
		t.Fatalf("weights %v/%v after +, want 1/2", segs[0].Weight, segs[1].Weight)
	}
	if !strings.Contains(m.message, "67% of the batches") {
		t.Errorf("message %q does not give the share", m.message)
	}
	// Three presses faster than the trainer answers: the last one counts,
	// and the trainer sees it.
	for _, k := range []string{"-", "-", "-"} {
		_, cmd := m.Update(keyPress(k))
		d.run(cmd)
	}
	d.until("the weights to settle", func() bool {
		return !m.dataBusy && m.applied == m.sess.Corpus && m.sess.Corpus.Sources[1].Weight == 0.25
	})
	segs, _, _ = trainerData(m)
	if segs[1].Weight != 0.25 {
		t.Errorf("trainer weight %v, want 0.25", segs[1].Weight)
	}
	if m.dataGen > 4 {
		t.Errorf("%d data changes for four presses", m.dataGen)
	}
	if l := lineWith(stripped(m), "weight 0.25"); l == "" {
		t.Errorf("weight 0.25 not on screen:\n%s", stripped(m))
	}
	if !slices.Contains(m.sess.DataSpecs, extraCorpus+":0.25") {
		t.Errorf("data list %v lacks the weight", m.sess.DataSpecs)
	}
	// The ladder ends.
	for range 10 {
		d.key("-")
	}
	d.until("the lowest weight", func() bool {
		return !m.dataBusy && m.applied == m.sess.Corpus && strings.Contains(m.message, "is the limit")
	})
	if w := m.sess.Corpus.Sources[1].Weight; w != weightSteps[0] {
		t.Errorf("weight went to %v", w)
	}
}

func TestRefuseTurningOffTheLastSource(t *testing.T) {
	m := newModelWith(t, twoSources(), 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("x") // the first source off: the second is still on
	d.until("one source on", applied(m, 1))
	d.key("l")
	d.key("x") // the last one on
	d.until("the refusal", func() bool { return m.msgErr })
	if !strings.Contains(m.message, "last source") {
		t.Errorf("no refusal: %q", m.message)
	}
	if !m.sess.Corpus.Sources[1].Enabled || m.dataBusy {
		t.Error("the last source was turned off")
	}
	if l := lineWith(stripped(m), "last source"); l == "" {
		t.Errorf("the refusal is not on screen:\n%s", stripped(m))
	}
	segs, _, _ := trainerData(m)
	if got := segNames(segs); !slices.Equal(got, []string{extraCorpus}) {
		t.Errorf("the trainer trains on %v", got)
	}

	// With one source only, x says the same.
	m1, _ := newTestModel(t, 80, 24)
	start(t, m1)
	_, cmd := m1.Update(keyPress("x"))
	if cmd != nil {
		m1.Update(cmd())
	}
	if !strings.Contains(m1.message, "last source") || !m1.sess.Corpus.Sources[0].Enabled {
		t.Errorf("one source: message %q, enabled %v", m1.message, m1.sess.Corpus.Sources[0].Enabled)
	}
}

func TestAddSource(t *testing.T) {
	dir := t.TempDir()
	// Sentences in the corpus's words, and one the word tokenizer has never
	// seen: "zebra".
	var b strings.Builder
	for i := 0; i < 40; i++ {
		if i%4 == 0 {
			b.WriteString("The zebra sat on the mat.\n")
		} else {
			b.WriteString("The small dog slept on the rug.\n")
		}
	}
	path := filepath.Join(dir, "more.txt")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	m, _ := newTestModel(t, 200, 60)
	d := newDriver(t, m)
	d.run(start(t, m))
	steps(d, 2)
	d.key("a")
	if !m.editing() || !strings.Contains(stripped(m), "enter adds") {
		t.Fatalf("a did not open the input:\n%s", stripped(m))
	}
	typeText(d, path+":2")
	d.key("enter")
	d.until("the source in the trainer", applied(m, 1))
	segs, _, step := trainerData(m)
	if got := segNames(segs); !slices.Equal(got, []string{testCorpus, path}) {
		t.Fatalf("the trainer trains on %v", got)
	}
	if segs[1].Weight != 2 || step != 2 {
		t.Errorf("new source weight %v, step %d; want 2 and the run's step 2", segs[1].Weight, step)
	}
	// "zebra" is 5 characters of each of 10 lines, 9 of them in training.
	if m.msgErr || !strings.Contains(m.message, "outside the tokenizer") || !strings.Contains(m.message, `"zebra"`) {
		t.Errorf("no report of what the tokenizer cannot represent: %q", m.message)
	}
	if u := m.srcUnknown[1]; u.chars != 50 {
		t.Errorf("unknown characters %d, want 50 (ten zebras)", u.chars)
	}
	s := stripped(m)
	if !strings.Contains(s, "▸ "+path) || !strings.Contains(s, `unknown 50 chars`) {
		t.Errorf("the new source is not selected and measured on screen:\n%s", s)
	}
	if !slices.Equal(m.sess.DataSpecs, []string{testCorpus, path + ":2"}) {
		t.Errorf("data list %v", m.sess.DataSpecs)
	}
	steps(d, 1) // and training goes on

	// Mistakes are messages.
	for _, c := range []struct{ spec, want string }{
		{filepath.Join(dir, "missing.txt"), "add " + filepath.Join(dir, "missing.txt")},
		{testCorpus, "is a source already"},
		{"-", "standard input"},
		{"sample:nosuch", "sample:nosuch"},
	} {
		m.Update(keyPress("a"))
		m.Update(tea.PasteMsg{Content: c.spec})
		d.key("enter")
		d.until("the answer to "+c.spec, func() bool { return m.adding == "" && m.msgErr })
		if !strings.Contains(m.message, c.want) {
			t.Errorf("add %s: message %q lacks %q", c.spec, m.message, c.want)
		}
		if len(m.sess.Corpus.Sources) != 2 {
			t.Fatalf("add %s changed the corpus", c.spec)
		}
		m.message, m.msgErr = "", false
	}
	short := filepath.Join(dir, "short.txt")
	os.WriteFile(short, []byte("The cat sat.\n"), 0o644)
	m.Update(keyPress("a"))
	m.Update(tea.PasteMsg{Content: short})
	d.key("enter")
	d.until("the answer to a short file", func() bool { return m.adding == "" && m.msgErr })
	if !strings.Contains(m.message, "one window needs 17") {
		t.Errorf("short file: %q", m.message)
	}
}

func TestAddSourceRespectsTheSizeCap(t *testing.T) {
	opt := testSessionOptions()
	opt.MaxBytes = 5000 // the test corpus is 4.1 KB
	m := newModelWith(t, opt, 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	m.Update(keyPress("a"))
	m.Update(tea.PasteMsg{Content: extraCorpus})
	d.key("enter")
	d.until("the answer", func() bool { return m.adding == "" && m.message != "" && !strings.HasPrefix(m.message, "reading") })
	if !m.msgErr || !strings.Contains(m.message, "size cap") || !strings.Contains(m.message, "already use") {
		t.Errorf("over the cap: %q", m.message)
	}
}

func TestDatasetPaneLists(t *testing.T) {
	c := &samples.Corpus{Sources: []*samples.Source{{Name: "a"}, {Name: "b", Weight: 0.5}}}
	if got := specsOf(c); len(got) != 0 {
		t.Errorf("specsOf with nothing enabled: %v", got)
	}
	c.Sources[0].Enabled, c.Sources[0].Weight = true, 1
	c.Sources[1].Enabled = true
	if got := specsOf(c); !slices.Equal(got, []string{"a", "b:0.5"}) {
		t.Errorf("specsOf = %v", got)
	}
	for _, tc := range []struct {
		w    float64
		up   bool
		want float64
	}{{1, true, 2}, {1, false, 0.5}, {0.3, true, 0.5}, {0.3, false, 0.25}, {10, true, 10}, {0.1, false, 0.1}, {7, false, 5}} {
		if got := stepWeight(tc.w, tc.up); got != tc.want {
			t.Errorf("stepWeight(%v, %v) = %v, want %v", tc.w, tc.up, got, tc.want)
		}
	}
}

// writeLines writes n lines to path, cycling through lines.
func writeLines(t testing.TB, path string, n int, lines ...string) {
	t.Helper()
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(lines[i%len(lines)] + "\n")
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
