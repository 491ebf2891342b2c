// Command expfit derives the coefficients of vec's exp polynomial and prints
// them as Go constants. It is run by hand when the polynomial changes; its
// output is pasted into exp.go, so builds never run it.
//
// After the reduction x = n·ln2 + r with n = ⌊x/ln2⌋, exp needs e^r for r in
// [0, ln2). The polynomial is 1 + r + r²·q(r) with q of degree 4: keeping the
// first two Taylor coefficients exactly 1 makes exp(0) exactly 1 (softmax's
// largest entry) and removes the rounding of c1, the coefficient whose error
// would weigh most. q is fitted to (e^r − 1 − r)/r² by weighted least squares
// on Chebyshev nodes, refined towards minimax relative error by Lawson's
// iteration, then rounded to float32.
package main

import (
	"fmt"
	"math"
)

const deg = 4 // degree of q

func main() {
	const nodes = 2000
	lo, hi := 0.0, math.Ln2
	rs := make([]float64, nodes)
	for i := range rs {
		// Chebyshev nodes of the first kind mapped to [lo, hi].
		rs[i] = lo + (hi-lo)*(1-math.Cos(math.Pi*(float64(i)+0.5)/nodes))/2
	}
	lw := make([]float64, nodes) // Lawson weights
	for i := range lw {
		lw[i] = 1
	}
	var c [deg + 1]float64
	for iter := 0; iter < 200; iter++ {
		c = fit(rs, lw)
		// Lawson: weights grow where the error is large.
		var sum float64
		for i, r := range rs {
			lw[i] *= math.Abs(relErr(c[:], r))
			sum += lw[i]
		}
		for i := range lw {
			lw[i] /= sum
		}
	}
	var c32 [deg + 1]float32
	for i := range c {
		c32[i] = float32(c[i])
	}
	worst64, worst32 := 0.0, 0.0
	for i := 0; i <= 100000; i++ {
		r := hi * float64(i) / 100000
		worst64 = max(worst64, math.Abs(relErr(c[:], r)))
		worst32 = max(worst32, math.Abs(relErr32(c32[:], float32(r))))
	}
	fmt.Printf("// q(r) coefficients, r², …, r⁶ of e^r; max relative error %.2g\n", worst64)
	fmt.Printf("// in float64 arithmetic, %.2g in float32 with FMA.\n", worst32)
	for i, v := range c32 {
		fmt.Printf("expC%d = %.9g\n", i+2, v)
	}
}

// fit solves the weighted least-squares problem for q's coefficients:
// minimise Σ w·(r²·q(r) − (e^r − 1 − r))² / e^{2r}.
func fit(rs, lw []float64) [deg + 1]float64 {
	const m = deg + 1
	var a [m][m + 1]float64
	for k, r := range rs {
		w := lw[k] / math.Exp(2*r)
		var row [m]float64
		for j := range row {
			row[j] = math.Pow(r, float64(j+2))
		}
		y := math.Expm1(r) - r
		for i := range m {
			for j := range m {
				a[i][j] += w * row[i] * row[j]
			}
			a[i][m] += w * row[i] * y
		}
	}
	// Gaussian elimination with partial pivoting.
	for col := range m {
		p := col
		for i := col + 1; i < m; i++ {
			if math.Abs(a[i][col]) > math.Abs(a[p][col]) {
				p = i
			}
		}
		a[col], a[p] = a[p], a[col]
		for i := col + 1; i < m; i++ {
			f := a[i][col] / a[col][col]
			for j := col; j <= m; j++ {
				a[i][j] -= f * a[col][j]
			}
		}
	}
	var c [m]float64
	for i := m - 1; i >= 0; i-- {
		s := a[i][m]
		for j := i + 1; j < m; j++ {
			s -= a[i][j] * c[j]
		}
		c[i] = s / a[i][i]
	}
	return c
}

func relErr(c []float64, r float64) float64 {
	q := 0.0
	for i := len(c) - 1; i >= 0; i-- {
		q = q*r + c[i]
	}
	p := 1 + r + r*r*q
	return (p - math.Exp(r)) / math.Exp(r)
}

// relErr32 evaluates the polynomial as the kernels do: Horner in float32
// with fused multiply-adds, p = ((…(c6·r + c5)·r …)·r + 1)·r + 1.
func relErr32(c []float32, r float32) float64 {
	fma := func(a, b, c float32) float32 { return float32(math.FMA(float64(a), float64(b), float64(c))) }
	p := c[len(c)-1]
	for i := len(c) - 2; i >= 0; i-- {
		p = fma(p, r, c[i])
	}
	p = fma(p, r, 1)
	p = fma(p, r, 1)
	e := math.Exp(float64(r))
	return (float64(p) - e) / e
}
