package lab

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/samples"
	"lmlab/tokenizer"
)

// writeFile writes text to a new file in dir and returns its path.
func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestOpenModes: the mode is decided once from the options, and the
// checkpoint a session starts from is kept as loaded.
func TestOpenModes(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "abc.txt", strings.Repeat("abc cab bca\n", 400))
	fresh, err := Open(Options{Data: []string{data}, Tokenizer: "char", Preset: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	if fresh.Mode != Fresh || fresh.Checkpoint != nil || len(fresh.Unknown) != 0 {
		t.Fatalf("fresh session: mode %v, checkpoint %v, unknown %v", fresh.Mode, fresh.Checkpoint != nil, fresh.Unknown)
	}
	ck := filepath.Join(dir, "abc.safetensors")
	if err := fresh.Save(ck); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		opt  Options
		want Mode
	}{
		{"ckpt", Options{Data: []string{data}, Init: ck}, FromWeights},
		{"resume", Options{Data: []string{data}, Resume: ck}, Resume},
	} {
		s, err := Open(tt.opt)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if s.Mode != tt.want || s.Checkpoint == nil || s.From != ck {
			t.Errorf("%s: mode %v want %v, checkpoint kept %v, from %q", tt.name, s.Mode, tt.want, s.Checkpoint != nil, s.From)
		}
	}
	if _, err := Open(Options{Data: []string{data}, Init: ck, Resume: ck}); err == nil {
		t.Error("--ckpt with --resume: no error")
	}
}

