package engine

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"lmlab/samples"
	"lmlab/tokenizer"
)

// rounded returns a copy of xs rounded to bfloat16.
func rounded(xs []float32) []float32 {
	out := make([]float32, len(xs))
	roundBF16(out, xs)
	return out
}

// u32 is float32's unit roundoff, 2⁻²⁴; ubf16 is bfloat16's, 2⁻⁸ (8
// significant bits, rounding to nearest).
const (
	u32   = 0x1p-24
	ubf16 = 0x1p-8
)

// refProduct is Σ_k a[i,k]·b[j,k] for every (i, j) in float64, with
// Σ_k |a[i,k]|·|b[j,k]| for the error bounds. a (M,K); b (N,K) with strides
// given as (row, col) steps, so transposes are views.
func refProduct(a []float32, ar, ac int, b []float32, br, bc int, M, N, K int) (prod, mag []float64) {
	prod, mag = make([]float64, M*N), make([]float64, M*N)
	for i := 0; i < M; i++ {
		for j := 0; j < N; j++ {
			var s, m float64
			for k := 0; k < K; k++ {
				x, y := float64(a[i*ar+k*ac]), float64(b[j*br+k*bc])
				s += x * y
				m += math.Abs(x * y)
			}
			prod[i*N+j], mag[i*N+j] = s, m
		}
	}
	return prod, mag
}

// TestMatmulBF16AgainstReference checks a bf16 model's linear layer,
// forward and backward, under each BLAS: every product must be the float64
// product of the rounded operands up to float32 accumulation, whose error
// over K terms is at most (K+1)·u·Σ|a||b| (one rounding per addition, one
// more for the bias or the += into dw).
func TestMatmulBF16AgainstReference(t *testing.T) {
	shapes := []struct{ N, C, OC int }{{7, 5, 11}, {33, 70, 45}, {64, 128, 65}}
	withBLAS(t, func(t *testing.T) {
		for _, sh := range shapes {
			N, C, OC := sh.N, sh.C, sh.OC
			rng := rand.New(rand.NewPCG(uint64(N), uint64(C)))
			inp, w, bias := randSlice(rng, N*C, 1), randSlice(rng, OC*C, 0.5), randSlice(rng, OC, 1)
			dout := randSlice(rng, N*OC, 1)
			dw0, db0 := randSlice(rng, OC*C, 1), randSlice(rng, OC, 1)
			m := &Model{}
			if err := m.SetPrecision(PrecisionBF16); err != nil {
				t.Fatal(err)
			}
			out := make([]float32, N*OC)
			m.matmulForward(out, inp, w, bias, N, C, OC)
			dinp, dw, db := make([]float32, N*C), slices.Clone(dw0), slices.Clone(db0)
			m.matmulBackward(dinp, dw, db, dout, inp, w, N, C, OC)

			ri, rw, rd := rounded(inp), rounded(w), rounded(dout)
			check := func(name string, got []float32, want, mag []float64, base []float32, K int) {
				t.Helper()
				for i := range got {
					w, tol := want[i], float64(K+1)*u32*mag[i]
					if base != nil {
						w += float64(base[i])
						tol += float64(K+1) * u32 * math.Abs(float64(base[i]))
					}
					if d := math.Abs(float64(got[i]) - w); !(d <= tol) {
						t.Fatalf("%dx%dx%d %s[%d] = %g, want %g ± %.3g", N, C, OC, name, i, got[i], w, tol)
					}
				}
			}
			prod, mag := refProduct(ri, C, 1, rw, C, 1, N, OC, C) // inp·wᵀ
			check("out", out, prod, mag, bias2D(bias, N), C)
			prod, mag = refProduct(rd, OC, 1, rw, 1, C, N, C, OC) // dout·w
			check("dinp", dinp, prod, mag, nil, OC)
			prod, mag = refProduct(rd, 1, OC, ri, 1, C, OC, C, N) // doutᵀ·inp
			check("dw", dw, prod, mag, dw0, N)
			ones := make([]float32, N)
			for i := range ones {
				ones[i] = 1
			}
			prod, mag = refProduct(dout, 1, OC, ones, 0, 1, OC, 1, N) // Σ_n dout, unrounded
			check("dbias", db, prod, mag, db0, N)
		}
	})
}

