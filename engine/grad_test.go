package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Gradient checks: for each layer, loss = Σ out·dout with a random dout, the
// analytic gradient from the backward pass against central differences.
//
// Tolerance: the forward runs in float32, so the loss carries a rounding error
// of about 6e-8·√n·|out·dout| (n outputs, summed in float64); divided by the
// 2h = 2e-3 of the difference that is ~1e-4·√n/1000 ≈ 1e-4 for our sizes.
// Truncation error is O(h²·f”') ≈ 1e-6. We allow 2e-3 absolute plus 1 %
// relative, well above both and far below any real mistake (which shows up
// as O(1) relative error).
const (
	gradH      = 1e-3
	gradAbsTol = 2e-3
	gradRelTol = 1e-2
)

func randSlice(rng *rand.Rand, n int, scale float64) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = float32(rng.NormFloat64() * scale)
	}
	return s
}

func dot64(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

// checkGrad perturbs up to maxChecks elements of x and compares the central
// difference of loss() with analytic.
func checkGrad(t *testing.T, name string, x, analytic []float32, loss func() float64, maxChecks int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, uint64(len(x))))
	idx := rng.Perm(len(x))
	if len(idx) > maxChecks {
		idx = idx[:maxChecks]
	}
	bad := 0
	for _, i := range idx {
		orig := x[i]
		x[i] = orig + gradH
		lp := loss()
		x[i] = orig - gradH
		lm := loss()
		x[i] = orig
		// The perturbation actually applied is what float32 could represent.
		h := float64(orig+gradH) - float64(orig-gradH)
		num := (lp - lm) / h
		got := float64(analytic[i])
		if d := math.Abs(got - num); d > gradAbsTol+gradRelTol*math.Max(math.Abs(got), math.Abs(num)) {
			if bad < 5 {
				t.Errorf("%s[%d]: analytic %.6g, numeric %.6g (diff %.3g)", name, i, got, num, d)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d checked elements disagree", name, bad, len(idx))
	}
}

func TestGradEncoder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	B, T, C, V := 2, 3, 5, 7
	inp := []int32{0, 3, 3, 6, 1, 0}
	wte, wpe := randSlice(rng, V*C, 1), randSlice(rng, T*C, 1)
	dout := randSlice(rng, B*T*C, 1)
	out := make([]float32, B*T*C)
	loss := func() float64 { encoderForward(out, inp, wte, wpe, B, T, C); return dot64(out, dout) }
	dwte, dwpe := make([]float32, V*C), make([]float32, T*C)
	encoderBackward(dwte, dwpe, dout, inp, B, T, C)
	checkGrad(t, "dwte", wte, dwte, loss, 100)
	checkGrad(t, "dwpe", wpe, dwpe, loss, 100)
}

func TestGradLayerNorm(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	N, C := 6, 13
	inp := randSlice(rng, N*C, 1)
	for i := range inp {
		inp[i] += 3 // an offset exercises the mean subtraction
	}
	w, b := randSlice(rng, C, 1), randSlice(rng, C, 1)
	dout := randSlice(rng, N*C, 1)
	out, mean, rstd := make([]float32, N*C), make([]float32, N), make([]float32, N)
	loss := func() float64 { layerNormForward(out, mean, rstd, inp, w, b, N, C); return dot64(out, dout) }
	loss()
	dinp, dw, db := make([]float32, N*C), make([]float32, C), make([]float32, C)
	layerNormBackward(dinp, dw, db, dout, inp, w, mean, rstd, N, C)
	checkGrad(t, "dinp", inp, dinp, loss, 200)
	checkGrad(t, "dw", w, dw, loss, 200)
	checkGrad(t, "db", b, db, loss, 200)
}

func TestGradMatmul(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 3))
	N, C, OC := 7, 5, 11
	inp, w, bias := randSlice(rng, N*C, 1), randSlice(rng, OC*C, 1), randSlice(rng, OC, 1)
	dout := randSlice(rng, N*OC, 1)
	out := make([]float32, N*OC)
	loss := func() float64 { matmulForward(out, inp, w, bias, N, C, OC); return dot64(out, dout) }
	dinp, dw, db := make([]float32, N*C), make([]float32, OC*C), make([]float32, OC)
	matmulBackward(dinp, dw, db, dout, inp, w, N, C, OC)
	checkGrad(t, "dinp", inp, dinp, loss, 200)
	checkGrad(t, "dw", w, dw, loss, 200)
	checkGrad(t, "dbias", bias, db, loss, 200)
}

