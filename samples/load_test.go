package samples

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"

	"lmlab/engine/testenv"
)

// write creates files under a fresh directory; names ending in / are
// directories.
func write(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadOneFileIsNanoGPTSplit(t *testing.T) {
	tests := []struct{ name, text string }{
		{"ascii", strings.Repeat("To be, or not to be.\n", 50)},
		{"multibyte", strings.Repeat("猫がマットに座った。🐈 héllo\n", 40)},
		{"lone CR", strings.Repeat("a\rb\r\n", 30)},
		{"no final newline", strings.Repeat("x", 99)},
		{"one char", "z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := write(t, map[string]string{"in.txt": tt.text})
			c, err := Load([]string{filepath.Join(dir, "in.txt")}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			s := c.Sources[0]
			runes := []rune(tt.text)
			cut := int(float64(len(runes)) * 0.9)
			if s.TrainText != string(runes[:cut]) || s.ValText != string(runes[cut:]) {
				t.Errorf("split at %d/%d chars, want %d", utf8.RuneCountInString(s.TrainText), len(runes), cut)
			}
			if s.Kind != KindFile || s.Files != 1 || s.Weight != 1 || !s.Enabled {
				t.Errorf("source = %+v", s)
			}
			if s.Bytes != len(tt.text) || s.Chars != len(runes) {
				t.Errorf("Bytes, Chars = %d, %d; want %d, %d", s.Bytes, s.Chars, len(tt.text), len(runes))
			}
		})
	}
}

// TestTinyShakespeareSplit pins the split the engine's acceptance numbers
// against PyTorch depend on: nanoGPT's data[:int(n*0.9)].
func TestTinyShakespeareSplit(t *testing.T) {
	path := filepath.Join(testenv.Shared(t), "data", "tinyshakespeare.txt")
	c, err := Load([]string{path}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources[0]
	if got, want := len(s.TrainText), 1003854; got != want {
		t.Errorf("train chars = %d, want %d", got, want)
	}
	if got, want := len(s.ValText), 111540; got != want {
		t.Errorf("val chars = %d, want %d", got, want)
	}
	if !strings.HasPrefix(s.TrainText, "First Citizen:") {
		t.Errorf("train text starts %q", s.TrainText[:20])
	}
}

func TestLoadDirectorySplitsByDocument(t *testing.T) {
	files := map[string]string{
		"notes.go":         "package main\n", // not .txt/.md: skipped
		".git/config.txt":  "hidden\n",       // hidden directory: skipped
		"sub/.draft.txt":   "hidden\n",       // hidden file: skipped
		"sub/deeper/z.MD":  "upper-case extension counts\n",
		"empty.txt":        "",
		"sub/chapter1.txt": "Chapter one.\n",
	}
	for i := range 18 {
		files[filepath.Join("docs", string(rune('a'+i))+".md")] = "Document " + string(rune('a'+i)) + " text.\n"
	}
	dir := write(t, files)
	c, err := Load([]string{dir + "/:2"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources[0]
	if s.Kind != KindDir || s.Weight != 2 {
		t.Errorf("kind %q weight %g, want dir 2", s.Kind, s.Weight)
	}
	// 18 docs/*.md + chapter1 + z.MD; the empty file is read but has no document.
	if got, want := len(s.Docs), 20; got != want {
		t.Fatalf("%d documents, want %d: %v", got, want, docNames(s.Docs))
	}
	var val []string
	for _, d := range s.Docs {
		if strings.Contains(d.Text, "hidden") || strings.Contains(d.Text, "package") {
			t.Errorf("read %s, which should be skipped", d.Name)
		}
		if d.Val {
			val = append(val, filepath.Base(d.Name))
		}
	}
	// Documents in lexical path order; every tenth (index 9 and 19) is held out.
	if got, want := strings.Join(val, " "), "j.md z.MD"; got != want {
		t.Errorf("validation documents %q, want %q", got, want)
	}
	if !strings.Contains(s.ValText, "Document j text.\n\nupper-case") {
		t.Errorf("validation text %q: want the documents with a blank line between", s.ValText)
	}
	if s.Split != "by document: 18 train, 2 validation" {
		t.Errorf("Split = %q", s.Split)
	}
}

func docNames(docs []Doc) []string {
	var names []string
	for _, d := range docs {
		names = append(names, d.Name)
	}
	return names
}

func TestLoadJSONL(t *testing.T) {
	var rows strings.Builder
	for i := range 30 {
		rows.WriteString(`{"id": 1, "body": "row ` + strings.Repeat("x", i) + `", "extra": [1]}` + "\n")
		if i == 4 {
			rows.WriteString("   \n") // blank lines are skipped
		}
	}
	dir := write(t, map[string]string{"d.jsonl": rows.String()})
	c, err := Load([]string{filepath.Join(dir, "d.jsonl")}, Options{Field: "body"})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources[0]
	if s.Kind != KindJSONL || len(s.Docs) != 30 {
		t.Fatalf("kind %q with %d docs, want jsonl with 30", s.Kind, len(s.Docs))
	}
	if got, want := s.Docs[5].Name, filepath.Join(dir, "d.jsonl")+":7"; got != want {
		t.Errorf("doc 5 is named %q, want %q (its line)", got, want)
	}
	if s.Split != "by document: 27 train, 3 validation" {
		t.Errorf("Split = %q", s.Split)
	}
}

func TestLoadStdinAndSample(t *testing.T) {
	c, err := Load([]string{"-:3", "sample:cats"}, Options{Stdin: strings.NewReader("from a pipe\n")})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Sources[0]; got.Name != "stdin" || got.Weight != 3 || got.TrainText+got.ValText != "from a pipe\n" {
		t.Errorf("stdin source = %+v", got)
	}
	cats, _ := Lookup("cats")
	if got := c.Sources[1]; got.Name != "sample:cats" || got.TrainText+got.ValText != cats.Text() {
		t.Errorf("sample source %q does not hold the sample's text", got.Name)
	}
	jsonl := `{"text":"a"}` + "\n" + `{"text":"b"}`
	c, err = Load([]string{"-"}, Options{Stdin: strings.NewReader(jsonl), Field: "text"})
	if err != nil || c.Sources[0].Kind != KindJSONL || len(c.Sources[0].Docs) != 2 {
		t.Errorf("JSONL on stdin with --field: %v, %+v", err, c)
	}
	// Without --field, text that looks like JSON is text, taken as it is.
	c, err = Load([]string{"-"}, Options{Stdin: strings.NewReader(jsonl)})
	if err != nil || c.Sources[0].Kind != KindStdin || c.Sources[0].TrainText+c.Sources[0].ValText != jsonl {
		t.Errorf("JSON-looking stdin without --field: %v, %+v", err, c)
	}
}

func TestLoadErrors(t *testing.T) {
	utf16 := []byte{0xff, 0xfe, 'h', 0, 'i', 0}
	dir := write(t, map[string]string{
		"bad.txt":       "line one\nline two\nthree \xff here\n",
		"nul.txt":       "text\x00more",
		"utf16.txt":     string(utf16),
		"ctl.txt":       strings.Repeat("\x01\x02ab", 100),
		"empty.txt":     "",
		"big.txt":       strings.Repeat("y", 2000),
		"notobj.jsonl":  `{"text":"ok"}` + "\n" + `["a list"]` + "\n",
		"nofield.jsonl": `{"text":"ok"}` + "\n\n" + `{"prompt":"p","answer":"a"}` + "\n",
		"number.jsonl":  `{"text": 12}` + "\n",
		"broken.jsonl":  `{"text": "unterminated` + "\n",
		"badutf.jsonl":  `{"text":"ok"}` + "\n" + "{\"text\":\"\xc3\"}\n",
		"emptydir/x.go": "package x\n",
	})
	p := func(name string) string { return filepath.Join(dir, name) }
	tests := []struct {
		name  string
		specs []string
		opt   Options
		want  []string // substrings of the error
	}{
		{"invalid UTF-8", []string{p("bad.txt")}, Options{}, []string{"bad.txt", "line 3", "byte offset 24", "0xff", "UTF-8"}},
		{"NUL byte", []string{p("nul.txt")}, Options{}, []string{"nul.txt", "binary", "offset 4"}},
		{"UTF-16", []string{p("utf16.txt")}, Options{}, []string{"utf16.txt", "UTF-16", "convert"}},
		{"control characters", []string{p("ctl.txt")}, Options{}, []string{"ctl.txt", "binary", "200 control characters"}},
		{"empty file", []string{p("empty.txt")}, Options{}, []string{"empty.txt", "no text"}},
		{"missing file", []string{p("nope.txt")}, Options{}, []string{"nope.txt", "no such file"}},
		{"missing, weight read", []string{p("nope:12")}, Options{}, []string{"nope:12", "read as a weight (12)"}},
		{"file over cap", []string{p("big.txt")}, Options{MaxBytes: 1000}, []string{"big.txt", "size cap of 1000 bytes", "--max-bytes"}},
		{"cap is over all sources", []string{p("big.txt"), p("big.txt")}, Options{MaxBytes: 3000}, []string{"big.txt", "size cap", "--max-bytes"}},
		{"stdin over cap", []string{"-"}, Options{MaxBytes: 10, Stdin: strings.NewReader(strings.Repeat("z", 11))}, []string{"stdin", "size cap"}},
		{"no stdin", []string{"-"}, Options{}, []string{"no standard input"}},
		{"JSONL not an object", []string{p("notobj.jsonl")}, Options{}, []string{"notobj.jsonl", "line 2", "not a JSON object"}},
		{"JSONL field missing", []string{p("nofield.jsonl")}, Options{}, []string{"nofield.jsonl", "line 3", `no field "text"`, "answer, prompt", "--field"}},
		{"JSONL field not a string", []string{p("number.jsonl")}, Options{}, []string{"number.jsonl", "line 1", "a number, want a string"}},
		{"JSONL broken", []string{p("broken.jsonl")}, Options{}, []string{"broken.jsonl", "line 1", "not valid JSON"}},
		{"JSONL invalid UTF-8", []string{p("badutf.jsonl")}, Options{}, []string{"badutf.jsonl", "line 2", "byte offset 23"}},
		{"directory without text", []string{p("emptydir")}, Options{}, []string{"emptydir", "no .txt or .md files"}},
		{"unknown sample", []string{"sample:kittens"}, Options{}, []string{"sample:kittens", "known samples: cats"}},
		{"no specs", nil, Options{}, []string{"no data"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(tt.specs, tt.opt)
			if err == nil {
				t.Fatalf("Load(%v) succeeded, want an error", tt.specs)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func TestLoadAllowInvalidUTF8(t *testing.T) {
	dir := write(t, map[string]string{"bad.txt": "ok \xff\xfe ok\n"})
	c, err := Load([]string{filepath.Join(dir, "bad.txt")}, Options{AllowInvalidUTF8: true})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Sources[0]
	if s.InvalidBytes != 2 || s.TrainText+s.ValText != "ok \xff\xfe ok\n" {
		t.Errorf("InvalidBytes = %d, text %q; want 2 and the bytes kept", s.InvalidBytes, s.TrainText+s.ValText)
	}
	if st := c.Stats(nil, nil); st.InvalidBytes != 2 {
		t.Errorf("Stats().InvalidBytes = %d, want 2", st.InvalidBytes)
	}
}

func TestLoadStripsByteOrderMark(t *testing.T) {
	dir := write(t, map[string]string{"bom.txt": "\xef\xbb\xbfHello\n"})
	c, err := Load([]string{filepath.Join(dir, "bom.txt")}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Sources[0].TrainText + c.Sources[0].ValText; got != "Hello\n" {
		t.Errorf("text = %q, want the BOM gone", got)
	}
}

func TestStatsLeaksAndCheck(t *testing.T) {
	leak := "This line is in both halves of the corpus."
	docs := map[string]string{}
	for i := range 10 {
		text := "Unique line for document number " + string(rune('A'+i)) + ".\nShort\n"
		if i == 0 || i == 9 {
			text += leak + "\n"
		}
		docs[string(rune('a'+i))+".txt"] = text
	}
	dir := write(t, docs)
	c, err := Load([]string{dir, "-:0.5"}, Options{Stdin: strings.NewReader("é€\n")})
	if err != nil {
		t.Fatal(err)
	}
	leaks := c.Leaks()
	if len(leaks) != 1 || leaks[0].Line != leak || leaks[0].Val != 1 {
		t.Errorf("Leaks() = %+v, want the one shared line", leaks)
	}

	byteTokens := func(s string) []int { return make([]int, len(s)) }
	ascii := func(r rune) bool { return r < 128 }
	st := c.Stats(byteTokens, ascii)
	a, b := c.Sources[0], c.Sources[1]
	joined := len(a.TrainText + a.ValText + b.TrainText + b.ValText) // documents plus the blank lines between them
	if st.Bytes != a.Bytes+b.Bytes || st.Tokens != joined || st.TrainTokens+st.ValTokens != st.Tokens || st.Lines != 23 {
		t.Errorf("Stats = %+v; sources have %d + %d bytes", st, a.Bytes, b.Bytes)
	}
	if st.Unknown != 2 || st.UnknownChars != "é€" {
		t.Errorf("Unknown = %d %q, want 2 \"é€\"", st.Unknown, st.UnknownChars)
	}

	b.Enabled = false
	if st := c.Stats(nil, nil); st.Bytes != a.Bytes || st.Unknown != 0 {
		t.Errorf("with stdin disabled, Stats = %+v, want only the directory", st)
	}
	if strings.Contains(c.ValText(), "é") {
		t.Error("ValText includes a disabled source")
	}

	count := func(s string) int { return len(strings.Fields(s)) }
	tests := []struct {
		context int
		want    string
	}{
		{4, ""},
		{200, "training tokens, but one batch at context 200 needs at least 201"},
		{20, "validation text has"},
	}
	for _, tt := range tests {
		err := c.Check(count, tt.context)
		if (tt.want == "") != (err == nil) || err != nil && !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Check(context %d) = %v, want %q", tt.context, err, tt.want)
		}
	}
	a.Enabled = false
	if err := c.Check(count, 4); err == nil || !strings.Contains(err.Error(), "disabled") {
		t.Errorf("Check with all sources disabled = %v", err)
	}
}

func TestPreviewCutsAtCharacter(t *testing.T) {
	s := &Source{TrainText: "ab€cd"}
	tests := []struct {
		n    int
		want string
	}{{0, ""}, {2, "ab"}, {3, "ab"}, {4, "ab"}, {5, "ab€"}, {99, "ab€cd"}}
	for _, tt := range tests {
		if got := s.Preview(tt.n); got != tt.want {
			t.Errorf("Preview(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// FuzzLoadStdin feeds arbitrary bytes through Load: it must never panic, and
// when it accepts plain text, train and validation together are the input.
func FuzzLoadStdin(f *testing.F) {
	for _, s := range []string{"", "hello\n", "\xff", "\x00", `{"text":"a"}`, `{"text":1}`, "{\n}", "a\r\nb", "\xef\xbb\xbfx"} {
		f.Add([]byte(s), false, "")
		f.Add([]byte(s), true, "text")
	}
	f.Fuzz(func(t *testing.T, in []byte, allowInvalid bool, field string) {
		c, err := Load([]string{"-"}, Options{Stdin: bytes.NewReader(in), AllowInvalidUTF8: allowInvalid, Field: field, MaxBytes: 1 << 16})
		if err != nil {
			return
		}
		s := c.Sources[0]
		if s.Kind == KindStdin && s.TrainText+s.ValText != strings.TrimPrefix(string(in), "\xef\xbb\xbf") {
			t.Errorf("plain stdin %q came back as %q + %q", in, s.TrainText, s.ValText)
		}
		if !allowInvalid && (!utf8.ValidString(s.TrainText) || !utf8.ValidString(s.ValText)) {
			t.Errorf("invalid UTF-8 accepted without AllowInvalidUTF8: %q", in)
		}
	})
}

// FuzzJSONL feeds arbitrary bytes to the JSONL reader: it never panics,
// every document is non-empty valid UTF-8 from its own line, and every error
// is a *DataError of a known kind whose line and byte offset lie inside the
// input.
func FuzzJSONL(f *testing.F) {
	for _, s := range []string{`{"text":"a"}`, "{\"text\":\"a\"}\n\n{\"text\":\"\\u00e9\"}", `{"text":null}`, `[1]`, `{"text":"a"`, "{\"text\":\"\xff\"}",
		"\xef\xbb\xbf{\"text\":\"bom\"}\n", "\xef\xbb\xbf", " \u00a0{\"text\":1}", "{\"text\":\"a\"}\r\n{\"other\":\"b\"}", "\xff\xfe{\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		l := &loader{opt: Options{Field: "text"}, budget: 1 << 20}
		docs, err := l.jsonl(in, "fuzz.jsonl")
		lines := bytes.Count(in, []byte("\n")) + 1
		if err != nil {
			var de *DataError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DataError", err)
			}
			if !errors.Is(err, ErrBadJSONL) && !errors.Is(err, ErrNotText) && !errors.Is(err, ErrInvalidUTF8) {
				t.Errorf("error %v is of no known kind", err)
			}
			if de.Name != "fuzz.jsonl" || de.Line < 0 || de.Line > lines || de.Offset < -1 || de.Offset > int64(len(in)) {
				t.Errorf("error %v at %q line %d offset %d, outside %d lines and %d bytes", err, de.Name, de.Line, de.Offset, lines, len(in))
			}
			return
		}
		if len(docs) > lines {
			t.Errorf("%d documents from %d lines", len(docs), lines)
		}
		for _, d := range docs {
			if d.Text == "" || !utf8.ValidString(d.Text) {
				t.Errorf("document %q from %q", d.Text, in)
			}
		}
	})
}

// FuzzRead feeds arbitrary bytes, in pieces of every size, to the reader
// every file and stdin go through: it returns the input exactly, or stops
// with ErrTooLarge when the input is over the budget, or ErrNotText at a
// NUL byte it names (or at UTF-16 or control characters at the start).
func FuzzRead(f *testing.F) {
	for _, s := range []string{"", "text\n", "a\x00b", "\xef\xbb\xbf\x00", "\xff\xfeh\x00", "\x01\x02\x03ab", strings.Repeat("z", 70000) + "\x00"} {
		f.Add([]byte(s), int64(1<<20), false)
		f.Add([]byte(s), int64(3), true)
	}
	f.Fuzz(func(t *testing.T, in []byte, budget int64, oneByte bool) {
		budget = max(budget, 0) % (1 << 20)
		l := &loader{opt: Options{MaxBytes: max(budget, 1)}, budget: budget}
		var r io.Reader = bytes.NewReader(in)
		if oneByte {
			r = iotest.OneByteReader(r)
		}
		size := int64(len(in))
		if oneByte {
			size = -1 // as stdin
		}
		b, err := l.read(r, "fuzz", size)
		switch {
		case err == nil:
			if !bytes.Equal(b, in) || int64(len(b)) > budget || l.budget != budget-int64(len(b)) {
				t.Errorf("read %d bytes of %d with budget %d (left %d): not the input", len(b), len(in), budget, l.budget)
			}
		case errors.Is(err, ErrTooLarge):
			if int64(len(in)) <= budget {
				t.Errorf("ErrTooLarge for %d bytes under a budget of %d", len(in), budget)
			}
		case errors.Is(err, ErrNotText):
			var de *DataError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DataError", err)
			}
			if de.Offset >= 0 && (de.Offset >= int64(len(in)) || in[de.Offset] != 0) {
				t.Errorf("NUL reported at byte offset %d of %q", de.Offset, in)
			}
			if de.Offset < 0 && bytes.IndexByte(in[:min(len(in), firstBlock+3)], 0) >= 0 && !bytes.HasPrefix(in, []byte{0xff, 0xfe}) && !bytes.HasPrefix(in, []byte{0xfe, 0xff}) {
				t.Errorf("error %v names no offset though a NUL comes first", err)
			}
		default:
			t.Errorf("read: unexpected error %v", err)
		}
	})
}

func ExampleLoad() {
	c, err := Load([]string{"-:2", "sample:cats"}, Options{Stdin: strings.NewReader("My own notes, read from a pipe.\n")})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range c.Sources {
		fmt.Printf("%s (%s), weight %g, %d bytes; %s\n", s.Name, s.Kind, s.Weight, s.Bytes, s.Split)
	}
	_, err = Load([]string{"notes.txt:0"}, Options{})
	fmt.Println(err)
	// Output:
	// stdin (stdin), weight 2, 32 bytes; one document: first 90 % train, last 10 % validation
	// sample:cats (sample), weight 1, 38829 bytes; one document: first 90 % train, last 10 % validation
	// data "notes.txt:0": weight 0 is zero; weight must be a positive finite number (1e-06 to 1e+06), as in notes.txt:2
}

// TestSampleSplitKeepsLinesWhole: a built-in sample is cut at a line start,
// so no word is split between training and validation text.
func TestSampleSplitKeepsLinesWhole(t *testing.T) {
	for _, name := range Names() {
		c, err := Load([]string{"sample:" + name}, Options{})
		if err != nil {
			t.Fatal(err)
		}
		src := c.Sources[0]
		if !strings.HasSuffix(src.TrainText, "\n") || src.ValText == "" {
			t.Errorf("%s: training text ends %q, validation has %d bytes; want a cut at a line start", name, src.TrainText[max(0, len(src.TrainText)-20):], len(src.ValText))
		}
		if smp, _ := Lookup(name); src.TrainText+src.ValText != smp.Text() {
			t.Errorf("%s: train + val is not the sample's text", name)
		}
	}
}
