package samples

import (
	"errors"
	"flag"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	onDisk := map[string]bool{"has:3": true, "sample:odd": true}
	exists := func(p string) bool { return onDisk[p] }
	tests := []struct {
		raw     string
		kind    Kind
		path    string
		weight  float64
		wantErr string
	}{
		{raw: "a.txt", kind: KindPath, path: "a.txt", weight: 1},
		{raw: "a.txt:3", kind: KindPath, path: "a.txt", weight: 3},
		{raw: "dir/:0.5", kind: KindPath, path: "dir/", weight: 0.5},
		{raw: "-", kind: KindStdin, path: "-", weight: 1},
		{raw: "-:2", kind: KindStdin, path: "-", weight: 2},
		{raw: "sample:cats", kind: KindSample, path: "cats", weight: 1},
		{raw: "sample:cats:4", kind: KindSample, path: "cats", weight: 4},
		{raw: `C:\data\notes.txt`, kind: KindPath, path: `C:\data\notes.txt`, weight: 1},
		{raw: "logs/12:30.txt", kind: KindPath, path: "logs/12:30.txt", weight: 1},
		{raw: "has:3", kind: KindPath, path: "has:3", weight: 1},           // an existing file wins over a weight
		{raw: "sample:odd", kind: KindPath, path: "sample:odd", weight: 1}, // so does a file called sample:odd
		{raw: "notes:2024", kind: KindPath, path: "notes", weight: 2024},
		{raw: "日本語/猫.md:2", kind: KindPath, path: "日本語/猫.md", weight: 2},
		{raw: "", wantErr: "empty --data"},
		{raw: ":3", wantErr: "no path before the weight"},
		{raw: "a.txt:0", wantErr: "weight 0 is zero; weight must be a positive finite number"},
		{raw: "a.txt:-1", wantErr: "weight -1 is negative; weight must be a positive finite number"},
		{raw: "a.txt:NaN", wantErr: "weight NaN is not a number; weight must be a positive finite number"},
		{raw: "a.txt:inf", wantErr: "weight inf is infinite; weight must be a positive finite number"},
		{raw: "a.txt:-Inf", wantErr: "weight -Inf is infinite"},
		{raw: "a.txt:-0", wantErr: "weight -0 is zero"},
		{raw: "a.txt:1e999", wantErr: "weight 1e999 overflows a float64"},
		{raw: "a.txt:1e-999", wantErr: "weight 1e-999 is zero"},
		{raw: "a.txt:2e6", wantErr: "weight 2e6 is too large; weight must be a positive finite number (1e-06 to 1e+06), as in a.txt:2"},
		{raw: "a.txt:1e-7", wantErr: "weight 1e-7 is too small"},
		{raw: ":0", wantErr: "weight 0 is zero; weight must be a positive finite number (1e-06 to 1e+06), as in notes.txt:2"},
		{raw: "a.txt:0x1p-2", kind: KindPath, path: "a.txt", weight: 0.25},
		{raw: "a.txt:1e6", kind: KindPath, path: "a.txt", weight: 1e6},
		{raw: "a.txt:1e-6", kind: KindPath, path: "a.txt", weight: 1e-6},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := ParseSpec(tt.raw, exists)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseSpec(%q) error = %v, want %q", tt.raw, err, tt.wantErr)
				}
				if !errors.Is(err, ErrBadSpec) {
					t.Errorf("ParseSpec(%q) error %v does not match ErrBadSpec", tt.raw, err)
				}
				if got, want := errors.Is(err, ErrBadWeight), strings.Contains(tt.wantErr, "weight "); got != want {
					t.Errorf("ParseSpec(%q): errors.Is(err, ErrBadWeight) = %v, want %v", tt.raw, got, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseSpec(%q): %v", tt.raw, err)
			}
			if got.Kind != tt.kind || got.Path != tt.path || got.Weight != tt.weight || got.Raw != tt.raw {
				t.Errorf("ParseSpec(%q) = %+v, want kind %s path %q weight %g", tt.raw, got, tt.kind, tt.path, tt.weight)
			}
		})
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"a.txt", "a.txt:3", "-", "-:1e3", "sample:cats:2", ":", "::", "a:0x1p-2", "x:1_0", "\xff:2", "a:1e999", "a:-0", "a:1e-7", "a:+Inf"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s, err := ParseSpec(raw, func(p string) bool { return strings.HasSuffix(p, "!") })
		if err != nil {
			var de *DataError
			if !errors.Is(err, ErrBadSpec) || !errors.As(err, &de) || strings.Contains(err.Error(), "\n") && !strings.Contains(raw, "\n") {
				t.Errorf("ParseSpec(%q) error %v: want a one-line *DataError matching ErrBadSpec", raw, err)
			}
			return
		}
		if !(s.Weight >= 1/MaxWeight && s.Weight <= MaxWeight) {
			t.Errorf("ParseSpec(%q) weight %v", raw, s.Weight)
		}
		if s.Kind != KindPath && s.Kind != KindStdin && s.Kind != KindSample {
			t.Errorf("ParseSpec(%q) kind %q", raw, s.Kind)
		}
		if s.Kind == KindPath && s.Path == "" {
			t.Errorf("ParseSpec(%q) has an empty path", raw)
		}
		if !strings.HasPrefix(raw, s.Path) && s.Kind == KindPath {
			t.Errorf("ParseSpec(%q) path %q is not a prefix of the value", raw, s.Path)
		}
	})
}

func TestSpecsFlag(t *testing.T) {
	var data Specs
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.Var(&data, "data", "training data")
	if err := fs.Parse([]string{"--data", "a.txt:3", "--data", "sample:cats"}); err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(data, ","), "a.txt:3,sample:cats"; got != want {
		t.Errorf("Specs = %q, want %q", got, want)
	}
	if got := data.String(); got != "a.txt:3 sample:cats" {
		t.Errorf("String() = %q", got)
	}
}
