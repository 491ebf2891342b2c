//go:build linux

package samples

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
)

// loadRescued runs Load, and if Load wrongly opens the FIFO at fifo (which
// blocks until a writer comes), opens it for writing and closes it at once,
// so Load reads an empty file and the test fails on its result instead of
// hanging. A correct Load never opens the FIFO; the stand-by writer is then
// released by opening the read end without blocking.
func loadRescued(t *testing.T, fifo string, specs []string, opt Options) (*Corpus, error) {
	t.Helper()
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0) // returns once anyone opens the read end
		if err == nil {
			w.Close()
		}
	}()
	c, loadErr := Load(specs, opt)
	r, err := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		t.Fatalf("releasing the stand-by writer: %v", err)
	}
	<-writerDone
	r.Close()
	return c, loadErr
}

// TestLoadHostile feeds Load what cannot be training text, or is text in a
// shape that used to trip it, and checks the kind of each error with
// errors.Is and its place with errors.As.
func TestLoadHostile(t *testing.T) {
	dir := write(t, map[string]string{
		"real/a.txt":        "Alpha text.\n",
		"real/b.md":         "Beta text.\n",
		"nul.txt":           "text\x00more",
		"nullate.txt":       strings.Repeat("a", 70000) + "\x00",
		"bom.jsonl":         "\xef\xbb\xbf" + `{"text":"first"}` + "\n" + `{"text":"second"}` + "\n",
		"bombad.jsonl":      "\xef\xbb\xbf" + `{"text":"first"}` + "\n" + `{"text": 1, oops}` + "\n",
		"loopdir/a.txt":     "Text beside a loop.\n",
		"loopdir/sub/b.txt": "Text beside a link back up.\n",
		"tree/v2/a.txt":     "Version two.\n",
		"fifodir/a.txt":     "Text beside a pipe.\n",
		"fifodir2/a.txt":    "Text beside a pipe that is not ours.\n",
		"dangling/a.txt":    "Text beside a broken link.\n",
		"big.txt":           strings.Repeat("y", 2000),
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(p("real"), p("linkdir")))
	must(os.MkdirAll(p("links"), 0o755))
	must(os.Symlink(p("real/a.txt"), p("links/a.txt")))
	must(os.Symlink("../real/b.md", p("links/b.md")))
	must(os.Symlink("self.txt", p("self.txt")))
	must(os.Symlink("..", p("loopdir/sub/up")))
	must(os.Symlink("v2", p("tree/latest")))
	must(os.Symlink("nowhere.txt", p("dangling/gone.txt")))
	must(os.Symlink("nowhere.bin", p("dangling/gone.bin")))
	must(syscall.Mkfifo(p("pipe.txt"), 0o644))
	must(syscall.Mkfifo(p("fifodir/pipe.txt"), 0o644))
	must(syscall.Mkfifo(p("fifodir2/pipe.fifo"), 0o644))

	zero, err := os.Open("/dev/zero")
	must(err)
	defer zero.Close()
	urandom, err := os.Open("/dev/urandom")
	must(err)
	defer urandom.Close()

	tests := []struct {
		name    string
		specs   []string
		opt     Options
		fifo    string   // a FIFO a broken Load might open: see loadRescued
		wantErr error    // nil: Load succeeds
		where   string   // the DataError's Name
		line    int      // and Line
		offset  int64    // and Offset
		want    []string // substrings of the error
		files   int      // on success: files read
		docs    int      // on success: documents
	}{
		{name: "FIFO", specs: []string{p("pipe.txt")}, fifo: p("pipe.txt"), wantErr: ErrNotRegular, where: p("pipe.txt"), offset: -1, want: []string{"named pipe", "--data - <"}},
		{name: "FIFO in a directory", specs: []string{p("fifodir")}, fifo: p("fifodir/pipe.txt"), wantErr: ErrNotRegular, where: p("fifodir/pipe.txt"), offset: -1},
		{name: "FIFO not named as text is skipped", specs: []string{p("fifodir2")}, fifo: p("fifodir2/pipe.fifo"), files: 1, docs: 1},
		{name: "/dev/zero as a path", specs: []string{"/dev/zero"}, wantErr: ErrNotRegular, where: "/dev/zero", offset: -1, want: []string{"character device"}},
		{name: "/dev/zero on stdin", specs: []string{"-"}, opt: Options{Stdin: zero}, wantErr: ErrNotText, where: "stdin", offset: 0, want: []string{"NUL", "binary"}},
		{name: "/dev/urandom on stdin", specs: []string{"-"}, opt: Options{Stdin: urandom, AllowInvalidUTF8: true}, wantErr: ErrNotText, where: "stdin"},
		{name: "NUL in the first block", specs: []string{p("nul.txt")}, wantErr: ErrNotText, where: p("nul.txt"), offset: 4, want: []string{"byte offset 4", "binary"}},
		{name: "NUL after the first block", specs: []string{p("nullate.txt")}, wantErr: ErrNotText, where: p("nullate.txt"), offset: 70000},
		{name: "BOM JSONL", specs: []string{p("bom.jsonl")}, files: 1, docs: 2},
		{name: "BOM JSONL on stdin", specs: []string{"-"}, opt: Options{Field: "text", Stdin: strings.NewReader("\xef\xbb\xbf{\"text\":\"a\"}\n")}, docs: 1},
		{name: "BOM JSONL, offsets count the BOM", specs: []string{p("bombad.jsonl")}, wantErr: ErrBadJSONL, where: p("bombad.jsonl"), line: 2, offset: 3 + 17 + 12, want: []string{"not valid JSON"}},
		{name: "stdin with --field, a line not JSON", specs: []string{"-"}, opt: Options{Field: "text", Stdin: strings.NewReader("{\"text\":\"a\"}\nplain words\n")}, wantErr: ErrBadJSONL, where: "stdin", line: 2, offset: 13, want: []string{"not a JSON object", "leave out --field"}},
		{name: "stdin without --field, JSON-looking text", specs: []string{"-"}, opt: Options{Stdin: strings.NewReader("{ int x; }\n")}, docs: 1},
		{name: "symlinked directory", specs: []string{p("linkdir")}, files: 2, docs: 2},
		{name: "symlinked directory, trailing slash", specs: []string{p("linkdir") + "/"}, files: 2, docs: 2},
		{name: "directory of symlinked files", specs: []string{p("links")}, files: 2, docs: 2},
		{name: "directory linked twice is read once", specs: []string{p("tree")}, files: 1, docs: 1},
		{name: "symlink to itself", specs: []string{p("self.txt")}, wantErr: ErrSymlinkLoop, where: p("self.txt"), offset: -1},
		{name: "symlink to an enclosing directory", specs: []string{p("loopdir")}, wantErr: ErrSymlinkLoop, where: p("loopdir/sub/up"), offset: -1, want: []string{"encloses it"}},
		{name: "broken link as the path", specs: []string{p("dangling/gone.bin")}, wantErr: fs.ErrNotExist, where: p("dangling/gone.bin"), offset: -1, want: []string{"nowhere.bin", "does not exist"}},
		{name: "broken link named as text", specs: []string{p("dangling")}, wantErr: fs.ErrNotExist, where: p("dangling/gone.txt"), offset: -1, want: []string{"nowhere.txt", "does not exist"}},
		{name: "weight NaN", specs: []string{p("big.txt") + ":NaN"}, wantErr: ErrBadWeight, offset: -1, want: []string{"is not a number"}},
		{name: "weight zero", specs: []string{p("big.txt") + ":0"}, wantErr: ErrBadSpec, offset: -1, want: []string{"is zero"}},
		{name: "negative --max-bytes", specs: []string{p("big.txt")}, opt: Options{MaxBytes: -1}, wantErr: ErrBadOption, where: "--max-bytes -1", offset: -1},
		{name: "over the cap", specs: []string{p("big.txt")}, opt: Options{MaxBytes: 100}, wantErr: ErrTooLarge, where: p("big.txt"), offset: -1},
		{name: "no specs", wantErr: ErrNoData, offset: -1},
		{name: "unknown sample", specs: []string{"sample:kittens"}, wantErr: ErrUnknownSample, where: "sample:kittens", offset: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c *Corpus
			var err error
			if tt.fifo != "" {
				c, err = loadRescued(t, tt.fifo, tt.specs, tt.opt)
			} else {
				c, err = Load(tt.specs, tt.opt)
			}
			if tt.wantErr == nil {
				if err != nil {
					t.Fatalf("Load(%q) = %v, want success", tt.specs, err)
				}
				s := c.Sources[0]
				if tt.files > 0 && s.Files != tt.files || len(s.Docs) != tt.docs {
					t.Errorf("got %d files, %d documents %q; want %d, %d", s.Files, len(s.Docs), docNames(s.Docs), tt.files, tt.docs)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Load(%q) = %v, want errors.Is %v", tt.specs, err, tt.wantErr)
			}
			var de *DataError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DataError", err)
			}
			if tt.where != "" && de.Name != tt.where || de.Line != tt.line || tt.offset != 0 && de.Offset != tt.offset {
				t.Errorf("error at %q line %d offset %d, want %q line %d offset %d", de.Name, de.Line, de.Offset, tt.where, tt.line, tt.offset)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is more than one line", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

// TestReadStopsEarly: data that is not text is given up on after its first
// block, not after filling the 256 MiB size cap.
func TestReadStopsEarly(t *testing.T) {
	sparse := filepath.Join(t.TempDir(), "sparse.txt")
	f, err := os.Create(sparse)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(200 << 20); err != nil { // 200 MiB of NULs that take no disk
		t.Fatal(err)
	}
	f.Close()
	tests := []struct {
		name  string
		specs []string
		stdin func() io.Reader
	}{
		{"/dev/zero on stdin", []string{"-"}, func() io.Reader {
			z, err := os.Open("/dev/zero")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { z.Close() })
			return z
		}},
		{"sparse file", []string{sparse}, func() io.Reader { return nil }},
	}
	const limit = 1 << 20 // the first block is 64 KiB; anything near the cap is a full read
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := Options{Stdin: tt.stdin()}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := Load(tt.specs, opt)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrNotText) {
				t.Fatalf("Load = %v, want ErrNotText", err)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > limit {
				t.Errorf("allocated %d bytes to refuse it, want at most %d (the cap is %d)", got, limit, DefaultMaxBytes)
			}
		})
	}
}
