package main

import (
	"flag"
	"io"
	"math"
	"strings"
	"testing"
)

// FuzzNumberFlags: whatever text a number flag is given, it is refused or
// gives a finite value inside the flag's range — never NaN, never past a
// bound, never a panic.
func FuzzNumberFlags(f *testing.F) {
	for _, s := range []string{"3e-4", "NaN", "+Inf", "-1", "1e400", "0x10", "99999999999999999999", "2GiB", "512MiB", "1.5KiB", "", " 1", "1e-320"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var lr, dropout float64
		if err := (floatFlag{&lr, span{max: 10, minOpen: true}}).Set(s); err == nil {
			if math.IsNaN(lr) || math.IsInf(lr, 0) || lr <= 0 || lr > 10 {
				t.Fatalf("--lr %q accepted as %v", s, lr)
			}
		}
		if err := (floatFlag{&dropout, span{min: 0, max: 1, maxOpen: true}}).Set(s); err == nil {
			if !(dropout >= 0 && dropout < 1) {
				t.Fatalf("--dropout %q accepted as %v", s, dropout)
			}
		}
		var n int
		if err := (intValue{&n, 1, 1 << 16}).Set(s); err == nil && (n < 1 || n > 1<<16) {
			t.Fatalf("--batch %q accepted as %d", s, n)
		}
		var size int64
		if err := (sizeFlag{&size}).Set(s); err == nil && size < 0 {
			t.Fatalf("--max-memory %q accepted as %d", s, size)
		}
	})
}

// FuzzTrainFlags: any command line is parsed into options or refused with
// an exit status of 2 (0 for help), never a panic.
func FuzzTrainFlags(f *testing.F) {
	f.Add("--lr 3e-4 --steps 10 --warmup 20")
	f.Add("--data a.txt:NaN --max-bytes -1")
	f.Add("--batch 99999999999999999999 --context 0")
	f.Add("-h")
	f.Fuzz(func(t *testing.T, line string) {
		tf := addTrainFlags(flag.NewFlagSet("t", flag.ContinueOnError))
		tf.fs.SetOutput(io.Discard)
		code, err := tf.parse(strings.Fields(line), io.Discard, "")
		if err != nil && code != 2 && code != 0 {
			t.Fatalf("%q: exit %d with %v", line, code, err)
		}
		if err == nil {
			_ = tf.options(nil) // the options build without a panic
		}
	})
}
