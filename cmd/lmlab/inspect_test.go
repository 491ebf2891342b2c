package main

import (
	"strings"
	"testing"
)

func TestLayerHeadCountsFromOne(t *testing.T) {
	for _, c := range []struct {
		l, nl, h, nh int
		want         string
	}{
		{0, 1, 0, 1, "layer 1/1 head 1/1"},
		{0, 2, 1, 2, "layer 1/2 head 2/2"},
		{11, 12, 11, 12, "layer 12/12 head 12/12"},
	} {
		if got := layerHead(c.l, c.nl, c.h, c.nh); got != c.want {
			t.Errorf("layerHead(%d, %d, %d, %d) = %q, want %q", c.l, c.nl, c.h, c.nh, got, c.want)
		}
	}
}

// TestInspectTextCountsFromOne checks that inspect's text names every layer
// and head from 1, as the workbench's Attention pane does, and says so.
func TestInspectTextCountsFromOne(t *testing.T) {
	ckpt := catsCheckpoint(t)
	out, stderr, code := lmlab(t, "inspect", "--ckpt", ckpt, "--prompt", "The cat")
	if code != 0 {
		t.Fatalf("inspect exited %d: %s", code, stderr)
	}
	// The small test model has 1 layer of 2 heads.
	for _, want := range []string{"counted from 1", "layer 1/1 head 1/2 (", "layer 1/1 head 2/2 ("} {
		if !strings.Contains(out, want) {
			t.Errorf("inspect text lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "layer 0") || strings.Contains(out, "head 0") {
		t.Errorf("inspect text counts from 0:\n%s", out)
	}
}
