package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestInspectPNG(t *testing.T) {
	ckpt := catsCheckpoint(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "att.png")
	stdout, stderr, code := lmlab(t, "inspect", "--ckpt", ckpt, "--prompt", "The cat sat on the ", "--png", out)
	if code != 0 {
		t.Fatalf("inspect --png exited %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "wrote "+out) || !strings.Contains(stdout, "layer 1/1 head 1/2") {
		t.Errorf("stdout lacks the inspection or the note:\n%s", stdout)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	// The small test model has 1 layer of 2 heads: a 1×2 grid of tiles.
	if got := img.Bounds().Size(); got.X != 2*tilePx || got.Y != tilePx {
		t.Errorf("picture is %v; want %d×%d", got, 2*tilePx, tilePx)
	}
	// Drawing again over lmlab's own picture is fine; over another file, refused.
	if _, stderr, code := lmlab(t, "inspect", "--ckpt", ckpt, "--prompt", "The cat", "--png", out, "--json"); code != 0 {
		t.Errorf("redrawing its own picture exited %d: %s", code, stderr)
	}
	mine := filepath.Join(dir, "mine.png")
	if err := os.WriteFile(mine, []byte("not lmlab's"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--png", mine}, "--png " + mine + " exists and is not a PNG lmlab drew"},
		{[]string{"--png", filepath.Join(dir, "att.jpg")}, "must end in .png"},
		{[]string{"--png", dir + "/x/y.png"}, "--png " + dir + "/x/y.png"},
	} {
		_, stderr, code := lmlab(t, append([]string{"inspect", "--ckpt", ckpt, "--prompt", "The cat"}, tc.args...)...)
		if code == 0 || !strings.Contains(stderr, tc.want) || strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
			t.Errorf("%v: exit %d, stderr %q; want a one-line error with %q", tc.args, code, stderr, tc.want)
		}
	}
	if b, _ := os.ReadFile(mine); string(b) != "not lmlab's" {
		t.Error("the user's file was overwritten")
	}
	if _, stderr, code := lmlab(t, "inspect", "--ckpt", ckpt, "--prompt", "The cat", "--png", mine, "--force"); code != 0 {
		t.Errorf("--force exited %d: %s", code, stderr)
	}
}
