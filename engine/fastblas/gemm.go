package fastblas

import (
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Blocking. The loop nest, inside one task that owns a block of C, is
//
//	for each block of kc along k           (C updated once per k block)
//	  for each block of nc columns         (B block kc×nc stays in L2)
//	    for each mr-row micro-panel of A   (kc×mr, stays in L1)
//	      for each nr-column micro-panel   (kc×nr streamed from L2)
//	        micro-kernel: mr×nr tile of C
//
// B is packed once per call, shared by all tasks. A is read in place by the
// kernels (a micro-panel is mr rows of A, or kc rows of Aᵀ, at stride lda)
// and packed only for the bottom edge or when lda makes the in-place panel
// thrash L1 (then a task packs its rows' panels once per k block, for every
// column block): packing A cost a third of the time on the step's shapes, where
// each A panel is used n/nr times only. The shapes of a GPT step (k ≤ 768,
// n ≤ 512) fit one nc block and one to three kc blocks.
const (
	// kcMax bounds the A micro-panel, kcMax·mr·4 bytes (12 KiB for the
	// 12-row kernel), to well under the 32 KiB L1d so that it survives the
	// B micro-panels streaming past it.
	kcMax = 256
	// l2Budget is the room given to a kc×nc block of packed B: half of a
	// 1 MiB L2, all of a Zen 3's 512 KiB. On Zen 3 (2 vCPUs, measured
	// against 256 and 384 KiB) the full 512 KiB still ran square_1024 and
	// square_2048 fastest: B micro-panels stream well from L3.
	l2Budget = 512 << 10
	// inlineWork is the m·n·k below which a call runs on the calling
	// goroutine: 2¹⁸ FMAs take about 5µs on one core, and handing half of
	// them to a helper costs about 1µs when it is spinning and 80µs when it
	// is parked. Attention's per-head products stay below it.
	inlineWork = 1 << 18
	// packParallel is the k·n above which B is packed by several goroutines.
	packParallel = 1 << 15
)

// gemmCtx holds one call's arguments, blocking and scratch; it is reused
// through ctxPool so that a warm call allocates nothing.
type gemmCtx struct {
	aTrans, bTrans bool
	m, n, k        int
	alpha, beta    float32
	a, b, c        []float32
	lda, ldb, ldc  int

	kern    *kernel
	kc      int // k block size; the last block may be shorter
	nc      int // column block, in micro-panels
	nPanels int // column micro-panels: ceil(n/nr)
	bp      []float32
	bpMem   []float32
	// packA says A micro-panels are packed rather than read in place. In
	// place, the strands the kernel walks (mr rows, or kc k-steps when A is
	// transposed) start lda·4 bytes apart; when that is a multiple of 4 KiB
	// they all fall in the same L1 sets (64 sets of 64 bytes) and evict each
	// other, so square_1024 ran at half speed.
	packA bool
	// pa, when not nil, holds op(A) packed by PackA: every row panel is
	// read from it, none packed or read in place.
	pa *PackedA

	// The call is one job: packTasks tasks that pack B, then
	// rowTasks·colTasks tasks that compute blocks of C. A compute task
	// first waits until packed reaches packTasks. That wait is bounded:
	// tasks are claimed in order, so by the time a compute task is claimed
	// every pack task has been claimed by a goroutine that is running it.
	packTasks          int
	packed             atomic.Int32
	rowTasks, colTasks int
	scratch            []float32 // per compute task: room to pack A micro-panels
	perTask            int       // floats of scratch per compute task

	shape Shape // the structure the caller declared (SgemmShaped)
}

// forcePackA packs every A micro-panel instead of reading full ones in
// place; a switch for measuring the difference.
var forcePackA = false

var ctxPool = sync.Pool{New: func() any { return new(gemmCtx) }}

// scratchPerTask is the floats a task needs when A is read in place: a
// kcMax×maxMR A micro-panel for the bottom edge. When g.packA, a task packs
// its whole strip of A rows for a k block, panels·mr·kcMax floats, once for
// every column block of B (packStrip): about kcMax floats per row of C.
const scratchPerTask = kcMax * maxMR

// gemm computes C = alpha·op(A)·op(B) + beta·C on checked arguments; with
// pa not nil, op(A) is pa's matrix (a and lda are unused) and the product
// runs on the kernel pa was packed for.
func gemm(shape Shape, aTrans, bTrans bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, pa *PackedA) {
	g := ctxPool.Get().(*gemmCtx)
	g.shape = shape
	kern := activeKernel.Load()
	if pa != nil {
		kern = pa.kern
	}
	g.aTrans, g.bTrans, g.m, g.n, g.k = aTrans, bTrans, m, n, k
	g.alpha, g.beta, g.a, g.b, g.c, g.lda, g.ldb, g.ldc = alpha, beta, a, b, c, lda, ldb, ldc
	g.kern, g.pa = kern, pa
	g.packA = pa == nil && (forcePackA || lda%1024 == 0)
	kblocks := (k + kcMax - 1) / kcMax
	g.kc = (k + kblocks - 1) / kblocks
	g.nPanels = (n + kern.nr - 1) / kern.nr
	g.nc = max(1, l2Budget/(4*g.kc*kern.nr))
	g.bp = alignedFloats(&g.bpMem, k*g.nPanels*kern.nr)

	workers := Threads()
	if m*n*k < inlineWork {
		workers = 1
	}
	g.packTasks, g.rowTasks, g.colTasks = 1, 1, 1
	if workers > 1 {
		if k*n >= packParallel {
			g.packTasks = min(g.nPanels, tasksPerWorker*workers)
			if g.packsRows() {
				g.packTasks = min(g.k, tasksPerWorker*workers)
			}
		}
		g.split(workers)
	}
	g.packed.Store(0)
	tasks := g.rowTasks * g.colTasks
	g.perTask = scratchPerTask
	if g.packA {
		rowPanels := (m + kern.mr - 1) / kern.mr
		g.perTask = (rowPanels + g.rowTasks - 1) / g.rowTasks * kcMax * kern.mr
	}
	if len(g.scratch) < tasks*g.perTask {
		g.scratch = make([]float32, tasks*g.perTask)
	}
	if workers == 1 {
		g.runTask(0)
		g.runTask(1)
	} else {
		run(g, nil, 0, g.packTasks+tasks, workers)
	}

	g.a, g.b, g.c, g.bp, g.pa = nil, nil, nil, nil, nil // do not keep the caller's memory alive
	ctxPool.Put(g)
}

// tasksPerWorker is how many pieces each of the pack and compute work is cut
// into per goroutine. Goroutines claim pieces as they go, so on a machine
// shared with other processes a helper the OS has descheduled holds up the
// caller by one small piece only; a piece costs next to nothing to set up.
const tasksPerWorker = 8

// split chooses the compute task grid for workers goroutines, cut along rows
// of C where there are enough (tasks then share packed B and read disjoint
// rows of A), and along columns as well when C is short.
func (g *gemmCtx) split(workers int) {
	want := tasksPerWorker * workers
	rowPanels := (g.m + g.kern.mr - 1) / g.kern.mr
	g.rowTasks = min(rowPanels, want)
	if g.rowTasks < want {
		g.colTasks = min(g.nPanels, (want+g.rowTasks-1)/g.rowTasks)
	}
}

// runTask does task i of the job: packing B, or computing a block of C.
func (g *gemmCtx) runTask(i int) {
	if i < g.packTasks {
		if g.packsRows() {
			lo, hi := chunk(g.k, g.packTasks, i)
			g.packBRows(lo, hi)
		} else {
			lo, hi := chunk(g.nPanels, g.packTasks, i)
			g.packBPanels(lo, hi)
		}
		g.packed.Add(1)
		return
	}
	for g.packed.Load() < int32(g.packTasks) {
		runtime.Gosched()
	}
	i -= g.packTasks
	mr := g.kern.mr
	rowPanels := (g.m + mr - 1) / mr
	r0, r1 := chunk(rowPanels, g.rowTasks, i/g.colTasks)
	p0, p1 := chunk(g.nPanels, g.colTasks, i%g.colTasks)
	s := g.scratch[i*g.perTask : (i+1)*g.perTask]
	g.compute(r0*mr, min(r1*mr, g.m), p0, p1, s)
}

// packsRows says B is row-major and packed in Go, by packBRows; otherwise
// packBPanels packs it.
func (g *gemmCtx) packsRows() bool { return !g.bTrans && !g.kern.packsB }

// packBPanels packs column micro-panels [lo, hi) of B for every k block:
// block (p0, kb) starts at p0·nPanels·nr, and its panel jp holds B[p0:p0+kb,
// jp·nr:(jp+1)·nr] row by row, zero-padded past n (a narrow last panel is
// packed panelWidth wide).
func (g *gemmCtx) packBPanels(lo, hi int) {
	nr := g.kern.nr
	for p0 := 0; p0 < g.k; p0 += g.kc {
		kb := min(g.kc, g.k-p0)
		for jp := lo; jp < hi; jp++ {
			off := p0*g.nPanels*nr + jp*kb*nr
			w := g.panelWidth(jp)
			packB(g.kern, g.bp[off:off+kb*w], g.b, g.ldb, g.bTrans, p0, kb, jp*nr, min(nr, g.n-jp*nr), w)
		}
	}
}

// packBRows packs rows [lo, hi) of a row-major B into every column panel,
// in packBPanels's layout. Tasks split B by rows, so each reads whole rows
// in order: split by panels, a task read nr floats from each of k rows ldb
// apart (with ldb a multiple of 512 floats, as for the 4C-wide activations
// dw reads, those rows share a few L1 sets) and each panel fetched its lines
// again from L2.
func (g *gemmCtx) packBRows(lo, hi int) {
	nr := g.kern.nr
	for p := lo; p < hi; p++ {
		p0 := p - p%g.kc
		kb := min(g.kc, g.k-p0)
		block := g.bp[p0*g.nPanels*nr:]
		pb := p - p0 // row within the k block
		row := g.b[p*g.ldb : p*g.ldb+g.n]
		for jp := range g.nPanels {
			j := jp * nr
			w := g.panelWidth(jp)
			d := block[jp*kb*nr+pb*w : jp*kb*nr+(pb+1)*w]
			if nr == 16 && w == 16 && j+16 <= len(row) {
				// Through a local, a fixed-size copy compiles to
				// vector moves; copy (or a direct array assignment,
				// which may overlap) calls memmove for 64 bytes.
				v := *(*[16]float32)(row[j:])
				*(*[16]float32)(d) = v
				continue
			}
			cols := min(nr, g.n-j)
			copy(d, row[j:j+cols])
			clear(d[cols:])
		}
	}
}

// panelWidth is the packed width of column panel jp: nr, or the kernel's
// narrow width for a last panel that fits it.
func (g *gemmCtx) panelWidth(jp int) int {
	if jp == g.nPanels-1 && g.kern.narrow > 0 && g.n-jp*g.kern.nr <= g.kern.narrow {
		return g.kern.narrow
	}
	return g.kern.nr
}

// packPanel writes rows [p0, p0+kb) × columns [j0, j0+cols) of op(X) into dst
// as kb rows of w floats, zero-padding columns cols..w. op(X) is X when rowMajor
// (element (p, j) at x[p*ldx+j]) and Xᵀ otherwise (at x[j*ldx+p]). It packs
// B panels as is and A panels through the transpose: an A micro-panel is
// op(A)ᵀ's rows.
func packPanel(dst, x []float32, ldx int, rowMajor bool, p0, kb, j0, cols, w int) {
	if rowMajor && cols == 6 && w == 6 {
		// The AVX2 kernel's panel of a transposed A: six floats a k step,
		// copied as one value (copy would call memmove for 24 bytes).
		dst = dst[:6*kb]
		for p := range kb {
			s := (p0+p)*ldx + j0
			*(*[6]float32)(dst[6*p:]) = *(*[6]float32)(x[s : s+6])
		}
		return
	}
	if rowMajor {
		for p := range kb {
			d := dst[p*w : (p+1)*w]
			copy(d, x[(p0+p)*ldx+j0:(p0+p)*ldx+j0+cols])
			clear(d[cols:])
		}
		return
	}
	// Four columns of op(X) (rows of X) at a time, k outermost: four
	// sequential reads and one 16-byte run of dst per step, rather than one
	// read stream and a store to a different cache line of dst per element.
	// The AVX2 kernel's whole 6-row panel is one pass of six.
	if cols == 6 && w == 6 {
		s := j0*ldx + p0
		r0 := x[s : s+kb]
		r1 := x[s+ldx : s+ldx+kb][:len(r0)]
		r2 := x[s+2*ldx : s+2*ldx+kb][:len(r0)]
		r3 := x[s+3*ldx : s+3*ldx+kb][:len(r0)]
		r4 := x[s+4*ldx : s+4*ldx+kb][:len(r0)]
		r5 := x[s+5*ldx : s+5*ldx+kb][:len(r0)]
		dst = dst[:6*len(r0)]
		for p := range r0 {
			d := dst[6*p : 6*p+6 : 6*p+6]
			d[0], d[1], d[2], d[3], d[4], d[5] = r0[p], r1[p], r2[p], r3[p], r4[p], r5[p]
		}
		return
	}
	j := 0
	for ; j+4 <= cols; j += 4 {
		s := (j0+j)*ldx + p0
		r0 := x[s : s+kb]
		r1 := x[s+ldx : s+ldx+kb]
		r2 := x[s+2*ldx : s+2*ldx+kb]
		r3 := x[s+3*ldx : s+3*ldx+kb]
		for p := range kb {
			d := dst[p*w+j : p*w+j+4 : p*w+j+4]
			d[0], d[1], d[2], d[3] = r0[p], r1[p], r2[p], r3[p]
		}
	}
	for ; j < cols; j++ {
		src := x[(j0+j)*ldx+p0 : (j0+j)*ldx+p0+kb]
		for p, v := range src {
			dst[p*w+j] = v
		}
	}
	if cols < w {
		for p := range kb {
			clear(dst[p*w+cols : (p+1)*w])
		}
	}
}

// compute updates rows [i0, i1) × column panels [jp0, jp1) of C.
//
// The k blocks are the outer loop so that, when A is packed, a task packs
// its strip of A once per k block and not again for each column block of B:
// read from a matrix too large for the caches, A's rows arrive at memory
// latency, and packing them once for each of square_2048's four column
// blocks was 9-15 % of its time.
func (g *gemmCtx) compute(i0, i1, jp0, jp1 int, ap []float32) {
	mr, nr := g.kern.mr, g.kern.nr
	for p0 := 0; p0 < g.k; p0 += g.kc {
		kb := min(g.kc, g.k-p0)
		bBlock := g.bp[p0*g.nPanels*nr:]
		if g.packA {
			g.packStrip(i0, i1, p0, kb, ap)
		}
		for jc := jp0; jc < jp1; jc += g.nc {
			jcEnd := min(jc+g.nc, jp1)
			for i := i0; i < i1; i += mr {
				rows := min(mr, i1-i)
				// The k steps [lo, hi) of this block that the row panel
				// needs: all of them, unless op(A) is triangular.
				kLo, kHi := g.kRange(i, rows)
				lo, hi := max(p0, kLo), min(p0+kb, kHi)
				beta := g.beta
				if p0 > kLo {
					beta = 1 // later k blocks add to what the first one stored
				}
				jpEnd := jcEnd
				if g.shape == LowerC {
					// Column panels wholly right of the diagonal of
					// every row here are not wanted.
					jpEnd = min(jpEnd, (i+rows-1)/nr+1)
				}
				if lo >= hi {
					if p0 == 0 && kLo >= kHi && jc < jpEnd {
						// No k step at all: C = beta·C.
						j := jc * nr
						scaleC(rows, min(jpEnd*nr, g.n)-j, g.beta, g.c[i*g.ldc+j:], g.ldc)
					}
					continue
				}
				kn := hi - lo
				// Full row panels read A in place; the bottom edge is
				// packed, zero-padded to mr rows, so the kernel never
				// reads past A.
				var a []float32
				var rsa, psa int
				switch {
				case g.pa != nil:
					a, rsa, psa = g.pa.panel(i, lo), 1, mr
				case g.packA:
					a, rsa, psa = ap[(i-i0)/mr*kcMax*mr:], 1, mr
				case rows < mr:
					// op(A)'s rows i..i+rows are op(A)ᵀ's columns: A is
					// "row-major" for packPanel exactly when transposed.
					packPanel(ap[:kn*mr], g.a, g.lda, g.aTrans, lo, kn, i, rows, mr)
					a, rsa, psa = ap, 1, mr
				case g.aTrans:
					a, rsa, psa = g.a[lo*g.lda+i:], 1, g.lda
				default:
					a, rsa, psa = g.a[i*g.lda+lo:], g.lda, 1
				}
				jp := jc
				if rows == mr {
					// The full-width panels of the row in one call.
					full := max(0, min(jpEnd, g.n/nr)-jc)
					if full > 0 {
						bpan := bBlock[jc*kb*nr+(lo-p0)*nr:]
						microKernelRow(g.kern, kn, a, rsa, psa, bpan, kb*nr, g.c[i*g.ldc+jc*nr:], g.ldc, g.alpha, beta, full)
						jp += full
					}
				}
				for ; jp < jpEnd; jp++ {
					j := jp * nr
					w := g.panelWidth(jp)
					bpan := bBlock[jp*kb*nr+(lo-p0)*w : jp*kb*nr+(hi-p0)*w]
					microKernel(g.kern, kn, a, rsa, psa, bpan, w, g.c[i*g.ldc+j:], g.ldc, g.alpha, beta, rows, min(nr, g.n-j))
				}
			}
		}
	}
}

// packStrip packs, for k block [p0, p0+kb), every A micro-panel of rows
// [i0, i1) into ap, panel q at q·kcMax·mr, as compute reads them.
func (g *gemmCtx) packStrip(i0, i1, p0, kb int, ap []float32) {
	mr := g.kern.mr
	for i := i0; i < i1; i += mr {
		rows := min(mr, i1-i)
		kLo, kHi := g.kRange(i, rows)
		lo, hi := max(p0, kLo), min(p0+kb, kHi)
		if lo >= hi {
			continue
		}
		q := (i - i0) / mr * kcMax * mr
		packPanel(ap[q:q+(hi-lo)*mr], g.a, g.lda, g.aTrans, lo, hi-lo, i, rows, mr)
	}
}

// kRange returns the k steps [lo, hi) that rows [i, i+rows) of op(A) may
// have non-zero: all of [0, k) for a general A; for a triangular one the
// span of the panel's rows (the zeros inside the diagonal band are read).
func (g *gemmCtx) kRange(i, rows int) (lo, hi int) {
	switch g.shape {
	case LowerA:
		return 0, min(g.k, i+rows)
	case UpperA:
		return min(i, g.k), g.k
	}
	return 0, g.k
}

// alignedFloats returns a slice of n floats from *mem, starting on a 64-byte
// boundary so that a packed row of B is one cache line per 16 floats; *mem
// grows when too small and is otherwise reused.
func alignedFloats(mem *[]float32, n int) []float32 {
	const align = 16 // floats per 64 bytes
	if cap(*mem) < n+align {
		*mem = make([]float32, n+align)
	}
	m := (*mem)[:cap(*mem)]
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(m)))%64) / 4
	if off != 0 {
		off = align - off
	}
	return m[off : off+n]
}