// bias2D is bias (OC) repeated for N rows.
func bias2D(bias []float32, N int) []float32 {
	out := make([]float32, 0, N*len(bias))
	for range N {
		out = append(out, bias...)
	}
	return out
}

// TestMatmulBF16DiffersFromFP32 compares a bf16 product with the exact
// product of the float32 operands. Each rounded operand is within ubf16 of
// its value, so each term a'b' = ab(1+δ₁)(1+δ₂) is within (2ubf16+ubf16²)|ab|
// and the sum within that times Σ|a||b|, plus float32 accumulation's
// (K+1)·u32·Σ|a||b|. And it must differ by more than float32 rounding could
// explain: somewhere by more than (K+1)·u32·Σ|a||b|.
func TestMatmulBF16DiffersFromFP32(t *testing.T) {
	N, C, OC := 48, 128, 96
	rng := rand.New(rand.NewPCG(2, 8))
	inp, w := randSlice(rng, N*C, 1), randSlice(rng, OC*C, 1)
	m := &Model{}
	m.SetPrecision(PrecisionBF16)
	out := make([]float32, N*OC)
	m.matmulForward(out, inp, w, nil, N, C, OC)
	exact, mag := refProduct(inp, C, 1, w, C, 1, N, OC, C)
	var worst float64 // largest error in units of float32's bound
	for i := range out {
		d := math.Abs(float64(out[i]) - exact[i])
		if bound := (2*ubf16+ubf16*ubf16+float64(C+1)*u32)*mag[i] + 1e-30; !(d <= bound) {
			t.Fatalf("bf16 out[%d] = %g, exact %g: off by %.3g, over the bf16 bound %.3g", i, out[i], exact[i], d, bound)
		}
		worst = max(worst, d/(float64(C+1)*u32*mag[i]))
	}
	t.Logf("worst bf16 error: %.3g × float32's bound", worst)
	if worst <= 1 {
		t.Errorf("bf16 products are within float32 rounding of the exact ones (worst %.2g of the bound): the operands were not rounded", worst)
	}
}

// TestBF16GradientsNearFP32: a whole model's gradient at bf16 is the fp32
// gradient up to a small relative error, and not equal to it. bf16 is not
// expected to pass the finite-difference gradient check, whose tolerance
// is set by float32 rounding: each product's operands move by up to 2⁻⁸,
// which is far above it. What it must keep is the gradient's direction: the
// relative L2 error of about 2⁻⁸ per product, over the ~5 products of the
// chain from the loss to a weight (head, then 4 per block), stays below
// 8·2·2⁻⁸ ≈ 0.06.
func TestBF16GradientsNearFP32(t *testing.T) {
	cfg := Config{VocabSize: 37, Context: 24, Layers: 2, Heads: 3, Embd: 48}
	B, T := 5, 23
	data := testData(B*T+1, 37, 2)
	run := func(p string) (float32, []float32) {
		m := NewModel(cfg, 9)
		if err := m.SetPrecision(p); err != nil {
			t.Fatal(err)
		}
		m.ZeroGrad()
		loss := m.Forward(data[:B*T], data[1:B*T+1], B, T)
		m.Backward(1)
		return loss, m.garena
	}
	l32, g32 := run(PrecisionFP32)
	l16, g16 := run(PrecisionBF16)
	if l16 == l32 {
		t.Errorf("bf16 loss %v equals the fp32 loss", l16)
	}
	if d := math.Abs(float64(l16 - l32)); d > 0.01*float64(l32) {
		t.Errorf("bf16 loss %v, fp32 %v: differ by more than 1%%", l16, l32)
	}
	var diff, norm float64
	for i := range g32 {
		d := float64(g16[i] - g32[i])
		diff += d * d
		norm += float64(g32[i]) * float64(g32[i])
	}
	r := math.Sqrt(diff / norm)
	t.Logf("loss fp32 %v bf16 %v; gradients differ by %.3g relative (L2)", l32, l16, r)
	if r == 0 || r > 16*ubf16 {
		t.Errorf("bf16 gradients differ from fp32 by %.3g relative (L2), want in (0, %.3g]", r, 16*ubf16)
	}
}

