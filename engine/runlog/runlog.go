// Package runlog keeps a record of training runs: one JSON-lines file per run
// in a runs directory, appended line by line while the run goes, so a crash
// leaves a readable prefix. The first line says what was trained and how
// (data, preset, model shape, recipe); then come metrics by step, health
// findings and, when the run ends, its end.
//
//	w, err := runlog.Create(dir, runlog.Header{Preset: "tiny", Data: []string{"sample:cats"}, Model: cfg, Train: tc})
//	w.Metrics(st.Step, map[string]float64{"loss": st.Loss, "lr": st.LR})
//	w.End(runlog.End{Step: 200, Status: runlog.Done, Values: map[string]float64{"val_loss": val}})
//
// A file looks like
//
//	{"type":"run","lmlab_runlog":"lmlab-runlog-1","name":"20261129-081000-tiny",...}
//	{"type":"metrics","step":1,"values":{"loss":4.17,"lr":0.0001}}
//	{"type":"health","step":3,"kind":"loss_spike","message":"..."}
//	{"type":"recipe","step":40,"change":"lr×2","train":{...},"dropout":0}
//	{"type":"end","step":200,"status":"done","values":{"val_loss":0.397}}
package runlog

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"lmlab/engine"
)

// Format is the value of the header's "lmlab_runlog" key; a file without it
// is not a run log.
const Format = "lmlab-runlog-1"

// Ext is the extension of run-log files.
const Ext = ".jsonl"

// Metric names the train loop logs; any other name is allowed too.
const (
	Loss      = "loss"       // training loss of the step
	LR        = "lr"         // learning rate of the step
	GradNorm  = "grad_norm"  // global gradient norm before clipping
	ValLoss   = "val_loss"   // validation loss, at evaluations
	TrainLoss = "train_loss" // training-set loss measured at the end
	TokensPS  = "tokens_per_s"
)

// End statuses.
const (
	Done        = "done"        // the run reached its last step
	Stopped     = "stopped"     // ended early on purpose (--stop-at, the workbench)
	Interrupted = "interrupted" // Ctrl-C
	Diverged    = "diverged"    // a step was refused as non-finite
)

// ErrFormat is wrapped by every error about a file that is not a readable
// run log.
var ErrFormat = errors.New("not a readable lmlab run log")

// ErrNoRun is wrapped by Find when no run matches.
var ErrNoRun = errors.New("no such run")

// Header is a run's first line: what it trains and how.
type Header struct {
	Format  string             `json:"lmlab_runlog"` // Format; Create fills it
	Name    string             `json:"name"`         // the file's base name; Create fills it when empty
	Started time.Time          `json:"started"`      // Create fills it when zero
	Data    []string           `json:"data,omitempty"`
	Preset  string             `json:"preset,omitempty"`
	From    string             `json:"from,omitempty"` // checkpoint the run started from
	Out     string             `json:"out,omitempty"`  // checkpoint it saves to
	Step    int                `json:"step,omitempty"` // steps already taken when it started (a resumed run)
	Model   engine.Config      `json:"model"`
	Train   engine.TrainConfig `json:"train"`
}

// Point is one metrics record: values measured after a step.
type Point struct {
	Step   int                `json:"step"`
	Values map[string]float64 `json:"values"`
}

// End is a run's last record.
type End struct {
	Step   int                `json:"step"`
	Status string             `json:"status"` // Done, Stopped, Interrupted, Diverged
	Values map[string]float64 `json:"values,omitempty"`
}

// Recipe is a change of the recipe during a run (the workbench's recipe
// keys): what changed, and the whole recipe from then on.
type Recipe struct {
	Step    int                `json:"step"`   // steps completed when it took effect
	Change  string             `json:"change"` // what changed ("lr×2", "wd 0.1")
	Train   engine.TrainConfig `json:"train"`
	Dropout float64            `json:"dropout"`
}

// Record types: each line is a JSON object whose "type" says which it is.
const (
	typeRun     = "run"
	typeMetrics = "metrics"
	typeHealth  = "health"
	typeRecipe  = "recipe"
	typeEnd     = "end"
)

// Writer appends one run's records to its file. Each record is one write of
// one whole line, so a crash loses at most the line being written and
// leaves a prefix Read accepts. Its methods are safe for concurrent use.
type Writer struct {
	mu   sync.Mutex
	f    *os.File
	path string
	err  error // the first write error; later writes return it
}

