package tui

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
	"lmlab/engine/lab"
)

// testCorpus is a small text written for these tests: sentences about
// animals, so the word tokenizer gives a few dozen tokens.
const testCorpus = "testdata/workbench-corpus.txt"

// testSessionOptions trains a very small model on testCorpus, fast enough
// for tests that take real steps.
func testSessionOptions() lab.Options {
	return lab.Options{Data: []string{testCorpus}, Tokenizer: "word", Preset: "tiny",
		Adjust: func(c *engine.Config, tc *engine.TrainConfig) error {
			c.Layers, c.Heads, c.Embd, c.Context = 2, 2, 16, 16
			tc.Context, tc.Batch, tc.Steps = 16, 4, 400
			tc.EvalEvery, tc.EvalWindows, tc.Warmup = 20, 4, 5
			return nil
		}}
}

// clock is a settable clock for the elapsed time.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// newTestModel returns a workbench in plain styles with a fixed clock,
// sized w×h, not yet started.
func newTestModel(t testing.TB, w, h int) (*Model, *clock) {
	t.Helper()
	st := PlainStyles()
	c := &clock{t: time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)}
	m := New(Options{Session: testSessionOptions(), Styles: &st, Now: c.Now,
		Every: RefreshIntervals{Frame: 20 * time.Millisecond, Inspect: 200 * time.Millisecond, Sample: 400 * time.Millisecond}})
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m, c
}

// start builds the session as Init would, hands it to m, and returns the
// command started returned (not run). The runner stops at the end of t.
func start(t testing.TB, m *Model) tea.Cmd {
	t.Helper()
	msg := openCmd(m.opts.Session)()
	sm, ok := msg.(startedMsg)
	if !ok {
		t.Fatalf("start: %v", msg)
	}
	t.Cleanup(sm.runner.Stop)
	_, cmd := m.Update(sm)
	return cmd
}

// stripped is the screen as text: styles removed.
func stripped(m *Model) string {
	return ansi.Strip(m.View().Content)
}

// feedHistory gives m a synthetic training history of n steps with an
// evaluation every 25 and 83 s of training, without touching the trainer.
func feedHistory(m *Model, c *clock, n int) {
	m.Update(eventsMsg{events: []engine.Event{{Kind: engine.EventState, Running: true}}})
	var evs []engine.Event
	for i := 1; i <= n; i++ {
		x := float64(i)
		loss := 3.2*math.Exp(-x/30) + 0.45 + 0.05*math.Sin(x/2)
		evs = append(evs, engine.Event{Kind: engine.EventStep, Step: i, Stats: engine.StepStats{
			Step: i, Loss: loss, LR: 3e-3 * (1 - x/float64(2*n)), GradNorm: 1 / math.Sqrt(x),
			Tokens: 64, Duration: 20 * time.Millisecond}})
		if i%25 == 0 {
			evs = append(evs, engine.Event{Kind: engine.EventEval, Step: i, ValLoss: loss + 0.1})
		}
	}
	m.Update(eventsMsg{events: evs})
	c.Add(83 * time.Second)
	m.Update(eventsMsg{events: []engine.Event{{Kind: engine.EventState, Running: false, Step: n}}})
}

// feedInspection gives m synthetic predictions, attention and a sample for
// its prompt, as if a snapshot at step had been inspected.
func feedInspection(m *Model, step int) {
	sample := m.sess.Encode(" on the mat.\nThe dog slept on the rug.\nA fox is quiet.\nThe hen sat on the wall.")
	m.Update(inspectedMsg{step: step, prompt: m.prompt, ins: syntheticInspection(m), sampled: true, sample: sample,
		opts: engine.SampleOptions{Temperature: 0.8, TopK: 20, Seed: 1}})
}

