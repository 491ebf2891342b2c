package engine

// StepFLOPs counts the floating-point operations of the matrix products in
// one forward and backward pass over B sequences of T tokens, from the
// shapes: a product of (m×k)·(k×n) is 2·m·n·k FLOPs; a linear layer's
// backward is two products of the forward's size (input and weight
// gradients); attention's scores and weighted sum are counted at full T×T,
// as the reference implementations compute them, and its backward at twice
// the forward. Element-wise work (layer norm, GELU, softmax, AdamW) is not
// counted: it is a few percent of the total at these sizes.
func StepFLOPs(c Config, B, T int) int64 {
	N, C, L, V := int64(B*T), int64(c.Embd), int64(c.Layers), int64(c.VocabSize)
	linear := func(in, out int64) int64 { return 3 * 2 * N * in * out } // forward + 2× backward
	perLayer := linear(C, 3*C) + linear(C, C) + linear(C, 4*C) + linear(4*C, C)
	// q·kᵀ and att·v: each 2·T·T·HS per (b, h), NH·HS = C.
	attention := 3 * 2 * (2 * int64(B) * int64(T) * int64(T) * C)
	return L*(perLayer+attention) + linear(C, V)
}
