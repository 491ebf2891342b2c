package vec

import (
	"fmt"
	"testing"
)

// Benchmarks at the training step's sizes (baby recipe: B·T = 768 rows,
// C = 128, 4C = 512, vocabulary 65, ~0.8M parameters), each under every
// supported level so the assembly is compared with its Go twin. SetBytes
// counts the bytes each call reads and writes.

// benchLevels runs f as a sub-benchmark per level, per size.
func benchLevels(b *testing.B, sizes []int, bytesPer int, f func(b *testing.B, n int)) {
	saved := active
	defer func() { active = saved }()
	for _, n := range sizes {
		for _, l := range supported() {
			b.Run(fmt.Sprintf("n=%d/%s", n, l), func(b *testing.B) {
				active = l
				b.SetBytes(int64(bytesPer * n))
				f(b, n)
			})
		}
	}
}

func benchData(n int, lo, hi float64) []float32 {
	x := make([]float32, n)
	fill(newRand(uint64(n)), x, lo, hi)
	return x
}

func BenchmarkGeluForward(b *testing.B) {
	benchLevels(b, []int{768 * 512}, 8, func(b *testing.B, n int) {
		x, out := benchData(n, -4, 4), make([]float32, n)
		for b.Loop() {
			GeluForward(out, x)
		}
	})
}

func BenchmarkGeluBackward(b *testing.B) {
	benchLevels(b, []int{768 * 512}, 12, func(b *testing.B, n int) {
		x, d := benchData(n, -4, 4), benchData(n, -1, 1)
		for b.Loop() {
			GeluBackward(d, x, d)
		}
	})
}

// BenchmarkSoftmaxRow is Max, ExpSub and Scale on one row, as attention
// (rows of t+1 ≤ 64) and the cross-entropy (65 logits, or GPT-2's 50257)
// use them.
func BenchmarkSoftmaxRow(b *testing.B) {
	benchLevels(b, []int{17, 64, 65, 50257}, 12, func(b *testing.B, n int) {
		x, row := benchData(n, -5, 5), make([]float32, n)
		for b.Loop() {
			copy(row, x)
			sum := ExpSub(row, row, Max(row))
			Scale(row, 1/sum)
		}
	})
}

func BenchmarkExpSub(b *testing.B) {
	benchLevels(b, []int{64, 65, 4096}, 8, func(b *testing.B, n int) {
		x, out := benchData(n, -5, 5), make([]float32, n)
		for b.Loop() {
			ExpSub(out, x, 5)
		}
	})
}

func BenchmarkMax(b *testing.B) {
	benchLevels(b, []int{65, 4096}, 4, func(b *testing.B, n int) {
		x := benchData(n, -5, 5)
		for b.Loop() {
			Max(x)
		}
	})
}

func BenchmarkAdd(b *testing.B) {
	benchLevels(b, []int{768 * 128}, 12, func(b *testing.B, n int) {
		x, y, out := benchData(n, -1, 1), benchData(n, -1, 1), make([]float32, n)
		for b.Loop() {
			Add(out, x, y)
		}
	})
}

// BenchmarkAddTo is a bias add or bias-gradient row: 3C = 384 wide.
func BenchmarkAddTo(b *testing.B) {
	benchLevels(b, []int{384}, 12, func(b *testing.B, n int) {
		x, y := benchData(n, -1, 1), make([]float32, n)
		for b.Loop() {
			AddTo(y, x)
		}
	})
}

func BenchmarkScale(b *testing.B) {
	benchLevels(b, []int{65, 800_000}, 8, func(b *testing.B, n int) {
		x := benchData(n, -1, 1)
		for b.Loop() {
			Scale(x, 1)
		}
	})
}

func BenchmarkDot(b *testing.B) {
	benchLevels(b, []int{64, 4096}, 8, func(b *testing.B, n int) {
		x, y := benchData(n, -1, 1), benchData(n, -1, 1)
		for b.Loop() {
			Dot(x, y)
		}
	})
}

func BenchmarkSumSquares(b *testing.B) {
	benchLevels(b, []int{800_000}, 4, func(b *testing.B, n int) {
		x := benchData(n, -1, 1)
		for b.Loop() {
			SumSquares(x)
		}
	})
}

func BenchmarkAdamW(b *testing.B) {
	benchLevels(b, []int{800_000}, 28, func(b *testing.B, n int) {
		p, g, m, v := benchData(n, -1, 1), benchData(n, -0.01, 0.01), make([]float32, n), make([]float32, n)
		h := adamParams[0]
		for b.Loop() {
			AdamW(p, g, m, v, h.beta1, h.beta2, h.stepSize, h.rbc2, h.eps, h.decay)
		}
	})
}

// BenchmarkLayerNorm is the forward and backward of one C = 128 row.
func BenchmarkLayerNorm(b *testing.B) {
	const eps = 1e-5
	b.Run("forward", func(b *testing.B) {
		benchLevels(b, []int{128}, 4*4, func(b *testing.B, n int) {
			x, w, bias := benchData(n, -2, 2), benchData(n, 0.5, 1.5), benchData(n, -1, 1)
			out := make([]float32, n)
			for b.Loop() {
				LayerNormRow(out, x, w, bias, eps)
			}
		})
	})
	b.Run("backward", func(b *testing.B) {
		benchLevels(b, []int{128}, 4*9, func(b *testing.B, n int) {
			x, w, dout := benchData(n, -2, 2), benchData(n, 0.5, 1.5), benchData(n, -1, 1)
			dx, dw, db := make([]float32, n), make([]float32, n), make([]float32, n)
			for b.Loop() {
				LayerNormBackwardRow(dx, dw, db, dout, x, w, 0.1, 1.2)
			}
		})
	})
}

// BenchmarkAddRows is a bias gradient: the column sums of dout (768, 384).
func BenchmarkAddRows(b *testing.B) {
	const rows = 768
	benchLevels(b, []int{384}, 4*rows, func(b *testing.B, n int) {
		src, dst := benchData(rows*n, -1, 1), make([]float32, n)
		for b.Loop() {
			AddRows(dst, src, rows, n)
		}
	})
}

// BenchmarkSoftmaxBackward is one attention row (t+1 ≤ 64).
func BenchmarkSoftmaxBackward(b *testing.B) {
	benchLevels(b, []int{33, 64}, 12, func(b *testing.B, n int) {
		y, dy := benchData(n, 0, 0.1), benchData(n, -1, 1)
		for b.Loop() {
			SoftmaxBackward(dy, y, dy)
		}
	})
}
