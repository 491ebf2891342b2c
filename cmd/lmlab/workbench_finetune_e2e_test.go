package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine/testenv"
)

// TestWorkbenchFineTuneInTmux runs the workshop's fine-tuning steps in the
// real binary: open a pretrained checkpoint on domain data (the base is
// marked and Predict compares), add a second domain with a, take a step,
// and quit.
func TestWorkbenchFineTuneInTmux(t *testing.T) {
	tmux := testenv.Tmux(t) // this test drives the real binary in tmux
	dir := t.TempDir()
	base := filepath.Join(dir, "base.safetensors")
	if _, stderr, code := lmlab(t, "train", "--data", "sample:general", "--preset", "tiny", "--layers", "1", "--embd", "32",
		"--heads", "2", "--context", "32", "--batch", "4", "--steps", "5", "--eval-windows", "4", "--out", base, "--json"); code != 0 {
		t.Fatalf("pretrain: %s", stderr)
	}
	bin := lmlabBinary(t)
	body := fmt.Sprintf("#!/bin/sh\ncd %q\n%q --ckpt base.safetensors --data sample:clinic --steps 50 --eval-windows 4\necho \"lmlab exited $?\"\nexec sleep 3600\n", dir, bin)
	s := startInTmux(t, tmux, "e2e-ft", dir, body, 160, 45, true)

	s.poll("the base and the comparison", func(scr string) bool {
		return strings.Contains(scr, "base base.safetensors") && strings.Contains(scr, "probe 1/") &&
			strings.Contains(scr, "base val ")
	})
	s.keys("a")
	s.poll("the add input", func(scr string) bool { return strings.Contains(scr, "esc cancels") })
	s.keys("-l", "sample:reviews")
	s.keys("Enter")
	s.poll("the new source", func(scr string) bool {
		return strings.Contains(scr, "added sample:reviews") && strings.Contains(scr, "2 of 2 on")
	})
	s.keys("n")
	s.poll("step 1", func(scr string) bool { _, n := status(scr); return n == 1 })
	s.poll("now at step 1 beside the base", func(scr string) bool { return strings.Contains(scr, "now step 1") })
	s.keys("q")
	s.poll("the quit question", func(scr string) bool { return strings.Contains(scr, "Quit anyway?") })
	s.keys("y")
	scr := s.poll("the exit", func(scr string) bool { return strings.Contains(scr, "lmlab exited") })
	if !strings.Contains(scr, "lmlab exited 0") {
		t.Errorf("exit status: %s", lineOf(scr, "lmlab exited"))
	}
}
