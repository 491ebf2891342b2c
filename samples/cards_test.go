package samples

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// maxCardLine is the widest line a card may have: it is shown centred on
// the workbench, which is at least 80 columns wide, inside a frame.
const maxCardLine = 100

// TestEveryCard checks that every built-in sample has a card with every
// part filled in, a few short lines each, and that no card is left over
// for a sample that is gone.
func TestEveryCard(t *testing.T) {
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			c, ok := s.Card()
			if !ok {
				t.Fatalf("sample %s has no lesson card", s.Name)
			}
			for part, text := range map[string]string{"Teaches": c.Teaches, "Watch": c.Watch} {
				if strings.TrimSpace(text) == "" {
					t.Errorf("%s is empty", part)
				}
				lines := strings.Split(text, "\n")
				if len(lines) > 3 {
					t.Errorf("%s has %d lines, want at most 3", part, len(lines))
				}
				for _, l := range lines {
					if n := utf8.RuneCountInString(l); n > maxCardLine {
						t.Errorf("%s line is %d characters, want at most %d: %q", part, n, maxCardLine, l)
					}
				}
			}
			if len(c.Keys) == 0 {
				t.Errorf("no keys")
			}
			seen := map[string]bool{}
			for _, k := range c.Keys {
				if k.Key == "" || k.Does == "" {
					t.Errorf("key %+v: key or what it does is empty", k)
				}
				if seen[k.Key] {
					t.Errorf("key %q named twice", k.Key)
				}
				seen[k.Key] = true
			}
		})
	}
	names := map[string]bool{}
	for _, n := range Names() {
		names[n] = true
	}
	for name := range cards {
		if !names[name] {
			t.Errorf("a card for %q, which is not a built-in sample", name)
		}
	}
	if _, ok := (Sample{Name: "nosuch"}).Card(); ok {
		t.Errorf("a sample that is not built in has a card")
	}
}
