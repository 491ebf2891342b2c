package engine

import (
	"math"
	"math/rand/v2"
	"slices"
)

// SampleOptions controls generation. Temperature 0 is greedy decoding.
type SampleOptions struct {
	Temperature float64 // 0: argmax; 1: the model's distribution
	TopK        int     // keep the k most likely tokens; 0: all
	TopP        float64 // keep the smallest set with this much mass; 0 or 1: all
	Seed        uint64
}

// Validate reports the first option out of range as a *ConfigError naming
// its flag: temperature finite and ≥ 0, top-p in (0, 1] or 0 (off), top-k ≥ 0.
func (o SampleOptions) Validate() error {
	switch {
	case !(o.Temperature >= 0) || math.IsInf(o.Temperature, 0):
		return badFloat("--temperature", o.Temperature, "must be finite and ≥ 0 (0 is greedy)")
	case !(o.TopP >= 0 && o.TopP <= 1):
		return badFloat("--top-p", o.TopP, "out of range (0, 1], or 0 for all tokens")
	case o.TopK < 0:
		return badInt("--top-k", o.TopK, "must be ≥ 0 (0: all tokens)")
	}
	return nil
}

// IDs converts a tokenizer's ids to the engine's.
func IDs(ids []int) []int32 {
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = int32(id)
	}
	return out
}

// Prediction is one candidate next token.
type Prediction struct {
	ID   int32   `json:"id"`
	Prob float32 `json:"prob"`
}

// window returns the last Context tokens of ids, the most the model can see.
func (m *Model) window(ids []int32) []int32 {
	if n := m.Config.Context; len(ids) > n {
		return ids[len(ids)-n:]
	}
	return ids
}

// NextProbs runs the model on ids (cropped to its context) and returns the
// next-token distribution after the last one; the slice is valid until the
// next Forward. It panics on an empty ids.
func (m *Model) NextProbs(ids []int32) []float32 {
	if len(ids) == 0 {
		panic("engine: NextProbs: empty input")
	}
	w := m.window(ids)
	m.SetTraining(false)
	m.Forward(w, nil, 1, len(w))
	return m.Probs(0, len(w)-1)
}

// Probs returns the next-token distribution the last Forward (without
// targets) computed at position (b, t).
func (m *Model) Probs(b, t int) []float32 {
	V := m.Config.VocabSize
	i := b*m.T + t
	return m.acts.probs[i*V : (i+1)*V]
}

// Generate extends prompt by up to n tokens, calling emit with each one; it
// stops early when emit returns false. The same options and seed give the
// same tokens.
//
// It keeps a KV cache (see kvCache) for the call: while the text fits the
// context each token computes one new position; past the context the window
// slides and, position embeddings being absolute, each token recomputes the
// whole window (all of it up to the last layer's keys and values, then the
// last position alone). Apart from the cache and the returned slice, made once per
// call, generating a token allocates nothing. Generate only reads m, so
// several may run on one model at once, as long as it does not train.
func (m *Model) Generate(prompt []int32, n int, opt SampleOptions, emit func(id int32) bool) []int32 {
	return m.generate(prompt, n, opt, emit, newKVCache(m).next)
}

// generate is Generate with next giving the distribution after ids: the KV
// cache's, or NextProbs, the full forward pass the cache is tested against.
func (m *Model) generate(prompt []int32, n int, opt SampleOptions, emit func(id int32) bool, next func(ids []int32) []float32) []int32 {
	rng := rand.New(rand.NewPCG(opt.Seed, 0x853c49e6748fea9b))
	ids := append(make([]int32, 0, len(prompt)+max(n, 0)), prompt...)
	work := make([]Prediction, m.Config.VocabSize)
	for i := 0; i < n; i++ {
		var id int32
		if len(ids) == 0 {
			id = int32(rng.IntN(m.Config.VocabSize)) // nothing to condition on
		} else {
			id = pick(next(ids), opt, rng, work)
		}
		ids = append(ids, id)
		if emit != nil && !emit(id) {
			break
		}
	}
	return ids
}

// pick draws a token from probs under opt. work is scratch of len(probs).
func pick(probs []float32, opt SampleOptions, rng *rand.Rand, work []Prediction) int32 {
	if opt.Temperature <= 0 {
		best := 0
		for i, p := range probs {
			if p > probs[best] {
				best = i
			}
		}
		return int32(best)
	}
	// Reweight by temperature: softmax(logits/τ) ∝ p^(1/τ).
	cand := work[:len(probs)]
	inv := 1 / opt.Temperature
	var mx float64
	for _, p := range probs {
		mx = max(mx, float64(p))
	}
	for i, p := range probs {
		w := 0.0
		if p > 0 {
			w = math.Exp(inv * (math.Log(float64(p)) - math.Log(mx)))
		}
		cand[i] = Prediction{int32(i), float32(w)}
	}
	slices.SortStableFunc(cand, func(a, b Prediction) int {
		switch {
		case a.Prob > b.Prob:
			return -1
		case a.Prob < b.Prob:
			return 1
		}
		return 0
	})
	if opt.TopK > 0 && opt.TopK < len(cand) {
		cand = cand[:opt.TopK]
	}
	var total float64
	for _, c := range cand {
		total += float64(c.Prob)
	}
	if opt.TopP > 0 && opt.TopP < 1 {
		var acc float64
		for i, c := range cand {
			acc += float64(c.Prob) / total
			if acc >= opt.TopP {
				cand = cand[:i+1]
				break
			}
		}
		total = 0
		for _, c := range cand {
			total += float64(c.Prob)
		}
	}
	u := rng.Float64() * total
	for _, c := range cand {
		u -= float64(c.Prob)
		if u < 0 {
			return c.ID
		}
	}
	return cand[len(cand)-1].ID
}

// TopK returns the k most likely entries of probs, most likely first (ties
// by lower id).
func TopK(probs []float32, k int) []Prediction {
	k = min(k, len(probs))
	out := make([]Prediction, 0, k+1)
	for i, p := range probs {
		if len(out) == k && p <= out[k-1].Prob {
			continue
		}
		j := len(out)
		if j < k {
			out = append(out, Prediction{})
		} else {
			j = k - 1
		}
		for j > 0 && out[j-1].Prob < p {
			out[j] = out[j-1]
			j--
		}
		out[j] = Prediction{int32(i), p}
	}
	return out
}

// Inspection is what the model does with one token sequence.
type Inspection struct {
	Tokens    []int32         // the sequence, cropped to the context
	Attention [][][][]float32 // [layer][head][query t][key t'] probabilities; zero for t' > t
	Next      [][]Prediction  // top-k next tokens after each position
}

// Inspect runs ids (cropped to the context) and returns every layer's and
// head's attention weights and the top-k predictions at every position.
func (m *Model) Inspect(ids []int32, k int) Inspection {
	if len(ids) == 0 {
		return Inspection{}
	}
	w := m.window(ids)
	T := len(w)
	m.SetTraining(false)
	m.Forward(w, nil, 1, T)
	c := m.Config
	ins := Inspection{Tokens: slices.Clone(w)}
	for l := 0; l < c.Layers; l++ {
		att := layer(m.acts.att, l, c.Heads*T*T)
		heads := make([][][]float32, c.Heads)
		for h := range heads {
			rows := make([][]float32, T)
			for t := range rows {
				rows[t] = slices.Clone(att[(h*T+t)*T : (h*T+t+1)*T])
			}
			heads[h] = rows
		}
		ins.Attention = append(ins.Attention, heads)
	}
	for t := 0; t < T; t++ {
		ins.Next = append(ins.Next, TopK(m.Probs(0, t), k))
	}
	return ins
}
