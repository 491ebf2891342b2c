package engine

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// bits returns the bit patterns of xs, so NaNs compare equal to themselves.
func bits(xs []float32) []uint32 {
	out := make([]uint32, len(xs))
	for i, x := range xs {
		out[i] = math.Float32bits(x)
	}
	return out
}

// divergeTrainer is a small trainer that has taken one good step, so its
// optimizer moments exist.
func divergeTrainer(t *testing.T) *Trainer {
	t.Helper()
	cfg, tc := smallRun()
	tc.GradAccum = 2
	tr, err := NewTrainer(NewModel(cfg, 3), tc, Data{Train: []Segment{{Name: "x", Tokens: testData(500, cfg.VocabSize, 7), Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	mustStep(t, tr)
	return tr
}

// checkUnapplied asserts the step count, weights and moments are as before.
func checkUnapplied(t *testing.T, tr *Trainer, arena, m, v []uint32) {
	t.Helper()
	if tr.Steps() != 1 {
		t.Errorf("step count %d after a diverged step, want 1", tr.Steps())
	}
	if !slices.Equal(bits(tr.Model.arena), arena) {
		t.Error("a diverged step changed the weights")
	}
	if !slices.Equal(bits(tr.opt.M), m) || !slices.Equal(bits(tr.opt.V), v) {
		t.Error("a diverged step changed the optimizer moments")
	}
}

func TestStepStopsOnNonFiniteLoss(t *testing.T) {
	for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1))} {
		tr := divergeTrainer(t)
		tr.Model.Params.LNFW[0] = bad // every logit, so every loss, goes non-finite
		arena, m, v := bits(tr.Model.arena), bits(tr.opt.M), bits(tr.opt.V)
		st, err := tr.Step()
		var de *DivergedError
		if !errors.As(err, &de) {
			t.Fatalf("Step() with ln_f weight %v = %+v, %v; want a *DivergedError", bad, st, err)
		}
		if de.Step != 2 || de.Tensor != "" || finite(de.Loss) {
			t.Errorf("DivergedError %+v, want step 2, a non-finite loss and no tensor", de)
		}
		if msg := err.Error(); !strings.Contains(msg, "step 2") || !strings.Contains(msg, "--lr") {
			t.Errorf("error %q should name the step and suggest lowering --lr", msg)
		}
		checkUnapplied(t, tr, arena, m, v)
	}
}

func TestStepStopsOnNonFiniteGradient(t *testing.T) {
	tr := divergeTrainer(t)
	arena, m, v := bits(tr.Model.arena), bits(tr.opt.M), bits(tr.opt.V)
	loss, err := tr.backprop()
	if err != nil {
		t.Fatal(err)
	}
	var qkv namedTensor
	for _, nt := range tr.Model.Config.tensors() {
		if nt.name == "transformer.h.1.attn.c_attn.weight" {
			qkv = nt
		}
	}
	// A finite loss with one infinite gradient (in h.1, so the arena-order
	// search must skip h.0's finite c_attn gradient).
	tr.Model.garena[qkv.start+17] = float32(math.Inf(-1))
	_, err = tr.apply(loss, time.Now())
	var de *DivergedError
	if !errors.As(err, &de) {
		t.Fatalf("apply with an infinite gradient = %v; want a *DivergedError", err)
	}
	if de.Tensor != qkv.name || de.Step != 2 || de.Loss != loss || finite(de.GradNorm) {
		t.Errorf("DivergedError %+v, want tensor %s, step 2, loss %v and a non-finite norm", de, qkv.name, loss)
	}
	if !strings.Contains(err.Error(), qkv.name) {
		t.Errorf("error %q does not name the tensor", err)
	}
	checkUnapplied(t, tr, arena, m, v)
	// The trainer goes on from there once the cause is gone.
	if st := mustStep(t, tr); st.Step != 2 {
		t.Errorf("next good step is %d, want 2", st.Step)
	}
}

func TestBackwardNeedsForwardWithTargets(t *testing.T) {
	cfg := Config{VocabSize: 5, Context: 4, Layers: 1, Heads: 1, Embd: 4}
	m := NewModel(cfg, 1)
	if got := m.Forward([]int32{1, 2, 3}, nil, 1, 3); got != 0 {
		t.Errorf("Forward without targets = %v, want 0", got)
	}
	defer func() {
		if r := recover(); r == nil || !strings.HasPrefix(r.(string), "engine: Backward") {
			t.Errorf("Backward after a Forward without targets: recovered %v, want an engine: Backward panic", r)
		}
	}()
	m.Backward(1)
}

// stopAfter is a context whose Err reports Canceled from its n+1-th call on:
// a cancellation that arrives while the evaluation runs, with no clock.
type stopAfter struct {
	context.Context
	n, calls int
}

func (c *stopAfter) Err() error {
	c.calls++
	if c.calls > c.n {
		return context.Canceled
	}
	return nil
}

func TestEvalContextStopsBetweenBatches(t *testing.T) {
	cfg := Config{VocabSize: 5, Context: 4, Layers: 1, Heads: 1, Embd: 4}
	m := NewModel(cfg, 1)
	tokens := testData(4*10+1, 5, 1) // 10 windows: 4 batches of 3

	done, cancel := context.WithCancel(context.Background())
	cancel()
	if l, n, err := m.EvalContext(done, tokens, 4, 3, 0); !errors.Is(err, context.Canceled) || n != 0 || l != 0 {
		t.Errorf("EvalContext with a cancelled context = %v, %d, %v; want 0, 0, context.Canceled", l, n, err)
	}

	ctx := &stopAfter{Context: context.Background(), n: 1}
	if _, _, err := m.EvalContext(ctx, tokens, 4, 3, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("EvalContext cancelled after the first batch = %v, want context.Canceled", err)
	}
	if ctx.calls != 2 {
		t.Errorf("ctx checked %d times, want 2: once before each of the first two batches", ctx.calls)
	}

	wantL, wantN := m.Eval(tokens, 4, 3, 0)
	gotL, gotN, err := m.EvalContext(context.Background(), tokens, 4, 3, 0)
	if err != nil || gotL != wantL || gotN != wantN || wantN != 40 {
		t.Errorf("EvalContext = %v, %d, %v; Eval = %v, %d (want 40 tokens)", gotL, gotN, err, wantL, wantN)
	}
}

func TestTrainerEvaluateContext(t *testing.T) {
	tr, _ := trainerForTest(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := tr.EvaluateContext(ctx, 0); !errors.Is(err, context.Canceled) {
		t.Errorf("EvaluateContext with a cancelled context = %v, want context.Canceled", err)
	}
	wantL, wantN := tr.Evaluate(5)
	l, n, err := tr.EvaluateContext(context.Background(), 5)
	if err != nil || l != wantL || n != wantN || n == 0 {
		t.Errorf("EvaluateContext = %v, %d, %v; Evaluate = %v, %d", l, n, err, wantL, wantN)
	}
}

func TestRunnerReportsDivergence(t *testing.T) {
	tr := divergeTrainer(t)
	tr.Model.Params.LNFW[0] = float32(math.NaN())
	r := NewRunner(tr)
	defer r.Stop()
	r.Send(Run{})
	for ev := range r.Events() {
		switch ev.Kind {
		case EventStep, EventEval, EventDone:
			t.Fatalf("got %+v from a diverging run, want an error", ev)
		case EventError:
			var de *DivergedError
			if !errors.As(ev.Err, &de) || ev.Step != 1 {
				t.Fatalf("error event %+v, want a *DivergedError at step 1", ev)
			}
			if st := <-r.Events(); st.Kind != EventState || st.Running {
				t.Errorf("after the error got %+v, want the runner paused", st)
			}
			if tr.Steps() != 1 {
				t.Errorf("trainer at step %d, want 1", tr.Steps())
			}
			return
		}
	}
	t.Fatal("event stream closed without an error")
}
