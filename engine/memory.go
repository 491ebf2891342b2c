package engine

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"runtime"
	"strconv"
	"strings"

	"lmlab/engine/fastblas"
)

// MemoryUse is EstimateMemory's account of a training run, in bytes, by the
// flag that makes each part grow.
type MemoryUse struct {
	Weights   int64 // weights, gradients and AdamW's two moments of the blocks and wpe: --embd, --layers
	Vocab     int64 // the same four copies of wte, plus the logits B·T·V: the vocabulary
	Attention int64 // attention maps L·B·NH·T·T forward and B·NH·T·T backward: --context
	Acts      int64 // the other activations and scratch, linear in B·T: --batch
	BLAS      int64 // fastblas's pooled packing buffers
	Overhead  int64 // the Go allocator's rounding and small structures
}

// Total is the sum of the parts, saturating at math.MaxInt64.
func (u MemoryUse) Total() int64 {
	return satAdd(u.Weights, u.Vocab, u.Attention, u.Acts, u.BLAS, u.Overhead)
}

// EstimateMemory returns the bytes a Trainer of recipe tc on a model of shape
// c allocates once it has taken its first step: the parameter arena with its
// gradients and AdamW moments, and every activation and backward scratch
// buffer of a B×T micro-batch (see Model.ensureActs), fastblas's pooled
// packing buffers, and a margin for the allocator. It does not count the training data, which the caller holds.
// The arithmetic saturates at math.MaxInt64 instead of overflowing, so absurd
// values (a batch of 1<<40) give a huge estimate, not a small one.
func EstimateMemory(c Config, tc TrainConfig) int64 { return memoryUse(c, tc).Total() }

func memoryUse(c Config, tc TrainConfig) MemoryUse {
	nn := func(x int) int64 { return int64(max(x, 0)) }
	V, T, L, NH, C := nn(c.VocabSize), nn(c.Context), nn(c.Layers), nn(c.Heads), nn(c.Embd)
	B, bt := nn(tc.Batch), nn(tc.Context)
	BT := satMul(B, bt)
	const f32 = 4

	// The arena and its three shadows (gradients, first and second moments).
	perLayer := satAdd(satMul(12, C, C), satMul(13, C)) // see Config.NumParams
	rest := satAdd(satMul(T, C), satMul(L, perLayer), satMul(2, C))
	var u MemoryUse
	u.Weights = satMul(4*f32, rest)
	// wte's four copies and the logits/probabilities (B,T,V).
	u.Vocab = satAdd(satMul(4*f32, V, C), satMul(f32, BT, V))
	// att (L,B,NH,T,T) and the backward's one-layer datt (B,NH,T,T).
	maps := satMul(B, NH, bt, bt)
	u.Attention = satMul(f32, satAdd(satMul(L, maps), maps))
	// Per layer 18 (B,T,C)-sized tensors (ln1, qkv 3, atty, attproj, res2,
	// ln2, fch 4, fchGelu 4, fcproj, res3) and 4 (B,T) statistics; outside the
	// layers encoded and lnf (B,T,C), lnf's statistics and the losses (B,T);
	// backward scratch dres, dln, datty, dqkv 3, dfch 4: 10 (B,T,C).
	btc := satAdd(satMul(L, 18), 2, 10)
	if c.Dropout > 0 {
		btc = satAdd(btc, satMul(2, L), 1, 1) // the masks (2L+1, B,T,C) and dbr
	}
	bts := satAdd(satMul(L, 4), 3)
	acts := satAdd(satMul(f32, btc, BT, C), satMul(f32, bts, BT))
	// Token ids: the trainer's and the model's inputs and targets (B,T) int32.
	u.Acts = satAdd(acts, satMul(4*4, BT))
	if tc.Precision == PrecisionBF16 {
		// bf16Scratch: the rounded row operand (B·T, up to 4C), output
		// gradient (B·T, up to max(4C, V)) and weight (up to max(4C·C, V·C)).
		u.Acts = satAdd(u.Acts, satMul(f32, BT, satMul(4, C)), satMul(f32, BT, max(satMul(4, C), V)),
			satMul(f32, max(satMul(4, C, C), satMul(V, C))))
	}
	// Data parallelism (Trainer.backprop): S−1 replicas of the model, each
	// with its own gradients and the activations, maps and logits of its
	// shard; together they hold the batch less shard 0, R sequences. The
	// model's own buffers stay sized for the whole batch above, which
	// evaluation uses.
	if S := int64(shardCount(c, tc)); S > 1 {
		R := B - B/S
		share := func(x int64) int64 { return satMul(x/max(B, 1)+1, R) }
		u.Weights = satAdd(u.Weights, satMul(S-1, f32, rest))
		u.Vocab = satAdd(u.Vocab, satMul(S-1, f32, V, C), share(satMul(f32, BT, V)))
		u.Attention = satAdd(u.Attention, share(u.Attention))
		u.Acts = satAdd(u.Acts, share(u.Acts))
	}
	// fastblas keeps gemm contexts in a sync.Pool, at most one per P since
	// the engine calls gemm from one goroutine at a time. Each holds a packed
	// copy of the largest B operand it has seen (k×n, n rounded up to its
	// 16-column panels) and A-panel scratch of 256×12 floats per task: one
	// task when every product of the step has m·n·k below 2¹⁸ (run inline),
	// else at most 2·8·threads (fastblas's kcMax, maxMR, inlineWork and
	// tasksPerWorker). The largest B of a step is one of inp (B·T, 4C) for
	// c_proj's weight gradient, wte (V, C) both ways for the tied head, and
	// the (4C, C) MLP weights; the largest products are the head's B·T·C·V
	// and the MLP's B·T·4C·C.
	maxB := max(satMul(BT, satAdd(satMul(4, C), 16)), satMul(V, satAdd(C, 16)),
		satMul(C, satAdd(V, 16)), satMul(satMul(4, C), satAdd(C, 16)))
	threads := int64(max(fastblas.Threads(), 1))
	tasks := int64(1)
	if max(satMul(BT, C, V), satMul(BT, 4, C, C)) >= 1<<18 {
		tasks = satMul(2*8, threads)
	}
	// When A's leading dimension is a multiple of 1024 floats fastblas
	// packs each task's strip of A, 256 floats per row of C; the rows of C
	// are B·T, or V, 4C or C for the weight gradients.
	maxM := max(BT, V, satMul(4, C))
	perCtx := satAdd(satMul(f32, maxB), satMul(f32, 256*12, tasks), satMul(f32, 256, maxM))
	u.BLAS = satMul(int64(runtime.GOMAXPROCS(0)), perCtx)
	// Go rounds each allocation up to a size class (at most 1/8 above it for
	// the sizes here) and the model, trainer and optimizer hold a few small
	// structures besides.
	u.Overhead = satAdd(satAdd(u.Weights, u.Vocab, u.Attention, u.Acts, u.BLAS)/8, 64<<10)
	return u
}