func TestGradAttention(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 4))
	B, T, C, NH := 2, 5, 8, 2
	qkv := randSlice(rng, B*T*3*C, 1)
	dout := randSlice(rng, B*T*C, 1)
	out, att := make([]float32, B*T*C), make([]float32, B*NH*T*T)
	loss := func() float64 { attentionForward(out, att, qkv, B, T, C, NH); return dot64(out, dout) }
	loss()
	dqkv := make([]float32, B*T*3*C)
	for i := range dqkv {
		dqkv[i] = float32(math.NaN()) // attentionBackward must overwrite every element
	}
	attentionBackward(dqkv, make([]float32, B*NH*T*T), dout, qkv, att, B, T, C, NH)
	checkGrad(t, "dqkv", qkv, dqkv, loss, 1000)
}

func TestAttentionIsCausalAndNormalised(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 5))
	B, T, C, NH := 1, 6, 8, 2
	qkv := randSlice(rng, B*T*3*C, 2)
	out, att := make([]float32, B*T*C), make([]float32, B*NH*T*T)
	attentionForward(out, att, qkv, B, T, C, NH)
	for h := 0; h < NH; h++ {
		for q := 0; q < T; q++ {
			var sum float64
			for k := 0; k < T; k++ {
				w := att[(h*T+q)*T+k]
				if k > q && w != 0 {
					t.Errorf("head %d: query %d attends to future key %d with %g", h, q, k, w)
				}
				sum += float64(w)
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Errorf("head %d query %d: weights sum to %g, want 1", h, q, sum)
			}
		}
	}
}

func TestGradGelu(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 6))
	n := 200
	inp := randSlice(rng, n, 2)
	dout := randSlice(rng, n, 1)
	out := make([]float32, n)
	loss := func() float64 { geluForward(out, inp); return dot64(out, dout) }
	dinp := make([]float32, n)
	geluBackward(dinp, inp, dout)
	checkGrad(t, "dinp", inp, dinp, loss, n)
}

func TestGradSoftmaxCrossEntropy(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 7))
	N, V := 5, 9
	logits := randSlice(rng, N*V, 2)
	targets := []int32{0, 8, 3, 3, 5}
	probs, losses := make([]float32, N*V), make([]float32, N)
	loss := func() float64 {
		copy(probs, logits)
		softmaxCrossEntropyForward(probs, losses, targets, N, V)
		var s float64
		for _, l := range losses {
			s += float64(l)
		}
		return s / float64(N)
	}
	loss()
	dlogits := make([]float32, N*V)
	softmaxCrossEntropyBackward(dlogits, probs, targets, 1/float32(N), N, V)
	checkGrad(t, "dlogits", logits, dlogits, loss, N*V)
}

// TestGradModel checks every parameter tensor of a whole small model, with
// dropout off, the LM head tied and odd sizes.
func TestGradModel(t *testing.T) {
	cfg := Config{VocabSize: 11, Context: 8, Layers: 2, Heads: 2, Embd: 6}
	m := NewModel(cfg, 3)
	// Larger weights than GPT-2's init make every path carry signal.
	rng := rand.New(rand.NewPCG(2, 2))
	for i := range m.arena {
		m.arena[i] += float32(rng.NormFloat64() * 0.3)
	}
	B, T := 2, 7
	inputs, targets := make([]int32, B*T), make([]int32, B*T)
	for i := range inputs {
		inputs[i], targets[i] = int32(rng.IntN(11)), int32(rng.IntN(11))
	}
	loss := func() float64 { return float64(m.Forward(inputs, targets, B, T)) }
	m.ZeroGrad()
	loss()
	m.Backward(1)
	for _, nt := range cfg.tensors() {
		checkGrad(t, nt.name, m.arena[nt.start:nt.end], m.garena[nt.start:nt.end], loss, 8)
	}
}

// TestGradModelDropout repeats the whole-model check with dropout on: the
// masks are redrawn every forward pass, so the check replays the same mask
// stream by restoring the dropout RNG before each evaluation.
func TestGradModelDropout(t *testing.T) {
	cfg := Config{VocabSize: 7, Context: 5, Layers: 1, Heads: 1, Embd: 4, Dropout: 0.25}
	m := NewModel(cfg, 4)
	m.SetTraining(true)
	B, T := 1, 5
	inputs, targets := []int32{1, 2, 3, 4, 5}, []int32{2, 3, 4, 5, 6}
	state := m.dropMu
	loss := func() float64 { m.dropMu = state; return float64(m.Forward(inputs, targets, B, T)) }
	m.ZeroGrad()
	loss()
	m.Backward(1)
	for _, nt := range cfg.tensors() {
		checkGrad(t, nt.name, m.arena[nt.start:nt.end], m.garena[nt.start:nt.end], loss, 8)
	}
}
