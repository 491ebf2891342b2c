package lab

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"lmlab/samples"
)

// The ways CheckOutput refuses an output path. Each is wrapped in an
// *OutputError that names the flag, the path and the fix.
var (
	// ErrOutputIsInput: the output is a file the run reads (a data file, a
	// file inside a data directory, the checkpoint being loaded, stdin).
	ErrOutputIsInput = errors.New("output is one of the run's inputs")
	// ErrNotRegular: something that is not a regular file is there (a
	// directory, a device, a FIFO, a socket).
	ErrNotRegular = errors.New("output exists and is not a regular file")
	// ErrNotOurs: a regular file is there that lmlab did not write (not a
	// checkpoint, not a saved tokenizer); --force overwrites it.
	ErrNotOurs = errors.New("output exists and is not an lmlab checkpoint or tokenizer")
	// ErrOutputDir: the output's directory is missing or not writable.
	ErrOutputDir = errors.New("output directory is not writable")
)

// OutputError is CheckOutput's refusal: Err is one of the sentinels above.
type OutputError struct {
	Flag, Path string // the flag that named the output, and its value
	Err        error  // ErrOutputIsInput, ErrNotRegular, ErrNotOurs or ErrOutputDir
	Why, Fix   string // what is wrong there, and what to do
}

func (e *OutputError) Error() string {
	return fmt.Sprintf("%s %s: %s; %s", e.Flag, e.Path, e.Why, e.Fix)
}

func (e *OutputError) Unwrap() error { return e.Err }

// Input is a file or directory the run reads, named by its flag.
type Input struct {
	Flag, Path string
	// Replace allows the output to be this very file: --resume continuing a
	// run in place (the checkpoint is read whole before training, and saves
	// are atomic, so nothing is lost).
	Replace bool
}

// GuardOptions says what a run reads, so CheckOutput can refuse to write
// over it.
type GuardOptions struct {
	Flag   string    // the output's flag, for messages: "--out", "--train-out"
	Data   []string  // --data specs; files and directories among them are inputs
	Inputs []Input   // other inputs: the checkpoint loaded, a tokenizer file, --file
	Stdin  io.Reader // standard input; when it is a regular file, it is an input too
	Force  bool      // overwrite a regular file lmlab did not write
}

// CheckOutput decides, before a run starts, whether path may be written, and
// returns the path to write: a symlink is followed (the link stays, its
// target is replaced). It refuses, with an *OutputError:
//   - an output that is one of the run's inputs (ErrOutputIsInput), or lies
//     inside a data directory;
//   - something there that is not a regular file (ErrNotRegular);
//   - a regular file that is neither an lmlab checkpoint nor a saved
//     tokenizer, unless o.Force (ErrNotOurs);
//   - a directory that does not exist or where a file cannot be created
//     (ErrOutputDir), tested by creating and removing a temporary file.
//
// An empty path (no output asked for) is accepted as is.
func CheckOutput(path string, o GuardOptions) (string, error) {
	if path == "" {
		return "", nil
	}
	flag := o.Flag
	if flag == "" {
		flag = "--out"
	}
	refuse := func(err error, why, fix string) (string, error) {
		return "", &OutputError{Flag: flag, Path: path, Err: err, Why: why, Fix: fix}
	}
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	} else if _, lerr := os.Lstat(path); lerr == nil {
		// A dangling symlink: write where it points.
		if dest, rerr := os.Readlink(path); rerr == nil {
			if !filepath.IsAbs(dest) {
				dest = filepath.Join(filepath.Dir(path), dest)
			}
			target = dest
		}
	}
	ins := inputs(o)
	info, statErr := os.Stat(target)
	if statErr == nil {
		if !info.Mode().IsRegular() {
			return refuse(ErrNotRegular, "exists and is "+describeMode(info.Mode()),
				"give a file path for "+flag)
		}
		for _, in := range ins {
			if in.info == nil || in.info.IsDir() || !os.SameFile(info, in.info) {
				continue
			}
			if in.Replace {
				return target, checkWritable(filepath.Dir(target), flag, path)
			}
			why := "is the file " + in.Flag + " reads"
			if in.Path == "-" {
				why = "is the file on standard input, which the run reads"
			}
			return refuse(ErrOutputIsInput, why, "choose another path for "+flag)
		}
		if !o.Force {
			ours, err := isOurs(target)
			if err != nil {
				return refuse(ErrNotOurs, fmt.Sprintf("cannot be read to check what it is (%v)", err),
					"choose another path, or pass --force to overwrite it")
			}
			if !ours {
				return refuse(ErrNotOurs, "exists and is not an lmlab checkpoint or tokenizer",
					"choose another path, or pass --force to overwrite it")
			}
		}
	} else if !errors.Is(statErr, fs.ErrNotExist) {
		return refuse(ErrOutputDir, fmt.Sprintf("cannot be checked (%v)", statErr), "choose another path for "+flag)
	}
	// A new file inside a data directory would be read by the next run.
	dir := filepath.Dir(target)
	for _, in := range ins {
		if in.info == nil || !in.info.IsDir() {
			continue
		}
		if within(dir, in.info) {
			return refuse(ErrOutputIsInput, "is inside the directory "+in.Flag+" "+in.Path+" reads",
				"save it outside the data directory")
		}
	}
	return target, checkWritable(dir, flag, path)
}

