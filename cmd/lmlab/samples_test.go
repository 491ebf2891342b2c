package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"lmlab/samples"
)

func TestSamplesList(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runSamples(nil, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	for _, s := range samples.All() {
		if !strings.Contains(out.String(), s.Name) || !strings.Contains(out.String(), s.Lesson) {
			t.Errorf("listing lacks %s or its lesson:\n%s", s.Name, out.String())
		}
	}
}

func TestSamplesJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runSamples([]string{"--json"}, nil, &out, &errOut); code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if got, want := len(lines), len(samples.All()); got != want {
		t.Fatalf("%d lines, want one per sample (%d)", got, want)
	}
	for i, line := range lines {
		var got sampleJSON
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("line %d is not JSON: %v: %q", i+1, err, line)
		}
		want := samples.All()[i]
		if got.Name != want.Name || got.Tokenizer != want.Tokenizer || got.Preset != want.Preset || got.Bytes != len(want.Text()) {
			t.Errorf("line %d = %+v, want %s", i+1, got, want.Name)
		}
	}
}

func TestSamplesOne(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		code     int
		stdout   string // prefix
		stderrIn string
	}{
		{"text", []string{"cats"}, 0, samples.All()[0].Text()[:40], ""},
		{"json", []string{"--json", "bank"}, 0, `{"name":"bank"`, ""},
		{"unknown", []string{"kittens"}, 1, "", "known samples: cats"},
		{"two names", []string{"cats", "bank"}, 2, "", "usage"},
		{"bad flag", []string{"--nope"}, 2, "", "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := runSamples(tt.args, nil, &out, &errOut)
			if code != tt.code || !strings.HasPrefix(out.String(), tt.stdout) || !strings.Contains(errOut.String(), tt.stderrIn) {
				t.Errorf("exit %d, stdout %.60q, stderr %q; want %d, %q..., %q", code, out.String(), errOut.String(), tt.code, tt.stdout, tt.stderrIn)
			}
		})
	}
}