// TestOpenReportsUnknown: characters the checkpoint's char tokenizer lacks
// are reported, with how many and where the first is, not dropped silently.
func TestOpenReportsUnknown(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "abc.txt", strings.Repeat("abc cab bca\n", 400))
	s, err := Open(Options{Data: []string{data}, Tokenizer: "char", Preset: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	ck := filepath.Join(dir, "abc.safetensors")
	if err := s.Save(ck); err != nil {
		t.Fatal(err)
	}
	more := writeFile(t, dir, "xyz.txt", strings.Repeat("abc cab bca\n", 300)+"abc xyz\n"+strings.Repeat("abc cab bca\n", 100))
	s, err = Open(Options{Data: []string{more}, Init: ck})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.UnknownChars, 3; got != want {
		t.Errorf("UnknownChars = %d, want %d (x, y, z)", got, want)
	}
	if len(s.Unknown) == 0 || s.Unknown[0].Text != "x" {
		t.Fatalf("Unknown = %v, want x first", s.Unknown)
	}
	if note := s.UnknownNote(); !strings.Contains(note, "3 of ") || !strings.Contains(note, `"x"`) {
		t.Errorf("UnknownNote = %q", note)
	}
}

// TestOpenCheckpointVocab: a checkpoint whose tokenizer and model disagree
// on the vocabulary is refused, whichever command reads it.
func TestOpenCheckpointVocab(t *testing.T) {
	dir := t.TempDir()
	data := writeFile(t, dir, "abc.txt", strings.Repeat("abc cab bca\n", 400))
	s, err := Open(Options{Data: []string{data}, Tokenizer: "char", Preset: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := Open(Options{Data: []string{writeFile(t, dir, "abcd.txt", strings.Repeat("abcd dcba\n", 400))}, Tokenizer: "char", Preset: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	s.TokData = other.TokData // six ids (a b c d, space, newline) for a model of five
	ck := filepath.Join(dir, "bad.safetensors")
	if err := s.Save(ck); err != nil {
		t.Fatal(err)
	}
	if _, _, err := OpenCheckpoint(ck, ""); !errors.Is(err, ErrVocabMismatch) {
		t.Fatalf("OpenCheckpoint: %v, want ErrVocabMismatch", err)
	}
	if _, err := Open(Options{Data: []string{data}, Init: ck}); !errors.Is(err, ErrVocabMismatch) {
		t.Fatalf("Open: %v, want ErrVocabMismatch", err)
	}
}

// TestOpenChecksMemory: a run that would not fit in --max-memory is refused
// before the model is allocated, naming the flag to lower.
func TestOpenChecksMemory(t *testing.T) {
	data := writeFile(t, t.TempDir(), "abc.txt", strings.Repeat("abc cab bca\n", 400))
	_, err := Open(Options{Data: []string{data}, Tokenizer: "char", Preset: "tiny", MaxMemory: 1 << 20})
	var me *engine.MemoryError
	if !errors.As(err, &me) || me.Flag == "" {
		t.Fatalf("Open with --max-memory 1MiB = %v, want a *engine.MemoryError naming a flag", err)
	}
	if _, err := Open(Options{Data: []string{data}, Tokenizer: "char", Preset: "tiny", MaxMemory: 1 << 30}); err != nil {
		t.Fatalf("Open with --max-memory 1GiB: %v", err)
	}
}

// TestOpenEncodesAsEncodeCorpus: the data Open encodes once, and the token
// counts it keeps (SourceStats), are what encoding the corpus and each text
// again gives,
// for one source and for several (whose validation texts are encoded
// together, so a word may span the join).
func TestOpenEncodesAsEncodeCorpus(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.txt", strings.Repeat("the cat sat on the mat\n", 300)+"the cat")
	b := writeFile(t, dir, "b.txt", "sat "+strings.Repeat("a dog lay on the rug\n", 300))
	for _, tt := range []struct {
		name, tok string
		data      []string
	}{
		{"one source, char", "char", []string{a}},
		{"two sources, char", "char", []string{a, b}},
		{"two sources, word", "word", []string{a, b}},
		{"two sources, bpe", "bpe:300", []string{a, b}},
	} {
		s, err := Open(Options{Data: tt.data, Tokenizer: tt.tok, Preset: "tiny"})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		want := EncodeCorpus(s.Corpus, s.Tokenizer)
		if len(s.Data.Train) != len(want.Train) || !slices.Equal(s.Data.Val, want.Val) {
			t.Fatalf("%s: Open's data has %d segments and %d val ids, EncodeCorpus %d and %d",
				tt.name, len(s.Data.Train), len(s.Data.Val), len(want.Train), len(want.Val))
		}
		for i, seg := range s.Data.Train {
			if w := want.Train[i]; seg.Name != w.Name || seg.Weight != w.Weight || !slices.Equal(seg.Tokens, w.Tokens) {
				t.Errorf("%s: segment %d: got %s ×%g (%d ids), want %s ×%g (%d ids)",
					tt.name, i, seg.Name, seg.Weight, len(seg.Tokens), w.Name, w.Weight, len(w.Tokens))
			}
		}
		got := s.SourceStats()
		if len(got) != len(s.Corpus.Sources) {
			t.Fatalf("%s: SourceStats has %d entries for %d sources", tt.name, len(got), len(s.Corpus.Sources))
		}
		for i, src := range s.Corpus.Sources {
			w := src.Stats(s.Tokenizer.Encode, nil)
			w.Distinct = 0 // SourceStats does not read the text again
			if got[i] != w {
				t.Errorf("%s: SourceStats()[%d] = %+v, want %+v", tt.name, i, got[i], w)
			}
		}
	}
}

// TestOpenCovers: a session says its tokenizer covers the data only when it
// does: then tokenizer.Unknown finds nothing in any source; a word
// vocabulary, or a checkpoint's tokenizer, is not taken on trust.
func TestOpenCovers(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.txt", strings.Repeat("the cat sat on the mat, naïve café 猫\n", 200))
	b := writeFile(t, dir, "b.txt", strings.Repeat("a dog lay on a rug; 🐕 hund\n", 200))
	ck := filepath.Join(dir, "ab.safetensors")
	s, err := Open(Options{Data: []string{a}, Tokenizer: "char", Preset: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Save(ck); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		opt  Options
		want bool
	}{
		{"char", Options{Data: []string{a, b}, Tokenizer: "char"}, true},
		// A word cut by the split between training and validation text
		// is a word of neither: words are not covered by construction.
		{"word", Options{Data: []string{a, b}, Tokenizer: "word"}, false},
		{"bpe", Options{Data: []string{a, b}, Tokenizer: "bpe:300"}, true},
		{"word:8", Options{Data: []string{a, b}, Tokenizer: "word:8"}, false},
		{"a checkpoint's char", Options{Data: []string{a, b}, Init: ck}, false},
	} {
		tt.opt.Preset = "tiny"
		s, err := Open(tt.opt)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if s.Covers != tt.want {
			t.Errorf("%s: Covers = %v, want %v", tt.name, s.Covers, tt.want)
		}
		if !s.Covers {
			continue
		}
		for _, src := range s.Corpus.Sources {
			for _, text := range []string{src.TrainText, src.ValText} {
				if unk := tokenizer.Unknown(s.Tokenizer, text); len(unk) > 0 {
					t.Errorf("%s: Covers, but %s has %d unknown pieces, first %v", tt.name, src.Name, len(unk), unk[0])
				}
			}
		}
	}
}

// TestEncodeCorpusFrom: a corpus edited from an encoded one encodes to what
// EncodeCorpus gives, taking the ids of the sources it had from it, not
// encoding them again, for each edit the Dataset pane makes.
func TestEncodeCorpusFrom(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.txt", strings.Repeat("the cat sat on the mat\n", 300)+"the cat")
	b := writeFile(t, dir, "b.txt", "sat "+strings.Repeat("a dog lay on the rug\n", 300))
	x := writeFile(t, dir, "x.txt", strings.Repeat("a hen and a fox\n", 300))
	s, err := Open(Options{Data: []string{a, b, x}, Tokenizer: "word", Preset: "tiny"})
	if err != nil {
		t.Fatal(err)
	}
	all := s.Corpus
	// edit returns a copy of all with only the sources in on enabled (in
	// all's order) and weights w.
	edit := func(n int, on []bool, w []float64) *samples.Corpus {
		c := &samples.Corpus{}
		for i := range n {
			cp := *all.Sources[i]
			cp.Enabled, cp.Weight = on[i], w[i]
			c.Sources = append(c.Sources, &cp)
		}
		return c
	}
	ab := edit(2, []bool{true, true}, []float64{1, 1})
	for _, tt := range []struct {
		name   string
		from   *samples.Corpus
		to     *samples.Corpus
		reused []string // sources whose training ids must be taken, not encoded
		val    bool     // and whether the validation ids must be
	}{
		{"weight", ab, edit(2, []bool{true, true}, []float64{1, 3}), []string{a, b}, true},
		{"off", ab, edit(2, []bool{true, false}, []float64{1, 1}), []string{a}, false},
		{"on again", edit(2, []bool{true, false}, []float64{1, 1}), ab, []string{a}, false},
		{"added", ab, edit(3, []bool{true, true, true}, []float64{1, 1, 1}), []string{a, b}, false},
	} {
		have := EncodeCorpus(tt.from, s.Tokenizer)
		got := EncodeCorpusFrom(tt.to, s.Tokenizer, have)
		want := EncodeCorpus(tt.to, s.Tokenizer)
		if len(got.Train) != len(want.Train) || !slices.Equal(got.Val, want.Val) {
			t.Fatalf("%s: %d segments and %d val ids, want %d and %d", tt.name, len(got.Train), len(got.Val), len(want.Train), len(want.Val))
		}
		for i, seg := range got.Train {
			if w := want.Train[i]; seg.Name != w.Name || seg.Weight != w.Weight || !slices.Equal(seg.Tokens, w.Tokens) {
				t.Errorf("%s: segment %d: %s ×%g (%d ids), want %s ×%g (%d ids)", tt.name, i, seg.Name, seg.Weight, len(seg.Tokens), w.Name, w.Weight, len(w.Tokens))
			}
		}
		shared := func(p, q []int32) bool { return len(p) > 0 && len(q) > 0 && &p[0] == &q[0] }
		for _, name := range tt.reused {
			var g, h []int32
			for _, seg := range got.Train {
				if seg.Name == name {
					g = seg.Tokens
				}
			}
			for _, seg := range have.Train {
				if seg.Name == name {
					h = seg.Tokens
				}
			}
			if !shared(g, h) {
				t.Errorf("%s: %s was encoded again", tt.name, name)
			}
		}
		if shared(got.Val, have.Val) != tt.val {
			t.Errorf("%s: validation ids taken from before: %v, want %v", tt.name, shared(got.Val, have.Val), tt.val)
		}
	}
}
