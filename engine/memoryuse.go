package engine

import "math"

// EstimateMemoryUse is EstimateMemory by part, for a command that shows the
// account before a run starts (lmlab finetune on a 124M-parameter model).
func EstimateMemoryUse(c Config, tc TrainConfig) MemoryUse { return memoryUse(c, tc) }

// FormatBytes renders n as CheckMemory's messages do: MiB below a GiB, GiB
// from a GiB on.
func FormatBytes(n int64) string { return formatBytes(n) }

// EstimateEvalMemory is the memory a model of shape c needs to run forward
// passes over B windows of T tokens: EstimateMemory of such a run without
// what only training holds (gradients and AdamW's two moments, three copies
// of the weights).
func EstimateEvalMemory(c Config, B, T int) int64 {
	tc := TrainConfig{Steps: 1, Batch: B, Context: T, GradAccum: 1}
	need := EstimateMemory(c, tc)
	if need == math.MaxInt64 {
		return need
	}
	return max(need-3*4*c.NumParams(), 0)
}

// CheckEvalMemory refuses, with a *MemoryError naming --batch, forward
// passes over B windows of T that would not fit in limit bytes (0: the
// memory available now).
func CheckEvalMemory(c Config, B, T int, limit int64) error {
	if limit <= 0 {
		limit = availableMemory()
	}
	if need := EstimateEvalMemory(c, B, T); need > limit {
		return &MemoryError{Need: need, Limit: limit, Flag: "--batch", Part: need}
	}
	return nil
}
