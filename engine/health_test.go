package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// healthyStep is step s of a made-up healthy run: the loss falls from 3 to
// 0.4 with ±10 % batch noise, the gradient norm wanders in 0.5…1.5 and
// updates are 1e-2 of the weights.
func healthyStep(s int, rng *rand.Rand) (StepStats, StepExtra) {
	loss := (0.4 + 2.6*math.Exp(-float64(s)/50)) * (0.9 + 0.2*rng.Float64())
	return StepStats{Step: s, Loss: loss, LR: 1e-3, GradNorm: 0.5 + rng.Float64()}, StepExtra{UpdateRatio: 1e-2}
}

type kindAt struct {
	Step int
	Kind HealthKind
}

// TestHealthChecksFire drives a monitor with synthetic streams, each built
// to trip one check (or none), and asserts which checks fire and at which
// step: once when the condition begins, not at every step it holds.
func TestHealthChecksFire(t *testing.T) {
	uniform := func(T int) [][]float32 {
		rows := make([][]float32, T)
		for q := range rows {
			rows[q] = make([]float32, T)
			for k := 0; k <= q; k++ {
				rows[q][k] = 1 / float32(q+1)
			}
		}
		return rows
	}
	peaked := func(T int) [][]float32 {
		rows := make([][]float32, T)
		for q := range rows {
			rows[q] = make([]float32, T)
			rows[q][q] = 1
		}
		return rows
	}
	for _, tt := range []struct {
		name string
		// at changes step s of the healthy run (nil: leave it).
		at   func(s int, st *StepStats, x *StepExtra)
		eval func(s int) (float64, bool) // the validation loss after step s, if measured
		att  func(s int) [][][][]float32 // attention maps after step s, if looked at
		want []kindAt
	}{
		{name: "healthy", want: nil,
			eval: func(s int) (float64, bool) { return 3 * math.Exp(-float64(s)/100), s%50 == 0 },
			att: func(s int) [][][][]float32 {
				if s%100 == 0 {
					return [][][][]float32{{peaked(8), peaked(8)}}
				}
				return nil
			}},
		{name: "NaN loss", at: func(s int, st *StepStats, x *StepExtra) {
			if s >= 40 {
				st.Loss = math.NaN()
			}
		}, want: []kindAt{{40, NonFinite}}},
		{name: "infinite gradient", at: func(s int, st *StepStats, x *StepExtra) {
			if s == 40 {
				st.GradNorm = math.Inf(1)
			}
		}, want: []kindAt{{40, NonFinite}}},
		{name: "loss spike, and again after re-arming", at: func(s int, st *StepStats, x *StepExtra) {
			if s == 60 || s == 61 || s == 300 {
				st.Loss = 6
			}
		}, want: []kindAt{{60, LossSpike}, {300, LossSpike}}},
		{name: "exploding gradient", at: func(s int, st *StepStats, x *StepExtra) {
			if s >= 70 && s < 75 {
				st.GradNorm = 40
			}
		}, want: []kindAt{{70, ExplodingGrad}}},
		{name: "vanishing gradient", at: func(s int, st *StepStats, x *StepExtra) {
			if s >= 100 {
				st.GradNorm = 1e-5
			}
		}, want: []kindAt{{100 + Patience - 1, VanishingGrad}}},
		{name: "update ratio high", at: func(s int, st *StepStats, x *StepExtra) {
			if s >= 10 && s < 20 {
				x.UpdateRatio = 0.5
			}
		}, want: []kindAt{{10 + Patience - 1, UpdateRatioHigh}}},
		{name: "one high ratio is not a trend", at: func(s int, st *StepStats, x *StepExtra) {
			if s == 10 {
				x.UpdateRatio = 0.5
			}
		}, want: nil},
		{name: "update ratio low", at: func(s int, st *StepStats, x *StepExtra) {
			if s >= 150 {
				x.UpdateRatio = 1e-7
			}
		}, want: []kindAt{{150 + Patience - 1, UpdateRatioLow}}},
		{name: "overfitting", eval: func(s int) (float64, bool) {
			if s <= 200 {
				return 2 - float64(s)/200, s%50 == 0
			}
			return 1 + float64(s-200)/100, s%50 == 0 // 1.5 at 250, 2 at 300
		}, want: []kindAt{{300, Overfitting}}},
		{name: "uniform attention", att: func(s int) [][][][]float32 {
			if s%50 == 0 { // no head learns where to look
				return [][][][]float32{{uniform(8), uniform(8)}, {uniform(8), uniform(8)}}
			}
			return nil
		}, want: []kindAt{{UniformMinStep, UniformAttention}}},
		{name: "one diffuse head is not a finding", att: func(s int) [][][][]float32 {
			if s%50 == 0 { // head 2 of layer 1 stays diffuse, the others learn
				return [][][][]float32{{peaked(8), uniform(8)}, {peaked(8), peaked(8)}}
			}
			return nil
		}, want: nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			var h HealthMonitor
			var got []kindAt
			note := func(evs []HealthEvent) {
				for _, e := range evs {
					got = append(got, kindAt{e.Step, e.Kind})
					if !strings.Contains(e.Message, fmt.Sprintf("step %d", e.Step)) || !strings.Contains(e.Message, " — ") {
						t.Errorf("message %q does not name its step and a suggestion", e.Message)
					}
				}
			}
			for s := 1; s <= 400; s++ {
				st, x := healthyStep(s, rng)
				if tt.at != nil {
					tt.at(s, &st, &x)
				}
				note(h.ObserveStep(st, x))
				if tt.eval != nil {
					if v, ok := tt.eval(s); ok {
						note(h.ObserveEval(s, v))
					}
				}
				if tt.att != nil {
					if a := tt.att(s); a != nil {
						note(h.ObserveAttention(s, a))
					}
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("events %v, want %v", got, tt.want)
			}
		})
	}
}

func TestHealthObserveDivergedNamesTheTensor(t *testing.T) {
	var h HealthMonitor
	err := fmt.Errorf("step: %w", &DivergedError{Step: 7, Loss: 2.5, GradNorm: math.Inf(1), LR: 10, Tensor: "transformer.h.1.attn.c_attn.weight"})
	evs := h.ObserveDiverged(err)
	if len(evs) != 1 || evs[0].Kind != NonFinite || evs[0].Step != 7 || !strings.Contains(evs[0].Message, "transformer.h.1.attn.c_attn.weight") {
		t.Fatalf("ObserveDiverged = %+v, want one non_finite event at step 7 naming the tensor", evs)
	}
	if evs := h.ObserveDiverged(err); len(evs) != 0 {
		t.Errorf("the same divergence reported again: %+v", evs)
	}
	if evs := h.ObserveDiverged(fmt.Errorf("disk full")); evs != nil {
		t.Errorf("an unrelated error reported %+v", evs)
	}
}

func TestMeanEntropy(t *testing.T) {
	for _, tt := range []struct {
		name string
		rows [][]float32
		want float64
		ok   bool
	}{
		{"uniform", [][]float32{{1, 0, 0}, {0.5, 0.5, 0}, {1. / 3, 1. / 3, 1. / 3}}, 1, true},
		{"one key", [][]float32{{1, 0}, {0, 1}}, 0, true},
		{"single position", [][]float32{{1}}, 0, false},
		{"empty", nil, 0, false},
	} {
		got, ok := meanEntropy(tt.rows)
		if ok != tt.ok || math.Abs(got-tt.want) > 1e-6 {
			t.Errorf("%s: meanEntropy = %g, %v; want %g, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}
