package tui

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"lmlab/engine"
)

// softmaxAt is the naive twin of predictAt's reweighting: the distribution
// softmax(logits/τ) computed from the logits, in float64.
func softmaxAt(logits []float64, tau float64) []float64 {
	mx := math.Inf(-1)
	for _, l := range logits {
		mx = max(mx, l/tau)
	}
	out := make([]float64, len(logits))
	var z float64
	for i, l := range logits {
		out[i] = math.Exp(l/tau - mx)
		z += out[i]
	}
	for i := range out {
		out[i] /= z
	}
	return out
}

// TestPredictAt checks the predictions at a temperature against softmax of
// the logits divided by τ, the scored next token's probability, rank and
// ties, and greedy τ 0.
func TestPredictAt(t *testing.T) {
	logits := []float64{1.5, -0.25, 3, 0.5, 3, -2, 0}
	p1 := softmaxAt(logits, 1)
	probs := make([]float32, len(p1))
	for i, p := range p1 {
		probs[i] = float32(p)
	}
	tests := []struct {
		name     string
		tau      float64
		next     int32
		wantRank int
	}{
		{"τ 1, the likeliest (tied, lower id)", 1, 2, 1},
		{"τ 1, tied, higher id", 1, 4, 2},
		{"τ 0.5, third", 0.5, 0, 3},
		{"τ 2, last", 2, 5, 7},
		{"τ 0.1, sharp", 0.1, 3, 4},
		{"τ 0, greedy", 0, 1, 6},
		{"the prompt ends", 0.8, -1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := predictAt(probs, tt.next, tt.tau, len(probs))
			var want []float64
			if tt.tau > 0 {
				want = softmaxAt(logits, tt.tau)
			} else {
				want = make([]float64, len(logits))
				want[2] = 1 // the first of the two likeliest
			}
			if len(got.top) != len(probs) {
				t.Fatalf("%d predictions, want %d", len(got.top), len(probs))
			}
			var sum float64
			for i, c := range got.top {
				// float32 probabilities, reweighted in float64: a few ulps
				// of float32 (2⁻²⁴ ≈ 6e-8) relative, times 1/τ ≤ 10.
				if d := math.Abs(float64(c.Prob) - want[c.ID]); d > 1e-6 {
					t.Errorf("token %d at τ %g: p %v, want %v", c.ID, tt.tau, c.Prob, want[c.ID])
				}
				if i > 0 && c.Prob > got.top[i-1].Prob {
					t.Errorf("not likeliest first: %v", got.top)
				}
				sum += float64(c.Prob)
			}
			if math.Abs(sum-1) > 1e-6 {
				t.Errorf("probabilities sum to %v, want 1", sum)
			}
			if got.next != tt.next {
				t.Fatalf("next %d, want %d", got.next, tt.next)
			}
			if tt.next < 0 {
				if got.rank != 0 || got.p != 0 {
					t.Errorf("the end of the prompt is scored: %+v", got)
				}
				return
			}
			if got.p != probs[tt.next] {
				t.Errorf("p %v, want the τ-1 probability %v", got.p, probs[tt.next])
			}
			if d := math.Abs(float64(got.pTau) - want[tt.next]); d > 1e-6 {
				t.Errorf("p at τ %v, want %v", got.pTau, want[tt.next])
			}
			if got.rank != tt.wantRank {
				t.Errorf("rank %d, want %d", got.rank, tt.wantRank)
			}
		})
	}
}

// TestPredictAtFlattens checks that a higher temperature flattens the bars:
// the likeliest token loses probability and is fewer times the last bar
// (the ratio is exp((l₁−l_k)/τ)), at every step the t/T keys take.
func TestPredictAtFlattens(t *testing.T) {
	probs := []float32{0.5, 0.2, 0.15, 0.1, 0.04, 0.01}
	prev := predictAt(probs, -1, 0.1, 3)
	for tau := 0.2; tau <= 2.001; tau += 0.1 {
		got := predictAt(probs, -1, tau, 3)
		if !(got.top[0].Prob < prev.top[0].Prob) || !(got.top[0].Prob/got.top[2].Prob < prev.top[0].Prob/prev.top[2].Prob) {
			t.Errorf("τ %.1f: top %v, at the τ below %v: not flatter", tau, got.top, prev.top)
		}
		prev = got
	}
}

