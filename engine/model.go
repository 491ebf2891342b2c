package engine

import (
	"fmt"
)

// Model is a GPT: parameters, their gradients, and the activations of the
// last forward pass (which backward and inspection read).
type Model struct {
	Config Config
	Params Params    // views into arena
	arena  []float32 // all parameters, NumParams long
	Grads  Params    // views into garena, same layout as Params
	garena []float32 // nil until the first Backward

	acts   activations
	train  bool    // dropout active
	dropMu uint64  // dropout RNG state (splitmix64), saved with the trainer
	B, T   int     // shape of the last forward pass
	inputs []int32 // (B,T) of the last forward pass
	targs  []int32 // (B,T) or nil
	loss   float32 // mean loss of the last forward pass with targets
	// haveLoss is true between a Forward with targets and the Backward that
	// consumes its probabilities.
	haveLoss bool

	bf *bf16Scratch // rounded operands of bf16 products; nil: float32 (SetPrecision)
}

// NewModel returns a model of shape cfg initialised as GPT-2 with seed.
// It panics if cfg is invalid; call cfg.Validate first on user input.
func NewModel(cfg Config, seed uint64) *Model {
	if err := cfg.Validate(); err != nil {
		panic("engine: NewModel: " + err.Error())
	}
	m := &Model{Config: cfg, arena: make([]float32, cfg.NumParams())}
	m.Params.point(cfg, m.arena)
	initParams(&m.Params, cfg, seed)
	return m
}

// Arena returns the flat parameter arena (shared, not a copy).
func (m *Model) Arena() []float32 { return m.arena }

// Clone returns a copy of m's parameters as a new model with no gradients or
// activations: a consistent snapshot for inspection while m trains on.
func (m *Model) Clone() *Model {
	c := &Model{Config: m.Config, arena: append([]float32(nil), m.arena...)}
	c.Params.point(c.Config, c.arena)
	return c
}

// CopyFrom overwrites m's parameters with src's; the configs must match.
func (m *Model) CopyFrom(src *Model) {
	if m.Config != src.Config {
		panic("engine: CopyFrom: configs differ")
	}
	copy(m.arena, src.arena)
}

// SetTraining turns dropout on (true) or off.
func (m *Model) SetTraining(on bool) { m.train = on }

// activations holds the forward pass's tensors, allocated for a capacity of
// positions and reused while B·T fits. Stacked tensors are (L, B,T, …) with
// the layer stride computed from the current B and T.
type activations struct {
	capBT, capT int // capacity: B·T positions, and T for the (T,T) attention maps
	capB        int

	encoded  []float32 // (B,T,C)
	ln1      []float32 // (L,B,T,C)
	ln1Mean  []float32 // (L,B,T)
	ln1Rstd  []float32 // (L,B,T)
	qkv      []float32 // (L,B,T,3C)
	atty     []float32 // (L,B,T,C)
	att      []float32 // (L,B,NH,T,T)
	attproj  []float32 // (L,B,T,C)
	res2     []float32 // (L,B,T,C)
	ln2      []float32 // (L,B,T,C)
	ln2Mean  []float32 // (L,B,T)
	ln2Rstd  []float32 // (L,B,T)
	fch      []float32 // (L,B,T,4C)
	fchGelu  []float32 // (L,B,T,4C)
	fcproj   []float32 // (L,B,T,C)
	res3     []float32 // (L,B,T,C)
	lnf      []float32 // (B,T,C)
	lnfMean  []float32 // (B,T)
	lnfRstd  []float32 // (B,T)
	probs    []float32 // (B,T,V) logits, then probabilities, then dlogits
	losses   []float32 // (B,T)
	dropMask []float32 // (2L+1, B,T,C) scale 0 or 1/(1-p); nil without dropout

	// Backward scratch, one layer's worth, overwritten per layer.
	dres  []float32 // (B,T,C) gradient of the residual stream
	dln   []float32 // (B,T,C)
	datty []float32 // (B,T,C)
	dbr   []float32 // (B,T,C) branch gradient through dropout
	dqkv  []float32 // (B,T,3C)
	dfch  []float32 // (B,T,4C)
	datt  []float32 // (B,NH,T,T)
}

