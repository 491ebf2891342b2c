package fastblas

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// useKernel makes Sgemm run kernel k until the test ends.
func useKernel(t *testing.T, k *kernel) {
	old := activeKernel.Swap(k)
	t.Cleanup(func() { activeKernel.Store(old) })
}

// useThreads sets SetThreads(n) until the test ends.
func useThreads(t *testing.T, n int) {
	old := Threads()
	SetThreads(n)
	t.Cleanup(func() { SetThreads(old) })
}

// forEachKernel runs f once per kernel this CPU supports, so the generic
// kernel is tested even where AVX-512 would be chosen.
func forEachKernel(t *testing.T, f func(t *testing.T)) {
	for _, k := range supportedKernels() {
		t.Run(k.name, func(t *testing.T) {
			useKernel(t, k)
			f(t)
		})
	}
}

func randFloats(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = 2*rng.Float32() - 1
	}
	return x
}

type gemmCase struct {
	tA, tB      blas.Transpose
	m, n, k     int
	alpha, beta float32
	pad         int // extra columns beyond each leading dimension
	nanC        bool
	shape       Shape // SgemmShaped's structure; A is zeroed to fit LowerA, UpperA
	packed      bool  // A goes through PackA and the product is PackedA.Sgemm
}

func (tc gemmCase) String() string {
	tr := func(t blas.Transpose) string {
		if t == blas.NoTrans {
			return "N"
		}
		return "T"
	}
	return fmt.Sprintf("%s%s/%dx%dx%d/a%g/b%g/pad%d/shape%d/packed%v", tr(tc.tA), tr(tc.tB), tc.m, tc.n, tc.k, tc.alpha, tc.beta, tc.pad, tc.shape, tc.packed)
}

// check runs Sgemm and its naive twin on the same random operands and
// compares every element of C, including the padding between rows, which
// Sgemm must not touch.
func (tc gemmCase) check(t *testing.T, rng *rand.Rand) {
	t.Helper()
	aRows, aCols := tc.m, tc.k
	if tc.tA != blas.NoTrans {
		aRows, aCols = tc.k, tc.m
	}
	bRows, bCols := tc.k, tc.n
	if tc.tB != blas.NoTrans {
		bRows, bCols = tc.n, tc.k
	}
	lda, ldb, ldc := max(1, aCols+tc.pad), max(1, bCols+tc.pad), max(1, tc.n+tc.pad)
	a := randFloats(rng, max(0, (aRows-1)*lda+aCols))
	b := randFloats(rng, max(0, (bRows-1)*ldb+bCols))
	c := randFloats(rng, max(0, (tc.m-1)*ldc+tc.n))
	if tc.nanC {
		for i := range c {
			c[i] = float32(math.NaN())
		}
	}
	// A triangular op(A) gets its zeros: op(A)[i][p] is a[i*lda+p], or
	// a[p*lda+i] when transposed.
	for i := range tc.m {
		for p := range tc.k {
			if tc.shape == LowerA && p > i || tc.shape == UpperA && p < i {
				if tc.tA == blas.NoTrans {
					a[i*lda+p] = 0
				} else {
					a[p*lda+i] = 0
				}
			}
		}
	}
	want := append([]float32(nil), c...)
	tol := sgemmNaive(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, want, ldc)
	got := append([]float32(nil), c...)
	switch {
	case tc.packed:
		pa := PackA(tc.tA, tc.m, tc.k, a, lda)
		// The packed copy is A as it was: changing A now must not matter.
		for i := range a {
			a[i] = float32(math.NaN())
		}
		pa.Sgemm(tc.tB, tc.n, tc.alpha, b, ldb, tc.beta, got, ldc)
	case tc.shape == General:
		Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
	default:
		Implementation{}.SgemmShaped(tc.shape, tc.tA, tc.tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, got, ldc)
	}

	bad := 0
	for i := range got {
		r, j := i/ldc, i%ldc
		unchanged := math.Float32bits(got[i]) == math.Float32bits(c[i])
		if tc.shape == LowerC && j > r && j < tc.n && unchanged {
			continue // above the diagonal: unchanged, or the product's value
		}
		if j >= tc.n { // padding: must be bit-identical, NaN included
			if math.Float32bits(got[i]) != math.Float32bits(c[i]) {
				t.Errorf("%v: padding C[%d][%d] changed from %v to %v", tc, r, j, c[i], got[i])
				bad++
			}
		} else if diff := math.Abs(float64(got[i]) - float64(want[i])); !(diff <= tol[r*tc.n+j]) {
			t.Errorf("%v: C[%d][%d] = %v, want %v ± %.3g", tc, r, j, got[i], want[i], tol[r*tc.n+j])
			bad++
		}
		if bad > 5 {
			t.Fatalf("%v: too many errors", tc)
		}
	}
}