// DefaultDir is where runs are logged when no --runs is given:
// $XDG_STATE_HOME/lmlab/runs when XDG_STATE_HOME is set, else
// os.UserConfigDir()/lmlab/runs.
func DefaultDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return filepath.Join(d, "lmlab", "runs"), nil
	}
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user directory for run logs (%v); give --runs DIR", err)
	}
	return filepath.Join(d, "lmlab", "runs"), nil
}

// Create starts a new run log in dir (created if missing) and writes h as
// its first line. The file is dir/NAME.jsonl, NAME being h.Name or, when
// that is empty, the start time and preset (20261129-081000-tiny); it never
// replaces a file: a taken name gets -2, -3, ….
func Create(dir string, h Header) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("runs directory %s: %w; give another with --runs", dir, err)
	}
	h.Format = Format
	if h.Started.IsZero() {
		h.Started = time.Now().UTC().Truncate(time.Second)
	}
	base := h.Name
	if base == "" {
		base = h.Started.Format("20060102-150405")
		if h.Preset != "" {
			base += "-" + h.Preset
		}
	}
	if err := checkName(base); err != nil {
		return nil, err
	}
	for i := 1; ; i++ {
		name := base
		if i > 1 {
			name = fmt.Sprintf("%s-%d", base, i)
		}
		path := filepath.Join(dir, name+Ext)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o644)
		if errors.Is(err, fs.ErrExist) && i < 1000 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("run log %s: %w", path, err)
		}
		h.Name = name
		w := &Writer{f: f, path: path}
		if err := w.write(typeRun, h); err != nil {
			f.Close()
			return nil, err
		}
		return w, nil
	}
}

