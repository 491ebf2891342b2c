package main

import (
	"bytes"
	"io"
	"slices"
	"strings"
	"testing"

	"lmlab/engine/lab"
	"lmlab/tui"
)

func TestLessonWithoutNameLists(t *testing.T) {
	out, stderr, code := lmlab(t, "lesson")
	if code != 0 || stderr != "" {
		t.Fatalf("lmlab lesson: exit %d, stderr %q", code, stderr)
	}
	for _, l := range tui.Lessons() {
		if line := lineOf(out, "  "+l.Name+" "); !strings.Contains(line, l.Summary) {
			t.Errorf("the list has no line for %s with its summary:\n%s", l.Name, out)
		}
	}
	help, _, code := lmlab(t, "help")
	if code != 0 || !strings.Contains(help, "lesson NAME") || lineOf(help, "  lesson ") == "" {
		t.Errorf("lmlab help does not offer the lesson command:\n%s", help)
	}
	h, _, code := lmlab(t, "lesson", "-h")
	if code != 0 || !strings.Contains(h, "usage: lmlab lesson NAME") || !strings.Contains(h, "  cats ") {
		t.Errorf("lmlab lesson -h: exit %d\n%s", code, h)
	}
}

func TestLessonBadName(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown", []string{"lesson", "kittens"}, `unknown lesson "kittens"`},
		{"flag first", []string{"lesson", "--steps", "10"}, "give the lesson's name before the flags"},
		{"empty", []string{"lesson", ""}, `unknown lesson ""`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, stderr, code := lmlab(t, tc.args...)
			if code != 2 || out != "" {
				t.Fatalf("exit %d, stdout %q; want 2 and nothing", code, out)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr %q, want one line with %q", stderr, tc.want)
			}
			if tc.name == "unknown" {
				for _, n := range tui.LessonNames() {
					if !strings.Contains(stderr, n) {
						t.Errorf("the error does not list %s: %q", n, stderr)
					}
				}
			}
		})
	}
}

// TestLessonOptions checks what each lesson opens the workbench on: its
// data and length, which flags after the name override.
func TestLessonOptions(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		data  []string
		steps int // the trainer's run length; 0: not checked
	}{
		{"cats", []string{"cats"}, []string{"sample:cats"}, 1000},
		{"bank has its length", []string{"bank"}, []string{"sample:bank"}, 1500},
		{"--steps overrides", []string{"bank", "--steps", "30"}, []string{"sample:bank"}, 30},
		{"--data replaces", []string{"cats", "--data=sample:bank"}, []string{"sample:bank"}, 0},
		{"fine-tuning pretrains on general", []string{"finetuning"}, []string{"sample:general"}, 0},
		{"addition takes its sample's steps", []string{"addition"}, []string{"sample:addition"}, 5000},
		{"reverse takes its sample's steps", []string{"reverse"}, []string{"sample:reverse"}, 2000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			opts, _, _, code, ok := lessonArgs(tc.args, nil, io.Discard, &stderr)
			if !ok {
				t.Fatalf("refused (%d): %s", code, stderr.String())
			}
			if opts.Lesson != tc.args[0] {
				t.Errorf("lesson %q, want %q", opts.Lesson, tc.args[0])
			}
			if !slices.Equal(opts.Session.Data, tc.data) {
				t.Errorf("data %q, want %q", opts.Session.Data, tc.data)
			}
			if tc.steps == 0 {
				return
			}
			s, err := lab.Open(opts.Session)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Trainer.Cfg.Steps; got != tc.steps {
				t.Errorf("the run is %d steps, want %d", got, tc.steps)
			}
		})
	}
}

func TestLessonNeedsATerminal(t *testing.T) {
	_, stderr, code := lmlab(t, "lesson", "cats")
	if code != 2 || !strings.Contains(stderr, "needs a terminal") {
		t.Errorf("lmlab lesson cats without a terminal: exit %d, %q", code, stderr)
	}
}

func TestHasFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"--data", "x"}, true},
		{[]string{"-data", "x"}, true},
		{[]string{"--data=x"}, true},
		{[]string{"--dataset", "x"}, false},
		{[]string{"--steps", "data"}, false},
		{[]string{"--", "--data"}, false},
	} {
		if got := hasFlag(tc.args, "data"); got != tc.want {
			t.Errorf("hasFlag(%q, data) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
