package engine

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestEstimateMemoryCoversTheRealAllocation measures the heap a model, its
// trainer and one step allocate and holds EstimateMemory to it: never below
// (it is used to refuse runs), and within 2× (or it would refuse runs that
// fit), leaving out the BLAS pool that earlier tests may have filled.
func TestEstimateMemoryCoversTheRealAllocation(t *testing.T) {
	tests := []struct {
		name string
		c    Config
		B, T int
		acc  int
		prec string
	}{
		{"small", Config{VocabSize: 23, Context: 32, Layers: 2, Heads: 2, Embd: 32}, 8, 32, 1, ""},
		{"dropout and accumulation", Config{VocabSize: 65, Context: 64, Layers: 2, Heads: 4, Embd: 64, Dropout: 0.1}, 8, 64, 2, ""},
		{"attention heavy", Config{VocabSize: 30, Context: 128, Layers: 3, Heads: 8, Embd: 16}, 6, 128, 1, ""},
		{"vocabulary heavy", Config{VocabSize: 3000, Context: 32, Layers: 1, Heads: 1, Embd: 16}, 16, 32, 1, ""},
		{"short training context", Config{VocabSize: 50, Context: 64, Layers: 2, Heads: 2, Embd: 48}, 4, 24, 1, ""},
		{"bf16, vocabulary heavy", Config{VocabSize: 3000, Context: 32, Layers: 1, Heads: 1, Embd: 16}, 16, 32, 1, PrecisionBF16},
		{"bf16", Config{VocabSize: 65, Context: 64, Layers: 2, Heads: 4, Embd: 64}, 8, 64, 1, PrecisionBF16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := TrainConfig{Steps: 10, Batch: tt.B, Context: tt.T, GradAccum: tt.acc, Precision: tt.prec, LR: 1e-3, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, GradClip: 1}
			data := Data{Train: []Segment{{Name: "x", Tokens: testData(4*tt.T+10, tt.c.VocabSize, 1), Weight: 1}}}
			var before, after runtime.MemStats
			// Two collections empty sync.Pools (their victim caches too), so
			// buffers earlier tests left in fastblas's pools are not counted
			// in before and then freed before after is read.
			runtime.GC()
			runtime.GC()
			runtime.ReadMemStats(&before)
			tr, err := NewTrainer(NewModel(tt.c, 1), tc, data)
			if err != nil {
				t.Fatal(err)
			}
			mustStep(t, tr)
			runtime.GC()
			runtime.ReadMemStats(&after)
			runtime.KeepAlive(tr)
			got := int64(after.HeapAlloc) - int64(before.HeapAlloc)
			est := EstimateMemory(tt.c, tc)
			t.Logf("EstimateMemory %d, measured %d: ratio %.2f", est, got, float64(est)/float64(got))
			// fastblas's pooled buffers are shared by every product in the
			// process: tests that ran before have paid for them, so the
			// upper bound leaves them out.
			if own := est - memoryUse(tt.c, tc).BLAS; est < got || own > 2*got {
				t.Errorf("EstimateMemory = %d bytes (%d without the BLAS pool), measured %d; want estimate ≥ measured and ≤ 2× without the pool", est, own, got)
			}
		})
	}
}

func TestEstimateMemorySaturates(t *testing.T) {
	c := Config{VocabSize: 1 << 40, Context: 1 << 40, Layers: 1 << 40, Heads: 1 << 40, Embd: 1 << 40}
	tc := TrainConfig{Batch: 1 << 40, Context: 1 << 40, GradAccum: 1}
	if got := EstimateMemory(c, tc); got != math.MaxInt64 {
		t.Errorf("EstimateMemory of absurd sizes = %d, want saturation at MaxInt64", got)
	}
	if err := CheckMemory(c, tc, 1<<40); err == nil || !strings.Contains(err.Error(), "overflow") {
		t.Errorf("CheckMemory of absurd sizes = %v, want an error saying the sizes overflow", err)
	}
	small, stc := smallRun()
	stc.Batch = 1 << 40
	if got := EstimateMemory(small, stc); got < 1<<57 {
		t.Errorf("EstimateMemory with batch 1<<40 = %d, want more than 1<<57", got)
	}
	err := CheckMemory(small, stc, 1<<40)
	var me *MemoryError
	if !errors.As(err, &me) || me.Flag != "--batch" {
		t.Errorf("CheckMemory with batch 1<<40 = %v, want a --batch *MemoryError", err)
	}
	neg := TrainConfig{Batch: -5, Context: -1, GradAccum: -1}
	if got := EstimateMemory(Config{VocabSize: -1, Layers: -3}, neg); got < 0 {
		t.Errorf("EstimateMemory of negative sizes = %d, want ≥ 0", got)
	}
}