// checkName refuses a run name that is not a plain file name.
func checkName(name string) error {
	if name == "." || name == ".." || strings.ContainsAny(name, `/\`) || strings.ContainsRune(name, 0) {
		return fmt.Errorf("run name %q is not a plain file name; use letters, digits, - and _", name)
	}
	return nil
}

// Append reopens the run log at path to add records (a resumed run). A torn
// last line, left by a crash, is cut off first so the file stays readable.
func Append(path string) (*Writer, error) {
	run, err := ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, fmt.Errorf("run log %s: %w", path, err)
	}
	if err := f.Truncate(run.size); err != nil {
		f.Close()
		return nil, fmt.Errorf("run log %s: cutting its torn last line: %w", path, err)
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, fmt.Errorf("run log %s: %w", path, err)
	}
	return &Writer{f: f, path: path}, nil
}

// Path is the file the writer appends to.
func (w *Writer) Path() string { return w.path }

// Metrics appends the values measured after step. Non-finite values are left
// out (JSON has no NaN; a diverged step is the health record's to report).
func (w *Writer) Metrics(step int, values map[string]float64) error {
	return w.write(typeMetrics, Point{Step: step, Values: finiteOnly(values)})
}

// Health appends a health finding.
func (w *Writer) Health(e engine.HealthEvent) error {
	return w.write(typeHealth, e)
}

// Recipe appends a recipe change.
func (w *Writer) Recipe(r Recipe) error {
	return w.write(typeRecipe, r)
}

// End appends the run's end and closes the file.
func (w *Writer) End(e End) error {
	e.Values = finiteOnly(e.Values)
	err := w.write(typeEnd, e)
	return errors.Join(err, w.Close())
}

// Close flushes the file to disk and closes it; later writes fail.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	err := errors.Join(w.f.Sync(), w.f.Close())
	w.f = nil
	if err != nil {
		return fmt.Errorf("run log %s: %w", w.path, err)
	}
	return nil
}

// write appends rec, a JSON object, as one line with "type" first.
func (w *Writer) write(typ string, rec any) error {
	obj, err := json.Marshal(rec)
	if err != nil || len(obj) < 2 || obj[0] != '{' {
		panic(fmt.Sprintf("runlog: record %T does not marshal to an object: %v", rec, err)) // ours always do
	}
	b := fmt.Appendf(nil, `{"type":%q`, typ)
	if len(obj) > 2 {
		b = append(b, ',')
	}
	b = append(append(b, obj[1:]...), '\n')
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case w.err != nil:
		return w.err
	case w.f == nil:
		return fmt.Errorf("run log %s: write after Close", w.path)
	}
	if _, err := w.f.Write(b); err != nil {
		w.err = fmt.Errorf("run log %s: %w", w.path, err)
		return w.err
	}
	return nil
}

func finiteOnly(values map[string]float64) map[string]float64 {
	out := make(map[string]float64, len(values))
	for k, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			out[k] = v
		}
	}
	return out
}

// Run is a run log as read back.
type Run struct {
	Path string // the file, when read from one
	Header
	Points  []Point              // metrics records, in file order
	Health  []engine.HealthEvent // health findings, in file order
	Recipes []Recipe             // recipe changes, in file order
	End     *End                 // nil while the run goes on, or if it crashed
	// Torn is true when the last line was cut short (the writer crashed in
	// the middle of it); it was left out.
	Torn bool
	size int64 // bytes of whole lines read
}

// maxLine bounds one record: far above any line Writer writes (a header
// with a long data list is a few kB).
const maxLine = 1 << 20

// Read reads a run log. The last line may be torn (cut short without its
// newline) and is then left out with Torn set; any other damage, and a first
// line that is not a run header, is an error wrapping ErrFormat that names
// the line.
func Read(r io.Reader) (*Run, error) {
	br := bufio.NewReader(r)
	run := &Run{}
	for n := 1; ; n++ {
		b, whole, err := readLine(br)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if len(b) == 0 && !whole {
			break
		}
		perr := run.parse(n, b)
		if perr != nil && !whole && n > 1 {
			run.Torn = true // a crash cut the last line short
			break
		}
		if perr != nil {
			return nil, perr
		}
		run.size += int64(len(b))
		if !whole {
			break
		}
	}
	if run.Format == "" {
		return nil, fmt.Errorf("the file is empty: %w", ErrFormat)
	}
	return run, nil
}

// parse adds line n to run, or returns an error and leaves run as it was.
func (run *Run) parse(n int, b []byte) error {
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return fmt.Errorf("line %d: %v: %w", n, err, ErrFormat)
	}
	if (n == 1) != (head.Type == typeRun) {
		if n == 1 {
			return fmt.Errorf("line 1 is a %q record, not the run header: %w", head.Type, ErrFormat)
		}
		return fmt.Errorf("line %d: a second run header: %w", n, ErrFormat)
	}
	bad := func(err error) error { return fmt.Errorf("line %d (%s): %v: %w", n, head.Type, err, ErrFormat) }
	switch head.Type {
	case typeRun:
		var h Header
		if err := json.Unmarshal(b, &h); err != nil {
			return bad(err)
		}
		if h.Format != Format {
			return fmt.Errorf("line 1 has format %q, want %q: %w", h.Format, Format, ErrFormat)
		}
		run.Header = h
	case typeMetrics:
		var p Point
		if err := json.Unmarshal(b, &p); err != nil {
			return bad(err)
		}
		run.Points = append(run.Points, p)
	case typeHealth:
		var e engine.HealthEvent
		if err := json.Unmarshal(b, &e); err != nil {
			return bad(err)
		}
		run.Health = append(run.Health, e)
	case typeRecipe:
		var rc Recipe
		if err := json.Unmarshal(b, &rc); err != nil {
			return bad(err)
		}
		run.Recipes = append(run.Recipes, rc)
	case typeEnd:
		var e End
		if err := json.Unmarshal(b, &e); err != nil {
			return bad(err)
		}
		run.End = &e
	default:
		return fmt.Errorf("line %d: unknown record type %q: %w", n, head.Type, ErrFormat)
	}
	return nil
}

// readLine returns the next line with its newline (whole) or, at the end,
// what is left without one. A line longer than maxLine is an error.
func readLine(br *bufio.Reader) (b []byte, whole bool, err error) {
	for {
		chunk, err := br.ReadSlice('\n')
		if len(b)+len(chunk) > maxLine {
			return nil, false, fmt.Errorf("longer than %d bytes: %w", maxLine, ErrFormat)
		}
		switch {
		case err == nil:
			return append(b, chunk...), true, nil
		case errors.Is(err, bufio.ErrBufferFull):
			b = append(b, chunk...)
		case err == io.EOF:
			return append(b, chunk...), false, nil
		default:
			return nil, false, err
		}
	}
}

// ReadFile reads the run log at path.
func ReadFile(path string) (*Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("run log %s: %w", path, err)
	}
	defer f.Close()
	run, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("run log %s: %w", path, err)
	}
	run.Path = path
	return run, nil
}

// List reads every run log in dir, oldest first. Files that are not
// readable run logs are skipped and reported in err (joined), so a caller
// can list the rest and warn. A missing dir holds no runs.
func List(dir string) (runs []*Run, err error) {
	paths, gerr := filepath.Glob(filepath.Join(dir, "*"+Ext))
	if gerr != nil {
		return nil, gerr
	}
	var errs []error
	for _, p := range paths {
		run, err := ReadFile(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		runs = append(runs, run)
	}
	sort.SliceStable(runs, func(i, j int) bool {
		if !runs[i].Started.Equal(runs[j].Started) {
			return runs[i].Started.Before(runs[j].Started)
		}
		return runs[i].Name < runs[j].Name
	})
	return runs, errors.Join(errs...)
}

// Find returns the run called name in dir: a path to a file, an exact run
// name, or a prefix of exactly one run's name. No match, or several, is an
// error wrapping ErrNoRun that lists what there is.
func Find(dir, name string) (*Run, error) {
	if strings.ContainsAny(name, `/\`) || strings.HasSuffix(name, Ext) {
		if _, err := os.Stat(name); err == nil {
			return ReadFile(name)
		}
	}
	runs, _ := List(dir)
	var names, hits []string
	var hit *Run
	for _, r := range runs {
		names = append(names, r.Name)
		if r.Name == name {
			return r, nil
		}
		if strings.HasPrefix(r.Name, name) {
			hits = append(hits, r.Name)
			hit = r
		}
	}
	switch {
	case len(hits) == 1:
		return hit, nil
	case len(hits) > 1:
		return nil, fmt.Errorf("run %q matches %d runs in %s (%s); give more of the name: %w", name, len(hits), dir, strings.Join(hits, ", "), ErrNoRun)
	case len(names) == 0:
		return nil, fmt.Errorf("run %q: %s holds no runs; train one, or give --runs DIR: %w", name, dir, ErrNoRun)
	}
	return nil, fmt.Errorf("run %q is not in %s (runs: %s): %w", name, dir, strings.Join(names, ", "), ErrNoRun)
}

// Series returns the steps and values of metric, in file order, the end's
// value last.
func (r *Run) Series(metric string) (steps []int, values []float64) {
	for _, p := range r.Points {
		if v, ok := p.Values[metric]; ok {
			steps = append(steps, p.Step)
			values = append(values, v)
		}
	}
	if r.End == nil {
		return steps, values
	}
	if v, ok := r.End.Values[metric]; ok {
		// The end's value is the run's last word: at the last logged
		// step it replaces that step's (the final pass is the complete one).
		if n := len(steps); n > 0 && steps[n-1] == r.End.Step {
			values[n-1] = v
		} else {
			steps, values = append(steps, r.End.Step), append(values, v)
		}
	}
	return steps, values
}

// Final returns the last value of metric and its step; ok is false when the
// run never logged it.
func (r *Run) Final(metric string) (step int, v float64, ok bool) {
	steps, values := r.Series(metric)
	if len(steps) == 0 {
		return 0, 0, false
	}
	return steps[len(steps)-1], values[len(values)-1], true
}

// Best returns the lowest value of metric and its step.
func (r *Run) Best(metric string) (step int, v float64, ok bool) {
	steps, values := r.Series(metric)
	for i, x := range values {
		if !ok || x < v {
			step, v, ok = steps[i], x, true
		}
	}
	return step, v, ok
}

// Metrics lists the metric names the run logged, sorted.
func (r *Run) Metrics() []string {
	set := map[string]bool{}
	for _, p := range r.Points {
		for k := range p.Values {
			set[k] = true
		}
	}
	if r.End != nil {
		for k := range r.End.Values {
			set[k] = true
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Steps is the last step the run reached: its end's, else its last record's.
func (r *Run) Steps() int {
	s := r.Header.Step
	if n := len(r.Points); n > 0 {
		s = max(s, r.Points[n-1].Step)
	}
	if r.End != nil {
		s = max(s, r.End.Step)
	}
	return s
}

// Status is the end's status, or "no end" for a run without one (still
// going, or crashed).
func (r *Run) Status() string {
	if r.End == nil {
		return "no end"
	}
	return r.End.Status
}
