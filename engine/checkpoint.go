package engine

import (
	"bufio"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A checkpoint is one safetensors file: an 8-byte little-endian header
// length, a JSON header, then raw little-endian float32 tensors. Weights carry
// nanoGPT's state-dict names in nn.Linear's (out, in) layout, so
// safetensors.torch.load_file reads them straight into a nanoGPT model; the
// tied lm_head.weight is omitted. AdamW's moments are stored under
// "optimizer.exp_avg." and "optimizer.exp_avg_sq." plus the weight's name.
// __metadata__ (string → string, as safetensors requires) carries the
// format version, the model and training configs, the step, the RNG state,
// the tokenizer and whatever the caller adds.

// FormatVersion is the value of the "lmlab_format" metadata key. Loading
// rejects files without it, so a stray safetensors file gets a clear error.
const FormatVersion = "lmlab-checkpoint-1"

const (
	maxHeaderBytes = 256 << 20 // generous: a 200k-token tokenizer is ~10 MB of JSON
	optPrefixM     = "optimizer.exp_avg."
	optPrefixV     = "optimizer.exp_avg_sq."
)

// Checkpoint is the content of a checkpoint file.
type Checkpoint struct {
	Config    Config
	Params    []float32    // the arena, Config.NumParams() long
	Train     *TrainConfig // the run's recipe; nil in weights-only files
	Step      int          // optimizer steps completed
	OptM      []float32    // AdamW first moments, arena layout; nil when absent
	OptV      []float32    // AdamW second moments
	RNG       []byte       // batch-sampling generator state (the data position)
	DropRNG   uint64       // dropout generator state
	Tokenizer []byte       // the tokenizer, as its package marshals it
	Meta      map[string]string
}

// reserved metadata keys, written by SaveCheckpoint from Checkpoint fields.
var reservedMeta = map[string]bool{"format": true, "lmlab_format": true, "config": true, "train": true,
	"step": true, "rng": true, "dropout_rng": true, "tokenizer": true}

// Model returns a model holding the checkpoint's weights (copied).
func (ck *Checkpoint) Model() *Model {
	m := &Model{Config: ck.Config, arena: append([]float32(nil), ck.Params...)}
	m.Params.point(m.Config, m.arena)
	return m
}

// TakeModel returns a model whose parameters are ck.Params itself, not a
// copy: the checkpoint hands its arena over, and ck.Params becomes nil so
// that nothing reads weights the model is about to change. Use it where the
// checkpoint is not needed afterwards: for a 124M-parameter GPT-2 it saves a
// 500 MB copy, the difference between one and two copies of the weights at
// peak. It panics (a programmer error) if ck.Params is not
// Config.NumParams() long, as after an earlier TakeModel.
func (ck *Checkpoint) TakeModel() *Model {
	if int64(len(ck.Params)) != ck.Config.NumParams() {
		panic(fmt.Sprintf("engine: TakeModel: checkpoint holds %d parameters, its config %d (already taken?)", len(ck.Params), ck.Config.NumParams()))
	}
	m := &Model{Config: ck.Config, arena: ck.Params}
	m.Params.point(m.Config, m.arena)
	ck.Params = nil
	return m
}

// Checkpoint captures the trainer's full state: weights, optimizer moments,
// step and generator states, so Resume continues bit for bit.
func (t *Trainer) Checkpoint(tokenizer []byte, meta map[string]string) *Checkpoint {
	rng, _ := t.pcg.MarshalBinary() // PCG's marshalling cannot fail
	tc := t.Cfg
	ck := &Checkpoint{Config: t.Model.Config, Params: append([]float32(nil), t.Model.arena...), Train: &tc,
		Step: t.step, RNG: rng, DropRNG: t.Model.dropMu, Tokenizer: tokenizer, Meta: meta}
	if t.opt.M != nil {
		ck.OptM = append([]float32(nil), t.opt.M...)
		ck.OptV = append([]float32(nil), t.opt.V...)
	}
	return ck
}

// Resume rebuilds the trainer of a checkpoint on data, at its step with its
// optimizer and generator states. cfg replaces the saved recipe when not nil
// (to extend a run or continue on new data); the moments are kept either way.
func Resume(ck *Checkpoint, cfg *TrainConfig, data Data) (*Trainer, error) {
	tc := ck.Train
	if cfg != nil {
		tc = cfg
	}
	if tc == nil {
		return nil, errors.New("the checkpoint has no training state (weights only); start a new run from it instead")
	}
	t, err := NewTrainer(ck.Model(), *tc, data)
	if err != nil {
		return nil, err
	}
	t.step = ck.Step
	if ck.RNG != nil {
		if err := t.pcg.UnmarshalBinary(ck.RNG); err != nil {
			return nil, fmt.Errorf("checkpoint rng state: %w", err)
		}
	}
	t.Model.dropMu = ck.DropRNG
	if ck.OptM != nil {
		t.opt.M = append([]float32(nil), ck.OptM...)
		t.opt.V = append([]float32(nil), ck.OptV...)
	}
	return t, nil
}

// tensorHeader is one entry of the safetensors header.
type tensorHeader struct {
	DType   string   `json:"dtype"`
	Shape   []int64  `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// NonFiniteError is a tensor holding NaN or ±Inf: in a checkpoint being
// loaded or saved, the trace of a run that diverged.
type NonFiniteError struct {
	Tensor string  // the tensor's name in the file, "optimizer.exp_avg." etc. included
	Index  int     // of the first bad value inside the tensor, row-major
	Value  float32 // NaN, +Inf or -Inf
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("tensor %s holds %v at index %d; the run that wrote it diverged — resume from an earlier checkpoint", e.Tensor, e.Value, e.Index)
}

// checkFinite returns a *NonFiniteError for the first tensor (in file order:
// weights, then first and second moments) holding NaN or ±Inf.
func (ck *Checkpoint) checkFinite() error {
	for _, part := range []struct {
		prefix string
		arena  []float32
	}{{"", ck.Params}, {optPrefixM, ck.OptM}, {optPrefixV, ck.OptV}} {
		if part.arena == nil {
			continue
		}
		if name, i := firstNonFinite(ck.Config, part.arena); name != "" {
			nt := ck.Config.tensorNamed(name)
			return &NonFiniteError{Tensor: part.prefix + name, Index: i, Value: part.arena[nt.start+i]}
		}
	}
	return nil
}

// tensorNamed returns the arena range of the tensor called name.
func (c Config) tensorNamed(name string) namedTensor {
	for _, nt := range c.tensors() {
		if nt.name == name {
			return nt
		}
	}
	panic("engine: no tensor " + name)
}

// VocabError is a tokenizer with more ids than the model's vocabulary.
type VocabError struct {
	Tokenizer, Model int // vocabulary sizes
}

func (e *VocabError) Error() string {
	return fmt.Sprintf("the tokenizer has %d ids but the model's vocabulary is %d; the tokenizer does not belong to this model — use the checkpoint's own (--tokenizer ckpt:FILE)", e.Tokenizer, e.Model)
}

// CheckVocab reports a *VocabError when a tokenizer of n ids cannot be used
// with the checkpoint's model (n > vocab_size; fewer ids are fine, as with a
// vocabulary padded for speed).
func (ck *Checkpoint) CheckVocab(n int) error {
	if n > ck.Config.VocabSize {
		return &VocabError{Tokenizer: n, Model: ck.Config.VocabSize}
	}
	return nil
}

// staleTempAge is how old a temporary file of an earlier save must be before
// SaveCheckpoint removes it: older than any save still in progress.
const staleTempAge = time.Hour

// SaveCheckpoint writes ck to path atomically: a temporary file in the same
// directory, fsynced, then renamed over path. A crash leaves either the old
// file or the new one, never a mix.
//
// Everything is encoded before the temporary file is created, so a
// checkpoint that cannot be written (a reserved or non-UTF-8 metadata entry,
// a config that does not marshal, a tensor of the wrong length, a NaN or Inf
// in a tensor, reported as *NonFiniteError) fails with the old file untouched
// and no temporary file. When path is a symbolic link the file it points to
// is replaced and the link stays. An existing file keeps its permission
// bits; a new one gets 0666 less the umask, as os.Create would give it.
// Temporary files of earlier saves that crashed (".NAME.tmp" and digits,
// regular files, over an hour old) beside the target are removed.
func SaveCheckpoint(path string, ck *Checkpoint) (err error) {
	hj, pieces, err := ck.encodeHeader()
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", path, err)
	}
	target, err := resolveLink(path)
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", path, err)
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	f, err := createTemp(dir, base)
	if err != nil {
		return fmt.Errorf("save checkpoint %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
			err = fmt.Errorf("save checkpoint %s: %w", path, err)
		}
	}()
	if st, serr := os.Stat(target); serr == nil {
		if err = f.Chmod(st.Mode().Perm()); err != nil {
			return err
		}
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hj)))
	w.Write(lenBuf[:])
	w.Write(hj)
	var buf [4]byte
	for _, p := range pieces {
		for _, v := range p {
			binary.LittleEndian.PutUint32(buf[:], math.Float32bits(v))
			w.Write(buf[:])
		}
	}
	if err = w.Flush(); err != nil { // the writer's first error sticks
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(f.Name(), target); err != nil {
		return err
	}
	// Make the rename durable too.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	removeStaleTemps(dir, base, f.Name())
	return nil
}

// encodeHeader checks ck and builds the padded safetensors header and the
// tensors to write after it, in order.
func (ck *Checkpoint) encodeHeader() ([]byte, [][]float32, error) {
	n := ck.Config.NumParams()
	if err := ck.Config.Validate(); err != nil {
		return nil, nil, fmt.Errorf("config: %w", err)
	}
	if int64(len(ck.Params)) != n {
		return nil, nil, fmt.Errorf("params hold %d values, the config implies %d", len(ck.Params), n)
	}
	if (ck.OptM == nil) != (ck.OptV == nil) || ck.OptM != nil && (int64(len(ck.OptM)) != n || int64(len(ck.OptV)) != n) {
		return nil, nil, fmt.Errorf("optimizer moments hold %d and %d values, the config implies %d each", len(ck.OptM), len(ck.OptV), n)
	}
	if ck.Train != nil {
		if err := ck.Train.Validate(ck.Config); err != nil {
			return nil, nil, fmt.Errorf("train: %w", err)
		}
	}
	if ck.Step < 0 {
		return nil, nil, fmt.Errorf("step %d is negative", ck.Step)
	}
	if err := ck.checkFinite(); err != nil {
		return nil, nil, err
	}
	meta := map[string]string{}
	for k, v := range ck.Meta {
		if reservedMeta[k] {
			return nil, nil, fmt.Errorf("metadata key %q is reserved", k)
		}
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, nil, fmt.Errorf("metadata %q is not valid UTF-8, which JSON would silently alter", k)
		}
		meta[k] = v
	}
	if !utf8.Valid(ck.Tokenizer) {
		return nil, nil, errors.New("the tokenizer data is not valid UTF-8, which JSON would silently alter")
	}
	cfgJSON, err := json.Marshal(ck.Config)
	if err != nil {
		return nil, nil, fmt.Errorf("config: %v", err)
	}
	meta["format"] = "pt"
	meta["lmlab_format"] = FormatVersion
	meta["config"] = string(cfgJSON)
	meta["step"] = strconv.Itoa(ck.Step)
	if ck.Train != nil {
		tcJSON, err := json.Marshal(ck.Train)
		if err != nil {
			return nil, nil, fmt.Errorf("train: %v", err)
		}
		meta["train"] = string(tcJSON)
	}
	if ck.RNG != nil {
		meta["rng"] = base64.StdEncoding.EncodeToString(ck.RNG)
		meta["dropout_rng"] = strconv.FormatUint(ck.DropRNG, 10)
	}
	if ck.Tokenizer != nil {
		meta["tokenizer"] = string(ck.Tokenizer)
	}

	// Tensors in arena order, then the optimizer moments in the same order.
	header := map[string]any{"__metadata__": meta}
	var pieces [][]float32
	var off int64
	add := func(prefix string, arena []float32) {
		for _, nt := range ck.Config.tensors() {
			shape := make([]int64, len(nt.shape))
			for i, d := range nt.shape {
				shape[i] = int64(d)
			}
			n := int64(nt.end-nt.start) * 4
			header[prefix+nt.name] = tensorHeader{"F32", shape, [2]int64{off, off + n}}
			pieces = append(pieces, arena[nt.start:nt.end])
			off += n
		}
	}
	add("", ck.Params)
	if ck.OptM != nil {
		add(optPrefixM, ck.OptM)
		add(optPrefixV, ck.OptV)
	}
	hj, err := json.Marshal(header)
	if err != nil {
		return nil, nil, err
	}
	// Pad with spaces so the data starts 8-byte aligned, as the reference
	// implementation does.
	if pad := (8 - (8+len(hj))%8) % 8; pad > 0 {
		hj = append(hj, strings.Repeat(" ", pad)...)
	}
	return hj, pieces, nil
}

// resolveLink follows path through symbolic links to the file a write should
// replace; a dangling link resolves to the file it names.
func resolveLink(path string) (string, error) {
	for range 40 { // as Linux's MAXSYMLINKS
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return path, nil
		}
		to, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(to) {
			to = filepath.Join(filepath.Dir(path), to)
		}
		path = to
	}
	return "", fmt.Errorf("too many levels of symbolic links at %s", path)
}

// tempPrefix is the start of the temporary file names of saves to base.
func tempPrefix(base string) string { return "." + base + ".tmp" }

// createTemp creates a new file .BASE.tmpDIGITS in dir with mode 0666, which
// the kernel reduces by the umask: the mode os.Create gives a new file
// (os.CreateTemp would give 0600).
func createTemp(dir, base string) (*os.File, error) {
	for range 100 {
		name := filepath.Join(dir, tempPrefix(base)+strconv.FormatUint(uint64(rand.Uint32()), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o666)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("could not create a temporary file beside %s in %s", base, dir)
}

// removeStaleTemps removes what crashed saves to base left in dir: regular
// files named by tempPrefix and digits, other than keep, older than
// staleTempAge (a younger one may be another process's save in progress).
// It is best effort: a save that succeeded does not fail over leftovers.
func removeStaleTemps(dir, base, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	pre := tempPrefix(base)
	for _, e := range entries {
		name := e.Name()
		digits, ok := strings.CutPrefix(name, pre)
		if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(dir, name)
		if p == keep {
			continue
		}
		if fi, err := e.Info(); err == nil && time.Since(fi.ModTime()) > staleTempAge {
			os.Remove(p)
		}
	}
}

// LoadCheckpoint reads and validates a checkpoint. Every size in the file is
// checked against the file's real length and the config's limits before
// anything is allocated from it; a bad file is an error that names it, never
// a panic.
func LoadCheckpoint(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	ck, err := readCheckpoint(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	return ck, nil
}

// CheckpointTokenizer returns the tokenizer data stored in a checkpoint's
// metadata without reading its tensors.
func CheckpointTokenizer(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load checkpoint: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	_, meta, _, err := readHeader(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("load checkpoint %s: %w", path, err)
	}
	tok, ok := meta["tokenizer"]
	if !ok {
		return nil, fmt.Errorf("load checkpoint %s: no tokenizer in its metadata", path)
	}
	return []byte(tok), nil
}

// readHeader reads and parses the header of a safetensors file of the given
// size: the tensor entries, the metadata and the header's length.
func readHeader(r io.ReaderAt, size int64) (map[string]json.RawMessage, map[string]string, int64, error) {
	if size < 8 {
		return nil, nil, 0, fmt.Errorf("file is %d bytes, too short for a safetensors header; is it truncated?", size)
	}
	var lenBuf [8]byte
	if _, err := r.ReadAt(lenBuf[:], 0); err != nil {
		return nil, nil, 0, err
	}
	n := binary.LittleEndian.Uint64(lenBuf[:])
	if n > uint64(size-8) {
		return nil, nil, 0, fmt.Errorf("header claims %d bytes but the file has only %d after the length; the file is truncated or not a safetensors file", n, size-8)
	}
	if n > maxHeaderBytes {
		return nil, nil, 0, fmt.Errorf("header claims %d bytes, more than the limit of %d", n, maxHeaderBytes)
	}
	hb := make([]byte, n) // bounded by the file's real size and the limit
	if _, err := r.ReadAt(hb, 8); err != nil {
		return nil, nil, 0, err
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(hb, &entries); err != nil {
		return nil, nil, 0, fmt.Errorf("header is not a JSON object (%v); not a safetensors file?", err)
	}
	meta := map[string]string{}
	if raw, ok := entries["__metadata__"]; ok {
		if err := json.Unmarshal(raw, &meta); err != nil {
			return nil, nil, 0, fmt.Errorf("__metadata__ is not a map of strings: %v", err)
		}
		delete(entries, "__metadata__")
	}
	if meta["lmlab_format"] != FormatVersion {
		if v, ok := meta["lmlab_format"]; ok {
			return nil, nil, 0, fmt.Errorf("checkpoint format %q, this lmlab reads %q", v, FormatVersion)
		}
		return nil, nil, 0, errors.New("no lmlab_format in its metadata: not an lmlab checkpoint (a plain safetensors file lacks the config lmlab needs)")
	}
	return entries, meta, int64(n), nil
}

func readCheckpoint(r io.ReaderAt, size int64) (*Checkpoint, error) {
	entries, meta, hlen, err := readHeader(r, size)
	if err != nil {
		return nil, err
	}
	ck := &Checkpoint{Meta: map[string]string{}}
	for k, v := range meta {
		if !reservedMeta[k] {
			ck.Meta[k] = v
		}
	}
	if meta["config"] == "" {
		return nil, errors.New("its metadata has no model config, so it was not written by lmlab; give an lmlab checkpoint (lmlab train --out writes one) or a Hugging Face GPT-2 directory (config.json beside model.safetensors)")
	}
	if err := json.Unmarshal([]byte(meta["config"]), &ck.Config); err != nil {
		return nil, fmt.Errorf("metadata config is not valid JSON (%v); the file is damaged", err)
	}
	if err := ck.Config.Validate(); err != nil {
		return nil, fmt.Errorf("metadata config: %w", err)
	}
	if s, ok := meta["train"]; ok {
		ck.Train = new(TrainConfig)
		if err := json.Unmarshal([]byte(s), ck.Train); err != nil {
			return nil, fmt.Errorf("metadata train: %v", err)
		}
		if err := ck.Train.Validate(ck.Config); err != nil {
			return nil, fmt.Errorf("metadata train: %w", err)
		}
	}
	if ck.Step, err = strconv.Atoi(meta["step"]); err != nil || ck.Step < 0 {
		return nil, fmt.Errorf("metadata step %q is not a step count", meta["step"])
	}
	if s, ok := meta["rng"]; ok {
		if ck.RNG, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("metadata rng: %v", err)
		}
		if err := rand.NewPCG(0, 0).UnmarshalBinary(ck.RNG); err != nil {
			return nil, fmt.Errorf("metadata rng: %v", err)
		}
		if ck.DropRNG, err = strconv.ParseUint(meta["dropout_rng"], 10, 64); err != nil {
			return nil, fmt.Errorf("metadata dropout_rng: %v", err)
		}
	}
	if s, ok := meta["tokenizer"]; ok {
		ck.Tokenizer = []byte(s)
	}

	// Every tensor the config implies, by name, with its arena range.
	want := map[string]namedTensor{}
	for _, nt := range ck.Config.tensors() {
		want[nt.name] = nt
	}
	dataLen := size - 8 - hlen
	type found struct {
		dst        []float32
		begin, end int64
	}
	var reads []found
	n := ck.Config.NumParams()
	// The weights alone need n·4 bytes of data: a config that the file
	// cannot back is refused before anything is allocated for it.
	if n*4 > dataLen {
		return nil, fmt.Errorf("config implies %d parameters (%d bytes) but the file holds %d data bytes; the file is truncated or its config is wrong", n, n*4, dataLen)
	}
	ck.Params = make([]float32, n)
	seen := map[string]bool{}
	hasOpt := false
	for name, raw := range entries {
		var th tensorHeader
		if err := json.Unmarshal(raw, &th); err != nil {
			return nil, fmt.Errorf("tensor %q: malformed entry: %v", name, err)
		}
		if th.DType != "F32" {
			return nil, fmt.Errorf("tensor %q has dtype %s; lmlab checkpoints are F32", name, th.DType)
		}
		base, kind := name, 0
		switch {
		case strings.HasPrefix(name, optPrefixV):
			base, kind = strings.TrimPrefix(name, optPrefixV), 2
		case strings.HasPrefix(name, optPrefixM):
			base, kind = strings.TrimPrefix(name, optPrefixM), 1
		}
		nt, ok := want[base]
		if !ok {
			if name == "lm_head.weight" {
				continue // tied to wte; a copy written by another tool is ignored
			}
			return nil, fmt.Errorf("unexpected tensor %q for a model with %d layers", name, ck.Config.Layers)
		}
		if !sameShape(th.Shape, nt.shape) {
			return nil, fmt.Errorf("tensor %q has shape %v but the config (n_embd %d, vocab %d, block %d) implies %v", name, th.Shape, ck.Config.Embd, ck.Config.VocabSize, ck.Config.Context, nt.shape)
		}
		b, e := th.Offsets[0], th.Offsets[1]
		if b < 0 || e < b || e > dataLen || e-b != int64(nt.end-nt.start)*4 {
			return nil, fmt.Errorf("tensor %q has data offsets [%d, %d] outside the %d data bytes or not matching its shape; the file is truncated or corrupt", name, b, e, dataLen)
		}
		var dst []float32
		switch kind {
		case 0:
			dst = ck.Params[nt.start:nt.end]
		case 1, 2:
			if ck.OptM == nil {
				ck.OptM, ck.OptV = make([]float32, n), make([]float32, n)
			}
			hasOpt = true
			if kind == 1 {
				dst = ck.OptM[nt.start:nt.end]
			} else {
				dst = ck.OptV[nt.start:nt.end]
			}
		}
		seen[name] = true
		reads = append(reads, found{dst, b, e})
	}
	for _, nt := range ck.Config.tensors() {
		if !seen[nt.name] {
			return nil, fmt.Errorf("tensor %q is missing", nt.name)
		}
		if hasOpt && (!seen[optPrefixM+nt.name] || !seen[optPrefixV+nt.name]) {
			return nil, fmt.Errorf("optimizer state for %q is missing", nt.name)
		}
	}
	buf := make([]byte, 0, 1<<20)
	for _, rd := range reads {
		if err := readFloats(r, rd.dst, 8+hlen+rd.begin, &buf); err != nil {
			return nil, err
		}
	}
	if err := ck.checkFinite(); err != nil {
		return nil, err
	}
	return ck, nil
}

func sameShape(got []int64, want []int) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != int64(want[i]) {
			return false
		}
	}
	return true
}

// readFloats fills dst with little-endian float32s read at off, in chunks.
func readFloats(r io.ReaderAt, dst []float32, off int64, buf *[]byte) error {
	for len(dst) > 0 {
		n := min(len(dst), cap(*buf)/4)
		b := (*buf)[:n*4]
		if _, err := r.ReadAt(b, off); err != nil {
			return fmt.Errorf("reading tensor data at byte %d: %v; the file is truncated", off, err)
		}
		for i := range n {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[i*4:]))
		}
		dst, off = dst[n:], off+int64(n)*4
	}
	return nil
}