var (
	transposes = []blas.Transpose{blas.NoTrans, blas.Trans}
	// Shapes chosen to hit every edge of the blocking: tiles of 1, partial
	// micro-tiles in m and n for every kernel (mr 4/6/12, nr 8/16/32), k
	// past one kcMax block and not a multiple of it, n past one nc block,
	// and products big enough for the threaded path (m·n·k ≥ 2¹⁸ and
	// k·n ≥ 2¹⁵).
	shapes = [][3]int{
		{1, 1, 1}, {7, 13, 5}, {13, 7, 3}, {1, 33, 17}, {33, 1, 17},
		{12, 32, 256}, {13, 33, 257}, {25, 49, 300}, {24, 64, 513},
		{100, 65, 128}, {130, 300, 129}, {64, 64, 32},
		{37, 600, 260}, {5, 700, 70},
	}
)

func TestSgemmMatchesNaive(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(1, 2))
		for _, s := range shapes {
			for _, tA := range transposes {
				for _, tB := range transposes {
					// The big shapes cost the naive twin most (under
					// -race); they run two of the four transposes.
					if s[0]*s[1]*s[2] > 1<<20 && tA == tB {
						continue
					}
					gemmCase{tA: tA, tB: tB, m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0}.check(t, rng)
				}
			}
		}
	})
}

func TestSgemmAlphaBeta(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, s := range [][3]int{{7, 13, 5}, {29, 70, 300}, {50, 40, 90}} {
			for _, ab := range [][2]float32{{1, 1}, {-0.5, 2}, {2.5, -1}, {0.75, 0}, {0, 0}, {0, 1}, {0, -3}} {
				for _, pad := range []int{0, 3} {
					tc := gemmCase{tA: blas.Trans, tB: blas.NoTrans, m: s[0], n: s[1], k: s[2], alpha: ab[0], beta: ab[1], pad: pad}
					tc.check(t, rng)
					tc.tA, tc.tB = blas.NoTrans, blas.Trans
					tc.check(t, rng)
				}
			}
		}
	})
}

// With beta == 0 C is output only: NaNs in it must not reach the result,
// whichever path (full tile, edge tile, alpha == 0, k == 0) writes it.
func TestSgemmBetaZeroIgnoresNaN(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, s := range [][3]int{{1, 1, 1}, {13, 33, 17}, {130, 300, 129}, {5, 6, 0}} {
			for _, alpha := range []float32{1, 0} {
				gemmCase{tA: blas.NoTrans, tB: blas.Trans, m: s[0], n: s[1], k: s[2], alpha: alpha, beta: 0, pad: 2, nanC: true}.check(t, rng)
			}
		}
	})
}

func TestSgemmKZero(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, beta := range []float32{0, 1, -2} {
		gemmCase{tA: blas.Trans, tB: blas.Trans, m: 9, n: 4, k: 0, alpha: 1, beta: beta, pad: 1}.check(t, rng)
	}
}

// The threaded path splits C among tasks and packs B in parallel; run it with
// more goroutines than this machine has cores, and with one.
func TestSgemmThreads(t *testing.T) {
	for _, n := range []int{1, 2, 3, 8} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			useThreads(t, n)
			rng := rand.New(rand.NewPCG(9, uint64(n)))
			for _, s := range [][3]int{{130, 300, 129}, {7, 900, 80}, {300, 20, 300}, {100, 130, 600}} {
				// B transposed is packed by column panels, B as is by rows
				// (packBRows): both splits of the packing run here.
				for _, tB := range transposes {
					gemmCase{tA: blas.NoTrans, tB: tB, m: s[0], n: s[1], k: s[2], alpha: 1.5, beta: 0.5}.check(t, rng)
				}
			}
		})
	}
}