// ensureActs sizes the activations for a B×T forward pass.
func (m *Model) ensureActs(B, T int) {
	a := &m.acts
	if B*T <= a.capBT && T <= a.capT && B <= a.capB && a.encoded != nil {
		return
	}
	c := m.Config
	L, C, V, NH := c.Layers, c.Embd, c.VocabSize, c.Heads
	// Grow to cover both the old and the new shape, so alternating between
	// a training batch and a smaller evaluation batch does not reallocate.
	B, T = max(B, a.capB), max(T, a.capT)
	BT := max(B*T, a.capBT)
	f := func(n int) []float32 { return make([]float32, n) }
	*a = activations{capBT: BT, capT: T, capB: B,
		encoded: f(BT * C), ln1: f(L * BT * C), ln1Mean: f(L * BT), ln1Rstd: f(L * BT),
		qkv: f(L * BT * 3 * C), atty: f(L * BT * C), att: f(L * B * NH * T * T),
		attproj: f(L * BT * C), res2: f(L * BT * C), ln2: f(L * BT * C),
		ln2Mean: f(L * BT), ln2Rstd: f(L * BT), fch: f(L * BT * 4 * C), fchGelu: f(L * BT * 4 * C),
		fcproj: f(L * BT * C), res3: f(L * BT * C), lnf: f(BT * C), lnfMean: f(BT), lnfRstd: f(BT),
		probs: f(BT * V), losses: f(BT),
	}
	if c.Dropout > 0 {
		a.dropMask = f((2*L + 1) * BT * C)
	}
	m.inputs = make([]int32, BT)
	m.targs = make([]int32, BT)
}

