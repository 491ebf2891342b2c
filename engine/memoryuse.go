package engine

// EstimateMemoryUse is EstimateMemory by part, for a command that shows the
// account before a run starts (lmlab finetune on a 124M-parameter model).
func EstimateMemoryUse(c Config, tc TrainConfig) MemoryUse { return memoryUse(c, tc) }

// FormatBytes renders n as CheckMemory's messages do: MiB below a GiB, GiB
// from a GiB on.
func FormatBytes(n int64) string { return formatBytes(n) }
