package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// span is the range a number flag accepts: [min, max], either end open.
type span struct {
	min, max         float64
	minOpen, maxOpen bool
}

// atLeast is [min, +∞).
func atLeast(min float64) span { return span{min: min, max: math.Inf(1)} }

func (r span) contains(v float64) bool {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return false
	case v < r.min || (r.minOpen && v == r.min):
		return false
	case v > r.max || (r.maxOpen && v == r.max):
		return false
	}
	return true
}

// String says the range as a flag error ends: "> 0 and ≤ 10".
func (r span) String() string {
	lo := "≥ "
	if r.minOpen {
		lo = "> "
	}
	s := lo + strconv.FormatFloat(r.min, 'g', -1, 64)
	if !math.IsInf(r.max, 1) {
		hi := "≤ "
		if r.maxOpen {
			hi = "< "
		}
		s += " and " + hi + strconv.FormatFloat(r.max, 'g', -1, 64)
	}
	return s
}

// floatFlag is a float64 flag that refuses NaN, ±Inf and values outside its
// range when it is parsed, so the flag package prints one line:
//
//	invalid value "NaN" for flag -lr: must be a finite number > 0 and ≤ 10
type floatFlag struct {
	p *float64
	r span
}

func (f floatFlag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.FormatFloat(*f.p, 'g', -1, 64)
}

func (f floatFlag) Set(s string) error {
	v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || !f.r.contains(v) {
		return errors.New("must be a finite number " + f.r.String())
	}
	*f.p = v
	return nil
}

// floatVar registers a range-checked float flag and returns where its value
// lands. The default is not checked: a sentinel such as -1 ("the preset's")
// may lie outside the range.
func floatVar(fs *flag.FlagSet, name string, def float64, usage string, r span) *float64 {
	p := new(float64)
	*p = def
	fs.Var(floatFlag{p, r}, name, usage+" ("+r.String()+")")
	return p
}

// intFlag is an int flag that refuses values outside [min, max] (and
// overflowing ones) when parsed.
type intFlag struct {
	p        *int64
	min, max int64
}

func (f intFlag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.FormatInt(*f.p, 10)
}

func (f intFlag) Set(s string) error {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 0, 64)
	if err != nil || v < f.min || v > f.max {
		return errors.New("must be a whole number " + f.describe())
	}
	*f.p = v
	return nil
}

func (f intFlag) describe() string {
	if f.max == math.MaxInt64 {
		return fmt.Sprintf("≥ %d", f.min)
	}
	return fmt.Sprintf("from %d to %d", f.min, f.max)
}

// intVar registers a range-checked int flag; like floatVar, the default may
// be a sentinel outside the range.
func intVar(fs *flag.FlagSet, name string, def int, usage string, min, max int) *int {
	p := new(int)
	*p = def
	fs.Var(intValue{p, min, max}, name, usage)
	return p
}

// intValue is intFlag for an int.
type intValue struct {
	p        *int
	min, max int
}

func (f intValue) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.Itoa(*f.p)
}

func (f intValue) Set(s string) error {
	var v int64
	max := int64(f.max)
	if f.max == math.MaxInt {
		max = math.MaxInt64
	}
	if err := (intFlag{&v, int64(f.min), max}).Set(s); err != nil {
		return err
	}
	*f.p = int(v)
	return nil
}

// sizeFlag is a byte count: 2GiB, 512MiB, 1.5GB, 4096 (bytes). KiB, MiB,
// GiB and TiB are powers of 1024; KB, MB, GB and TB powers of 1000.
type sizeFlag struct{ p *int64 }

func (f sizeFlag) String() string {
	if f.p == nil {
		return "0"
	}
	return strconv.FormatInt(*f.p, 10)
}

func (f sizeFlag) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*f.p = n
	return nil
}

var sizeUnits = []struct {
	suffix string
	mult   float64
}{
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30}, {"tib", 1 << 40},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9}, {"tb", 1e12}, {"b", 1},
}

// parseSize reads a byte count with an optional unit.
func parseSize(s string) (int64, error) {
	bad := errors.New("must be a size such as 2GiB, 512MiB or a number of bytes (0: the machine's available memory)")
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1.0
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || v < 0 {
		return 0, bad
	}
	b := v * mult
	if math.IsInf(b, 0) || b >= math.MaxInt64 {
		return 0, errors.New("is too large: give at most 8EiB")
	}
	return int64(b), nil
}

// parseFlags parses args into fs. A wrong flag is one line on stderr naming
// the flag, its value and the rule, then a hint to see the flags; -h shows
// the usage. It returns flag.ErrHelp for -h and another error for a wrong
// flag (exit status 2).
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer, helpHint string) error {
	usage := fs.Usage
	if usage == nil {
		usage = fs.PrintDefaults
	}
	out := fs.Output()
	fs.Usage = func() {}
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	fs.Usage = usage
	fs.SetOutput(out)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.Usage()
	case err != nil:
		flagError(fs, stderr, err, helpHint)
	}
	return err
}

// flagError prints a flag error: "lmlab CMD: err", then the hint.
func flagError(fs *flag.FlagSet, stderr io.Writer, err error, helpHint string) {
	prefix := "lmlab " + fs.Name()
	if fs.Name() == "lmlab" { // the workbench
		prefix = "lmlab"
	}
	fmt.Fprintf(stderr, "%s: %v\n%s\n", prefix, err, helpHint)
}

// hint is the line after a flag error.
func hint(cmd string) string { return "Run 'lmlab " + cmd + " -h' for the flags." }