func TestSgemmPanics(t *testing.T) {
	a, b, c := make([]float32, 12), make([]float32, 12), make([]float32, 12)
	N, T := blas.NoTrans, blas.Trans
	for _, tc := range []struct {
		name     string
		tA, tB   blas.Transpose
		m, n, k  int
		lda, ldb int
		ldc      int
		a, b, c  []float32
		want     string
	}{
		{"bad tA", 'x', N, 3, 4, 3, 3, 4, 4, a, b, c, badTranspose},
		{"bad tB", N, 'x', 3, 4, 3, 3, 4, 4, a, b, c, badTranspose},
		{"m<0", N, N, -1, 4, 3, 3, 4, 4, a, b, c, mLT0},
		{"n<0", N, N, 3, -1, 3, 3, 4, 4, a, b, c, nLT0},
		{"k<0", N, N, 3, 4, -1, 3, 4, 4, a, b, c, kLT0},
		{"lda<k", N, N, 3, 4, 3, 2, 4, 4, a, b, c, badLdA},
		{"lda<m trans", T, N, 3, 4, 3, 2, 4, 4, a, b, c, badLdA},
		{"ldb<n", N, N, 3, 4, 3, 3, 3, 4, a, b, c, badLdB},
		{"ldb<k trans", N, T, 3, 4, 3, 3, 2, 4, a, b, c, badLdB},
		{"ldc<n", N, N, 3, 4, 3, 3, 4, 3, a, b, c, badLdC},
		{"short a", N, N, 3, 4, 3, 3, 4, 4, a[:8], b, c, shortA},
		{"short b", N, N, 3, 4, 3, 3, 4, 4, a, b[:11], c, shortB},
		{"short c", N, N, 3, 4, 3, 3, 4, 4, a, b, c[:11], shortC},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				got := recover()
				if got != tc.want {
					t.Errorf("panic %v, want %q", got, tc.want)
				}
			}()
			Implementation{}.Sgemm(tc.tA, tc.tB, tc.m, tc.n, tc.k, 1, tc.a, tc.lda, tc.b, tc.ldb, 0, tc.c, tc.ldc)
		})
	}
}

func TestUseDispatchesToFastblas(t *testing.T) {
	old := blas32.Implementation()
	t.Cleanup(func() { blas32.Use(old) })
	Use()
	if _, ok := blas32.Implementation().(Implementation); !ok {
		t.Fatalf("blas32.Implementation() is %T after Use", blas32.Implementation())
	}
	// A NaN-filled C with beta 0 tells the two apart only if our Sgemm runs
	// and is right; the result must also match the naive twin.
	rng := rand.New(rand.NewPCG(11, 12))
	m, n, k := 9, 21, 14
	a := blas32.General{Rows: m, Cols: k, Stride: k, Data: randFloats(rng, m*k)}
	b := blas32.General{Rows: n, Cols: k, Stride: k, Data: randFloats(rng, n*k)}
	c := blas32.General{Rows: m, Cols: n, Stride: n, Data: make([]float32, m*n)}
	want := make([]float32, m*n)
	tol := sgemmNaive(blas.NoTrans, blas.Trans, m, n, k, 1, a.Data, k, b.Data, k, 0, want, n)
	blas32.Gemm(blas.NoTrans, blas.Trans, 1, a, b, 0, c)
	for i := range want {
		if diff := math.Abs(float64(c.Data[i] - want[i])); !(diff <= tol[i]) {
			t.Fatalf("C[%d] = %v, want %v", i, c.Data[i], want[i])
		}
	}
}

func TestKernelName(t *testing.T) {
	names := []string{}
	for _, k := range supportedKernels() {
		names = append(names, k.name)
	}
	if got := Kernel(); got != names[0] {
		t.Errorf("Kernel() = %q, want the fastest supported, %q (of %s)", got, names[0], strings.Join(names, ", "))
	}
	if names[len(names)-1] != "generic" {
		t.Errorf("supported kernels %v do not end with generic", names)
	}
}

