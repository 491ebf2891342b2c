package engine

// Dropout (nanoGPT's placement minus the attention-probability dropout): on
// the embedding sum and on each residual branch's output, in training only.
// Masks are drawn from a splitmix64 stream whose state travels with the
// trainer, so runs with dropout are reproducible and resumable too.

// mask returns dropout mask i of the current forward pass: n scale factors.
func (m *Model) mask(i, n int) []float32 { return m.acts.dropMask[i*n : (i+1)*n] }

// dropout draws a fresh mask (0 with probability p, else 1/(1-p)) and
// applies it to x in place.
func (m *Model) dropout(x, mask []float32) {
	p := m.Config.Dropout
	keep := float32(1 / (1 - p))
	threshold := uint64(p * (1 << 53))
	for i := range x {
		m.dropMu += 0x9e3779b97f4a7c15
		z := m.dropMu
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		z ^= z >> 31
		if z>>11 < threshold {
			mask[i] = 0
		} else {
			mask[i] = keep
		}
		x[i] *= mask[i]
	}
}

// maskMul writes dst = src ⊙ mask; dst may be src.
func maskMul(dst, src, mask []float32) {
	for i, v := range src {
		dst[i] = v * mask[i]
	}
}
