package tui

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/samples"
	"lmlab/tokenizer"
)

// The Dataset pane's edits reach the trainer here. The corpus the session
// holds is never changed in place: commands on other goroutines may be
// reading it (encoding it, building a comparison tokenizer), so every edit
// makes a new one (cloneCorpus) and the UI goroutine swaps it in. A data job
// encodes the new corpus off the UI goroutine and hands it to the trainer
// between steps with Trainer.SetData, which keeps the model, the optimizer
// state and the step. Edits made while a job runs are gathered into the
// next one.

// weightSteps are the weights + and - move a source through.
var weightSteps = []float64{0.1, 0.25, 0.5, 1, 2, 3, 5, 10}

// stepWeight returns the next weight up or down from w, or w at the ends.
func stepWeight(w float64, up bool) float64 {
	if up {
		for _, s := range weightSteps {
			if s > w*(1+1e-9) {
				return s
			}
		}
		return w
	}
	for i := len(weightSteps) - 1; i >= 0; i-- {
		if weightSteps[i] < w*(1-1e-9) {
			return weightSteps[i]
		}
	}
	return w
}

// cloneCorpus returns a copy of c whose sources can be changed without
// touching c's. The texts are shared; they never change.
func cloneCorpus(c *samples.Corpus) *samples.Corpus {
	out := &samples.Corpus{Sources: make([]*samples.Source, len(c.Sources))}
	for i, s := range c.Sources {
		cp := *s
		out.Sources[i] = &cp
	}
	return out
}

// specsOf returns the --data values that load the enabled sources of c
// with their weights now, for checkpoints' data lists.
func specsOf(c *samples.Corpus) []string {
	var out []string
	for _, s := range c.Enabled() {
		spec := s.Name
		if s.Name == "stdin" { // plain text, or JSON lines with --field
			spec = "-"
		}
		if s.Weight != 1 {
			spec += fmt.Sprintf(":%g", s.Weight)
		}
		out = append(out, spec)
	}
	return out
}

// unknownIn measures how much of a source tok cannot represent.
func unknownIn(tok tokenizer.Tokenizer, src *samples.Source) unknownReport {
	var u unknownReport
	for _, text := range []string{src.TrainText, src.ValText} {
		u.total += utf8.RuneCountInString(text)
		for _, p := range tokenizer.Unknown(tok, text) {
			if u.chars == 0 {
				u.first = p
			}
			if p.Invalid {
				u.chars++
			} else {
				u.chars += utf8.RuneCountInString(p.Text)
			}
		}
	}
	return u
}

// byteLevel reports whether tok represents every byte string, so that data
// with invalid UTF-8 can be kept (as NewSession decides for the data it
// loads).

// toggleSource turns source i on or off, refusing to turn off the last one.
func (m *Model) toggleSource(i int) tea.Cmd {
	if m.sess == nil || i < 0 || i >= len(m.sess.Corpus.Sources) {
		return nil
	}
	src := m.sess.Corpus.Sources[i]
	if src.Enabled && len(m.sess.Corpus.Enabled()) == 1 {
		m.warn("%s is the last source on; training needs one (turn another on, or a adds one)", src.Name)
		return nil
	}
	c := cloneCorpus(m.sess.Corpus)
	c.Sources[i].Enabled = !src.Enabled
	state := "off"
	if c.Sources[i].Enabled {
		state = "on"
	}
	n := len(c.Enabled())
	if m.done { // nothing trains after the end until the run goes on
		m.say("%s %s; the run has ended: E trains %d more steps on %d source%s", src.Name, state, m.keys.goOn, n, plural(n))
	} else {
		m.say("%s %s; training continues on %d source%s from step %d", src.Name, state, n, plural(n), m.step)
	}
	return m.editCorpus(c)
}

// weighSource moves source i's weight a step up or down.
func (m *Model) weighSource(i int, up bool) tea.Cmd {
	if m.sess == nil || i < 0 || i >= len(m.sess.Corpus.Sources) {
		return nil
	}
	src := m.sess.Corpus.Sources[i]
	w := stepWeight(src.Weight, up)
	if w == src.Weight {
		m.say("weight %g is the limit (%g to %g)", w, weightSteps[0], weightSteps[len(weightSteps)-1])
		return nil
	}
	c := cloneCorpus(m.sess.Corpus)
	c.Sources[i].Weight = w
	var total float64
	for _, s := range c.Enabled() {
		total += s.Weight
	}
	share := ""
	if src.Enabled && total > 0 {
		share = fmt.Sprintf(", %.0f%% of the batches", 100*w/total)
	}
	m.say("%s: weight %g%s", src.Name, w, share)
	return m.editCorpus(c)
}

