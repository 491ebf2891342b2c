package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"lmlab/tui"
)

// runLesson opens the workbench on a guided lesson: `lmlab lesson NAME
// [workbench flags]`. The lesson's card is the first screen, then a box
// above the status bar walks through its steps (L shows and hides it).
// With no name it lists the lessons.
func runLesson(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	opts, compare, runs, code, ok := lessonArgs(args, stdin, stdout, stderr)
	if !ok {
		return code
	}
	return openWorkbench(opts, compare, runs, stdout, stderr)
}

// lessonArgs parses `lmlab lesson NAME [flags]` into the workbench's
// options with the lesson set. When ok is false the command ends with code:
// the list or the help was shown, or the name or the flags were wrong.
func lessonArgs(args []string, stdin io.Reader, stdout, stderr io.Writer) (opts tui.Options, compare []string, runs string, code int, ok bool) {
	if len(args) == 0 {
		listLessons(stdout)
		return opts, nil, "", 0, false
	}
	switch name := args[0]; {
	case name == "-h" || name == "-help" || name == "--help":
		fmt.Fprintln(stdout, "usage: lmlab lesson NAME [flags]    open the workbench on a guided lesson")
		fmt.Fprintln(stdout, "The flags are the workbench's (lmlab --help-workbench); the lesson chooses --data and --steps unless given.")
		fmt.Fprintln(stdout)
		listLessons(stdout)
		return opts, nil, "", 0, false
	case strings.HasPrefix(name, "-"):
		fmt.Fprintf(stderr, "lmlab lesson: give the lesson's name before the flags (lmlab lesson NAME %s); lmlab lesson lists them\n", name)
		return opts, nil, "", 2, false
	}
	l, err := tui.LookupLesson(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "lmlab lesson:", err)
		return opts, nil, "", 2, false
	}
	// The lesson's data and length come first, so flags given after the
	// name override them (--steps) or replace them (--data).
	var wargs []string
	if !hasFlag(args[1:], "data") {
		for _, d := range l.Data {
			wargs = append(wargs, "--data", d)
		}
	}
	if n := l.RunSteps(); n > 0 {
		wargs = append(wargs, "--steps", strconv.Itoa(n))
	}
	wargs = append(wargs, args[1:]...)
	opts, compare, runs, code, ok = workbenchArgs(wargs, stdin, stdout, stderr)
	if !ok {
		return opts, nil, "", code, false
	}
	opts.Lesson = l.Name
	return opts, compare, runs, 0, true
}

// hasFlag reports whether args set the flag called name (-name or --name,
// with its value attached or not).
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if !strings.HasPrefix(a, "-") {
			continue // a value
		}
		a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// listLessons writes the lessons, one a line, with what each teaches.
func listLessons(w io.Writer) {
	fmt.Fprintln(w, "lessons (lmlab lesson NAME opens the workbench with a guide; L shows or hides it):")
	for _, l := range tui.Lessons() {
		fmt.Fprintf(w, "  %-11s %s (%d steps)\n", l.Name, l.Summary, l.StepCount())
	}
}
