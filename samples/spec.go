package samples

import (
	"errors"
	"math"
	"strconv"
	"strings"
)

// MaxWeight is the largest weight a --data value may carry, and 1/MaxWeight
// the smallest. Weights are relative, so a million to one already means
// "never the other source"; the bounds keep sums and ratios of weights
// finite and non-zero.
const MaxWeight = 1e6

// Spec is one parsed --data value.
type Spec struct {
	Raw    string  // the value as given
	Kind   Kind    // KindPath (a file or a directory), KindStdin or KindSample
	Path   string  // the file or directory for KindPath, the sample name for KindSample
	Weight float64 // relative share of training batches; 1 unless given
}

// ParseSpec parses a --data value: PATH, a directory, "-" for standard input
// or sample:NAME, optionally followed by :WEIGHT (a positive finite number,
// from 1/MaxWeight to MaxWeight). Because paths may contain colons, a value that names an
// existing path (exists reports that) is taken whole, and a suffix is a
// weight only if it reads as a number. Errors match ErrBadSpec, and bad
// weights also ErrBadWeight.
func ParseSpec(raw string, exists func(path string) bool) (Spec, error) {
	name := strconv.Quote(raw)
	if raw == "" {
		return Spec{}, dataErr(ErrBadSpec, "", "empty --data value; give a file, a directory, - for stdin, or sample:NAME")
	}
	s := Spec{Raw: raw, Path: raw, Weight: 1}
	if exists == nil || !exists(raw) {
		if i := strings.LastIndexByte(raw, ':'); i >= 0 {
			path, ws := raw[:i], raw[i+1:]
			example := path
			if example == "" {
				example = "notes.txt"
			}
			w, err := strconv.ParseFloat(ws, 64)
			if err == nil || errors.Is(err, strconv.ErrRange) {
				if why := badWeight(w, err); why != "" {
					return Spec{}, dataErr(ErrBadWeight, name, "weight %s %s; weight must be a positive finite number (%g to %g), as in %s:2", ws, why, 1/MaxWeight, float64(MaxWeight), example)
				}
				s.Path, s.Weight = path, w
			}
		}
	}
	switch {
	case s.Path == "-":
		s.Kind = KindStdin
	case strings.HasPrefix(s.Path, "sample:") && (exists == nil || !exists(s.Path)):
		s.Kind, s.Path = KindSample, strings.TrimPrefix(s.Path, "sample:")
	case s.Path == "":
		return Spec{}, dataErr(ErrBadSpec, name, "no path before the weight; give a file, a directory, - or sample:NAME, as in notes.txt:2")
	default:
		s.Kind = KindPath
	}
	return s, nil
}

// badWeight says what is wrong with a weight w parsed with error err (nil
// or a range error), or "" when nothing is.
func badWeight(w float64, err error) string {
	switch {
	case math.IsNaN(w):
		return "is not a number"
	case err != nil: // a range error; an underflow is no error, it rounds to 0
		return "overflows a float64"
	case math.IsInf(w, 0):
		return "is infinite"
	case w == 0:
		return "is zero"
	case w < 0:
		return "is negative"
	case w > MaxWeight:
		return "is too large"
	case w < 1/MaxWeight:
		return "is too small"
	}
	return ""
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
