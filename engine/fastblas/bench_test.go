package fastblas

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// benchShape is one Sgemm of the GPT training step (baby preset: B·T = 768
// rows, C = 128, 3C = 384, 4C = 512, V = 65, head size 32, T = 64), or a
// square reference. testdata/openblas_sgemm.py times the same list.
type benchShape struct {
	name    string
	tA, tB  blas.Transpose
	m, n, k int
}

var benchShapes = []benchShape{
	{"fwd_qkv_768x384x128", blas.NoTrans, blas.Trans, 768, 384, 128},       // x · Wqkvᵀ
	{"fwd_fc_768x512x128", blas.NoTrans, blas.Trans, 768, 512, 128},        // x · Wfcᵀ
	{"fwd_proj_768x128x512", blas.NoTrans, blas.Trans, 768, 128, 512},      // h · Wprojᵀ
	{"bwd_dx_768x128x384", blas.NoTrans, blas.NoTrans, 768, 128, 384},      // dY · W
	{"bwd_dw_384x128x768", blas.Trans, blas.NoTrans, 384, 128, 768},        // dYᵀ · X
	{"lm_head_768x65x128", blas.NoTrans, blas.Trans, 768, 65, 128},         // x · WTEᵀ
	{"att_qk_64x64x32", blas.NoTrans, blas.Trans, 64, 64, 32},              // q · kᵀ
	{"att_pv_64x32x64", blas.NoTrans, blas.NoTrans, 64, 32, 64},            // att · v
	{"bwd_dw_fc_512x128x768", blas.Trans, blas.NoTrans, 512, 128, 768},     // dYᵀ · X, Wfc
	{"bwd_dw_proj_128x512x768", blas.Trans, blas.NoTrans, 128, 512, 768},   // dYᵀ · H, Wproj (H rows 2 KiB apart)
	{"bwd_dx_proj_768x512x128", blas.NoTrans, blas.NoTrans, 768, 512, 128}, // dY · Wproj
	{"square_512", blas.NoTrans, blas.NoTrans, 512, 512, 512},
	{"square_1024", blas.NoTrans, blas.NoTrans, 1024, 1024, 1024},
	{"square_2048", blas.NoTrans, blas.NoTrans, 2048, 2048, 2048}, // the practical peak, against torch.mm
}

// BenchmarkSgemm times fastblas against gonum on each shape, on all threads
// (Threads(), GOMAXPROCS for gonum) and on one. beta is 0 as in a forward
// layer. Reports GFLOPS counted as 2·m·n·k per call.
func BenchmarkSgemm(b *testing.B) {
	impls := []struct {
		name string
		f    blas.Float32
	}{{"fastblas", Implementation{}}, {"gonum", gonum.Implementation{}}}
	for _, s := range benchShapes {
		for _, impl := range impls {
			for _, threads := range []int{Threads(), 1} {
				b.Run(fmt.Sprintf("%s/%s/threads=%d", s.name, impl.name, threads), func(b *testing.B) {
					benchGemm(b, impl.f, s, threads)
				})
			}
		}
	}
}

func benchGemm(b *testing.B, impl blas.Float32, s benchShape, threads int) {
	defer SetThreads(Threads())
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(threads)) // gonum splits over GOMAXPROCS
	SetThreads(threads)

	rng := rand.New(rand.NewPCG(1, 1))
	lda, ldb := s.k, s.n
	if s.tA != blas.NoTrans {
		lda = s.m
	}
	if s.tB != blas.NoTrans {
		ldb = s.k
	}
	a := randFloats(rng, s.m*s.k)
	bm := randFloats(rng, s.k*s.n)
	c := make([]float32, s.m*s.n)
	impl.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n) // warm scratch
	b.ReportAllocs()
	cpu0 := processCPU()
	for b.Loop() {
		impl.Sgemm(s.tA, s.tB, s.m, s.n, s.k, 1, a, lda, bm, ldb, 0, c, s.n)
	}
	cpu := float64(processCPU() - cpu0)
	flops := 2 * float64(s.m) * float64(s.n) * float64(s.k) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
	// GFLOPS per CPU-second: with one thread, what the code does with the
	// core it gets, however often a neighbour takes it away.
	b.ReportMetric(flops/cpu, "GFLOPS/cpu")
}