func TestCheckMemoryNamesTheBiggestPart(t *testing.T) {
	base := TrainConfig{Steps: 1, GradAccum: 1, LR: 1e-3, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8}
	tests := []struct {
		name string
		c    Config
		B, T int
		flag string
	}{
		{"batch", Config{VocabSize: 10, Context: 8, Layers: 4, Heads: 1, Embd: 64}, 4096, 8, "--batch"},
		{"context", Config{VocabSize: 10, Context: 4096, Layers: 4, Heads: 8, Embd: 64}, 4, 4096, "--context"},
		{"width", Config{VocabSize: 10, Context: 8, Layers: 48, Heads: 8, Embd: 2048}, 1, 8, "--embd or --layers"},
		{"vocabulary", Config{VocabSize: 200000, Context: 8, Layers: 1, Heads: 1, Embd: 512}, 1, 8, "the vocabulary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := base
			tc.Batch, tc.Context = tt.B, tt.T
			need := EstimateMemory(tt.c, tc)
			if err := CheckMemory(tt.c, tc, need); err != nil {
				t.Fatalf("CheckMemory with a limit of exactly the estimate = %v, want nil", err)
			}
			err := CheckMemory(tt.c, tc, need/2)
			var me *MemoryError
			if !errors.As(err, &me) {
				t.Fatalf("CheckMemory with half the estimate = %v, want a *MemoryError", err)
			}
			if !strings.HasPrefix(me.Flag, tt.flag) || me.Need != need || me.Limit != need/2 {
				t.Errorf("MemoryError %+v, want flag %q, need %d, limit %d", me, tt.flag, need, need/2)
			}
			msg := err.Error()
			if !strings.Contains(msg, "lower "+tt.flag) || !strings.Contains(msg, formatBytes(need)) || !strings.Contains(msg, formatBytes(need/2)) {
				t.Errorf("error %q should name %q and both sizes", msg, tt.flag)
			}
		})
	}
}

func TestAvailableMemoryReadsMeminfo(t *testing.T) {
	dir := t.TempDir()
	defer func(p string) { meminfoPath = p }(meminfoPath)
	tests := []struct {
		name, content string
		want          int64
	}{
		{"available", "MemTotal:       16000000 kB\nMemFree:          100000 kB\nMemAvailable:    8000000 kB\n", 8000000 * 1024},
		{"old kernel", "MemTotal:       16000000 kB\nMemFree:          100000 kB\n", 16000000 * 1024},
		{"garbage", "MemAvailable: lots\n", DefaultMemoryLimit},
		{"overflow", "MemAvailable: 99999999999999999999 kB\n", DefaultMemoryLimit},
	}
	for _, tt := range tests {
		meminfoPath = filepath.Join(dir, tt.name)
		if err := os.WriteFile(meminfoPath, []byte(tt.content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := availableMemory(); got != tt.want {
			t.Errorf("%s: availableMemory() = %d, want %d", tt.name, got, tt.want)
		}
	}
	meminfoPath = filepath.Join(dir, "missing")
	if got := availableMemory(); got != DefaultMemoryLimit {
		t.Errorf("without meminfo availableMemory() = %d, want DefaultMemoryLimit", got)
	}
	// limit 0 means the machine's: 256 KiB available refuses the small run.
	meminfoPath = filepath.Join(dir, "tiny")
	os.WriteFile(meminfoPath, []byte("MemAvailable: 256 kB\n"), 0o644)
	c, tc := smallRun()
	var me *MemoryError
	if err := CheckMemory(c, tc, 0); !errors.As(err, &me) || me.Limit != 256<<10 {
		t.Errorf("CheckMemory(limit 0) with 256 KiB available = %v, want a *MemoryError with that limit", err)
	}
}

// TestEvalMemory: evaluation needs less than training the same shape (no
// gradients or moments), grows with the batch, and is refused past the limit
// naming --batch.
func TestEvalMemory(t *testing.T) {
	c := Config{VocabSize: 50257, Context: 1024, Layers: 12, Heads: 12, Embd: 768}
	train := EstimateMemory(c, TrainConfig{Steps: 1, Batch: 4, Context: 1024, GradAccum: 1})
	one, four := EstimateEvalMemory(c, 1, 1024), EstimateEvalMemory(c, 4, 1024)
	if !(one < four && four < train) {
		t.Errorf("eval B=1 %d, B=4 %d, train B=4 %d; want eval to grow with B and stay below training", one, four, train)
	}
	var me *MemoryError
	if err := CheckEvalMemory(c, 16, 1024, 4<<30); !errors.As(err, &me) || me.Flag != "--batch" {
		t.Errorf("GPT-2 small at --batch 16 in 4 GiB: %v; want a *MemoryError naming --batch", err)
	}
	if err := CheckEvalMemory(c, 1, 1024, 8<<30); err != nil {
		t.Errorf("GPT-2 small at --batch 1 in 8 GiB: %v", err)
	}
}
