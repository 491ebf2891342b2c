package main

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPlotPNGAndSVG(t *testing.T) {
	dir := writeRuns(t)
	pngPath := filepath.Join(t.TempDir(), "loss.png")
	if _, stderr, code := lmlab(t, "plot", "cats-fast", "cats-slow", "--runs", dir, "--out", pngPath, "--width", "640", "--height", "400"); code != 0 {
		t.Fatalf("plot exited %d: %s", code, stderr)
	}
	f, err := os.Open(pngPath)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatalf("%s is not a valid PNG: %v", pngPath, err)
	}
	if b := img.Bounds(); b.Dx() != 640 || b.Dy() != 400 {
		t.Errorf("PNG is %d×%d, want 640×400", b.Dx(), b.Dy())
	}
	// Redrawing over its own picture is allowed.
	if _, stderr, code := lmlab(t, "plot", "cats-fast", "--runs", dir, "--out", pngPath, "--metric", "lr"); code != 0 {
		t.Errorf("plot over its own PNG exited %d: %s", code, stderr)
	}

	svgPath := filepath.Join(t.TempDir(), "loss.svg")
	if _, stderr, code := lmlab(t, "plot", "cats-fast", "--runs", dir, "--out", svgPath); code != 0 {
		t.Fatalf("plot exited %d: %s", code, stderr)
	}
	b, _ := os.ReadFile(svgPath)
	var root struct {
		XMLName xml.Name
		Width   string `xml:"width,attr"`
		Height  string `xml:"height,attr"`
	}
	if err := xml.Unmarshal(b, &root); err != nil {
		t.Fatalf("%s is not valid XML: %v", svgPath, err)
	}
	// 800×500 pixels at 96 dpi are 600×375 points.
	if root.XMLName.Local != "svg" || root.Width != "600pt" || root.Height != "375pt" {
		t.Errorf("SVG root <%s width=%q height=%q>, want <svg width=\"600pt\" height=\"375pt\">", root.XMLName.Local, root.Width, root.Height)
	}
}

// TestPlotNeverClobbers: an existing file plot did not write is refused,
// untouched, unless --force.
func TestPlotNeverClobbers(t *testing.T) {
	dir := writeRuns(t)
	out := t.TempDir()
	mine := map[string][]byte{
		"photo.png": append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...), // a PNG, but not ours
		"logo.svg":  []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`),
		"notes.csv": []byte("my,own,numbers\n"),
	}
	for name, content := range mine {
		path := filepath.Join(out, name)
		os.WriteFile(path, content, 0o644)
		args := []string{"plot", "cats-fast", "--runs", dir, "--out", path}
		if strings.HasSuffix(name, ".csv") {
			args = append(args, "--csv")
		}
		_, stderr, code := lmlab(t, args...)
		if code != 1 || !strings.Contains(stderr, "--force") {
			t.Errorf("plot over %s: exit %d, %q; want a refusal naming --force", name, code, stderr)
		}
		if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
			t.Errorf("%s was changed", name)
		}
		if _, stderr, code := lmlab(t, append(args, "--force")...); code != 0 {
			t.Errorf("plot --force over %s exited %d: %s", name, code, stderr)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) != len(mine) {
		t.Errorf("%d files in the output directory, want %d (no temporary files left)", len(entries), len(mine))
	}
}

func TestPlotCSV(t *testing.T) {
	dir := writeRuns(t)
	out, stderr, code := lmlab(t, "plot", "cats-fast", "cats-slow", "--runs", dir, "--csv")
	if code != 0 {
		t.Fatalf("plot --csv exited %d: %s", code, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(rows[0], ","), "run,step,loss,lr,val_loss"; got != want {
		t.Errorf("header %q, want %q", got, want)
	}
	if got, want := len(rows), 1+40+20; got != want {
		t.Errorf("%d rows, want %d", got, want)
	}
	if got, want := strings.Join(rows[40], ","), "cats-fast,40,0.075,0.003,0.08"; got != want {
		t.Errorf("row 40 %q, want %q (the end's val loss)", got, want)
	}
	if got, want := strings.Join(rows[41], ","), "cats-slow,1,3,0.001,"; got != want {
		t.Errorf("row 41 %q, want %q", got, want)
	}
}

func TestPlotErrors(t *testing.T) {
	dir := writeRuns(t)
	tmp := t.TempDir()
	os.Mkdir(filepath.Join(tmp, "dir.png"), 0o755)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", "--runs", dir, "--out", filepath.Join(tmp, "a.png")}, "name the runs"},
		{[]string{"plot", "cats-fast", "--runs", dir}, "--out is required"},
		{[]string{"plot", "cats-fast", "--runs", dir, "--out", filepath.Join(tmp, "a.pdf")}, "must end in .png or .svg"},
		{[]string{"plot", "cats-fast", "--runs", dir, "--out", filepath.Join(tmp, "a.png"), "--metric", "accuracy"}, "--metric accuracy: no run logged it; they logged loss, lr, val_loss"},
		{[]string{"plot", "cats-fast", "--runs", dir, "--out", filepath.Join(tmp, "a.png"), "--width", "5"}, "--width 5"},
		{[]string{"plot", "cats-fast", "--runs", dir, "--out", filepath.Join(tmp, "dir.png")}, "is a directory"},
		{[]string{"plot", "cats-fast", "--runs", dir, "--csv", "--out", filepath.Join(tmp, "a.png")}, "must end in .csv"},
	} {
		_, stderr, code := lmlab(t, tt.args...)
		if code != 1 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, %q; want 1 and %q", tt.args[1:], code, stderr, tt.want)
		}
	}
}