// BenchmarkParallelOverhead is the cost of one fork-join of the pool with no
// work: what each threaded Sgemm pays twice.
func BenchmarkParallelOverhead(b *testing.B) {
	var sink [64]int
	for b.Loop() {
		Parallel(2, func(lo, hi int) { sink[lo*8]++ })
	}
}

// BenchmarkAttentionHeads is the engine's use from inside the pool: the 48
// (batch, head) pairs of the baby preset split over Parallel, each doing its
// q·kᵀ and att·v products with Sgemm (which then runs inline). GFLOPS counts
// both products of all heads.
func BenchmarkAttentionHeads(b *testing.B) {
	const heads, T, HS = 48, 64, 32
	rng := rand.New(rand.NewPCG(2, 2))
	q := randFloats(rng, heads*T*HS)
	k := randFloats(rng, heads*T*HS)
	v := randFloats(rng, heads*T*HS)
	att := make([]float32, heads*T*T)
	out := make([]float32, heads*T*HS)
	fn := func(lo, hi int) {
		for h := lo; h < hi; h++ {
			qh, kh, vh := q[h*T*HS:(h+1)*T*HS], k[h*T*HS:(h+1)*T*HS], v[h*T*HS:(h+1)*T*HS]
			ah, oh := att[h*T*T:(h+1)*T*T], out[h*T*HS:(h+1)*T*HS]
			Implementation{}.Sgemm(blas.NoTrans, blas.Trans, T, T, HS, 1, qh, HS, kh, HS, 0, ah, T)
			Implementation{}.Sgemm(blas.NoTrans, blas.NoTrans, T, HS, T, 1, ah, T, vh, HS, 0, oh, HS)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		Parallel(heads, fn)
	}
	flops := 2 * 2 * float64(heads*T*T*HS) * float64(b.N)
	b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOPS")
}

// BenchmarkPackedA times generation's window products, w·xᵀ with a baby
// block's weights (3C·C, 4C·C and C·4C for C = 128) against a 64-position
// window, on one thread: with the weight read in place (Sgemm) and packed
// once (PackedA), hot (one weight, in L2) and cold (sixteen in turn, 3 MB
// that do not stay cached, as a model's weights between two tokens).
func BenchmarkPackedA(b *testing.B) {
	defer SetThreads(Threads())
	SetThreads(1)
	rng := rand.New(rand.NewPCG(3, 3))
	const n = 64
	for _, s := range [][2]int{{384, 128}, {512, 128}, {128, 512}} {
		m, k := s[0], s[1]
		x := randFloats(rng, n*k)
		c := make([]float32, m*n)
		for _, sets := range []int{1, 16} {
			ws := make([][]float32, sets)
			ps := make([]*PackedA, sets)
			for i := range ws {
				ws[i] = randFloats(rng, m*k)
				ps[i] = PackA(blas.NoTrans, m, k, ws[i], k)
			}
			temp := map[int]string{1: "hot", 16: "cold"}[sets]
			for _, packed := range []bool{false, true} {
				how := map[bool]string{false: "in_place", true: "packed"}[packed]
				b.Run(fmt.Sprintf("%dx%dx%d/%s/%s", m, n, k, temp, how), func(b *testing.B) {
					i := 0
					for b.Loop() {
						if packed {
							ps[i%sets].Sgemm(blas.Trans, n, 1, x, k, 0, c, n)
						} else {
							Implementation{}.Sgemm(blas.NoTrans, blas.Trans, m, n, k, 1, ws[i%sets], k, x, k, 0, c, n)
						}
						i++
					}
					b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOPS")
				})
			}
		}
	}
}