// guardInput is an Input with what os.Stat said about it (nil when it does
// not exist: then the run fails on it by itself).
type guardInput struct {
	Input
	info os.FileInfo
}

func inputs(o GuardOptions) []guardInput {
	var ins []guardInput
	add := func(in Input) {
		if in.Path == "" {
			return
		}
		info, err := os.Stat(in.Path)
		if err != nil {
			return
		}
		ins = append(ins, guardInput{in, info})
	}
	exists := func(p string) bool { _, err := os.Stat(p); return err == nil }
	for _, raw := range o.Data {
		if sp, err := samples.ParseSpec(raw, exists); err == nil && sp.Kind == samples.KindPath {
			add(Input{Flag: "--data", Path: sp.Path})
		}
	}
	for _, in := range o.Inputs {
		add(in)
	}
	if f, ok := o.Stdin.(*os.File); ok && f != nil {
		if info, err := f.Stat(); err == nil && info.Mode().IsRegular() {
			ins = append(ins, guardInput{Input{Flag: "standard input", Path: "-"}, info})
		}
	}
	return ins
}

// within reports whether dir is the directory d or inside it, comparing
// each ancestor with os.SameFile so symlinks and relative paths agree.
func within(dir string, d os.FileInfo) bool {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	for {
		if info, err := os.Stat(abs); err == nil && os.SameFile(info, d) {
			return true
		}
		parent := filepath.Dir(abs)
		if parent == abs {
			return false
		}
		abs = parent
	}
}

