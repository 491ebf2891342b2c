package lab

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"lmlab/engine"
	"lmlab/tokenizer"
)

// tinySession is a quick session on the cats sample.
func tinySession(t *testing.T) *Session {
	t.Helper()
	s, err := Open(Options{Data: []string{"sample:cats"}, Adjust: func(c *engine.Config, tc *engine.TrainConfig) error {
		c.Layers, c.Embd, c.Heads, c.Context, tc.Context, tc.Batch, tc.Steps = 1, 16, 2, 8, 8, 2, 4
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCheckOutput(t *testing.T) {
	dir := t.TempDir()
	s := tinySession(t)
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	data := write("data.txt", "some text\n")
	write("corpus/a.txt", "more text\n")
	notes := write("notes.txt", "my notes\n")
	ckpt := filepath.Join(dir, "old.safetensors")
	if err := s.Save(ckpt); err != nil {
		t.Fatal(err)
	}
	tokData, err := tokenizer.Marshal(s.Tokenizer)
	if err != nil {
		t.Fatal(err)
	}
	tok := write("tok.json", string(tokData))
	link := filepath.Join(dir, "link.safetensors")
	if err := os.Symlink("old.safetensors", link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	// A safetensors file from elsewhere: a header without lmlab's key.
	foreign := write("foreign.safetensors", "\x10\x00\x00\x00\x00\x00\x00\x00{\"a\":1}         ")
	stdin, err := os.Open(notes)
	if err != nil {
		t.Fatal(err)
	}
	defer stdin.Close()

	tests := []struct {
		name    string
		path    string
		opt     GuardOptions
		want    error // nil: accepted
		wantOut string
	}{
		{"empty", "", GuardOptions{}, nil, ""},
		{"new file", filepath.Join(dir, "new.safetensors"), GuardOptions{Data: []string{data}}, nil, filepath.Join(dir, "new.safetensors")},
		{"data file", data, GuardOptions{Data: []string{data}}, ErrOutputIsInput, ""},
		{"weighted data file", data, GuardOptions{Data: []string{data + ":2"}}, ErrOutputIsInput, ""},
		{"inside data dir", filepath.Join(dir, "corpus", "m.safetensors"), GuardOptions{Data: []string{filepath.Join(dir, "corpus") + "/"}}, ErrOutputIsInput, ""},
		{"inside data dir, nested", filepath.Join(dir, "corpus", "a.txt"), GuardOptions{Data: []string{dir}, Force: true}, ErrOutputIsInput, ""},
		{"directory", filepath.Join(dir, "corpus"), GuardOptions{}, ErrNotRegular, ""},
		{"dev null", os.DevNull, GuardOptions{}, ErrNotRegular, ""},
		{"fifo", fifo, GuardOptions{Force: true}, ErrNotRegular, ""},
		{"not ours", notes, GuardOptions{}, ErrNotOurs, ""},
		{"not ours, forced", notes, GuardOptions{Force: true}, nil, notes},
		{"foreign safetensors", foreign, GuardOptions{}, ErrNotOurs, ""},
		{"old checkpoint", ckpt, GuardOptions{}, nil, ckpt},
		{"saved tokenizer", tok, GuardOptions{Flag: "--train-out"}, nil, tok},
		{"symlink followed", link, GuardOptions{}, nil, ckpt},
		{"the --ckpt read", ckpt, GuardOptions{Inputs: []Input{{Flag: "--ckpt", Path: ckpt}}}, ErrOutputIsInput, ""},
		{"the --resume continued", ckpt, GuardOptions{Inputs: []Input{{Flag: "--resume", Path: ckpt, Replace: true}}}, nil, ckpt},
		{"stdin's file", notes, GuardOptions{Stdin: stdin, Force: true}, ErrOutputIsInput, ""},
		{"missing directory", filepath.Join(dir, "nope", "m.safetensors"), GuardOptions{}, ErrOutputDir, ""},
		{"parent is a file", filepath.Join(notes, "m.safetensors"), GuardOptions{}, ErrOutputDir, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CheckOutput(tt.path, tt.opt)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("CheckOutput(%q) error %v, want %v", tt.path, err, tt.want)
			}
			if err != nil {
				var oe *OutputError
				if !errors.As(err, &oe) {
					t.Fatalf("error %T is not an *OutputError", err)
				}
				flag := tt.opt.Flag
				if flag == "" {
					flag = "--out"
				}
				if msg := err.Error(); !strings.HasPrefix(msg, flag+" "+tt.path) || strings.Contains(msg, "\n") {
					t.Errorf("message %q does not start with the flag and the path on one line", msg)
				}
				return
			}
			if got != tt.wantOut {
				t.Errorf("path to write %q, want %q", got, tt.wantOut)
			}
		})
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".lmlab-probe-*"))
	if len(leftovers) > 0 {
		t.Errorf("probe files left behind: %v", leftovers)
	}
}

// safetensors frames header as a safetensors file with no tensors.
func safetensors(header string) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	return append(b, header...)
}

func TestIsOursReadsTheHeaderOnly(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"empty", nil, false},
		{"short", []byte("abc"), false},
		{"text", []byte("hello, world\n"), false},
		{"header length beyond the file", append([]byte{0xff, 0xff, 0, 0, 0, 0, 0, 0}, `{"__metadata__":{"lmlab_format":"x"}}`...), false},
		{"lmlab key", safetensors(`{"__metadata__":{"lmlab_format":"x"}}`), true},
		{"escaped key inside a value", safetensors(`{"a":"\"lmlab_format\"","b":"cdefg"}`), false},
		{"tokenizer", []byte(`{"format":"lmlab-tokenizer","version":1}`), true},
		{"tokenizer, spaced", []byte(" {\n \"format\": \"lmlab-tokenizer\"}"), true},
		{"other json", []byte(`{"format":"gguf"}`), false},
		{"format not first", []byte(`{"x":1,"format":"lmlab-tokenizer"}`), false},
	}
	for _, tt := range tests {
		p := filepath.Join(dir, tt.name)
		os.WriteFile(p, tt.data, 0o644)
		got, err := isOurs(p)
		if err != nil || got != tt.want {
			t.Errorf("%s: isOurs = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
}

func TestWriteFileAtomicKeepsModeAndLink(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "tok.json")
	os.WriteFile(target, []byte("old"), 0o640)
	os.Chmod(target, 0o640)
	link := filepath.Join(dir, "link.json")
	os.Symlink("tok.json", link)
	if err := WriteFileAtomic(link, []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(target); string(got) != "new" {
		t.Errorf("target holds %q, want %q", got, "new")
	}
	if info, err := os.Lstat(link); err != nil || info.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", info.Mode(), err)
	}
	if info, _ := os.Stat(target); info.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 kept", info.Mode().Perm())
	}
	if tmp, _ := filepath.Glob(filepath.Join(dir, ".*.tmp*")); len(tmp) > 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

func TestSaveWithFallback(t *testing.T) {
	s := tinySession(t)
	dir := t.TempDir()

	good := filepath.Join(dir, "m.safetensors")
	saved, err := s.SaveWithFallback(good)
	if err != nil || saved != good {
		t.Fatalf("SaveWithFallback(%s) = %q, %v; want the path itself", good, saved, err)
	}

	// The target is a directory, so the save fails; the run goes beside it.
	blocked := filepath.Join(dir, "blocked.safetensors")
	os.Mkdir(blocked, 0o755)
	saved, err = s.SaveWithFallback(blocked)
	want := FallbackPaths(blocked, os.Getpid())[0]
	if err == nil || saved != want {
		t.Fatalf("SaveWithFallback(directory) = %q, %v; want %q and the first error", saved, err, want)
	}
	if _, err := engine.LoadCheckpoint(saved); err != nil {
		t.Errorf("the rescued run does not load: %v", err)
	}
	os.Remove(saved)

	// A directory that does not exist: the run goes to the temp dir.
	missing := filepath.Join(dir, "gone", "m.safetensors")
	saved, err = s.SaveWithFallback(missing)
	want = FallbackPaths(missing, os.Getpid())[1]
	if err == nil || saved != want {
		t.Fatalf("SaveWithFallback(missing dir) = %q, %v; want %q", saved, err, want)
	}
	defer os.Remove(saved)
	a, _ := os.ReadFile(good)
	b, _ := os.ReadFile(saved)
	if !bytes.Equal(a, b) {
		t.Errorf("the rescued checkpoint differs from a normal save of the same run")
	}
}

func TestFallbackPaths(t *testing.T) {
	got := FallbackPaths("runs/cats.safetensors", 42)
	want := []string{"runs/cats.rescue-42.safetensors", filepath.Join(os.TempDir(), "lmlab-cats.rescue-42.safetensors")}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("FallbackPaths = %q, want %q", got, want)
	}
}
