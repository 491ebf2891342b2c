package main

import (
	"bytes"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"lmlab/engine"
	"lmlab/engine/lab"
)

// signalAt is a report writer that sends sig to this process when the
// line-th line is written: a signal arriving while training runs.
type signalAt struct {
	bytes.Buffer
	line  int
	sig   syscall.Signal
	lines int
}

func (w *signalAt) Write(p []byte) (int, error) {
	w.lines += bytes.Count(p, []byte("\n"))
	if w.lines >= w.line && w.line > 0 {
		w.line = 0
		if err := syscall.Kill(syscall.Getpid(), w.sig); err != nil {
			panic(err)
		}
	}
	return w.Buffer.Write(p)
}

// TestSignalsSaveBeforeExiting: SIGINT, SIGTERM and SIGHUP each end a
// training run as Ctrl-C does: between steps, and while it runs, the run
// is saved to --out, the command exits 130, and the checkpoint holds the
// step it names.
func TestSignalsSaveBeforeExiting(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		for _, running := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/running=%v", sig, running), func(t *testing.T) {
				opt := addTrainFlags(flag.NewFlagSet("t", flag.ContinueOnError))
				if err := opt.fs.Parse(append([]string{"--steps", "100000"}, small...)); err != nil {
					t.Fatal(err)
				}
				s, err := lab.Open(opt.options(nil))
				if err != nil {
					t.Fatal(err)
				}
				s.Trainer.Step()
				ctx, stop := interruptContext()
				defer stop()
				w := &signalAt{sig: sig, line: 3}
				if !running {
					w.line = 0
					if err := syscall.Kill(syscall.Getpid(), sig); err != nil {
						t.Fatal(err)
					}
					<-ctx.Done() // delivered: the run has not started yet
				}
				out := filepath.Join(t.TempDir(), "sig.safetensors")
				var stderr bytes.Buffer
				code := trainLoop(ctx, s, &trainReport{w: w, json: true}, out, 0, &stderr)
				ck, err := engine.LoadCheckpoint(out)
				if err != nil {
					t.Fatalf("exit %d, stderr %q; no checkpoint: %v", code, stderr.String(), err)
				}
				want := fmt.Sprintf("interrupted at step %d", ck.Step)
				if code != 130 || !strings.Contains(stderr.String(), want) {
					t.Errorf("exit %d, stderr %q; want 130 and %q", code, stderr.String(), want)
				}
				if !running && ck.Step != 1 {
					t.Errorf("a signal before the run saved step %d, want 1", ck.Step)
				}
				if running && (ck.Step < 4 || ck.Step >= 100000) {
					t.Errorf("a signal at step 4's line saved step %d; want the step training had reached", ck.Step)
				}
				if !strings.Contains(w.String(), fmt.Sprintf(`"saved":%q`, out)) {
					t.Errorf("no saved line in the report:\n%s", w.String())
				}
			})
		}
	}
}
