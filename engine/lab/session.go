package lab

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"lmlab/engine"
	"lmlab/samples"
	"lmlab/tokenizer"
)

// DefaultData is what the workbench and the headless commands train on when
// no --data is given: a sample whose lesson shows within seconds.
const DefaultData = "sample:cats"

// Options says what to train on and how: the training flags shared by
// `lmlab train`, `lmlab finetune` and the workbench.
type Options struct {
	Data      []string // --data values; empty means DefaultData (or the checkpoint's data on resume)
	Field     string   // JSONL field holding the text
	MaxBytes  int64    // cap on bytes read; 0: samples.DefaultMaxBytes
	Tokenizer string   // tokenizer spec; "": the sample's default, else char
	Pattern   string   // split pattern for bpe:N and tiktoken
	Preset    string   // model preset; "": the sample's default, else tiny
	// Adjust applies flag overrides to the preset's shape and recipe, after
	// the vocabulary size is known. It may be nil.
	Adjust func(*engine.Config, *engine.TrainConfig) error

	Init   string // --ckpt: start a new run from these weights and tokenizer
	Resume string // --resume: continue a saved run exactly (its optimizer and data position)
	Stdin  io.Reader

	// MaxMemory is the --max-memory limit in bytes for the run's estimated
	// memory (0: the machine's available memory).
	MaxMemory int64
}

// Mode is how a session starts: decided once, from the options, by Open.
type Mode int

const (
	Fresh       Mode = iota // a new model from the preset
	FromWeights             // a new run from a checkpoint's weights and tokenizer (--ckpt)
	Resume                  // the saved run continued exactly: optimizer, step, data position (--resume)
)

// mode decides the session's Mode and the checkpoint it reads.
func (opt Options) mode() (Mode, string, error) {
	switch {
	case opt.Resume != "" && opt.Init != "":
		return 0, "", errors.New("--resume and --ckpt both given; --resume continues a run, --ckpt starts a new one from its weights")
	case opt.Resume != "":
		return Resume, opt.Resume, nil
	case opt.Init != "":
		return FromWeights, opt.Init, nil
	}
	return Fresh, "", nil
}

// Session is a training session: the corpus, the tokenizer, the encoded data
// and a trainer ready to step. The workbench and the headless commands build
// it from the same options.
type Session struct {
	Mode       Mode
	Checkpoint *engine.Checkpoint // the checkpoint the session started from (FromWeights, Resume), as loaded
	Corpus     *samples.Corpus
	Tokenizer  tokenizer.Tokenizer
	TokData    []byte // the tokenizer marshalled, as checkpoints carry it
	Data       engine.Data
	Trainer    *engine.Trainer
	Sample     *samples.Sample // the built-in sample when the data is exactly one
	DataSpecs  []string        // the --data values in use
	From       string          // checkpoint the session started from, if any
	Preset     string
	// Unknown lists what the checkpoint's tokenizer cannot represent in the
	// data (characters or words outside a char or word vocabulary), which
	// encoding leaves out; empty for a fresh session, whose tokenizer is
	// learned from this data. Commands report it, never drop it silently.
	Unknown []tokenizer.Position
	// UnknownChars is how many characters of the data Unknown covers, of
	// DataChars.
	UnknownChars, DataChars int
	// Tokens counts the tokens of each source of Corpus as Open loaded it
	// (Corpus.Sources order), from the one encoding Open did.
	Tokens []Tokens
	// Covers reports that the tokenizer represents every text of the data
	// Open loaded, by construction: it is byte-level, or a char vocabulary
	// learned here from all of that text. Then tokenizer.Unknown finds
	// nothing in it, and need not be asked.
	Covers bool
}

