package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"charm.land/lipgloss/v2"
)

// TestWorkbenchColourProfileDetectedOnce: on standard output the workbench
// hands Bubble Tea the profile lipgloss detected at start-up, rather than
// letting it detect again; on any other output it leaves detection to
// Bubble Tea.
func TestWorkbenchColourProfileDetectedOnce(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tt := range []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"stdout", os.Stdout, true},
		{"another file", f, false},
		{"a buffer", &bytes.Buffer{}, false},
	} {
		prof, ok := detectedProfile(tt.w)
		if ok != tt.want {
			t.Errorf("%s: detectedProfile reports %v, want %v", tt.name, ok, tt.want)
		}
		if ok && prof != lipgloss.Writer.Profile {
			t.Errorf("%s: profile %v, want lipgloss's %v", tt.name, prof, lipgloss.Writer.Profile)
		}
	}
}
