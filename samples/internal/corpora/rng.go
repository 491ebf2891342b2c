// Package corpora holds the seeded generators behind lmlab's built-in samples.
// Each generator is a pure function of its seed, so `go generate ./samples`
// rewrites the embedded files byte for byte and a test checks that it does.
//
//	text := corpora.Generate("cats")
//	p := corpora.AdditionProblem(corpora.NewRand(7))
//	fmt.Println(p.Prompt, p.Answer)
package corpora

import "slices"

// Rand is a small deterministic generator (splitmix64). It is written out here
// rather than taken from math/rand so the corpora stay byte-identical across Go
// releases: only this file decides which numbers a seed gives.
type Rand struct{ state uint64 }

// NewRand returns a generator seeded with seed.
func NewRand(seed uint64) *Rand { return &Rand{state: seed} }

// Uint64 returns the next 64 random bits.
func (r *Rand) Uint64() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// Intn returns a number in [0, n). The modulo bias is below 1e-15 for the small
// n used here, far under anything a corpus could show. It panics if n <= 0.
func (r *Rand) Intn(n int) int {
	if n <= 0 {
		panic("corpora: Intn: n <= 0")
	}
	return int(r.Uint64() % uint64(n))
}

// Chance reports true with probability p.
func (r *Rand) Chance(p float64) bool {
	return float64(r.Uint64()>>11)/(1<<53) < p
}

// Pick returns one element of xs chosen uniformly.
func Pick[T any](r *Rand, xs []T) T { return xs[r.Intn(len(xs))] }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
