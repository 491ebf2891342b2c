package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"lmlab/engine"
	"lmlab/engine/testenv"
)

// tmuxSession drives a program in a detached tmux session on a private
// server and reads its screen with capture-pane.
type tmuxSession struct {
	t      *testing.T
	tmux   string
	socket string
}

// startInTmux runs body, a shell script, in dir inside a w×h detached tmux
// session of its own server named after name and the test process, killed
// when the test ends. With colour the program sees no NO_COLOR.
func startInTmux(t *testing.T, tmux, name, dir, body string, w, h int, colour bool) *tmuxSession {
	t.Helper()
	script := filepath.Join(dir, "run.sh")
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	s := &tmuxSession{t: t, tmux: tmux, socket: fmt.Sprintf("lmlab-%s-%d", name, os.Getpid())}
	t.Cleanup(func() { s.cmd("kill-server") })
	args := []string{"new-session", "-d", "-s", "wb", "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)}
	if colour {
		args = append(args, "env", "-u", "NO_COLOR")
	}
	s.must(append(args, script)...)
	return s
}

func (s *tmuxSession) cmd(args ...string) (string, error) {
	out, err := exec.Command(s.tmux, append([]string{"-L", s.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	return string(out), err
}

func (s *tmuxSession) must(args ...string) string {
	s.t.Helper()
	out, err := s.cmd(args...)
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func (s *tmuxSession) screen() string { return s.must("capture-pane", "-p", "-t", "wb") }

// keys sends tmux key names (Space, Escape, q, ...).
func (s *tmuxSession) keys(keys ...string) {
	s.must(append([]string{"send-keys", "-t", "wb"}, keys...)...)
}

// poll re-reads the screen until cond holds, failing after a generous
// deadline with the last screen. It returns the screen that satisfied cond.
func (s *tmuxSession) poll(what string, cond func(screen string) bool) string {
	s.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		scr := s.screen()
		if cond(scr) {
			return scr
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("waiting for %s: gave up; the screen was:\n%s", what, scr)
		}
		time.Sleep(20 * time.Millisecond) // the polling interval, not a synchronisation
	}
}

var statusRe = regexp.MustCompile(`(?m)^(running|paused)(?: \(done\))?\s+step (\d+)`)

// status returns the state and step the status bar shows, or "" and -1.
func status(screen string) (string, int) {
	m := statusRe.FindStringSubmatch(screen)
	if m == nil {
		return "", -1
	}
	n, _ := strconv.Atoi(m[2])
	return m[1], n
}

// TestWorkbenchInTmux runs the real binary as a newcomer would (`lmlab`
// with no arguments) in a 120×40 tmux window: start, space trains, space
// pauses, n takes exactly one step, ? opens the help, s saves, q asks and
// y quits with the terminal restored.
func TestWorkbenchInTmux(t *testing.T) {
	tmux := testenv.Tmux(t) // this test drives the real binary in tmux
	dir := t.TempDir()
	bin := lmlabBinary(t)
	body := fmt.Sprintf("#!/bin/sh\ncd %q\n%q\necho \"lmlab exited $?\"\nexec sleep 3600\n", dir, bin)
	s := startInTmux(t, tmux, "e2e", dir, body, 120, 40, true)

	scr := s.poll("the paused workbench with its hint", func(scr string) bool {
		st, n := status(scr)
		return st == "paused" && n == 0 && strings.Contains(scr, "Press space to start training")
	})
	for _, title := range []string{"Dataset", "Tokens", "Loss", "Predict", "Attention", "Sample"} {
		if !strings.Contains(scr, " "+title+" ") {
			t.Errorf("no %s pane on screen:\n%s", title, scr)
		}
	}

	s.keys("Space")
	s.poll("training to run a few steps", func(scr string) bool {
		st, n := status(scr)
		return st == "running" && n >= 3
	})
	sent := time.Now()
	s.keys("Space")
	var seen time.Duration
	scr = s.poll("the pause", func(scr string) bool {
		if seen == 0 && (strings.Contains(scr, "pausing after this step") || strings.HasPrefix(lineOf(scr, "loss "), "paused")) {
			seen = time.Since(sent) // includes tmux's own round trips
		}
		st, _ := status(scr)
		return st == "paused"
	})
	probe := time.Now()
	s.screen()
	t.Logf("space while running: first visible effect after %v, tmux round trips included (one capture-pane takes %v)", seen, time.Since(probe))
	_, paused := status(scr)

	s.keys("n")
	scr = s.poll(fmt.Sprintf("step %d after n", paused+1), func(scr string) bool {
		_, n := status(scr)
		return n >= paused+1
	})
	if _, n := status(scr); n != paused+1 {
		t.Fatalf("n went from step %d to %d", paused, n)
	}

	s.keys("?")
	s.poll("the help", func(scr string) bool {
		return strings.Contains(scr, "Keys") && strings.Contains(scr, "Training") && strings.Contains(scr, "run/pause")
	})
	if st, n := status(s.screen()); st != "paused" || n != paused+1 {
		t.Fatalf("with help open the status bar shows %s step %d, want paused step %d", st, n, paused+1)
	}
	s.keys("Escape")
	s.poll("the panes again", func(scr string) bool { return strings.Contains(scr, " Attention ") })

	s.keys("q")
	s.poll("the quit question", func(scr string) bool { return strings.Contains(scr, "Quit anyway?") })
	s.keys("n")
	s.poll("the question closed", func(scr string) bool { return !strings.Contains(scr, "Quit anyway?") })
	s.keys("s")
	want := fmt.Sprintf("lmlab-cats-step%d.safetensors", paused+1)
	s.poll("the saved path", func(scr string) bool { return strings.Contains(scr, "saved step") && strings.Contains(scr, want) })
	if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
		t.Errorf("checkpoint not written: %v", err)
	}
	// Train one more step so that quitting has something to lose again.
	s.keys("n")
	s.poll("one more step", func(scr string) bool { _, n := status(scr); return n == paused+2 })
	s.keys("q")
	s.poll("the quit question", func(scr string) bool { return strings.Contains(scr, "Quit anyway?") })
	s.keys("y")
	scr = s.poll("the exit", func(scr string) bool { return strings.Contains(scr, "lmlab exited") })
	if !strings.Contains(scr, "lmlab exited 0") {
		t.Errorf("exit status: %s", lineOf(scr, "lmlab exited"))
	}
	if strings.Contains(scr, "Dataset") || strings.Contains(scr, "step ") {
		t.Errorf("the workbench is still on screen after exit:\n%s", scr)
	}
	if alt := strings.TrimSpace(s.must("display-message", "-p", "-t", "wb", "#{alternate_on}")); alt != "0" {
		t.Errorf("alternate screen still on after exit (%s)", alt)
	}
	if cur := strings.TrimSpace(s.must("display-message", "-p", "-t", "wb", "#{cursor_flag}")); cur != "1" {
		t.Errorf("cursor hidden after exit (%s)", cur)
	}
}

func lineOf(s, sub string) string {
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			return l
		}
	}
	return ""
}

// TestWorkbenchHangupSavesInTmux closes the terminal under a training
// workbench, as a dropped SSH connection does: lmlab, the session leader
// here as a login shell's job would be in its stead, gets SIGHUP, saves the
// run to --out and exits 130 saying where it went.
func TestWorkbenchHangupSavesInTmux(t *testing.T) {
	tmux := testenv.Tmux(t)
	dir := t.TempDir()
	bin := lmlabBinary(t)
	out := filepath.Join(dir, "run.safetensors")
	errFile := filepath.Join(dir, "stderr")
	body := fmt.Sprintf("#!/bin/sh\ncd %q\nexec %q --out %q 2> %q\n", dir, bin, out, errFile)
	s := startInTmux(t, tmux, "hup", dir, body, 120, 40, false)
	s.poll("the paused workbench", func(scr string) bool { st, n := status(scr); return st == "paused" && n == 0 })
	s.keys("Space")
	s.poll("a few steps", func(scr string) bool { st, n := status(scr); return st == "running" && n >= 3 })
	s.must("kill-session", "-t", "wb") // the terminal goes away: SIGHUP
	deadline := time.Now().Add(2 * time.Minute)
	var said string
	for !strings.Contains(said, "\n") {
		if time.Now().After(deadline) {
			t.Fatalf("no exit line from lmlab within 2 minutes of the hangup; stderr %q", said)
		}
		b, _ := os.ReadFile(errFile)
		said = string(b)
		time.Sleep(20 * time.Millisecond) // the polling interval, not a synchronisation
	}
	if !strings.HasPrefix(said, "lmlab: hangup: saved step ") || !strings.Contains(said, out) {
		t.Fatalf("after the hangup lmlab said %q; want where it saved the run", said)
	}
	if ck, err := engine.LoadCheckpoint(out); err != nil || ck.Step < 3 {
		t.Fatalf("after the hangup, %s: %v; want the run saved at step ≥ 3", out, err)
	}
}