// editCorpus makes c the corpus the session wants and sends it on to the
// trainer.
func (m *Model) editCorpus(c *samples.Corpus) tea.Cmd {
	m.showCorpus(c)
	if m.dataBusy {
		return nil // the running job starts the next when it ends
	}
	return m.startDataJob()
}

// showCorpus makes c the session's corpus on screen. Sources are only ever
// appended, so the per-source measurements of a corpus are a prefix of the
// latest ones.
func (m *Model) showCorpus(c *samples.Corpus) {
	m.sess.Corpus = c
	m.srcStats, m.srcUnknown = m.srcStats[:len(c.Sources)], m.srcUnknown[:len(c.Sources)]
	m.dataset.setCorpus(c, m.srcStats, m.srcUnknown)
	m.dataset.setApplied(m.leaks, m.dataBusy || c != m.applied)
	m.tokens.setCorpus(c)
}

func (m *Model) startDataJob() tea.Cmd {
	m.dataBusy = true
	m.dataset.setApplied(m.leaks, true)
	tc := m.sess.Trainer.Cfg
	j := dataJob{corpus: m.sess.Corpus, tok: m.sess.Tokenizer, have: m.sess.Data,
		context: tc.Context, windows: tc.EvalWindows,
		newVal: !slices.Equal(enabledNames(m.sess.Corpus), enabledNames(m.applied))}
	return j.run
}

// enabledNames names the enabled sources, which decide the validation text.
func enabledNames(c *samples.Corpus) []string {
	var out []string
	for _, s := range c.Enabled() {
		out = append(out, s.Name)
	}
	return out
}

// dataJob encodes a corpus for the trainer.
type dataJob struct {
	corpus  *samples.Corpus // never changed once published
	tok     tokenizer.Tokenizer
	have    engine.Data // the trainer's data now: what it holds is not encoded again
	context int
	windows int
	newVal  bool // the enabled sources changed: evaluate on the new validation text
}

func (j dataJob) run() tea.Msg {
	msg := dataEncodedMsg{corpus: j.corpus, newVal: j.newVal, windows: j.windows}
	d := lab.EncodeCorpusFrom(j.corpus, j.tok, j.have)
	if len(d.Val) < j.context+1 {
		msg.err = fmt.Errorf("the validation text of the sources on has %d tokens; one evaluation window at context %d needs %d (turn on or add a source with more text)",
			len(d.Val), j.context, j.context+1)
		return msg
	}
	msg.data, msg.leaks = d, j.corpus.Leaks()
	return msg
}

// dataEncoded sends encoded data on to the trainer; its answer ends the job.
func (m *Model) dataEncoded(msg dataEncodedMsg) tea.Cmd {
	if msg.err != nil {
		return m.dataApplied(dataAppliedMsg{corpus: msg.corpus, err: msg.err})
	}
	m.ask(asked{kind: askData, data: &msg}, engine.SetData{Data: msg.data})
	return nil
}

// dataSet takes the trainer's answer that it has the data of msg. When the
// validation text changed, an evaluation on it follows as an event.
func (m *Model) dataSet(msg dataEncodedMsg) tea.Cmd {
	if msg.newVal {
		m.ask(asked{kind: askEval}, engine.Evaluate{MaxWindows: msg.windows})
	}
	return m.dataApplied(dataAppliedMsg{corpus: msg.corpus, data: msg.data, leaks: msg.leaks})
}

// dataApplied takes a data job's result: the trainer's data now, or an
// error and the corpus back as the trainer has it.
func (m *Model) dataApplied(msg dataAppliedMsg) tea.Cmd {
	m.dataBusy = false
	again := msg.corpus != m.sess.Corpus // edited while the job ran
	if msg.err != nil {
		m.setError(fmt.Errorf("data: %w", msg.err))
		if !again {
			m.showCorpus(m.applied) // undo on screen what the trainer refused
		}
	} else {
		m.applied, m.dataGen = msg.corpus, m.dataGen+1
		m.sess.Data, m.leaks = msg.data, msg.leaks
		m.sess.DataSpecs = specsOf(msg.corpus)
		m.name = dataName(m.sess.DataSpecs)
	}
	if again {
		return m.startDataJob()
	}
	m.dataset.setApplied(m.leaks, false)
	if msg.err == nil && m.base != nil {
		return m.refresh(refreshWant{inspect: true}) // the base's val loss on the new data
	}
	return nil
}

