package samples

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// DefaultMaxBytes is how much Load reads at most, over all sources, when
// Options.MaxBytes is 0: enough for any corpus a laptop trains on, and a stop
// for a mistaken --data /.
const DefaultMaxBytes = 256 << 20

// Options tunes Load. The zero value is ready to use.
type Options struct {
	Field            string    // JSONL field that holds the text; "" means "text"
	MaxBytes         int64     // cap on bytes read over all sources; 0 means DefaultMaxBytes
	ValFraction      float64   // share of each source held out for validation; 0 means 0.1
	AllowInvalidUTF8 bool      // keep invalid UTF-8 and count it (for byte-level tokenizers) instead of failing
	Stdin            io.Reader // read for the source "-"
}

// Corpus is the loaded training data: one Source per --data value.
type Corpus struct {
	Sources []*Source
}

// Source is one --data value, read, checked and split.
type Source struct {
	Spec    string  // the --data value as given
	Name    string  // what to call it on screen: the path, "stdin" or "sample:NAME"
	Kind    Kind    // KindFile, KindDir, KindJSONL, KindStdin or KindSample
	Weight  float64 // relative share of training batches
	Enabled bool    // whether training and validation use it

	Docs []Doc // the documents in reading order

	TrainText, ValText string
	Split              string // how it was split, for display

	Bytes, Chars, Lines int // of the documents as read
	Files               int // files read (a directory may hold many)
	InvalidBytes        int // invalid UTF-8 bytes kept (AllowInvalidUTF8 only)
}

// Doc is one document: a file, or a line of a JSONL file.
type Doc struct {
	Name string // path, or path:line for JSONL
	Text string
	Val  bool // held out for validation (when the source splits by document)
}

// Load reads the sources named by specs (see ParseSpec), checks them and
// splits each into training and validation text. Errors name the source and
// what to do about it.
//
// A source of many documents (files of a directory, lines of a JSONL file)
// is split by document: every tenth document, spread evenly, goes to
// validation (with ValFraction 0.1). A source with fewer documents than that
// needs is split inside each document, the first 90 % of its characters for
// training and the rest for validation, which for one plain file is exactly
// nanoGPT's split.
func Load(specs []string, opt Options) (*Corpus, error) {
	if len(specs) == 0 {
		return nil, errors.New("no data: give --data FILE, DIR/, - (stdin) or sample:NAME")
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.ValFraction <= 0 || opt.ValFraction >= 1 {
		opt.ValFraction = 0.1
	}
	l := &loader{opt: opt, budget: opt.MaxBytes, jsonStdin: opt.Field != ""}
	if l.opt.Field == "" {
		l.opt.Field = "text"
	}
	c := &Corpus{}
	for _, raw := range specs {
		spec, err := ParseSpec(raw, exists)
		if err != nil {
			return nil, err
		}
		src, err := l.load(spec)
		if err != nil {
			return nil, err
		}
		if len(src.Docs) == 0 || src.Bytes == 0 {
			return nil, fmt.Errorf("data %s: no text in it; give a file with some text in it", describe(spec))
		}
		c.Sources = append(c.Sources, src)
	}
	return c, nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// describe names a spec in an error, with how its weight was read.
func describe(s Spec) string {
	if s.Raw != s.Path && s.Kind == KindPath {
		return fmt.Sprintf("%s (from %q, weight %g)", s.Path, s.Raw, s.Weight)
	}
	return s.Raw
}

// loader reads sources against one shared byte budget.
type loader struct {
	opt       Options
	budget    int64 // bytes still allowed
	jsonStdin bool  // a --field was given, so stdin is JSONL
}

func (l *loader) load(spec Spec) (*Source, error) {
	src := &Source{Spec: spec.Raw, Name: spec.Path, Weight: spec.Weight, Enabled: true}
	var err error
	switch spec.Kind {
	case KindSample:
		var s Sample
		if s, err = Lookup(spec.Path); err != nil {
			return nil, fmt.Errorf("data %s: %w", spec.Raw, err)
		}
		src.Kind, src.Name = KindSample, "sample:"+s.Name
		text := s.Text()
		if err = l.take(int64(len(text)), src.Name); err != nil {
			return nil, err
		}
		src.Docs = []Doc{{Name: src.Name, Text: text}}
	case KindStdin:
		src.Kind, src.Name = KindStdin, "stdin"
		if l.opt.Stdin == nil {
			return nil, errors.New("data -: no standard input to read")
		}
		var b []byte
		if b, err = l.read(l.opt.Stdin, "stdin"); err != nil {
			return nil, err
		}
		if l.jsonStdin || looksJSONL(b) {
			src.Kind = KindJSONL
			src.Docs, err = l.jsonl(b, "stdin")
		} else {
			src.Docs, err = l.plain(b, "stdin")
		}
	default:
		err = l.path(src, spec)
	}
	if err != nil {
		return nil, err
	}
	for _, d := range src.Docs {
		b, c, n := count(d.Text)
		src.Bytes, src.Chars, src.Lines = src.Bytes+b, src.Chars+c, src.Lines+n
		src.InvalidBytes += invalidBytes(d.Text)
	}
	// Built-in samples are made of lines; cutting them at a line keeps the
	// last training word whole (a file keeps nanoGPT's exact cut).
	src.TrainText, src.ValText, src.Split = split(src.Docs, l.opt.ValFraction, src.Kind == KindSample)
	return src, nil
}

// path reads a file or walks a directory.
func (l *loader) path(src *Source, spec Spec) error {
	info, err := os.Stat(spec.Path)
	if err != nil {
		hint := "check the path"
		if spec.Raw != spec.Path {
			hint = fmt.Sprintf("the part after the last colon was read as a weight (%g); check the path", spec.Weight)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("data %s: no such file or directory; %s", spec.Raw, hint)
		}
		return fmt.Errorf("data %s: %w", spec.Raw, err)
	}
	if !info.IsDir() {
		src.Kind, src.Files = KindFile, 1
		docs, err := l.file(spec.Path, info)
		if isJSONL(spec.Path) {
			src.Kind = KindJSONL
		}
		src.Docs = docs
		return err
	}
	src.Kind = KindDir
	err = filepath.WalkDir(spec.Path, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("data %s: %w", spec.Raw, err)
		}
		if path != spec.Path && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !isText(path) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return fmt.Errorf("data %s: %w", path, err)
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		docs, err := l.file(path, info)
		if err != nil {
			return err
		}
		src.Files++
		src.Docs = append(src.Docs, docs...)
		return nil
	})
	if err == nil && src.Files == 0 {
		err = fmt.Errorf("data %s: no .txt or .md files in this directory (hidden files are skipped)", spec.Raw)
	}
	return err
}

