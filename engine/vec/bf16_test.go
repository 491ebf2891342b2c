package vec

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// roundBF16Ref is RoundBF16's naive twin for one value: it finds the two
// bfloat16 values around x and picks the nearer in float64 arithmetic, the
// even one on a tie. Past the largest bfloat16 the next value up is 2¹²⁸,
// as IEEE rounding treats the exponent as unbounded before overflowing to
// Inf. Subnormals are zero (of their sign) and NaN is a NaN, as the
// instruction treats them.
func roundBF16Ref(x float32) float32 {
	f := float64(x)
	switch {
	case math.IsNaN(f):
		return x
	case math.IsInf(f, 0):
		return x
	case math.Abs(f) < 0x1p-126: // zero or subnormal
		return float32(math.Copysign(0, f))
	}
	lo := math.Float32bits(x) &^ 0xffff // truncated toward zero
	hi := lo + 0x10000                  // one bfloat16 ulp further from zero
	vlo := float64(math.Float32frombits(lo))
	vhi := float64(math.Float32frombits(hi))
	if math.IsInf(vhi, 0) {
		vhi = math.Copysign(0x1p128, f)
	}
	dlo, dhi := math.Abs(f-vlo), math.Abs(vhi-f)
	if dlo < dhi || (dlo == dhi && lo&0x10000 == 0) {
		return math.Float32frombits(lo)
	}
	return math.Float32frombits(hi)
}

// sameBF16 reports whether got is want, NaN matching any NaN of the same sign.
func sameBF16(got, want float32) bool {
	g, w := math.Float32bits(got), math.Float32bits(want)
	if want != want {
		return got != got && g>>31 == w>>31
	}
	return g == w
}

func TestRoundBF16(t *testing.T) {
	tests := []struct {
		name    string
		in, out uint32
	}{
		{"one", 0x3f800000, 0x3f800000},
		{"below half ulp", 0x3f807fff, 0x3f800000},
		{"tie to even, down", 0x3f808000, 0x3f800000},
		{"above half ulp", 0x3f808001, 0x3f810000},
		{"tie to even, up", 0x3f818000, 0x3f820000},
		{"negative tie, up", 0xbf818000, 0xbf820000},
		{"negative tie, down", 0xbf808000, 0xbf800000},
		{"carry into the exponent", 0x3fffffff, 0x40000000},
		{"tie carries into the exponent", 0x3fff8000, 0x40000000},
		{"largest bfloat16", 0x7f7f0000, 0x7f7f0000},
		{"just under the overflow tie", 0x7f7f7fff, 0x7f7f0000},
		{"overflow tie to +Inf", 0x7f7f8000, 0x7f800000},
		{"largest float32 to +Inf", 0x7f7fffff, 0x7f800000},
		{"most negative float32 to -Inf", 0xff7fffff, 0xff800000},
		{"smallest normal", 0x00800000, 0x00800000},
		{"smallest normal rounds up", 0x0080ffff, 0x00810000},
		{"largest subnormal to +0", 0x007fffff, 0x00000000},
		{"smallest subnormal to +0", 0x00000001, 0x00000000},
		{"negative subnormal to -0", 0x807fffff, 0x80000000},
		{"+0", 0x00000000, 0x00000000},
		{"-0", 0x80000000, 0x80000000},
		{"+Inf", 0x7f800000, 0x7f800000},
		{"-Inf", 0xff800000, 0xff800000},
		{"quiet NaN", 0x7fc00000, 0x7fc00000},
		{"NaN payload below bit 16 is quieted", 0x7f800001, 0x7fc00000},
		{"negative NaN keeps its sign", 0xffffffff, 0xffff0000},
		{"pi", 0x40490fdb, 0x40490000},
		{"1/3", 0x3eaaaaab, 0x3eab0000},
	}
	src := make([]float32, len(tests))
	for i, tt := range tests {
		src[i] = math.Float32frombits(tt.in)
	}
	for i, tt := range tests {
		if r := roundBF16Ref(src[i]); !sameBF16(r, math.Float32frombits(tt.out)) {
			t.Errorf("%s: roundBF16Ref(%#08x) = %#08x, want %#08x", tt.name, tt.in, math.Float32bits(r), tt.out)
		}
	}
	eachLevel(t, func(t *testing.T) {
		// Every case at every lane: the table rotated through a vector's
		// width and past it, so each case also lands in the masked tail.
		for shift := range 17 {
			in := append(slices.Clone(src[shift%len(src):]), src[:shift%len(src)]...)
			got := make([]float32, len(in))
			RoundBF16(got, in)
			for i, x := range in {
				want := tests[(i+shift)%len(tests)].out
				if g := math.Float32bits(got[i]); g != want {
					t.Errorf("RoundBF16(%#08x) = %#08x, want %#08x (lane %d of %d)", math.Float32bits(x), g, want, i, len(in))
				}
			}
			// In place, as the doc allows.
			RoundBF16(in, in)
			if !slices.EqualFunc(in, got, func(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }) {
				t.Errorf("RoundBF16 in place gave %v, want %v", in, got)
			}
		}
	})
}