// addSource starts loading a --data value typed in the Dataset pane, with
// the session's JSONL field and what is left of its size cap.
func (m *Model) addSource(spec string) tea.Cmd {
	if m.sess == nil || m.adding != "" {
		return nil
	}
	if sp, err := samples.ParseSpec(spec, nil); err == nil && sp.Kind == samples.KindStdin {
		m.setError(errors.New("add: the workbench reads its keys from standard input; give a file, a directory or sample:NAME"))
		return nil
	}
	limit := m.opts.Session.MaxBytes
	if limit <= 0 {
		limit = samples.DefaultMaxBytes
	}
	var used int64
	for _, s := range m.sess.Corpus.Sources {
		used += int64(s.Bytes)
	}
	if used >= limit {
		m.setError(fmt.Errorf("add %s: the sources loaded already use the whole size cap of %s; start with a larger --max-bytes", spec, bytesize(limit)))
		return nil
	}
	m.adding = spec
	m.dataset.adding = spec
	m.say("reading %s…", spec)
	tok := m.sess.Tokenizer
	opt := samples.Options{Field: m.opts.Session.Field, MaxBytes: limit - used, AllowInvalidUTF8: tokenizer.AcceptsAnyBytes(tok)}
	return func() tea.Msg {
		c, err := samples.Load([]string{spec}, opt)
		if err != nil {
			if errors.Is(err, samples.ErrTooLarge) {
				err = fmt.Errorf("%w (the sources loaded already use %s of %s)", err, bytesize(used), bytesize(limit))
			}
			return sourceLoadedMsg{spec: spec, err: err}
		}
		src := c.Sources[0]
		return sourceLoadedMsg{spec: spec, src: src, stats: src.Stats(tok.Encode, nil), unknown: unknownIn(tok, src)}
	}
}

// sourceLoaded appends a loaded source to the corpus and sends the corpus to
// the trainer, reporting what the model's tokenizer cannot represent.
func (m *Model) sourceLoaded(msg sourceLoadedMsg) tea.Cmd {
	m.adding = ""
	m.dataset.adding = ""
	if msg.err != nil {
		m.setError(fmt.Errorf("add %s: %w", msg.spec, msg.err))
		return nil
	}
	src := msg.src
	for _, s := range m.sess.Corpus.Sources {
		if s.Name == src.Name {
			m.setError(fmt.Errorf("add %s: %s is a source already; select it with ←/→ and use x and +/-", msg.spec, src.Name))
			return nil
		}
	}
	unk := ""
	if msg.unknown.chars > 0 {
		unk = "; " + msg.unknown.String() + ", and are left out"
	}
	if need := m.sess.Trainer.Cfg.Context + 1; msg.stats.TrainTokens < need {
		m.setError(fmt.Errorf("add %s: %d training tokens with this model's tokenizer; one window needs %d%s",
			msg.spec, msg.stats.TrainTokens, need, unk))
		return nil
	}
	c := cloneCorpus(m.sess.Corpus)
	c.Sources = append(c.Sources, src)
	m.srcStats = append(m.srcStats, msg.stats)
	m.srcUnknown = append(m.srcUnknown, msg.unknown)
	m.dataset.selectSource(len(c.Sources) - 1)
	if m.done { // after the end, adding data goes on as E does once it is in (run.go goOnWithData)
		m.say("added %s: %s tokens; the run goes on from step %d for %d more steps at its final lr%s",
			src.Name, thousands(int64(msg.stats.Tokens)), m.step, m.keys.goOn, unk)
	} else {
		m.say("added %s: %s tokens, training continues from step %d%s",
			src.Name, thousands(int64(msg.stats.Tokens)), m.step, unk)
	}
	return m.editCorpus(c)
}

// unknownNote is the start message for data the tokenizer (a checkpoint's,
// typically) cannot fully represent, or "".
func unknownNote(sources []*samples.Source, unknown []unknownReport) string {
	var sum unknownReport
	for i, u := range unknown {
		if !sources[i].Enabled {
			continue
		}
		if sum.chars == 0 && u.chars > 0 {
			sum.first = u.first
		}
		sum.chars += u.chars
		sum.total += u.total
	}
	if sum.chars == 0 {
		return ""
	}
	return "data: " + sum.String() + ", and are left out"
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
