//go:build !race

// The cats lesson trains for real until "mat" tops Predict; under the race
// detector that takes minutes, so this test is left to the normal build.

package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"lmlab/engine/testenv"
	"lmlab/tui"
)

// TestLessonCatsInTmux runs `lmlab lesson cats` in the real binary from its
// card to its last step: it presses the keys each step asks for and waits,
// polling the screen, until the guide moves on; "mat" must reach the top of
// Predict by training alone.
func TestLessonCatsInTmux(t *testing.T) {
	tmux := testenv.Tmux(t) // this test drives the real binary in tmux
	dir := t.TempDir()
	bin := lmlabBinary(t)
	body := fmt.Sprintf("#!/bin/sh\ncd %q\n%q lesson cats --runs none\necho \"lmlab exited $?\"\nexec sleep 3600\n", dir, bin)
	// 44 lines: the grid of panes and the guide's two lines above the status bar.
	s := startInTmux(t, tmux, "e2e-lesson", dir, body, 120, 44, true)

	l, err := tui.LookupLesson("cats")
	if err != nil {
		t.Fatal(err)
	}
	n := l.StepCount()
	step := func(i int) string { return fmt.Sprintf("lesson cats · step %d/%d", i, n) }
	waitStep := func(i int) string {
		return s.poll(step(i), func(scr string) bool { return strings.Contains(scr, step(i)) })
	}

	scr := s.poll("the lesson card", func(scr string) bool {
		st, _ := status(scr)
		return strings.Contains(scr, "What it teaches") && strings.Contains(scr, "Press enter to begin") && st == "paused"
	})
	if !strings.Contains(scr, `"mat"`) {
		t.Errorf("the card does not say what to watch for:\n%s", scr)
	}
	s.keys("Enter")
	scr = waitStep(1)
	for _, title := range []string{"Dataset", "Tokens", "Loss", "Predict", "Attention", "Sample"} {
		if !strings.Contains(scr, " "+title+" ") {
			t.Errorf("with the guide open, no %s pane on screen:\n%s", title, scr)
		}
	}

	// L hides the guide and shows it again at the same step.
	s.keys("L")
	s.poll("the guide hidden", func(scr string) bool { return !strings.Contains(scr, "lesson cats") })
	s.keys("L")
	waitStep(1)

	started := time.Now()
	s.keys("Space")
	waitStep(2)
	s.keys("4")
	waitStep(3)
	scr = waitStep(4) // the model has put "mat" on top
	_, at := status(scr)
	t.Logf("\"mat\" on top of Predict %v after space, at training step %d (tmux round trips included)", time.Since(started).Round(100*time.Millisecond), at)
	if !strings.Contains(scr, "┃·mat ") { // the focused Predict pane's border, then the top bar's label
		t.Errorf("step 4 is on screen but the focused Predict shows no bar for mat:\n%s", scr)
	}
	s.keys("Space")
	scr = waitStep(5)
	if st, _ := status(scr); st != "paused" {
		t.Errorf("step 5 (after the pause) while the status bar says %q", st)
	}
	s.keys("5")
	waitStep(6)
	s.keys("[", ">")
	scr = waitStep(7)
	if !strings.Contains(scr, "layer 1/") || !strings.Contains(scr, "head 1/") {
		t.Errorf("step 7 without layer 1, head 1 in Attention:\n%s", scr)
	}
	s.keys("n")
	scr = s.poll("the end of the lesson", func(scr string) bool { return strings.Contains(scr, "lesson cats · done") })
	if !strings.Contains(scr, "lmlab lesson bank") {
		t.Errorf("the end does not say what to try next:\n%s", scr)
	}

	s.keys("q")
	s.poll("the quit question", func(scr string) bool { return strings.Contains(scr, "Quit anyway?") })
	s.keys("y")
	scr = s.poll("the exit", func(scr string) bool { return strings.Contains(scr, "lmlab exited") })
	if !strings.Contains(scr, "lmlab exited 0") {
		t.Errorf("exit status: %s", lineOf(scr, "lmlab exited"))
	}
}
