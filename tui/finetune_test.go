package tui

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/samples"
)

func TestMarkBaseComparesInPredict(t *testing.T) {
	m, _ := newTestModel(t, 200, 60)
	d := newDriver(t, m)
	d.run(start(t, m))
	steps(d, 2)
	if m.keys.ProbeDown.Enabled() {
		t.Error("probe keys enabled without a base")
	}
	d.key("f")
	d.until("the comparison", func() bool { return m.base != nil && m.predict.cmp != nil && !m.busy })
	if m.baseLabel != "step 2" {
		t.Errorf("base label %q, want step 2", m.baseLabel)
	}
	probes := lab.ProbePrompts(m.sess.Corpus)
	if len(probes) != 3 {
		t.Fatalf("probes from the validation lines: %q", probes)
	}
	s := stripped(m)
	for _, want := range []string{"base step 2", "now step 2", "probe 1/3 " + showSpace(probes[0]), "↑/↓ probes"} {
		if !strings.Contains(s, want) {
			t.Errorf("Predict lacks %q:\n%s", want, s)
		}
	}
	// The base column is the base model's prediction, the other the
	// snapshot's; at the marking they agree.
	check := func(wantSame bool) {
		t.Helper()
		for i, p := range m.predict.cmp.probes {
			ids := m.sess.Encode(p.prompt)
			want := engine.TopK(m.base.NextProbs(ids), compareK)
			now := engine.TopK(m.snap.NextProbs(ids), compareK)
			for j := range want {
				if p.base[j].prob != want[j].Prob || p.now[j].prob != now[j].Prob {
					t.Fatalf("probe %d row %d: base %v now %v, want %v and %v", i, j, p.base[j].prob, p.now[j].prob, want[j].Prob, now[j].Prob)
				}
			}
			if same := p.base[0].prob == p.now[0].prob; same != wantSame {
				t.Errorf("probe %d: base %v, now %v; same %v, want %v", i, p.base[0].prob, p.now[0].prob, same, wantSame)
			}
		}
	}
	check(true)
	// Training moves now away from the base; the base stays.
	steps(d, 3)
	d.until("the comparison at step 5", func() bool { return m.snapStep == 5 && m.predict.step == 5 && !m.busy })
	check(false)
	s = stripped(m)
	if !strings.Contains(s, "base step 2") || !strings.Contains(s, "now step 5") {
		t.Errorf("after training:\n%s", s)
	}
	// ↓ moves through the probes.
	d.key("4")
	d.key("down")
	if m.predict.probeOff != 1 || !strings.Contains(stripped(m), "probe 2/3") {
		t.Errorf("↓: probe offset %d", m.predict.probeOff)
	}
	// The Loss pane gives the base's validation loss beside now's.
	d.key("v")
	d.until("an evaluation and the base's loss", func() bool { return m.haveVal && m.haveBaseVal && !m.busy })
	tc := m.sess.Trainer.Cfg
	want, _ := m.base.Eval(m.sess.Data.Val, tc.Context, tc.Batch, tc.EvalWindows)
	line := fmt.Sprintf("base val %.4f → now %.4f", want, m.val)
	if !strings.Contains(stripped(m), line) {
		t.Errorf("Loss lacks %q:\n%s", line, stripped(m))
	}
	// f again: a new base, now.
	d.key("f")
	d.until("the new base", func() bool { return m.baseLabel == "step 5" && m.predict.cmp != nil && !m.busy })
	check(true)
}

func TestBaseFollowsDataChanges(t *testing.T) {
	m := newModelWith(t, twoSources(), 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("f")
	d.until("the base's loss", func() bool { return m.haveBaseVal && !m.busy })
	first := m.loss.baseVal
	d.key("x") // the first source off: the validation text is the extra corpus's
	d.until("the data and the base's loss on it", func() bool {
		return m.dataGen == 1 && m.baseValGen == 1 && !m.busy && m.haveVal
	})
	tc := m.sess.Trainer.Cfg
	want, _ := m.base.Eval(m.sess.Data.Val, tc.Context, tc.Batch, tc.EvalWindows)
	if m.loss.baseVal != want || want == first {
		t.Errorf("base val %v after the change (want %v; before %v)", m.loss.baseVal, want, first)
	}
	// Nothing trained since the base: now is the base.
	if m.val != want {
		t.Errorf("val now %v, base %v: the same weights on the same data", m.val, want)
	}
}

func TestStartFromCheckpointMarksTheBase(t *testing.T) {
	dir := t.TempDir()
	s, err := lab.Open(testSessionOptions())
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "base.safetensors")
	if err := s.Save(ck); err != nil {
		t.Fatal(err)
	}
	// Fine-tune on data with a word the base's tokenizer lacks.
	more := filepath.Join(dir, "more.txt")
	writeLines(t, more, 40, "The zebra sat on the mat.", "The small dog slept on the rug.")
	m := newModelWith(t, lab.Options{Init: ck, Data: []string{more}}, 200, 60)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.until("the base", func() bool { return m.base != nil && m.predict.cmp != nil && !m.busy })
	if m.baseLabel != "base.safetensors" {
		t.Errorf("base label %q", m.baseLabel)
	}
	if !strings.Contains(m.message, "outside the tokenizer") || !strings.Contains(m.message, `"zebra"`) {
		t.Errorf("no report of what the base's tokenizer cannot represent: %q", m.message)
	}
	if !strings.Contains(stripped(m), "base base.safetensors") {
		t.Errorf("Predict does not name the base:\n%s", stripped(m))
	}
}

func TestProbePrompts(t *testing.T) {
	c, err := samples.Load([]string{"sample:general", "sample:clinic"}, samples.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clinic, _ := samples.Lookup("clinic")
	got := lab.ProbePrompts(c)
	if len(got) != lab.MaxProbes || got[0] != clinic.Probes[0] {
		t.Errorf("probes %q: the domain sample, added last, should lead", got)
	}
	c.Sources[1].Enabled = false
	general, _ := samples.Lookup("general")
	if got := lab.ProbePrompts(c); got[0] != general.Probes[0] || len(got) != len(general.Probes) {
		t.Errorf("probes with clinic off: %q", got)
	}
}