// handPredicted is a hand-built inspection of m's prompt at step: at each
// position, the bars are made-up predictions, likeliest first, and the next
// token of the prompt is scored with probability ps[t] at temperature 1,
// made up at tau, and rank ranks[t]: when that is within the bars, it is
// placed among them (its rank is then its row); else it is left out of them.
func handPredicted(m *Model, step int, tau float64, ps []float32, ranks []int) predictedMsg {
	ins := syntheticInspection(m)
	msg := predictedMsg{inspectedMsg: inspectedMsg{step: step, prompt: m.prompt, ins: ins}, tau: tau}
	for t := range ins.Tokens {
		pp := positionPrediction{tau: tau, top: syntheticPredictions(m, t, predictK, 0.6), next: -1}
		if t+1 < len(ins.Tokens) {
			pTau := float32(math.Pow(float64(ps[t]), 1/tau)) // made up: not renormalized
			pp.next, pp.p, pp.pTau, pp.rank = ins.Tokens[t+1], ps[t], pTau, ranks[t]
			pp.top = slices.DeleteFunc(pp.top, func(c engine.Prediction) bool { return c.ID == pp.next })
			if r := ranks[t]; r <= len(pp.top) {
				pp.top[r-1] = engine.Prediction{ID: pp.next, Prob: pTau}
				slices.SortStableFunc(pp.top, func(a, b engine.Prediction) int { return cmp.Compare(b.Prob, a.Prob) })
				pp.rank = slices.IndexFunc(pp.top, func(c engine.Prediction) bool { return c.ID == pp.next }) + 1
			}
		}
		msg.next = append(msg.next, pp)
	}
	return msg
}

// TestPredictShowsNextToken checks the line under the bars: the token that
// comes next in the prompt, its probability, its loss −ln p and its rank,
// marked among the bars when it is there.
func TestPredictShowsNextToken(t *testing.T) {
	m, _ := newTestModel(t, 200, 60)
	start(t, m)
	m.setPrompt("The cat sat on the mat")
	ids := m.sess.Encode(m.prompt)
	n := len(ids)
	ps := make([]float32, n)
	ranks := make([]int, n)
	for i := range ps {
		ps[i], ranks[i] = 0.2, 2 // in place of the made-up bars' second, 0.24
	}
	ps[1], ranks[1] = 0.0004, 57 // " sat", after "The cat", is not among the bars
	m.Update(handPredicted(m, 7, 1, ps, ranks))
	m.setFocus(panePredict)

	tests := []struct {
		pos       int
		want      []string
		wantMark  string // the bar row that carries ◀; "": none
		forbidden []string
	}{
		{0, []string{`next in the prompt "·cat" rank 2 ◀`, "p 20%", "loss −ln p 1.61"}, "·cat", nil},
		{1, []string{`next in the prompt "·sat" rank 57, not among the bars`, "p 0.04%", "loss −ln p 7.82"}, "", nil},
		{2, []string{`next in the prompt "·on" rank 2 ◀`}, "·on", nil},
		{n - 1, []string{"the prompt ends here"}, "", []string{"next in the prompt", "loss"}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("position %d", tt.pos), func(t *testing.T) {
			m.predict.move(tt.pos - m.predict.pos)
			view := ansi.Strip(m.predict.View())
			for _, w := range tt.want {
				if !strings.Contains(view, w) {
					t.Errorf("no %q in\n%s", w, view)
				}
			}
			for _, f := range tt.forbidden {
				if strings.Contains(view, f) {
					t.Errorf("%q at the prompt's last position:\n%s", f, view)
				}
			}
			marked := lineWith(view, "◀┃")
			if tt.wantMark == "" && marked != "" {
				t.Errorf("a bar is marked though the next token is not among them: %q", marked)
			}
			if tt.wantMark != "" && !strings.HasPrefix(strings.TrimLeft(marked, "┃"), tt.wantMark+" ") {
				t.Errorf("marked bar %q, want the row of %q", marked, tt.wantMark)
			}
		})
	}
}