// TestRoundBF16AgainstReference pits RoundBF16, at every level, against its twin on a
// million random bit patterns (every exponent, sign and NaN alike) and on
// every tie and near-tie of one binade's bfloat16 values.
func TestRoundBF16AgainstReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	src := make([]float32, 1<<20)
	for i := range src {
		src[i] = math.Float32frombits(rng.Uint32())
	}
	for k := uint32(0); k < 1<<7; k++ { // the 128 bfloat16 values of [1, 2)
		for _, low := range []uint32{0x7fff, 0x8000, 0x8001} {
			src = append(src, math.Float32frombits(0x3f800000|k<<16|low), math.Float32frombits(0xbf800000|k<<16|low))
		}
	}
	eachLevel(t, func(t *testing.T) {
		got := make([]float32, len(src))
		RoundBF16(got, src)
		for i, x := range src {
			if want := roundBF16Ref(x); !sameBF16(got[i], want) {
				t.Fatalf("RoundBF16(%#08x) = %#08x, want %#08x", math.Float32bits(x), math.Float32bits(got[i]), math.Float32bits(want))
			}
		}
	})
}

// TestRoundBF16Bounds checks that each level writes exactly dst's
// elements, at every length and alignment, and matches the Go twin bit for
// bit (NaNs included: the kernel sets the same quiet bit).
func TestRoundBF16Bounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	eachLevel(t, func(t *testing.T) {
		for _, n := range lengths {
			for _, off := range offsets {
				src := make([]float32, n)
				for i := range src {
					src[i] = math.Float32frombits(rng.Uint32())
				}
				want := make([]float32, n)
				roundBF16Go(want, src)
				dst, intact := guarded(n, off)
				RoundBF16(dst, src)
				if !intact() {
					t.Fatalf("n=%d off=%d: wrote outside dst", n, off)
				}
				for i := range dst {
					if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
						t.Fatalf("n=%d off=%d: element %d of %#08x = %#08x, Go twin %#08x", n, off, i,
							math.Float32bits(src[i]), math.Float32bits(dst[i]), math.Float32bits(want[i]))
					}
				}
			}
		}
	})
}

func FuzzRoundBF16(f *testing.F) {
	for _, u := range []uint32{0, 0x3f808000, 0x3f818000, 0x7f7fffff, 0x00000001, 0x7f800001, 0xff800000} {
		f.Add(u)
	}
	f.Fuzz(func(t *testing.T, u uint32) {
		x := math.Float32frombits(u)
		want := roundBF16Ref(x)
		levels(func() {
			// The value in every lane of a full vector and of the tail.
			got := make([]float32, 19)
			for i := range got {
				got[i] = x
			}
			RoundBF16(got, got)
			for i, g := range got {
				if !sameBF16(g, want) {
					t.Fatalf("%v: RoundBF16(%#08x) = %#08x in lane %d, want %#08x", active, u, math.Float32bits(g), i, math.Float32bits(want))
				}
				if math.Float32bits(g)&0xffff != 0 {
					t.Fatalf("%v: RoundBF16(%#08x) = %#08x: low 16 bits not zero", active, u, math.Float32bits(g))
				}
			}
		})
	})
}

// BenchmarkRoundBF16 rounds one baby block's MLP activations (768×512).
func BenchmarkRoundBF16(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	src := make([]float32, 768*512)
	for i := range src {
		src[i] = float32(rng.NormFloat64())
	}
	dst := make([]float32, len(src))
	for _, l := range supported() {
		b.Run(l.String(), func(b *testing.B) {
			saved := active
			defer func() { active = saved }()
			active = l
			for b.Loop() {
				RoundBF16(dst, src)
			}
			b.ReportMetric(float64(len(src))*float64(b.N)/b.Elapsed().Seconds()/1e9, "Gvalues/s")
		})
	}
}
