package samples

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Spec is one parsed --data value.
type Spec struct {
	Raw    string  // the value as given
	Kind   Kind    // KindPath (a file or a directory), KindStdin or KindSample
	Path   string  // the file or directory for KindPath, the sample name for KindSample
	Weight float64 // relative share of training batches; 1 unless given
}

// ParseSpec parses a --data value: PATH, a directory, "-" for standard input
// or sample:NAME, optionally followed by :WEIGHT (a positive number). Because
// paths may contain colons, a value that names an existing path (exists
// reports that) is taken whole, and a suffix is a weight only if it is a
// number.
func ParseSpec(raw string, exists func(path string) bool) (Spec, error) {
	if raw == "" {
		return Spec{}, fmt.Errorf("empty --data value; give a file, a directory, - for stdin, or sample:NAME")
	}
	s := Spec{Raw: raw, Path: raw, Weight: 1}
	if exists == nil || !exists(raw) {
		if i := strings.LastIndexByte(raw, ':'); i >= 0 {
			if w, err := strconv.ParseFloat(raw[i+1:], 64); err == nil {
				if w <= 0 || math.IsInf(w, 0) || math.IsNaN(w) {
					return Spec{}, fmt.Errorf("data %q: weight %q must be a positive number, as in notes.txt:2", raw, raw[i+1:])
				}
				s.Path, s.Weight = raw[:i], w
			}
		}
	}
	switch {
	case s.Path == "-":
		s.Kind = KindStdin
	case strings.HasPrefix(s.Path, "sample:") && (exists == nil || !exists(s.Path)):
		s.Kind, s.Path = KindSample, strings.TrimPrefix(s.Path, "sample:")
	case s.Path == "":
		return Spec{}, fmt.Errorf("data %q: no path before the weight; give a file, a directory, - or sample:NAME", raw)
	default:
		s.Kind = KindPath
	}
	return s, nil
}

// Specs collects repeated --data flags; it satisfies flag.Value.
//
//	var data samples.Specs
//	fs.Var(&data, "data", "training data: FILE, DIR/, -, sample:NAME, each with an optional :WEIGHT (repeatable)")
type Specs []string

func (s *Specs) String() string {
	if s == nil {
		return ""
	}
	return strings.Join(*s, " ")
}

// Set appends one value.
func (s *Specs) Set(v string) error {
	*s = append(*s, v)
	return nil
}
