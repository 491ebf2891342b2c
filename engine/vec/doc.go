// Package vec provides the element-wise kernels of lmlab's training step
// over []float32: GELU and its gradient, a softmax row's exponentials and
// their sum, max, scaling, sums, dot products, a float64 sum of squares,
// layer-norm rows forward and backward, and the fused AdamW update. On
// amd64 each runs an AVX-512 or AVX2+FMA assembly loop, chosen once at
// start-up from the CPU's features; elsewhere, with -tags purego, and as
// the tests' reference, a pure-Go twin computes the same formulas.
//
//	vec.GeluForward(out, x)                   // out[i] = gelu(x[i])
//	sum := vec.ExpSub(row, row, vec.Max(row)) // softmax numerators
//	vec.Scale(row, 1/sum)                     // and the softmax
//
// Slices passed together must have equal lengths; the functions panic
// otherwise. Outputs may alias inputs where a function's doc says so, and
// only exactly (the same slice), never shifted. Results are deterministic
// for a given kernel: the same inputs give the same bits on every call, but
// reductions (sums, dot products) add in a different order on each kernel,
// so Kernel's choice can change their last bits.
package vec