// TestPredictJobScoresNextTokens runs the inspect command on a real model
// and checks each position's scored next token and bars against the
// model's own distribution after the prompt's prefix, with a sample taken
// in the same job.
func TestPredictJobScoresNextTokens(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	start(t, m)
	m.setPrompt("The cat sat on the mat. The dog")
	m.temperature = 0.5
	snap := m.sess.Trainer.Model.Clone()
	m.job.sample = true
	m.firstDeferred = true // the first sample's own path: TestFirstSampleComesAfterPredictions
	msg := m.inspect(snap, 3)().(predictedMsg)
	ids := msg.ins.Tokens
	if len(ids) < 4 || len(msg.next) != len(ids) || !msg.sampled {
		t.Fatalf("%d tokens, %d scored, sampled %v", len(ids), len(msg.next), msg.sampled)
	}
	if msg.tau != 0.5 {
		t.Errorf("τ %v, want the model's 0.5", msg.tau)
	}
	ref := m.sess.Trainer.Model.Clone()
	for i := range ids {
		probs := ref.NextProbs(ids[:i+1])
		next := int32(-1)
		if i+1 < len(ids) {
			next = ids[i+1]
		}
		want := predictAt(probs, next, 0.5, predictK)
		got := msg.next[i]
		// The same arithmetic on a window of another length: the kernels
		// may sum in another order, a few ulps of float32.
		const tol = 1e-5
		if got.next != want.next || got.rank != want.rank || math.Abs(float64(got.p-want.p)) > tol || math.Abs(float64(got.pTau-want.pTau)) > tol {
			t.Errorf("position %d: %+v, want %+v", i, got, want)
		}
		for j := range want.top {
			if got.top[j].ID != want.top[j].ID || math.Abs(float64(got.top[j].Prob-want.top[j].Prob)) > tol {
				t.Errorf("position %d, bar %d: %v, want %v", i, j, got.top[j], want.top[j])
			}
		}
	}
}

// TestPredictGolden draws Predict at temperature 0.8 at a position whose
// next token is among the bars, one where it is not, and the last.
func TestPredictGolden(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := fixture(t, sz[0], sz[1])
			n := len(m.sess.Encode(m.prompt))
			ps, ranks := make([]float32, n), make([]int, n)
			for i := range ps {
				ps[i], ranks[i] = 0.3/float32(i+1), i%4+1
			}
			ps[3], ranks[3] = 0.002, 23 // "slept": not among the bars
			m.Update(handPredicted(m, 120, 0.8, ps, ranks))
			m.setFocus(panePredict)
			var views []string
			for _, pos := range []int{2, 3, n - 1} {
				m.predict.move(pos - m.predict.pos)
				views = append(views, ansi.Strip(m.predict.View()))
			}
			checkGolden(t, strings.Join(views, "\n"), m.lay.panes[panePredict].W)
		})
	}
}

// TestReweighFrom checks which positions an inspection reweighs at a
// temperature other than 1: all of a small vocabulary's, the last ones of a
// big one's, within tauBudget.
func TestReweighFrom(t *testing.T) {
	tests := []struct {
		name    string
		n, V    int
		want    int
		wantAll bool
	}{
		{"char, full context", 1024, 65, 0, true},
		{"word vocabulary", 256, 3000, 0, true},
		{"GPT-2, short prompt", 20, 50257, 0, true},
		{"GPT-2, full context", 1024, 50257, 1024 - tauBudget/50257, false},
		{"no tokens", 0, 50257, 0, true},
	}
	for _, tt := range tests {
		got := reweighFrom(tt.n, tt.V)
		if got != tt.want {
			t.Errorf("%s: from %d, want %d", tt.name, got, tt.want)
		}
		if cost := (tt.n - got) * tt.V; cost > tauBudget {
			t.Errorf("%s: reweighs %d probabilities, more than %d", tt.name, cost, tauBudget)
		}
	}
}