// checkWritable creates and removes a temporary file in dir, so a long run
// does not end in "no such directory".
func checkWritable(dir, flag, path string) error {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &OutputError{Flag: flag, Path: path, Err: ErrOutputDir,
			Why: "its directory " + dir + " does not exist", Fix: "create it (mkdir -p " + dir + ") or choose another path"}
	case err != nil:
		return &OutputError{Flag: flag, Path: path, Err: ErrOutputDir,
			Why: fmt.Sprintf("its directory %s cannot be checked (%v)", dir, err), Fix: "choose another path"}
	case !info.IsDir():
		return &OutputError{Flag: flag, Path: path, Err: ErrOutputDir,
			Why: dir + " is not a directory", Fix: "choose another path"}
	}
	f, err := os.CreateTemp(dir, ".lmlab-probe-*")
	if err != nil {
		return &OutputError{Flag: flag, Path: path, Err: ErrOutputDir,
			Why: fmt.Sprintf("cannot create a file in %s (%v)", dir, errors.Unwrap(err)), Fix: "choose a writable directory"}
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

func describeMode(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// maxOursScan bounds how much of a safetensors header isOurs reads looking
// for lmlab's format key.
const maxOursScan = 64 << 20

// isOurs reports whether the regular file at path is an lmlab checkpoint (a
// safetensors file whose header metadata has the "lmlab_format" key) or a
// tokenizer saved by `lmlab tokenize --train-out` (JSON whose first key is
// "format": "lmlab-tokenizer"). It reads the header only, never the tensors.
func isOurs(path string) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return false, err
	}
	size := info.Size()
	r := bufio.NewReaderSize(f, 64<<10)
	head, _ := r.Peek(9)
	if len(head) == 9 && head[8] == '{' {
		n := binary.LittleEndian.Uint64(head[:8])
		if n <= uint64(size-8) {
			r.Discard(8)
			return containsStream(io.LimitReader(r, int64(min(n, maxOursScan))), []byte(`"lmlab_format"`))
		}
	}
	// A saved tokenizer: {"format":"lmlab-tokenizer", ...}.
	dec := json.NewDecoder(io.LimitReader(r, 4<<10))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return false, nil
	}
	if t, err := dec.Token(); err != nil || t != "format" {
		return false, nil
	}
	t, err := dec.Token()
	return err == nil && t == "lmlab-tokenizer", nil
}

// containsStream reports whether needle occurs in r, reading it in chunks.
func containsStream(r io.Reader, needle []byte) (bool, error) {
	buf := make([]byte, 0, 64<<10+len(needle))
	chunk := make([]byte, 64<<10)
	for {
		n, err := r.Read(chunk)
		buf = append(buf, chunk[:n]...)
		if bytes.Contains(buf, needle) {
			return true, nil
		}
		if keep := len(needle) - 1; len(buf) > keep {
			buf = append(buf[:0], buf[len(buf)-keep:]...)
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
	}
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory, synced and renamed over path, so a crash leaves the old file or
// the new one. An existing file keeps its permission bits; a new one gets
// perm. A symlink at path is followed.
func WriteFileAtomic(path string, data []byte, perm fs.FileMode) (err error) {
	if resolved, rerr := filepath.EvalSymlinks(path); rerr == nil {
		path = resolved
	}
	if info, serr := os.Stat(path); serr == nil {
		perm = info.Mode().Perm()
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(f.Name(), perm); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// SaveWithFallback saves the session's run to path. When that fails (a full
// disk, a directory that went away), the run is not thrown away: it is saved
// beside the target as NAME.rescue-PID.safetensors, else in the temporary
// directory, and that path is returned with the first error, so the caller
// can say where the run went (and still exit with status 1).
func (s *Session) SaveWithFallback(path string) (saved string, err error) {
	if resolved, rerr := filepath.EvalSymlinks(path); rerr == nil {
		path = resolved
	}
	err = s.Save(path)
	if err == nil {
		return path, nil
	}
	var errs []string
	for _, fb := range FallbackPaths(path, os.Getpid()) {
		ferr := s.Save(fb)
		if ferr == nil {
			return fb, err
		}
		errs = append(errs, fmt.Sprintf("%s: %v", fb, ferr))
	}
	return "", fmt.Errorf("%w; the fallback saves failed too (%s)", err, strings.Join(errs, "; "))
}

// FallbackPaths are where SaveWithFallback tries to rescue a run whose save
// to path failed, in order: beside it, then in the temporary directory.
func FallbackPaths(path string, pid int) []string {
	dir, base := filepath.Split(path)
	name := strings.TrimSuffix(base, ".safetensors")
	if name == "" {
		name = "lmlab"
	}
	rescue := fmt.Sprintf("%s.rescue-%d.safetensors", name, pid)
	return []string{filepath.Join(dir, rescue), filepath.Join(os.TempDir(), "lmlab-"+rescue)}
}
