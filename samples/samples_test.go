package samples

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"lmlab/samples/internal/corpora"
)

// TestGeneratedFilesAreUpToDate regenerates every corpus and compares it with
// the embedded bytes: a change to a generator must come with `go generate`.
func TestGeneratedFilesAreUpToDate(t *testing.T) {
	for _, name := range corpora.Files {
		t.Run(name, func(t *testing.T) {
			want := corpora.Generate(name)
			got, err := os.ReadFile(filepath.Join("data", name+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want {
				t.Errorf("data/%s.txt differs from its generator (%d bytes on disk, %d generated); run go generate ./samples", name, len(got), len(want))
			}
		})
	}
}

func TestIndex(t *testing.T) {
	if got, want := len(All()), len(corpora.Files); got != want {
		t.Errorf("All() has %d samples, generators make %d files", got, want)
	}
	kinds := map[string]bool{"lesson": true, "pretrain": true, "domain": true, "task": true}
	for _, s := range All() {
		t.Run(s.Name, func(t *testing.T) {
			if s.Description == "" || s.Lesson == "" || s.Prompt == "" || len(s.Probes) == 0 {
				t.Errorf("missing description, lesson, prompt or probes: %+v", s)
			}
			if !kinds[s.Kind] {
				t.Errorf("Kind = %q", s.Kind)
			}
			if s.Tokenizer != "char" && s.Tokenizer != "word" && !strings.HasPrefix(s.Tokenizer, "bpe:") {
				t.Errorf("Tokenizer = %q", s.Tokenizer)
			}
			if s.Preset != "tiny" && s.Preset != "baby" {
				t.Errorf("Preset = %q", s.Preset)
			}
			text := s.Text()
			if len(text) < 20_000 || !utf8.ValidString(text) {
				t.Errorf("text: %d bytes, valid UTF-8 %v", len(text), utf8.ValidString(text))
			}
			if s.Kind == "domain" {
				if _, err := Lookup(s.Base); err != nil {
					t.Errorf("Base %q: %v", s.Base, err)
				}
			}
			got, err := Lookup(s.Name)
			if err != nil || got.Name != s.Name {
				t.Errorf("Lookup(%q) = %q, %v", s.Name, got.Name, err)
			}
		})
	}
}

func TestLookupUnknown(t *testing.T) {
	_, err := Lookup("kittens")
	if err == nil || !strings.Contains(err.Error(), "cats, bank") || !strings.Contains(err.Error(), `"kittens"`) {
		t.Errorf("Lookup(kittens) error = %v, want it to name the sample and list the known ones", err)
	}
}

func TestSizes(t *testing.T) {
	tests := []struct {
		name     string
		min, max int
	}{
		{"cats", 10_000, 60_000},
		{"bank", 10_000, 80_000},
		{"general", 200_000, 400_000},
		{"clinic", 40_000, 100_000},
		{"reviews", 40_000, 100_000},
	}
	for _, tt := range tests {
		s, _ := Lookup(tt.name)
		if got := len(s.Text()); got < tt.min || got > tt.max {
			t.Errorf("%s: %d bytes, want %d..%d", tt.name, got, tt.min, tt.max)
		}
	}
}

// TestDomainCharsInGeneral checks that a character-level tokenizer built on
// the general corpus can represent every character of the domain corpora, so
// fine-tuning from a general checkpoint loses nothing to unknown characters.
func TestDomainCharsInGeneral(t *testing.T) {
	general, _ := Lookup("general")
	known := map[rune]bool{}
	for _, r := range general.Text() {
		known[r] = true
	}
	for _, name := range []string{"clinic", "reviews"} {
		s, _ := Lookup(name)
		missing := map[rune]bool{}
		for _, r := range s.Text() {
			if !known[r] {
				missing[r] = true
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s has characters the general corpus lacks: %q", name, keys(missing))
		}
	}
}

func keys[K comparable, V any](m map[K]V) []K {
	var ks []K
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestProblemsAreHeldOutAndCorrect(t *testing.T) {
	for _, name := range []string{"addition", "reverse"} {
		t.Run(name, func(t *testing.T) {
			s, _ := Lookup(name)
			train := map[string]bool{}
			for line := range strings.Lines(s.Text()) {
				train[strings.TrimSuffix(line, "\n")] = true
			}
			ps, ok := Problems(name, 200, 1)
			if !ok || len(ps) != 200 {
				t.Fatalf("Problems = %d problems, ok %v; want 200, true", len(ps), ok)
			}
			for _, p := range ps {
				if train[p.Prompt+p.Answer] {
					t.Errorf("held-out problem %q is in the training text", p.Prompt+p.Answer)
				}
				if !checkAnswer(name, p) {
					t.Errorf("problem %q has wrong answer %q", p.Prompt, p.Answer)
				}
			}
			again, _ := Problems(name, 200, 1)
			if fmt.Sprint(again) != fmt.Sprint(ps) {
				t.Error("Problems is not deterministic for a fixed seed")
			}
		})
	}
	if _, ok := Problems("cats", 10, 1); ok {
		t.Error("Problems(cats) ok = true, want false: cats is not a task")
	}
}

// checkAnswer recomputes a problem's answer independently of the generator.
func checkAnswer(name string, p Problem) bool {
	if name == "reverse" {
		w := strings.TrimSuffix(p.Prompt, "|")
		r := []rune(w)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r) == p.Answer
	}
	var a, b int
	if _, err := fmt.Sscanf(p.Prompt, "%d+%d=", &a, &b); err != nil || len(p.Prompt) != 8 {
		return false
	}
	return fmt.Sprintf("%04d", a+b) == p.Answer
}

func TestAccuracy(t *testing.T) {
	oracle := func(prompt string) string {
		var a, b int
		if _, err := fmt.Sscanf(prompt, "\n%d+%d=", &a, &b); err != nil {
			t.Fatalf("prompt %q: %v", prompt, err)
		}
		return fmt.Sprintf("%04d\n99", a+b)
	}
	offByOne := func(prompt string) string {
		var a, b int
		fmt.Sscanf(prompt, "\n%d+%d=", &a, &b)
		return fmt.Sprintf("%04d", a+b+1)
	}
	tests := []struct {
		name     string
		complete func(string) string
		want     float64
	}{
		{"oracle", oracle, 1},
		{"off by one", offByOne, 0},
	}
	for _, tt := range tests {
		got, ok := Accuracy("addition", tt.complete, 200, 3)
		if !ok {
			t.Fatal("Accuracy(addition) not ok")
		}
		if got != tt.want {
			t.Errorf("%s: accuracy %v, want %v", tt.name, got, tt.want)
		}
	}
}

func ExampleLookup() {
	s, err := Lookup("cats")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s %s %q\n", s.Tokenizer, s.Preset, s.Prompt)
	fmt.Println(strings.SplitN(s.Text(), "\n", 2)[0])
	// Output:
	// word tiny "The cat sat on the"
	// The owl sat on the roof.
}

func ExampleProblems() {
	ps, _ := Problems("addition", 3, 1)
	for _, p := range ps {
		fmt.Println(p.Prompt + p.Answer)
	}
	// Output:
	// 185+981=1166
	// 353+428=0781
	// 451+448=0899
}

// TestTaskPromptsAreHeldOut: the prompts the workbench shows for a task are
// problems the model has not been trained on, so a right answer there means
// the algorithm was learnt.
func TestTaskPromptsAreHeldOut(t *testing.T) {
	for _, s := range All() {
		if s.Kind != "task" {
			continue
		}
		for _, p := range append([]string{s.Prompt}, s.Probes...) {
			if prompt, _, _ := strings.Cut(p, problemSep(p)); trainingPrompts()[s.Name][prompt] {
				t.Errorf("%s: prompt %q occurs in the training text", s.Name, p)
			}
		}
	}
}

// TestWordPromptsEndInAWord: with the word tokenizer a word carries the
// space before it, so a lesson's prompt ends where the reader stops ("The
// cat sat on the") and the next token is the next word (" mat"); a
// trailing space would ask for a word without its space.
func TestWordPromptsEndInAWord(t *testing.T) {
	for _, s := range All() {
		if s.Tokenizer != "word" {
			continue
		}
		for _, p := range append([]string{s.Prompt}, s.Probes...) {
			if strings.TrimRight(p, " \t\n") != p {
				t.Errorf("%s: prompt %q ends in whitespace", s.Name, p)
			}
		}
	}
}

// TestReversePromptShowsPartOfTheAnswer: the reverse sample's default
// prompt holds a word, "|" and the start of its reversal, so the Predict and
// Attention panes show a letter looking back at its mirror from the start.
func TestReversePromptShowsPartOfTheAnswer(t *testing.T) {
	s, _ := Lookup("reverse")
	word, part, ok := strings.Cut(s.Prompt, "|")
	rev := []byte(word)
	slices.Reverse(rev)
	if !ok || part == "" || len(part) >= len(word) || !strings.HasPrefix(string(rev), part) {
		t.Errorf("reverse prompt %q, want WORD|PART with PART a proper start of WORD reversed (%q)", s.Prompt, rev)
	}
}
