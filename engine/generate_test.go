package engine

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestTopKMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 3))
	for _, n := range []int{1, 2, 7, 65, 300} {
		probs := randSlice(rng, n, 1)
		probs[n/2] = probs[0] // a tie
		for _, k := range []int{1, 3, 5, n, n + 4} {
			got := TopK(probs, k)
			want := make([]Prediction, n)
			for i, p := range probs {
				want[i] = Prediction{int32(i), p}
			}
			slices.SortStableFunc(want, func(a, b Prediction) int {
				if a.Prob > b.Prob {
					return -1
				}
				if a.Prob < b.Prob {
					return 1
				}
				return 0
			})
			want = want[:min(k, n)]
			if !slices.Equal(got, want) {
				t.Errorf("n=%d k=%d: TopK = %v, want %v", n, k, got, want)
			}
		}
	}
}

func TestPickRespectsOptions(t *testing.T) {
	probs := []float32{0.05, 0.5, 0.3, 0.15}
	work := make([]Prediction, len(probs))
	rng := rand.New(rand.NewPCG(1, 1))
	if got := pick(probs, SampleOptions{Temperature: 0}, rng, work); got != 1 {
		t.Errorf("greedy pick = %d, want 1", got)
	}
	counts := map[int32]int{}
	for i := 0; i < 2000; i++ {
		counts[pick(probs, SampleOptions{Temperature: 1, TopK: 2}, rng, work)]++
	}
	if counts[0]+counts[3] != 0 || counts[1] == 0 || counts[2] == 0 {
		t.Errorf("top-k 2 drew %v, want only ids 1 and 2", counts)
	}
	clear(counts)
	for i := 0; i < 2000; i++ {
		counts[pick(probs, SampleOptions{Temperature: 1, TopP: 0.75}, rng, work)]++
	}
	// 0.5 + 0.3 ≥ 0.75: the nucleus is {1, 2}.
	if counts[0]+counts[3] != 0 {
		t.Errorf("top-p 0.75 drew %v, want only ids 1 and 2", counts)
	}
	// Sampling at temperature 1 follows the distribution: id 1 about 50 %.
	clear(counts)
	for i := 0; i < 4000; i++ {
		counts[pick(probs, SampleOptions{Temperature: 1}, rng, work)]++
	}
	if f := float64(counts[1]) / 4000; f < 0.45 || f > 0.55 {
		t.Errorf("id 1 drawn %.3f of the time, want ≈ 0.5", f)
	}
}

func TestGenerateIsSeededAndCropsContext(t *testing.T) {
	cfg := Config{VocabSize: 13, Context: 8, Layers: 1, Heads: 2, Embd: 8}
	m := NewModel(cfg, 1)
	prompt := []int32{1, 2, 3}
	opt := SampleOptions{Temperature: 1, TopK: 5, Seed: 9}
	a := m.Generate(prompt, 20, opt, nil) // runs past the context of 8
	b := m.Generate(prompt, 20, opt, nil)
	if !slices.Equal(a, b) || len(a) != 23 || !slices.Equal(a[:3], prompt) {
		t.Fatalf("Generate = %v then %v; want the same 23 tokens starting with the prompt", a, b)
	}
	var got []int32
	m.Generate(prompt, 20, opt, func(id int32) bool { got = append(got, id); return len(got) < 4 })
	if !slices.Equal(got, a[3:7]) {
		t.Errorf("emit saw %v, want %v and then a stop", got, a[3:7])
	}
}

func TestInspectShapes(t *testing.T) {
	cfg := Config{VocabSize: 13, Context: 8, Layers: 2, Heads: 2, Embd: 8}
	m := NewModel(cfg, 1)
	ins := m.Inspect([]int32{1, 2, 3, 4, 5}, 3)
	if len(ins.Attention) != 2 || len(ins.Attention[1]) != 2 || len(ins.Attention[1][1]) != 5 || len(ins.Attention[1][1][4]) != 5 {
		t.Fatalf("attention shape wrong: %d layers", len(ins.Attention))
	}
	if len(ins.Next) != 5 || len(ins.Next[4]) != 3 {
		t.Fatalf("next shape wrong: %d positions", len(ins.Next))
	}
	// The last position's top-k agrees with NextProbs.
	want := TopK(m.NextProbs([]int32{1, 2, 3, 4, 5}), 3)
	if !slices.Equal(ins.Next[4], want) {
		t.Errorf("Inspect next %v, NextProbs top-k %v", ins.Next[4], want)
	}
}