// Sgemm from many goroutines at once, some inside Parallel workers, each on
// its own C: every result must match the naive twin. Run with -race.
func TestSgemmConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	const calls = 12
	cases := make([]gemmCase, calls)
	for i := range cases {
		s := [][3]int{{64, 64, 32}, {64, 32, 64}, {130, 300, 129}}[i%3]
		cases[i] = gemmCase{tA: blas.NoTrans, tB: transposes[i%2], m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0.5}
	}
	seeds := make([]uint64, calls)
	for i := range seeds {
		seeds[i] = rng.Uint64()
	}
	var wg sync.WaitGroup
	for i := range calls / 2 {
		wg.Go(func() { cases[i].check(t, rand.New(rand.NewPCG(seeds[i], 0))) })
	}
	Parallel(calls/2, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			cases[calls/2+i].check(t, rand.New(rand.NewPCG(seeds[calls/2+i], 0)))
		}
	})
	wg.Wait()
}

// A is packed rather than read in place when its rows are 4 KiB multiples
// apart (lda%1024 == 0); cover that path, and every shape with packing
// forced on a few shapes.
func TestSgemmPackedA(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(15, 16))
		for _, tA := range transposes {
			gemmCase{tA: tA, tB: blas.NoTrans, m: 30, n: 40, k: 20, alpha: 1, beta: 0.5, pad: 1024 - 20}.check(t, rng)
		}
		forcePackA = true
		defer func() { forcePackA = false }()
		for _, s := range [][3]int{{1, 1, 1}, {7, 13, 5}, {13, 33, 257}, {100, 65, 128}, {130, 300, 129}} {
			gemmCase{tA: blas.Trans, tB: blas.Trans, m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0}.check(t, rng)
			gemmCase{tA: blas.NoTrans, tB: blas.NoTrans, m: s[0], n: s[1], k: s[2], alpha: 1, beta: 0}.check(t, rng)
		}
	})
}

// SgemmShaped skips the triangle its shape names: the product must still
// match the naive twin (on a triangular A, or below C's diagonal) for every
// kernel, transpose, alpha and beta, on shapes that cut the diagonal at every
// offset within a tile and past one kcMax block, inline and threaded.
func TestSgemmShaped(t *testing.T) {
	forEachKernel(t, func(t *testing.T) {
		rng := rand.New(rand.NewPCG(17, 18))
		for _, threads := range []int{1, 3} {
			useThreads(t, threads)
			for _, shape := range []Shape{LowerC, LowerA, UpperA} {
				for _, s := range [][3]int{{1, 1, 1}, {7, 7, 7}, {13, 13, 13}, {64, 64, 32}, {64, 32, 64}, {65, 40, 65}, {37, 300, 37}, {300, 100, 300}, {20, 70, 9}, {9, 70, 20}} {
					m, n, k := s[0], s[1], s[2]
					if shape == LowerC && n > m+20 {
						n = m + 3 // C's triangle is square-ish in use; keep some columns past m
					}
					for _, tA := range transposes {
						for _, tB := range transposes {
							for _, ab := range [][2]float32{{1, 0}, {0.5, 1}, {-2, -0.5}} {
								gemmCase{tA: tA, tB: tB, m: m, n: n, k: k, alpha: ab[0], beta: ab[1], pad: 2, shape: shape}.check(t, rng)
							}
						}
					}
				}
			}
			gemmCase{tA: blas.Trans, tB: blas.NoTrans, m: 9, n: 5, k: 4, alpha: 1, beta: 0, nanC: true, shape: UpperA}.check(t, rng) // rows past k: C = beta·C
		}
	})
}

func TestSgemmShapedPanicsOnUnknownShape(t *testing.T) {
	defer func() {
		got, _ := recover().(string)
		if want := "fastblas: SgemmShaped: unknown shape"; got != want {
			t.Errorf("panic = %q, want %q", got, want)
		}
	}()
	c := make([]float32, 1)
	Implementation{}.SgemmShaped(Shape(9), blas.NoTrans, blas.NoTrans, 1, 1, 1, 1, c, 1, c, 1, 0, c, 1)
}