func TestPrecisionValidate(t *testing.T) {
	cfg, tc := smallRun()
	for _, p := range []string{"", "fp32", "bf16"} {
		tc.Precision = p
		if err := tc.Validate(cfg); err != nil {
			t.Errorf("precision %q: %v", p, err)
		}
	}
	for _, p := range []string{"fp16", "BF16", "bfloat16", " bf16"} {
		tc.Precision = p
		err := tc.Validate(cfg)
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Flag != "--precision" {
			t.Errorf("precision %q: got %v, want a *ConfigError naming --precision", p, err)
		}
		if _, err := NewTrainer(NewModel(cfg, 1), tc, Data{Train: []Segment{{Name: "x", Tokens: testData(200, cfg.VocabSize, 1), Weight: 1}}}); !errors.As(err, &ce) {
			t.Errorf("NewTrainer with precision %q: got %v, want a *ConfigError", p, err)
		}
	}
}

// catsRun trains the tiny preset on sample:cats (word tokens) for steps
// steps at precision p and returns the losses.
func catsRun(t *testing.T, p string, steps int) []float64 {
	t.Helper()
	s, err := samples.Lookup("cats")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.NewWord(s.Text(), 0)
	if err != nil {
		t.Fatal(err)
	}
	ids := tok.Encode(s.Text())
	tokens := make([]int32, len(ids))
	for i, id := range ids {
		tokens[i] = int32(id)
	}
	pr, err := LookupPreset("tiny")
	if err != nil {
		t.Fatal(err)
	}
	cfg, tc := pr.Model, pr.Train
	cfg.VocabSize = tok.VocabSize()
	tc.Steps, tc.Precision = steps, p
	tr, err := NewTrainer(NewModel(cfg, tc.Seed), tc, Data{Train: []Segment{{Name: "cats", Tokens: tokens, Weight: 1}}})
	if err != nil {
		t.Fatal(err)
	}
	var losses []float64
	for !tr.Done() {
		losses = append(losses, mustStep(t, tr).Loss)
	}
	return losses
}

// TestBF16TrainsOnCats: the cats lesson at bf16 learns as at fp32: its loss
// falls to under half of where it started, its losses are not fp32's, and
// it ends near fp32's (within 10 %: a product's relative error of 2⁻⁸
// moves the loss by a fraction of a percent, the rest is the runs' paths
// drifting apart over 100 steps).
func TestBF16TrainsOnCats(t *testing.T) {
	const steps = 100
	fp := catsRun(t, PrecisionFP32, steps)
	bf := catsRun(t, PrecisionBF16, steps)
	mean := func(xs []float64) float64 {
		var s float64
		for _, x := range xs {
			s += x
		}
		return s / float64(len(xs))
	}
	first, last := bf[0], mean(bf[steps-10:])
	if !(last < first/2) {
		t.Errorf("bf16 loss went from %.3f to %.3f (mean of the last 10 steps), want under half", first, last)
	}
	if slices.Equal(fp, bf) {
		t.Errorf("bf16 losses equal fp32's: the products were not rounded")
	}
	if want := mean(fp[steps-10:]); math.Abs(last-want) > 0.1*want {
		t.Errorf("bf16 ends at %.3f, fp32 at %.3f: more than 10%% apart", last, want)
	}
	t.Logf("loss: first %.4f/%.4f, last 10 steps %.4f/%.4f (fp32/bf16)", fp[0], bf[0], mean(fp[steps-10:]), last)
}

