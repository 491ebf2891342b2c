package tokenizer

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// pieces returns the pre-tokens of s as strings.
func pieces(sp splitter, s string) []string {
	var out []string
	sp.each(s, func(start, end int) { out = append(out, s[start:end]) })
	return out
}

// regexTwin is the naive twin of a dedicated scanner: the same pattern on
// regexp2.
func regexTwin(t testing.TB, pattern string) splitter {
	t.Helper()
	r, err := newRegexSplitter(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

var namedScanners = []struct {
	name, pattern string
}{
	{"gpt2", PatternGPT2},
	{"cl100k", PatternCL100K},
	{"qwen2", PatternQwen2},
	{"o200k", PatternO200K},
}

func TestScannersAreDedicated(t *testing.T) {
	for _, sc := range namedScanners {
		sp, err := newSplitter(sc.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := sp.(scanFunc); !ok {
			t.Errorf("%s: got %T, want a dedicated scanner", sc.name, sp)
		}
	}
}

func TestScannerCases(t *testing.T) {
	tests := []struct {
		pattern, in string
		want        []string
	}{
		{PatternGPT2, "", nil},
		{PatternGPT2, "Hello world!", []string{"Hello", " world", "!"}},
		{PatternGPT2, "  Hello  world  ", []string{" ", " Hello", " ", " world", "  "}},
		{PatternGPT2, "I'm they'll X'S", []string{"I", "'m", " they", "'ll", " X", "'", "S"}},
		{PatternGPT2, "a\r\n\r\nb", []string{"a", "\r\n\r", "\n", "b"}},
		{PatternGPT2, "12345 x", []string{"12345", " x"}},
		{PatternCL100K, "12345 x", []string{"123", "45", " x"}},
		{PatternQwen2, "12345", []string{"1", "2", "3", "4", "5"}},
		{PatternCL100K, "X'S and 'ſ", []string{"X", "'S", " and", " '", "ſ"}},
		{PatternCL100K, "x'ſ", []string{"x", "'ſ"}},
		{PatternCL100K, " \n \n", []string{" \n \n"}},
		{PatternCL100K, "a.\n\nb", []string{"a", ".\n\n", "b"}},
		{PatternCL100K, "\t\tindented", []string{"\t", "\tindented"}},
		{PatternCL100K, "🤖abc", []string{"🤖abc"}},
		{PatternCL100K, "a\r", []string{"a", "\r"}},
		{PatternCL100K, "中文，这", []string{"中文", "，这"}},
		{PatternO200K, "HTTPServer2Go", []string{"HTTPServer", "2", "Go"}},
		{PatternO200K, "camelCase they're", []string{"camel", "Case", " they're"}},
		{PatternO200K, "a/b/\n", []string{"a", "/b", "/\n"}},
		{PatternO200K, "\xff\xfeab", []string{"\xff\xfe", "ab"}},
		{PatternO200K, "é\u0301x", []string{"é\u0301x"}},
		{PatternO200K, "ǅa ʰʰ", []string{"ǅa", " ʰʰ"}},
	}
	for _, tt := range tests {
		sp, err := newSplitter(tt.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := pieces(sp, tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("%.12s… %q: got %q, want %q", tt.pattern, tt.in, got, tt.want)
		}
	}
}

// twinAlphabet has a character of every class the patterns tell apart.
var twinAlphabet = []string{
	" ", " ", " ", "\t", "\n", "\r", "\v", "\u00a0", "\u3000", "\u2028",
	"a", "b", "s", "t", "r", "e", "v", "m", "l", "d", "S", "T", "R", "E", "L", "D", "Z",
	"'", "'", "!", ".", "/", "_", "-", "$",
	"0", "7", "½", "Ⅻ", "٣",
	"é", "ǅ", "ʰ", "中", "\u0301", "\u093f", "🤖", "\u200b", "\u200d",
}

// randomText draws n characters from the twin alphabet.
func randomText(rng *rand.Rand, n int) string {
	var b strings.Builder
	for range n {
		b.WriteString(twinAlphabet[rng.IntN(len(twinAlphabet))])
	}
	return b.String()
}

// TestScannersMatchRegexp2 pits each dedicated scanner against its pattern on
// regexp2, on random texts that mix every character class.
func TestScannersMatchRegexp2(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, sc := range namedScanners {
		fast, _ := newSplitter(sc.pattern)
		twin := regexTwin(t, sc.pattern)
		for i := range 3000 {
			s := randomText(rng, 1+i%40)
			if got, want := pieces(fast, s), pieces(twin, s); !slices.Equal(got, want) {
				t.Fatalf("%s on %q:\n got %q\nwant %q", sc.name, s, got, want)
			}
		}
	}
}

// FuzzScanners checks the scanners against regexp2 on any valid UTF-8 input
// (regexp2 and the Rust engines differ on invalid bytes and on ſ under (?i),
// where the scanners follow Rust), and that the pieces tile any input.
func FuzzScanners(f *testing.F) {
	for _, s := range []string{"", "Hello world", "  x  \n\n y", "I'M 12345 ½", "中文 🤖 é\u0301", "\xff\xfe"} {
		f.Add(s)
	}
	twins := make([]splitter, len(namedScanners))
	for i, sc := range namedScanners {
		twins[i] = regexTwin(f, sc.pattern)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for i, sc := range namedScanners {
			fast, _ := newSplitter(sc.pattern)
			got := pieces(fast, s)
			if strings.Join(got, "") != s {
				t.Fatalf("%s: pieces %q do not tile %q", sc.name, got, s)
			}
			if !utf8.ValidString(s) || strings.ContainsRune(s, 'ſ') {
				continue
			}
			if want := pieces(twins[i], s); !slices.Equal(got, want) {
				t.Fatalf("%s on %q:\n got %q\nwant %q", sc.name, s, got, want)
			}
		}
	})
}

func ExamplePatternNames() {
	fmt.Println(PatternNames())
	// Output: [gpt2 r50k p50k cl100k o200k qwen2]
}