func isText(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".txt" || ext == ".md"
}

func isJSONL(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".jsonl" || ext == ".ndjson"
}

// file reads one file: a JSONL file gives a document per line, any other
// file one document.
func (l *loader) file(path string, info fs.FileInfo) ([]Doc, error) {
	if info.Size() > l.budget {
		return nil, l.overCap(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", path, err)
	}
	defer f.Close()
	b, err := l.read(f, path)
	if err != nil {
		return nil, err
	}
	if isJSONL(path) {
		return l.jsonl(b, path)
	}
	return l.plain(b, path)
}

// read reads r to the end, but never more than the budget allows.
func (l *loader) read(r io.Reader, name string) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, l.budget+1))
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", name, err)
	}
	if err := l.take(int64(len(b)), name); err != nil {
		return nil, err
	}
	return b, nil
}

func (l *loader) take(n int64, name string) error {
	if n > l.budget {
		return l.overCap(name)
	}
	l.budget -= n
	return nil
}

func (l *loader) overCap(name string) error {
	return fmt.Errorf("data %s: the data is over the size cap of %s (reading stopped here); if that is what you meant, raise it with --max-bytes", name, formatBytes(l.opt.MaxBytes))
}

// plain checks a text file and returns it as one document.
func (l *loader) plain(b []byte, name string) ([]Doc, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark is not text
	if err := checkBinary(b, name); err != nil {
		return nil, err
	}
	if err := l.checkUTF8(b, name, 1, 0); err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, nil
	}
	return []Doc{{Name: name, Text: string(b)}}, nil
}

// jsonl returns one document per non-blank line: the string in the field
// Options.Field of the JSON object on that line.
func (l *loader) jsonl(b []byte, name string) ([]Doc, error) {
	if err := checkBinary(b, name); err != nil {
		return nil, err
	}
	var docs []Doc
	line, offset := 0, 0
	for len(b) > 0 {
		line++
		row := b
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			row = b[:i]
		}
		b = b[min(len(row)+1, len(b)):]
		if err := l.checkUTF8(row, name, line, offset); err != nil {
			return nil, err
		}
		offset += len(row) + 1
		row = bytes.TrimSpace(row)
		if len(row) == 0 {
			continue
		}
		text, err := l.jsonField(row, name, line)
		if err != nil {
			return nil, err
		}
		if text != "" {
			docs = append(docs, Doc{Name: fmt.Sprintf("%s:%d", name, line), Text: text})
		}
	}
	return docs, nil
}

