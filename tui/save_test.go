package tui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/engine/lab"
)

// TestDefaultSaveSkipsAForeignFile: with no --out, s saves to
// lmlab-<data>-step<N>.safetensors; a file there that lmlab did not write is
// left alone and the next free name is taken.
func TestDefaultSaveSkipsAForeignFile(t *testing.T) {
	corpus := absPath(t, testCorpus)
	t.Chdir(t.TempDir())
	m, _ := newTestModel(t, 120, 40)
	m.opts.Session.Data = []string{corpus}
	d := newDriver(t, m)
	d.run(start(t, m))
	first := "lmlab-" + m.name + "-step1.safetensors"
	foreign := []byte("my notes, not a checkpoint\n")
	if err := os.WriteFile(first, foreign, 0o644); err != nil {
		t.Fatal(err)
	}
	d.key("n")
	d.until("one step", func() bool { return m.step == 1 })
	d.key("s")
	d.until("the save", func() bool { return !m.saving })
	want := "lmlab-" + m.name + "-step1-2.safetensors"
	if m.msgErr || !strings.Contains(stripped(m), "saved step 1 to "+want) {
		t.Errorf("status %q (error %v), want it saved to %s", m.message, m.msgErr, want)
	}
	if got, _ := os.ReadFile(first); string(got) != string(foreign) {
		t.Errorf("%s was overwritten: %q", first, got)
	}
	if ck, err := engine.LoadCheckpoint(want); err != nil || ck.Step != 1 {
		t.Errorf("LoadCheckpoint(%s) = %v; want step 1", want, err)
	}

	// Saved again at the same step: the checkpoint there is ours and is replaced.
	d.key("s")
	d.until("the second save", func() bool { return !m.saving })
	if m.msgErr || !strings.Contains(m.message, "saved step 1 to "+want) {
		t.Errorf("second save: status %q (error %v), want %s replaced", m.message, m.msgErr, want)
	}
}

// TestDefaultSaveRefusalIsAMessage: a default name that is a directory is
// refused by the guard and shown as an error, and nothing is written.
func TestDefaultSaveRefusalIsAMessage(t *testing.T) {
	corpus := absPath(t, testCorpus)
	t.Chdir(t.TempDir())
	m, _ := newTestModel(t, 120, 40)
	m.opts.Session.Data = []string{corpus}
	d := newDriver(t, m)
	d.run(start(t, m))
	path := "lmlab-" + m.name + "-step0.safetensors"
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	d.key("s")
	d.until("the save", func() bool { return !m.saving })
	if !m.msgErr || !strings.Contains(m.message, "save: s "+path+": exists and is a directory") {
		t.Errorf("status %q (error %v), want the guard's refusal", m.message, m.msgErr)
	}
	entries, _ := os.ReadDir(".")
	if len(entries) != 1 {
		t.Errorf("the refused save wrote something: %v", entries)
	}
}

// TestFailedSaveIsRescued: when the save itself fails (here the target is a
// directory; a full disk fails the same way), the run is saved beside it
// and the status bar says where.
func TestFailedSaveIsRescued(t *testing.T) {
	dir := t.TempDir()
	m, _ := newTestModel(t, 120, 40)
	m.opts.Out = filepath.Join(dir, "blocked.safetensors")
	if err := os.Mkdir(m.opts.Out, 0o755); err != nil {
		t.Fatal(err)
	}
	d := newDriver(t, m)
	d.run(start(t, m))
	d.key("n")
	d.until("one step", func() bool { return m.step == 1 })
	d.key("s")
	d.until("the save", func() bool { return !m.saving })
	rescue := lab.FallbackPaths(m.opts.Out, os.Getpid())[0]
	if !m.msgErr || !strings.Contains(m.message, "the run was saved to "+rescue+" instead") {
		t.Errorf("status %q (error %v), want the rescue path %s", m.message, m.msgErr, rescue)
	}
	if ck, err := engine.LoadCheckpoint(rescue); err != nil || ck.Step != 1 {
		t.Errorf("LoadCheckpoint(%s) = %v; want step 1", rescue, err)
	}
	if m.unsaved() {
		t.Error("the rescued step still counts as unsaved")
	}
}

// absPath is path made absolute, for data paths that must hold after t.Chdir.
func absPath(t *testing.T, path string) string {
	t.Helper()
	p, err := filepath.Abs(path)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