// syntheticPredictions returns k made-up next tokens of the corpus's words,
// the first with probability top, rotated by shift.
func syntheticPredictions(m *Model, shift, k int, top float32) []engine.Prediction {
	vocab := []int32{}
	// Words carry the space before them; a piece the tokenizer lacks
	// (" " alone in a word vocabulary) would come back as <unk>: skip it.
	for _, w := range []string{" ", " mat", " rug", " log", ".", " cat", " the", " wall"} {
		if e := m.sess.Encode(w); len(e) == 1 && m.sess.Decode(e) == w {
			vocab = append(vocab, e[0])
		}
	}
	var preds []engine.Prediction
	p := top
	for j := range min(k, len(vocab)) {
		preds = append(preds, engine.Prediction{ID: vocab[(j+shift)%len(vocab)], Prob: p})
		p /= 2.5
	}
	return preds
}

// syntheticInspection is made-up predictions and attention for m's prompt.
func syntheticInspection(m *Model) engine.Inspection {
	ids := m.sess.Encode(m.prompt)
	cfg := m.sess.Trainer.Model.Config
	ins := engine.Inspection{Tokens: ids}
	for t := range ids {
		ins.Next = append(ins.Next, syntheticPredictions(m, t, predictK, 0.6))
	}
	for l := 0; l < cfg.Layers; l++ {
		var heads [][][]float32
		for h := 0; h < cfg.Heads; h++ {
			rows := make([][]float32, len(ids))
			for q := range rows {
				rows[q] = make([]float32, len(ids))
				var sum float32
				for k := 0; k <= q; k++ {
					rows[q][k] = float32(1 + (q*7+k*3+h*5+l)%5*(k%3))
					sum += rows[q][k]
				}
				for k := 0; k <= q; k++ {
					rows[q][k] /= sum
				}
			}
			heads = append(heads, rows)
		}
		ins.Attention = append(ins.Attention, heads)
	}
	return ins
}

// driver runs a model the way a program does, minus the terminal: commands
// run on goroutines and their messages come back to Update on the test's
// goroutine, so tests can wait for conditions without sleeping.
type driver struct {
	t    testing.TB
	m    *Model
	msgs chan tea.Msg
	quit bool
}

func newDriver(t testing.TB, m *Model) *driver {
	return &driver{t: t, m: m, msgs: make(chan tea.Msg, 1024)}
}

func (d *driver) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() { d.msgs <- cmd() }()
}

// send delivers msg to Update and runs the command it returns.
func (d *driver) send(msg tea.Msg) {
	switch msg := msg.(type) {
	case nil:
		return
	case tea.BatchMsg:
		for _, c := range msg {
			d.run(c)
		}
		return
	case tea.QuitMsg:
		d.quit = true
		return
	}
	_, cmd := d.m.Update(msg)
	d.m.View() // as the program does after every update
	d.run(cmd)
}

// key sends a key press by its name ("space", "n", "?", "ctrl+c").
func (d *driver) key(name string) { d.send(keyPress(name)) }

// until delivers messages until cond holds, failing after a generous
// deadline with what the screen showed.
func (d *driver) until(what string, cond func() bool) {
	d.t.Helper()
	deadline := time.After(60 * time.Second)
	for !cond() {
		select {
		case msg := <-d.msgs:
			d.send(msg)
		case <-deadline:
			d.t.Fatalf("timed out waiting for %s; screen:\n%s", what, stripped(d.m))
		}
	}
}

// keyPress builds the key press message for a key name.
func keyPress(name string) tea.KeyPressMsg {
	switch name {
	case "space":
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "shift+tab":
		return tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "left":
		return tea.KeyPressMsg{Code: tea.KeyLeft}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "end":
		return tea.KeyPressMsg{Code: tea.KeyEnd}
	case "home":
		return tea.KeyPressMsg{Code: tea.KeyHome}
	case "pgdown":
		return tea.KeyPressMsg{Code: tea.KeyPgDown}
	case "pgup":
		return tea.KeyPressMsg{Code: tea.KeyPgUp}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	}
	if r := []rune(name); len(r) == 1 {
		return tea.KeyPressMsg{Code: r[0], Text: name}
	}
	panic(fmt.Sprintf("keyPress: unknown key %q", name))
}

// lineWith returns the first line of s that contains sub.
func lineWith(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}
