package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"lmlab/samples"
)

// sampleJSON is one line of `lmlab samples --json`.
type sampleJSON struct {
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Description string   `json:"description"`
	Lesson      string   `json:"lesson"`
	Tokenizer   string   `json:"tokenizer"`
	Preset      string   `json:"preset"`
	Base        string   `json:"base,omitempty"`
	Steps       int      `json:"steps,omitempty"`
	Prompt      string   `json:"prompt"`
	Probes      []string `json:"probes"`
	Bytes       int      `json:"bytes"`
}

// runSamples lists the built-in samples, or prints one sample's text.
func runSamples(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("samples", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object per sample and nothing else")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab samples [--json]     list the built-in samples")
		fmt.Fprintln(stderr, "       lmlab samples NAME          print a sample's text")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr, hint("samples")); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	list := samples.All()
	switch fs.NArg() {
	case 0:
	case 1:
		s, err := samples.Lookup(fs.Arg(0))
		if err != nil {
			fmt.Fprintln(stderr, "lmlab samples:", err)
			return 1
		}
		if !*asJSON {
			io.WriteString(stdout, s.Text())
			return 0
		}
		list = []samples.Sample{s}
	default:
		fs.Usage()
		return 2
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		for _, s := range list {
			enc.Encode(sampleJSON{s.Name, s.Kind, s.Description, s.Lesson, s.Tokenizer, s.Preset, s.Base, s.Steps, s.Prompt, s.Probes, len(s.Text())})
		}
		return 0
	}
	printSamples(stdout, list)
	return 0
}

// printSamples writes the table: a line per sample, its lesson indented below.
func printSamples(w io.Writer, list []samples.Sample) {
	const format = "%-9s %-9s %-10s %-7s %8s  %s\n"
	fmt.Fprintf(w, format, "NAME", "KIND", "TOKENIZER", "PRESET", "SIZE", "DESCRIPTION")
	for _, s := range list {
		fmt.Fprintf(w, format, s.Name, s.Kind, s.Tokenizer, s.Preset, fmt.Sprintf("%.0f KB", float64(len(s.Text()))/1000), s.Description)
		lesson := s.Lesson
		if s.Steps > 0 {
			lesson += fmt.Sprintf(" (train --steps %d)", s.Steps)
		}
		fmt.Fprintf(w, "%s lesson: %s\n", strings.Repeat(" ", 9), lesson)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Train on one with --data sample:NAME (e.g. lmlab train --data sample:cats --preset tiny);")
	fmt.Fprintln(w, "print its text with lmlab samples NAME.")
}