// Forward runs the model on inputs (B,T) of token ids. With targets (B,T) it
// returns the mean cross-entropy loss and keeps what Backward needs; with nil
// targets it returns 0 and leaves next-token probabilities for Probs.
// It panics on shape misuse or out-of-range ids.
func (m *Model) Forward(inputs, targets []int32, B, T int) float32 {
	c := m.Config
	if B < 1 || T < 1 || T > c.Context || len(inputs) != B*T || (targets != nil && len(targets) != B*T) {
		panic(fmt.Sprintf("engine: Forward: inputs %d, targets %d for B=%d T=%d (context %d)", len(inputs), len(targets), B, T, c.Context))
	}
	for _, id := range inputs {
		if id < 0 || int(id) >= c.VocabSize {
			panic(fmt.Sprintf("engine: Forward: token id %d outside vocabulary of %d", id, c.VocabSize))
		}
	}
	m.ensureActs(B, T)
	m.B, m.T = B, T
	copy(m.inputs, inputs)
	if targets != nil {
		copy(m.targs, targets)
	}
	L, C, V, NH := c.Layers, c.Embd, c.VocabSize, c.Heads
	BT := B * T
	p, a := &m.Params, &m.acts
	drop := m.train && c.Dropout > 0

	encoderForward(a.encoded[:BT*C], inputs, p.WTE, p.WPE, B, T, C)
	if drop {
		m.dropout(a.encoded[:BT*C], m.mask(0, BT*C))
	}
	residual := a.encoded[:BT*C]
	for l := 0; l < L; l++ {
		ln1, ln1Mean, ln1Rstd := layer(a.ln1, l, BT*C), layer(a.ln1Mean, l, BT), layer(a.ln1Rstd, l, BT)
		qkv, atty, att := layer(a.qkv, l, BT*3*C), layer(a.atty, l, BT*C), layer(a.att, l, B*NH*T*T)
		attproj, res2 := layer(a.attproj, l, BT*C), layer(a.res2, l, BT*C)
		ln2, ln2Mean, ln2Rstd := layer(a.ln2, l, BT*C), layer(a.ln2Mean, l, BT), layer(a.ln2Rstd, l, BT)
		fch, fchGelu, fcproj, res3 := layer(a.fch, l, BT*4*C), layer(a.fchGelu, l, BT*4*C), layer(a.fcproj, l, BT*C), layer(a.res3, l, BT*C)

		layerNormForward(ln1, ln1Mean, ln1Rstd, residual, layer(p.LN1W, l, C), layer(p.LN1B, l, C), BT, C)
		m.matmulForward(qkv, ln1, layer(p.QKVW, l, 3*C*C), layer(p.QKVB, l, 3*C), BT, C, 3*C)
		attentionForward(atty, att, qkv, B, T, C, NH)
		m.matmulForward(attproj, atty, layer(p.AttProjW, l, C*C), layer(p.AttProjB, l, C), BT, C, C)
		if drop {
			m.dropout(attproj, m.mask(1+2*l, BT*C))
		}
		residualForward(res2, residual, attproj)
		layerNormForward(ln2, ln2Mean, ln2Rstd, res2, layer(p.LN2W, l, C), layer(p.LN2B, l, C), BT, C)
		m.matmulForward(fch, ln2, layer(p.FCW, l, 4*C*C), layer(p.FCB, l, 4*C), BT, C, 4*C)
		geluForward(fchGelu, fch)
		m.matmulForward(fcproj, fchGelu, layer(p.FCProjW, l, 4*C*C), layer(p.FCProjB, l, C), BT, 4*C, C)
		if drop {
			m.dropout(fcproj, m.mask(2+2*l, BT*C))
		}
		residualForward(res3, res2, fcproj)
		residual = res3
	}
	lnf := a.lnf[:BT*C]
	layerNormForward(lnf, a.lnfMean[:BT], a.lnfRstd[:BT], residual, p.LNFW, p.LNFB, BT, C)
	probs := a.probs[:BT*V]
	m.matmulForward(probs, lnf, p.WTE, nil, BT, C, V) // the LM head, tied to wte
	if targets == nil {
		softmaxCrossEntropyForward(probs, nil, nil, BT, V)
		m.loss, m.haveLoss = 0, false
		return 0
	}
	losses := a.losses[:BT]
	softmaxCrossEntropyForward(probs, losses, targets, BT, V)
	var sum float64
	for _, v := range losses {
		sum += float64(v)
	}
	m.loss, m.haveLoss = float32(sum/float64(BT)), true
	return m.loss
}

// ZeroGrad clears the gradients, allocating them on first use.
func (m *Model) ZeroGrad() {
	if m.garena == nil {
		m.garena = make([]float32, len(m.arena))
		m.Grads.point(m.Config, m.garena)
		return
	}
	clear(m.garena)
}

