package vec

// level is an implementation of the kernels.
type level int

const (
	generic level = iota // the pure-Go twins
	avx2                 // AVX2 and FMA, 8 lanes
	avx512               // AVX-512 F, 16 lanes
)

func (l level) String() string {
	return [...]string{"generic", "avx2", "avx512"}[l]
}

// active is the implementation the exported functions use: the best one
// this CPU runs. Tests switch it to check every supported level.
var active = supported()[0]