// MemoryError is a run that would not fit in the memory it may use.
type MemoryError struct {
	Need, Limit int64  // bytes
	Flag        string // what to lower: "--batch", "--context", "--embd or --layers" or "the vocabulary"
	Part        int64  // bytes of the part Flag governs
}

func (e *MemoryError) Error() string {
	return fmt.Sprintf("the run needs about %s of memory but %s is available; lower %s (%s of it)",
		formatBytes(e.Need), formatBytes(e.Limit), e.Flag, formatBytes(e.Part))
}

// CheckMemory refuses, with a *MemoryError naming the flag to lower (the one
// governing the largest part of EstimateMemory), a run that would not fit in
// limit bytes. limit 0 means the memory the machine has available now:
// MemAvailable of /proc/meminfo on Linux, else MemTotal, else
// DefaultMemoryLimit where neither can be read.
func CheckMemory(c Config, tc TrainConfig, limit int64) error {
	if limit <= 0 {
		limit = availableMemory()
	}
	u := memoryUse(c, tc)
	need := u.Total()
	if need <= limit {
		return nil
	}
	e := &MemoryError{Need: need, Limit: limit, Flag: "--batch", Part: u.Acts}
	for _, p := range []struct {
		flag string
		n    int64
	}{{"--context", u.Attention}, {"--embd or --layers", u.Weights}, {"the vocabulary (a tokenizer with fewer ids)", u.Vocab}} {
		if p.n > e.Part {
			e.Flag, e.Part = p.flag, p.n
		}
	}
	return e
}

// DefaultMemoryLimit is what CheckMemory assumes is available where the
// system does not say (no /proc/meminfo): enough for any run lmlab is meant
// for, and a refusal for absurd ones.
const DefaultMemoryLimit = 4 << 30

// meminfoPath is read by availableMemory; tests point it elsewhere.
var meminfoPath = "/proc/meminfo"

// availableMemory returns MemAvailable (or, on kernels before 3.14, MemTotal)
// from meminfoPath in bytes, or DefaultMemoryLimit when it cannot be read.
func availableMemory() int64 {
	f, err := os.Open(meminfoPath)
	if err != nil {
		return DefaultMemoryLimit
	}
	defer f.Close()
	var total int64
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		key, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || key != "MemAvailable" && key != "MemTotal" {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
		if err != nil || kb <= 0 || kb > math.MaxInt64/1024 {
			continue
		}
		if key == "MemAvailable" {
			return kb * 1024
		}
		total = kb * 1024
	}
	if total > 0 {
		return total
	}
	return DefaultMemoryLimit
}

// formatBytes renders n in MiB below a GiB and in GiB above.
func formatBytes(n int64) string {
	switch {
	case n == math.MaxInt64:
		return "more than 8 EiB (the sizes overflow)"
	case n < 1<<30:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
}