// Backward accumulates (+=) into Grads the gradient of the last Forward's mean
// loss, scaled by lossScale (1/micro-batches under gradient accumulation).
// The last Forward must have had targets; Backward consumes its probabilities.
func (m *Model) Backward(lossScale float32) {
	if m.garena == nil {
		m.ZeroGrad()
	}
	if !m.haveLoss { // no targets, or probabilities already consumed
		panic("engine: Backward without a Forward with targets")
	}
	c := m.Config
	B, T := m.B, m.T
	L, C, V, NH := c.Layers, c.Embd, c.VocabSize, c.Heads
	BT := B * T
	p, g, a := &m.Params, &m.Grads, &m.acts
	m.ensureScratch()
	drop := m.train && c.Dropout > 0

	dres := a.dres[:BT*C]
	dln := a.dln[:BT*C]
	dlogits := a.probs[:BT*V]
	softmaxCrossEntropyBackward(dlogits, dlogits, m.targs[:BT], lossScale/float32(BT), BT, V)
	m.matmulBackward(dln, g.WTE, nil, dlogits, a.lnf[:BT*C], p.WTE, BT, C, V)
	clear(dres)
	last := a.encoded[:BT*C]
	if L > 0 {
		last = layer(a.res3, L-1, BT*C)
	}
	layerNormBackward(dres, g.LNFW, g.LNFB, dln, last, p.LNFW, a.lnfMean[:BT], a.lnfRstd[:BT], BT, C)

	for l := L - 1; l >= 0; l-- {
		residual := a.encoded[:BT*C]
		if l > 0 {
			residual = layer(a.res3, l-1, BT*C)
		}
		ln1, ln1Mean, ln1Rstd := layer(a.ln1, l, BT*C), layer(a.ln1Mean, l, BT), layer(a.ln1Rstd, l, BT)
		qkv, atty, att := layer(a.qkv, l, BT*3*C), layer(a.atty, l, BT*C), layer(a.att, l, B*NH*T*T)
		res2 := layer(a.res2, l, BT*C)
		ln2, ln2Mean, ln2Rstd := layer(a.ln2, l, BT*C), layer(a.ln2Mean, l, BT), layer(a.ln2Rstd, l, BT)
		fch, fchGelu := layer(a.fch, l, BT*4*C), layer(a.fchGelu, l, BT*4*C)
		dfch, dqkv, datty := a.dfch[:BT*4*C], a.dqkv[:BT*3*C], a.datty[:BT*C]

		// res3 = res2 + fcproj: the branch sees dres (through its dropout mask).
		dbr := dres
		if drop {
			dbr = a.dbr[:BT*C]
			maskMul(dbr, dres, m.mask(2+2*l, BT*C))
		}
		m.matmulBackward(dfch, layer(g.FCProjW, l, 4*C*C), layer(g.FCProjB, l, C), dbr, fchGelu, layer(p.FCProjW, l, 4*C*C), BT, 4*C, C)
		geluBackward(dfch, fch, dfch)
		m.matmulBackward(dln, layer(g.FCW, l, 4*C*C), layer(g.FCB, l, 4*C), dfch, ln2, layer(p.FCW, l, 4*C*C), BT, C, 4*C)
		layerNormBackward(dres, layer(g.LN2W, l, C), layer(g.LN2B, l, C), dln, res2, layer(p.LN2W, l, C), ln2Mean, ln2Rstd, BT, C)

		// res2 = residual + attproj.
		dbr = dres
		if drop {
			dbr = a.dbr[:BT*C]
			maskMul(dbr, dres, m.mask(1+2*l, BT*C))
		}
		m.matmulBackward(datty, layer(g.AttProjW, l, C*C), layer(g.AttProjB, l, C), dbr, atty, layer(p.AttProjW, l, C*C), BT, C, C)
		attentionBackward(dqkv, a.datt[:B*NH*T*T], datty, qkv, att, B, T, C, NH)
		m.matmulBackward(dln, layer(g.QKVW, l, 3*C*C), layer(g.QKVB, l, 3*C), dqkv, ln1, layer(p.QKVW, l, 3*C*C), BT, C, 3*C)
		layerNormBackward(dres, layer(g.LN1W, l, C), layer(g.LN1B, l, C), dln, residual, layer(p.LN1W, l, C), ln1Mean, ln1Rstd, BT, C)
	}
	if drop {
		maskMul(dres, dres, m.mask(0, BT*C))
	}
	encoderBackward(g.WTE, g.WPE, dres, m.inputs[:BT], B, T, C)
	m.haveLoss = false // the probabilities are gone
}

// ensureScratch sizes the backward scratch to the activations' capacity.
func (m *Model) ensureScratch() {
	a := &m.acts
	C, NH := m.Config.Embd, m.Config.Heads
	if len(a.dres) == a.capBT*C {
		return
	}
	f := func(n int) []float32 { return make([]float32, n) }
	a.dres, a.dln, a.datty, a.dqkv, a.dfch = f(a.capBT*C), f(a.capBT*C), f(a.capBT*C), f(a.capBT*3*C), f(a.capBT*4*C)
	a.datt = f(a.capB * NH * a.capT * a.capT)
	if m.Config.Dropout > 0 {
		a.dbr = f(a.capBT * C)
	}
}