// Open loads the data, builds or restores the tokenizer and the model,
// and returns a session whose trainer has not stepped yet (or stands at the
// resumed step). Every user mistake is an error that names the thing.
func Open(opt Options) (*Session, error) {
	mode, ckPath, err := opt.mode()
	if err != nil {
		return nil, err
	}
	var ck *engine.Checkpoint
	var tok tokenizer.Tokenizer
	if mode != Fresh {
		if ck, tok, err = OpenCheckpoint(ckPath, opt.Tokenizer); err != nil {
			return nil, err
		}
	}
	s := &Session{Mode: mode, Checkpoint: ck, DataSpecs: opt.Data, From: ckPath}
	if len(s.DataSpecs) == 0 {
		s.DataSpecs = []string{DefaultData}
		if ck != nil && ck.Meta["data"] != "" {
			if err := json.Unmarshal([]byte(ck.Meta["data"]), &s.DataSpecs); err != nil {
				return nil, fmt.Errorf("checkpoint %s: its data list is unreadable (%v); pass --data", ckPath, err)
			}
		}
	}
	if len(s.DataSpecs) == 1 {
		if sp, err := samples.ParseSpec(s.DataSpecs[0], nil); err == nil && sp.Kind == samples.KindSample {
			if smp, err := samples.Lookup(sp.Path); err == nil {
				s.Sample = &smp
			}
		}
	}

	// The tokenizer: the checkpoint's, or built from the spec.
	spec := opt.Tokenizer
	if ck != nil { // OpenCheckpoint has read the tokenizer (and refused a --tokenizer that does not apply)
		spec = "ckpt:" + ckPath
	}
	if spec == "" {
		spec = "char"
		if s.Sample != nil && s.Sample.Tokenizer != "" {
			spec = s.Sample.Tokenizer
		}
	}
	// A checkpoint's tokenizer was rebuilt before the data is read, so whether
	// invalid UTF-8 is acceptable depends on what it really is.
	parsed, err := tokenizer.ParseSpec(spec)
	if err != nil {
		return nil, fmt.Errorf("--tokenizer: %w", err)
	}
	byteLevel := parsed.ByteLevel()
	if tok != nil {
		byteLevel = tokenizer.AcceptsAnyBytes(tok)
	}
	corpus, err := samples.Load(s.DataSpecs, samples.Options{Field: opt.Field, MaxBytes: opt.MaxBytes,
		AllowInvalidUTF8: byteLevel, Stdin: opt.Stdin})
	if err != nil {
		return nil, err
	}
	s.Corpus = corpus
	if tok == nil {
		var all, train strings.Builder
		for _, src := range corpus.Enabled() {
			all.WriteString(src.TrainText)
			all.WriteString(src.ValText)
			train.WriteString(src.TrainText)
		}
		text := all.String()
		if parsed.Kind == tokenizer.KindBPE {
			text = train.String() // merges are learned from training text only
		}
		if tok, err = tokenizer.FromSpec(spec, tokenizer.SpecOptions{Text: text, TextName: strings.Join(s.DataSpecs, ", "),
			Pattern: opt.Pattern, Checkpoint: engine.CheckpointTokenizer}); err != nil {
			return nil, err
		}
	}
	s.Tokenizer = tok
	// A word vocabulary learned here does not cover the data: the split
	// between training and validation text may cut a word in two.
	s.Covers = tokenizer.AcceptsAnyBytes(tok) || (mode == Fresh && parsed.Kind == tokenizer.KindChar)
	if s.TokData, err = tokenizer.Marshal(tok); err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", spec, err)
	}

	// The model's shape and recipe.
	var cfg engine.Config
	var tc engine.TrainConfig
	switch {
	case mode == Resume:
		cfg = ck.Config
		if ck.Train == nil {
			return nil, fmt.Errorf("checkpoint %s holds weights only; start a new run from it with --ckpt", ckPath)
		}
		tc = *ck.Train
	case mode == FromWeights:
		cfg = ck.Config
		name := opt.Preset
		if name == "" && ck.Train != nil {
			tc = *ck.Train
		} else {
			p, err := lookupPreset(name, s.Sample)
			if err != nil {
				return nil, err
			}
			tc = p.Train
			tc.Context = min(tc.Context, cfg.Context)
		}
	default:
		p, err := lookupPreset(opt.Preset, s.Sample)
		if err != nil {
			return nil, err
		}
		s.Preset = p.Name
		cfg, tc = p.Model, p.Train
		cfg.VocabSize = tok.VocabSize()
	}
	if opt.Adjust != nil {
		before := cfg
		if err := opt.Adjust(&cfg, &tc); err != nil {
			return nil, err
		}
		if ck != nil && cfg != before {
			return nil, fmt.Errorf("the model shape is fixed by checkpoint %s; drop --layers/--heads/--embd/--context/--dropout overrides", ckPath)
		}
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if err := tc.Validate(cfg); err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	// Before the model, optimizer and activations are allocated: the run
	// must fit in --max-memory, or in the memory the machine has free.
	if err := engine.CheckMemory(cfg, tc, opt.MaxMemory); err != nil {
		return nil, err
	}

	if mode != Fresh {
		s.noteUnknown()
	}

	// The data as token ids, each text encoded once: the check that one
	// batch fits counts the ids encoded, and the counts stay for the
	// statistics (SourceStats).
	s.Data, s.Tokens = encodeSources(corpus, tok)
	if err := corpus.Check(s.counter(tok), tc.Context); err != nil {
		return nil, err
	}

	switch {
	case mode == Resume:
		s.Trainer, err = engine.Resume(ck, &tc, s.Data)
	case mode == FromWeights:
		s.Trainer, err = engine.NewTrainer(ck.Model(), tc, s.Data)
	default:
		s.Trainer, err = engine.NewTrainer(engine.NewModel(cfg, tc.Seed), tc, s.Data)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func lookupPreset(name string, smp *samples.Sample) (engine.Preset, error) {
	if name == "" {
		name = "tiny"
		if smp != nil && smp.Preset != "" {
			name = smp.Preset
		}
	}
	return engine.LookupPreset(name)
}

// EncodeCorpus tokenizes the enabled sources: one training segment per
// source with its weight, and the validation text of all of them.
func EncodeCorpus(c *samples.Corpus, tok tokenizer.Tokenizer) engine.Data {
	var d engine.Data
	var val strings.Builder
	for _, src := range c.Enabled() {
		d.Train = append(d.Train, engine.Segment{Name: src.Name, Tokens: engine.IDs(tok.Encode(src.TrainText)), Weight: src.Weight})
		val.WriteString(src.ValText)
	}
	d.Val = engine.IDs(tok.Encode(val.String()))
	return d
}

// EncodeCorpusFrom is EncodeCorpus for a corpus edited from the one have
// was encoded from (sources turned on or off, weighed, added): the
// training ids of a source have holds are taken from it, not encoded
// again, and so are its validation ids when the sources on are the same,
// in the same order. A source's name must stand for the same texts in both,
// as it does within a session (sources are appended, never replaced).
func EncodeCorpusFrom(c *samples.Corpus, tok tokenizer.Tokenizer, have engine.Data) engine.Data {
	old := make(map[string][]int32, len(have.Train))
	for _, seg := range have.Train {
		old[seg.Name] = seg.Tokens
	}
	var d engine.Data
	same := len(c.Enabled()) == len(have.Train)
	for i, src := range c.Enabled() {
		ids, ok := old[src.Name]
		if !ok {
			ids = engine.IDs(tok.Encode(src.TrainText))
		}
		same = same && have.Train[i].Name == src.Name
		d.Train = append(d.Train, engine.Segment{Name: src.Name, Tokens: ids, Weight: src.Weight})
	}
	if same && have.Val != nil {
		d.Val = have.Val
	} else {
		d.Val = engine.IDs(tok.Encode(c.ValText()))
	}
	return d
}

// Tokens is how many tokens a source's training and validation text encode
// to with the session's tokenizer.
type Tokens struct{ Train, Val int }

// encodeSources is EncodeCorpus, with the token counts of every source,
// disabled ones included, encoding each text once. The validation ids are
// the enabled sources' validation texts encoded together, as EncodeCorpus
// has them (a tokenizer may merge across the join); with one source on,
// that is its own text, encoded once.
func encodeSources(c *samples.Corpus, tok tokenizer.Tokenizer) (engine.Data, []Tokens) {
	var d engine.Data
	counts := make([]Tokens, len(c.Sources))
	var val []int32
	on := 0
	for i, src := range c.Sources {
		train := engine.IDs(tok.Encode(src.TrainText))
		v := engine.IDs(tok.Encode(src.ValText))
		counts[i] = Tokens{Train: len(train), Val: len(v)}
		if src.Enabled {
			d.Train = append(d.Train, engine.Segment{Name: src.Name, Tokens: train, Weight: src.Weight})
			val = v
			on++
		}
	}
	d.Val = val
	if on != 1 {
		d.Val = engine.IDs(tok.Encode(c.ValText()))
	}
	return d, counts
}

// counter returns the token count of a text of the corpus Open encoded,
// from what it encoded (a source's training text, or the validation text
// of the sources on), and encodes any other text.
func (s *Session) counter(tok tokenizer.Tokenizer) func(string) int {
	val := s.Corpus.ValText()
	return func(text string) int {
		for i, src := range s.Corpus.Sources {
			if src.Enabled && text == src.TrainText {
				return s.Tokens[i].Train
			}
		}
		if text == val {
			return len(s.Data.Val)
		}
		return len(tok.Encode(text))
	}
}

// SourceStats returns the sizes of each source of the corpus as Open
// loaded it, in Corpus.Sources order: bytes, characters, lines and invalid
// bytes as loading measured them, and the token counts of the encoding Open
// did. No text is read again, so Distinct and the unknown characters, which
// take a pass over the text, are not counted (Source.Stats counts them).
func (s *Session) SourceStats() []samples.Stats {
	out := make([]samples.Stats, len(s.Tokens))
	for i, n := range s.Tokens {
		src := s.Corpus.Sources[i]
		out[i] = samples.Stats{Bytes: src.Bytes, Chars: src.Chars, Lines: src.Lines, InvalidBytes: src.InvalidBytes,
			Tokens: n.Train + n.Val, TrainTokens: n.Train, ValTokens: n.Val}
	}
	return out
}

// Encode returns text's ids for the model.
func (s *Session) Encode(text string) []int32 { return engine.IDs(s.Tokenizer.Encode(text)) }

// Decode returns the text of ids.
func (s *Session) Decode(ids []int32) string {
	out := make([]int, len(ids))
	for i, id := range ids {
		out[i] = int(id)
	}
	return s.Tokenizer.Decode(out)
}

// Meta is the metadata checkpoints of this session carry besides the
// trainer's state: the data it trained on, so resume and fine-tune reports
// can find it again.
func (s *Session) Meta() map[string]string {
	data, _ := json.Marshal(s.DataSpecs)
	m := map[string]string{"data": string(data)}
	if s.From != "" {
		m["from"] = s.From
	}
	return m
}

// Save writes the trainer's state to path atomically. Call it only where the
// trainer is not stepping (between steps, or through Runner.Checkpoint).
func (s *Session) Save(path string) error {
	return engine.SaveCheckpoint(path, s.Trainer.Checkpoint(s.TokData, s.Meta()))
}

// Prompt is the default prompt for predictions: the sample's, or the start
// of the validation text.
func (s *Session) Prompt() string {
	if s.Sample != nil && s.Sample.Prompt != "" {
		return s.Sample.Prompt
	}
	val := s.Corpus.ValText()
	// A split inside a document cuts a line; start at the next whole one.
	if src := s.Corpus.Enabled(); len(src) > 0 && src[0].TrainText != "" && !strings.HasSuffix(src[0].TrainText, "\n") {
		if i := strings.IndexByte(val, '\n'); i >= 0 && i < 200 && strings.TrimSpace(val[i+1:]) != "" {
			val = val[i+1:]
		}
	}
	if i := strings.IndexByte(val, '\n'); i > 0 && i < 80 {
		val = val[:i]
	}
	r := []rune(val)
	return string(r[:min(len(r), 40)])
}

// Complete continues prompt greedily with m, stopping after a newline or
// maxTokens tokens, and returns the continuation. It is the completion
// function task samples' accuracy uses.
func (s *Session) Complete(m *engine.Model, prompt string, maxTokens int) string {
	ids := s.Encode(prompt)
	if len(ids) == 0 {
		return ""
	}
	var out []int32
	m.Generate(ids, maxTokens, engine.SampleOptions{}, func(id int32) bool {
		out = append(out, id)
		return !strings.Contains(s.Decode([]int32{id}), "\n")
	})
	return s.Decode(out)
}

// Metrics returns the extra evaluation metrics of the session's sample (the
// exact-match accuracy of a task sample), or nil.
func (s *Session) Metrics() func(m *engine.Model) map[string]float64 {
	if s.Sample == nil || s.Sample.Kind != "task" {
		return nil
	}
	name := s.Sample.Name
	return func(m *engine.Model) map[string]float64 {
		acc, ok := samples.Accuracy(name, func(p string) string { return s.Complete(m, p, 24) }, 50, 1)
		if !ok {
			return nil
		}
		return map[string]float64{"accuracy": acc}
	}
}

// noteUnknown fills Unknown from the enabled sources' text.
func (s *Session) noteUnknown() {
	for _, src := range s.Corpus.Enabled() {
		for _, text := range []string{src.TrainText, src.ValText} {
			unk := tokenizer.Unknown(s.Tokenizer, text)
			for _, p := range unk {
				s.UnknownChars += utf8.RuneCountInString(p.Text)
			}
			if len(s.Unknown) == 0 {
				s.Unknown = unk
			}
			s.DataChars += utf8.RuneCountInString(text)
		}
	}
}

// UnknownNote is one line saying how much of the data the checkpoint's
// tokenizer leaves out and where it starts, or "" when nothing is.
func (s *Session) UnknownNote() string {
	if len(s.Unknown) == 0 {
		return ""
	}
	return fmt.Sprintf("%d of %d characters of the data are outside %s's tokenizer and are left out (first %s); train a new model on this data to keep them",
		s.UnknownChars, s.DataChars, s.From, s.Unknown[0])
}
