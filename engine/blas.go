package engine

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/gonum"
)

// BLASName names the blas.Float32 implementation the engine's products use.
func BLASName() string {
	switch blas32.Implementation().(type) {
	case gonum.Implementation:
		return "gonum"
	default:
		return "custom"
	}
}
