package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/samples"
)

// TestTemperatureShared checks that t/T in Predict and in Sample move one
// temperature: both panes show it, the bars are recomputed at it (flatter
// when it is higher) and Sample's next sample uses it.
func TestTemperatureShared(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.until("the first predictions and sample", func() bool { return m.predict.at != nil && m.sample.have && !m.busy })
	settled := func(tau float64) func() bool {
		return func() bool {
			return !m.busy && m.predict.tau == tau && m.sample.used.Temperature == tau
		}
	}
	d.key("4")    // Predict
	for range 8 { // from 1, the model's own distribution
		d.key("t")
	}
	if m.temperature != 0.2 || *m.sample.temperature != 0.2 {
		t.Fatalf("after t×8 in Predict: root %v, Sample %v, want 0.2", m.temperature, *m.sample.temperature)
	}
	d.until("bars and a sample at τ 0.2", settled(0.2))
	sharp := append([]predictionLabel(nil), m.predict.at[m.predict.pos]...)

	d.key("6") // Sample
	for range 20 {
		d.key("T")
	}
	if m.temperature != 2 || *m.predict.temperature != 2 {
		t.Fatalf("after T×20 in Sample: root %v, Predict %v, want 2 (the cap)", m.temperature, *m.predict.temperature)
	}
	d.until("bars and a sample at τ 2", settled(2))
	flat := m.predict.at[m.predict.pos]
	last := len(flat) - 1
	if last < 1 || len(sharp) != len(flat) {
		t.Fatalf("%d bars at τ 0.2, %d at τ 2", len(sharp), len(flat))
	}
	// Flatter: the likeliest loses, and the top bar is fewer times the
	// last one (the ratio is exp((l₁−l_k)/τ)).
	if !(flat[0].prob < sharp[0].prob) || !(flat[0].prob/flat[last].prob < sharp[0].prob/sharp[last].prob) {
		t.Errorf("τ 2 is not flatter than τ 0.2: top %v → %v, last %v → %v",
			sharp[0].prob, flat[0].prob, sharp[last].prob, flat[last].prob)
	}
	if s := ansi.Strip(m.sample.View()); !strings.Contains(s, "temperature 2.0") {
		t.Errorf("Sample does not show temperature 2.0:\n%s", s)
	}
	if s := ansi.Strip(m.predict.View()); !strings.Contains(s, "τ 2.0:") {
		t.Errorf("Predict's bars do not say they are at τ 2.0:\n%s", s)
	}
}

// taskSessionOptions trains a very small model on the addition sample.
func taskSessionOptions() lab.Options {
	return lab.Options{Data: []string{"sample:addition"}, Tokenizer: "char", Preset: "tiny",
		Adjust: func(c *engine.Config, tc *engine.TrainConfig) error {
			c.Layers, c.Heads, c.Embd, c.Context = 1, 2, 16, 32
			tc.Context, tc.Batch, tc.Steps = 32, 4, 100
			tc.EvalEvery, tc.EvalWindows, tc.Warmup = 50, 2, 5
			return nil
		}}
}

// fixedAnswers is an inspection of a task sample whose answers are given:
// 123+045= answered right, 506+494= wrong (0900 for 1000), 099+001= with
// nothing before its newline.
func fixedAnswers(m *Model, step int) predictedMsg {
	return predictedMsg{
		inspectedMsg: inspectedMsg{step: step, prompt: m.prompt, sampled: true,
			sample: m.sess.Encode("0168\n321+100=0421\n"), opts: engine.SampleOptions{Temperature: 0.8, TopK: 20, Seed: 1}},
		problems: []samples.Problem{{Prompt: "123+045=", Answer: "0168"}, {Prompt: "506+494=", Answer: "1000"}, {Prompt: "099+001=", Answer: "0100"}},
		answers:  [][]int32{m.sess.Encode("0168\n"), m.sess.Encode("0900\n"), m.sess.Encode("\n01")},
	}
}

// TestSampleMarksTaskAnswers checks that a task sample's Sample pane marks
// a right answer ✓ and a wrong one ✗ with the right answer beside it,
// counts them, and says where accuracy is charted.
func TestSampleMarksTaskAnswers(t *testing.T) {
	m := newModelWith(t, taskSessionOptions(), 120, 40)
	start(t, m)
	if m.sess.Sample == nil || m.sess.Sample.Kind != "task" {
		t.Fatalf("the session's sample is %+v, want the addition task", m.sess.Sample)
	}
	m.Update(fixedAnswers(m, 40))
	view := ansi.Strip(m.sample.View())
	for _, want := range []string{
		"held-out, greedy: 1 of 3 right · step 40",
		"✓ 123+045= 0168",
		"✗ 506+494= 0900  want 1000",
		"✗ 099+001= ∅  want 0100",
		"accuracy over time: Loss pane (3), c",
		"step 40, seed 1:",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("no %q in\n%s", want, view)
		}
	}
	if strings.Contains(view, "✓ 506") || strings.Contains(view, "want 0168") {
		t.Errorf("a wrong answer marked right or a right one given its answer:\n%s", view)
	}
}

// TestSampleAnswersTaskProblems runs a task sample's inspection for real:
// the Sample pane gets the model's answers to the first held-out problems
// of the evaluation, each marked by samples.Problem.Correct.
func TestSampleAnswersTaskProblems(t *testing.T) {
	m := newModelWith(t, taskSessionOptions(), 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.until("the task answers", func() bool { return m.sample.answers != nil && !m.busy })
	want, _ := samples.Problems("addition", taskProblemsShown, 1)
	got := m.sample.answers
	if len(got) != len(want) {
		t.Fatalf("%d answers, want %d", len(got), len(want))
	}
	right := 0
	for i, a := range got {
		if a.prompt != want[i].Prompt || a.want != want[i].Answer {
			t.Errorf("answer %d is to %q (want %q), want the problem %q (%q)", i, a.prompt, a.want, want[i].Prompt, want[i].Answer)
		}
		if a.right != want[i].Correct(a.got) || strings.Contains(a.got, "\n") {
			t.Errorf("answer %d: %q marked right=%v", i, a.got, a.right)
		}
		if a.right {
			right++
		}
	}
	if s := ansi.Strip(m.sample.View()); !strings.Contains(s, fmt.Sprintf("%d of %d right", right, len(want))) {
		t.Errorf("the count right is not shown:\n%s", s)
	}
}

// TestSampleNoAnswersWithoutTask checks that other data shows no problems.
func TestSampleNoAnswersWithoutTask(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	d := newDriver(t, m)
	d.run(start(t, m))
	d.until("the first sample", func() bool { return m.sample.have && !m.busy })
	if m.sample.answers != nil || strings.Contains(ansi.Strip(m.sample.View()), "held-out") {
		t.Errorf("answers %v for data that is not a task:\n%s", m.sample.answers, ansi.Strip(m.sample.View()))
	}
}

// TestSampleTaskGolden draws Sample for the addition task with a right and
// two wrong answers.
func TestSampleTaskGolden(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newModelWith(t, taskSessionOptions(), sz[0], sz[1])
			start(t, m)
			m.Update(fixedAnswers(m, 40))
			checkGolden(t, ansi.Strip(m.sample.View()), m.lay.panes[paneSample].W)
		})
	}
}