// TestPredictSaysWhereTemperatureStops checks the note at a position before
// those a big vocabulary's inspection reweighs: its bars are at τ 1.
func TestPredictSaysWhereTemperatureStops(t *testing.T) {
	m := fixture(t, 200, 60)
	n := len(m.sess.Encode(m.prompt))
	ps, ranks := make([]float32, n), make([]int, n)
	for i := range ps {
		ps[i], ranks[i] = 0.1, 30
	}
	msg := handPredicted(m, 120, 0.5, ps, ranks)
	for i := range n - 3 {
		msg.next[i].tau = 1
	}
	m.Update(msg)
	m.predict.move(-n)
	view := ansi.Strip(m.predict.View())
	for _, want := range []string{"temperature 1.0:", "temperature 0.5 is for the last 3 positions only"} {
		if !strings.Contains(view, want) {
			t.Errorf("no %q at the first position:\n%s", want, view)
		}
	}
	m.predict.move(n)
	if view := ansi.Strip(m.predict.View()); !strings.Contains(view, "temperature 0.5:") || strings.Contains(view, "only") {
		t.Errorf("at the last position:\n%s", view)
	}
}

// BenchmarkPredictAt is one position of a GPT-2-sized vocabulary at τ 0.8
// (a 1024-token prompt costs 1024 of these per inspection) and at τ 1.
func BenchmarkPredictAt(b *testing.B) {
	const V = 50257
	probs := make([]float32, V)
	var z float64
	for i := range probs {
		probs[i] = float32(math.Exp(-float64(i%977) / 50))
		z += float64(probs[i])
	}
	for i := range probs {
		probs[i] /= float32(z)
	}
	for _, tau := range []float64{0.8, 1} {
		b.Run(fmt.Sprintf("tau=%g", tau), func(b *testing.B) {
			for b.Loop() {
				predictAt(probs, 1234, tau, predictK)
			}
		})
	}
}

// TestFirstSampleComesAfterPredictions: in a new workbench the first job
// that wants predictions and a sample does the predictions only and asks
// for the sample next; that sample stays inside the context (no sliding
// window); and a deferred sample is not deferred again.
func TestFirstSampleComesAfterPredictions(t *testing.T) {
	m, _ := newTestModel(t, 120, 40)
	start(t, m)
	m.sample.have = false
	m.firstDeferred = false
	snap := m.sess.Trainer.Model.Clone()
	m.job = refreshWant{inspect: true, sample: true}
	first := m.inspect(snap, 0)().(predictedMsg)
	if first.sampled || !m.want.sample {
		t.Fatalf("first job: sampled %v, sample wanted next %v; want predictions only and the sample next", first.sampled, m.want.sample)
	}
	if len(first.next) == 0 {
		t.Fatal("first job scored no positions")
	}
	m.job, m.want = refreshWant{inspect: true, sample: true}, refreshWant{}
	second := m.inspect(snap, 0)().(predictedMsg)
	if !second.sampled {
		t.Fatal("the deferred sample was deferred again")
	}
	ids, _ := promptTail(m.sess.Encode, m.prompt, snap.Config.Context)
	if limit := max(snap.Config.Context-len(ids), 16); len(second.sample) > limit || m.sample.tokensWanted() <= limit {
		t.Errorf("the first sample has %d tokens, the pane wants %d, the context holds %d more: want it cut to the context", len(second.sample), m.sample.tokensWanted(), limit)
	}
}