// TestResumeBF16IsExact: a bf16 run saved and resumed takes the same steps
// as the uninterrupted run, and stays bf16 (the recipe saves its precision).
func TestResumeBF16IsExact(t *testing.T) {
	newRun := func() (*Trainer, Data) {
		cfg, tc := smallRun()
		tc.Precision = PrecisionBF16
		data := Data{Train: []Segment{{Name: "a", Tokens: testData(3000, cfg.VocabSize, 11), Weight: 1}}, Val: testData(400, cfg.VocabSize, 13)}
		tr, err := NewTrainer(NewModel(cfg, tc.Seed), tc, data)
		if err != nil {
			t.Fatal(err)
		}
		return tr, data
	}
	full, data := newRun()
	var want []float64
	for !full.Done() {
		want = append(want, mustStep(t, full).Loss)
	}
	part, _ := newRun()
	var got []float64
	for part.Steps() < 25 {
		got = append(got, mustStep(t, part).Loss)
	}
	path := filepath.Join(t.TempDir(), "run.safetensors")
	if err := SaveCheckpoint(path, part.Checkpoint([]byte(`{"kind":"char"}`), nil)); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	resumed, err := Resume(ck, nil, data)
	if err != nil {
		t.Fatal(err)
	}
	if got := resumed.Model.Precision(); got != PrecisionBF16 {
		t.Fatalf("resumed run's precision is %s, want bf16", got)
	}
	for !resumed.Done() {
		got = append(got, mustStep(t, resumed).Loss)
	}
	if !slices.Equal(got, want) {
		t.Errorf("resumed bf16 losses differ from the uninterrupted run's:\n got %v\nwant %v", got, want)
	}
	if !slices.Equal(resumed.Model.Arena(), full.Model.Arena()) {
		t.Errorf("resumed bf16 weights differ from the uninterrupted run's")
	}
}

// TestFP32CheckpointsUnchanged: a float32 run's checkpoint says nothing of
// precision (so its bytes are those of checkpoints written before bf16
// existed); a bf16 run's recipe loads back as bf16.
func TestFP32CheckpointsUnchanged(t *testing.T) {
	for _, tt := range []struct {
		precision string
		want      bool
	}{{"", false}, {PrecisionBF16, true}} {
		cfg, tc := smallRun()
		tc.Precision = tt.precision
		tr, err := NewTrainer(NewModel(cfg, 1), tc, Data{Train: []Segment{{Name: "x", Tokens: testData(500, cfg.VocabSize, 1), Weight: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		mustStep(t, tr)
		path := filepath.Join(t.TempDir(), "run.safetensors")
		if err := SaveCheckpoint(path, tr.Checkpoint([]byte(`{"kind":"char"}`), nil)); err != nil {
			t.Fatal(err)
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		ck, err := LoadCheckpoint(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := ck.Train.Precision == PrecisionBF16; got != tt.want {
			t.Errorf("precision %q: the checkpoint's recipe says %q", tt.precision, ck.Train.Precision)
		}
		if !tt.want && bytes.Contains(raw, []byte("precision")) {
			t.Errorf("a float32 checkpoint mentions precision")
		}
	}
}

// BenchmarkStepPrecision times BenchmarkStep's baby step at each precision;
// run the two alternately (-bench StepPrecision/fp32, then /bf16, …) to
// compare them on a loaded machine.
func BenchmarkStepPrecision(b *testing.B) {
	for _, p := range []string{PrecisionFP32, PrecisionBF16} {
		b.Run(p, func(b *testing.B) {
			c := Config{VocabSize: 65, Context: 64, Layers: 4, Heads: 4, Embd: 128}
			tr := benchTrainer(b, c, 12)
			if err := tr.Model.SetPrecision(p); err != nil {
				b.Fatal(err)
			}
			tr.Step()
			b.ReportAllocs()
			for b.Loop() {
				tr.Step()
			}
			b.ReportMetric(float64(12*64)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
