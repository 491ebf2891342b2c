package tui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"lmlab/engine"
)

// TestSignalSavesAndQuits: SIGHUP (a closed SSH session), SIGTERM and
// SIGINT save unsaved steps where s would, then quit; with nothing unsaved
// they quit at once; a save that fails still quits and says why.
func TestSignalSavesAndQuits(t *testing.T) {
	for _, sig := range []os.Signal{syscall.SIGHUP, syscall.SIGTERM, os.Interrupt} {
		t.Run(sig.String(), func(t *testing.T) {
			m, _ := newTestModel(t, 120, 40)
			m.opts.Out = filepath.Join(t.TempDir(), "run.safetensors")
			d := newDriver(t, m)
			d.run(start(t, m))
			d.key("n")
			d.until("one step", func() bool { return m.step == 1 })
			d.send(SignalMsg{Signal: sig})
			d.until("the quit", func() bool { return d.quit })
			if ck, err := engine.LoadCheckpoint(m.opts.Out); err != nil || ck.Step != 1 {
				t.Fatalf("LoadCheckpoint(%s) = %v; want step 1 saved before quitting", m.opts.Out, err)
			}
			got, note := m.Signal()
			if got != sig || !strings.Contains(note, "saved step 1 to "+m.opts.Out) || m.Err() != nil {
				t.Errorf("Signal() = %v, %q; Err %v; want %v and where the run went", got, note, m.Err(), sig)
			}
		})
	}
	t.Run("nothing unsaved", func(t *testing.T) {
		m, _ := newTestModel(t, 120, 40)
		m.opts.Out = filepath.Join(t.TempDir(), "run.safetensors")
		d := newDriver(t, m)
		d.run(start(t, m))
		d.until("the session", func() bool { return m.sess != nil })
		d.send(SignalMsg{Signal: syscall.SIGTERM})
		d.until("the quit", func() bool { return d.quit })
		if _, err := os.Stat(m.opts.Out); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("a run with nothing to save wrote %s (%v)", m.opts.Out, err)
		}
	})
	t.Run("save fails", func(t *testing.T) {
		t.Setenv("TMPDIR", t.TempDir()) // the rescue lands in the test's own directory
		m, _ := newTestModel(t, 120, 40)
		m.opts.Out = filepath.Join(t.TempDir(), "no", "such", "dir", "run.safetensors")
		d := newDriver(t, m)
		d.run(start(t, m))
		d.key("n")
		d.until("one step", func() bool { return m.step == 1 })
		d.send(SignalMsg{Signal: syscall.SIGHUP})
		d.until("the quit", func() bool { return d.quit })
		if err := m.Err(); err == nil || !strings.HasPrefix(err.Error(), "hangup: save: ") || !strings.Contains(err.Error(), "the run was saved to ") {
			t.Errorf("Err() = %v; want why the save failed and where the run was rescued", err)
		}
	})
}