func (l *loader) jsonField(row []byte, name string, line int) (string, error) {
	field := l.opt.Field
	if row[0] != '{' {
		return "", fmt.Errorf("data %s: line %d is not a JSON object; want one object per line, like {%q: \"...\"}", name, line, field)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(row, &obj); err != nil {
		return "", fmt.Errorf("data %s: line %d is not valid JSON: %v", name, line, err)
	}
	raw, ok := obj[field]
	if !ok {
		have := make([]string, 0, len(obj))
		for k := range obj {
			have = append(have, k)
		}
		slices.Sort(have)
		return "", fmt.Errorf("data %s: line %d has no field %q (it has: %s); choose the field with --field NAME", name, line, field, strings.Join(have, ", "))
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return "", fmt.Errorf("data %s: line %d: field %q is %s, want a string", name, line, field, jsonKind(raw))
	}
	return text, nil
}

func jsonKind(raw json.RawMessage) string {
	switch s := strings.TrimSpace(string(raw)); {
	case s == "null":
		return "null"
	case strings.HasPrefix(s, "{"):
		return "an object"
	case strings.HasPrefix(s, "["):
		return "an array"
	case s == "true" || s == "false":
		return "a boolean"
	}
	return "a number"
}

// looksJSONL reports whether text read from stdin is JSON lines.
func looksJSONL(b []byte) bool {
	b = bytes.TrimSpace(b)
	return len(b) > 1 && b[0] == '{' && b[len(b)-1] == '}'
}

// checkBinary rejects data that is not text: any NUL byte (also the sign of
// UTF-16), or more than 10 % control characters in the first 64 KiB.
func checkBinary(b []byte, name string) error {
	if bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff}) {
		return fmt.Errorf("data %s: the file is UTF-16 text; convert it to UTF-8 (for example: iconv -f UTF-16 -t UTF-8)", name)
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return fmt.Errorf("data %s: looks like a binary file (NUL byte at byte offset %d); give a text file", name, i)
	}
	head := b[:min(len(b), 64<<10)]
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v' || c == 0x7f {
			ctl++
		}
	}
	if ctl > 0 && ctl*10 > len(head) {
		return fmt.Errorf("data %s: looks like a binary file (%d control characters in the first %d bytes); give a text file", name, ctl, len(head))
	}
	return nil
}

// checkUTF8 fails on the first invalid UTF-8 byte, naming its line and byte
// offset, unless invalid UTF-8 is allowed. b starts at line firstLine and at
// byte offset base of its file.
func (l *loader) checkUTF8(b []byte, name string, firstLine, base int) error {
	if l.opt.AllowInvalidUTF8 || utf8.Valid(b) {
		return nil
	}
	line := firstLine
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return fmt.Errorf("data %s: line %d, byte offset %d: invalid UTF-8 (byte 0x%02x); save the file as UTF-8, or use a byte-level tokenizer (bpe), which accepts any bytes", name, line, base+i, b[i])
		}
		if b[i] == '\n' {
			line++
		}
		i += size
	}
	return nil
}

func invalidBytes(s string) int {
	if utf8.ValidString(s) {
		return 0
	}
	n := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n++
		}
		i += size
	}
	return n
}

// split divides docs into training and validation text; see Load. With
// atLine, a document cut by position is cut at the next line start instead.
func split(docs []Doc, valFraction float64, atLine bool) (train, val, how string) {
	n := len(docs)
	if int(float64(n)*valFraction) >= 1 {
		var tr, va []string
		for i := range docs {
			// Document i is held out when the running count of held-out
			// documents, n*f rounded down, steps up at it: evenly spread.
			docs[i].Val = int(float64(i+1)*valFraction) > int(float64(i)*valFraction)
			if docs[i].Val {
				va = append(va, docs[i].Text)
			} else {
				tr = append(tr, docs[i].Text)
			}
		}
		return joinDocs(tr), joinDocs(va), fmt.Sprintf("by document: %d train, %d validation", len(tr), len(va))
	}
	var tr, va []string
	for _, d := range docs {
		runes := utf8.RuneCountInString(d.Text)
		cut := int(float64(runes) * (1 - valFraction))
		at := byteIndexOfRune(d.Text, cut)
		if nl := strings.IndexByte(d.Text[at:], '\n'); atLine && at > 0 && d.Text[at-1] != '\n' && nl >= 0 {
			at += nl + 1
		}
		tr, va = append(tr, d.Text[:at]), append(va, d.Text[at:])
	}
	pct := int(100*(1-valFraction) + 0.5)
	how = fmt.Sprintf("within each document: first %d %% train, last %d %% validation", pct, 100-pct)
	if n == 1 {
		return tr[0], va[0], fmt.Sprintf("one document: first %d %% train, last %d %% validation", pct, 100-pct)
	}
	return joinDocs(tr), joinDocs(va), how
}

// joinDocs puts documents one after another with a blank line between them.
func joinDocs(docs []string) string {
	var b strings.Builder
	for i, d := range docs {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(d)
		if !strings.HasSuffix(d, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// byteIndexOfRune returns the byte offset of the n-th rune of s (len(s) past
// the end). Invalid bytes count as one rune each, as utf8.RuneCountInString
// counts them.
func byteIndexOfRune(s string, n int) int {
	for i := range s {
		if n == 0 {
			return i
		}
		n--
	}
	return len(s)
}

// count returns the bytes, characters and lines of s; a last line without a
// newline counts.
func count(s string) (bytes, chars, lines int) {
	lines = strings.Count(s, "\n")
	if s != "" && !strings.HasSuffix(s, "\n") {
		lines++
	}
	return len(s), utf8.RuneCountInString(s), lines
}

func formatBytes(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		return fmt.Sprintf("%.0f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
