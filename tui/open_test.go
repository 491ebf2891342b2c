package tui

import (
	"slices"
	"testing"

	"lmlab/engine/lab"
)

// TestOpenedMeasuresAsStartSession: the start-up Init runs (openCmd) shows
// the Dataset pane the same sizes, token counts, unknown characters and
// leaks as measuring every text again does (startSession), for one source
// and for two, without encoding the data a second time; a tokenizer that
// may lack some of the data is still asked.
func TestOpenedMeasuresAsStartSession(t *testing.T) {
	for _, tt := range []struct {
		name string
		opt  lab.Options
	}{
		{"one source", testSessionOptions()},
		{"two sources", twoSources()},
		{"a word vocabulary with a limit", withTokenizer(twoSources(), "word:20")},
		{"char, which covers the data", withTokenizer(twoSources(), "char")},
	} {
		sess, err := lab.Open(tt.opt)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, want := opened(sess), startSession(sess)
		got.runner.Stop()
		want.runner.Stop()
		if len(got.stats) != len(want.stats) {
			t.Fatalf("%s: %d stats, want %d", tt.name, len(got.stats), len(want.stats))
		}
		for i := range got.stats {
			w := want.stats[i]
			w.Distinct = 0 // not shown, and not counted at start
			if got.stats[i] != w {
				t.Errorf("%s: source %d: stats %+v, want %+v", tt.name, i, got.stats[i], w)
			}
		}
		if tt.opt.Tokenizer == "word:20" && want.unknown[0].chars == 0 {
			t.Errorf("%s: no unknown characters; the case tests nothing", tt.name)
		}
		if !slices.Equal(got.unknown, want.unknown) {
			t.Errorf("%s: unknown %v, want %v", tt.name, got.unknown, want.unknown)
		}
		if got.total.Chars != want.total.Chars || got.total.Tokens != want.total.Tokens {
			t.Errorf("%s: total %d chars %d tokens, want %d and %d", tt.name,
				got.total.Chars, got.total.Tokens, want.total.Chars, want.total.Tokens)
		}
		if !slices.Equal(got.leaks, want.leaks) {
			t.Errorf("%s: leaks %v, want %v", tt.name, got.leaks, want.leaks)
		}
		if got.runner == nil || (got.runner.Metrics == nil) != (want.runner.Metrics == nil) {
			t.Errorf("%s: runner %v, metrics set %v; want a runner as startSession's", tt.name, got.runner != nil, got.runner != nil && got.runner.Metrics != nil)
		}
	}
}

func withTokenizer(opt lab.Options, spec string) lab.Options {
	opt.Tokenizer = spec
	return opt
}
