package samples

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"unicode"
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
// splits each into training and validation text. Errors name the source, the
// place in it and what to do about it; they match one of the Err values of
// this package with errors.Is, and a *DataError says where (errors.As).
//
// A source of many documents (files of a directory, lines of a JSONL file)
// is split by document: every tenth document, spread evenly, goes to
// validation (with ValFraction 0.1). A source with fewer documents than that
// needs is split inside each document, the first 90 % of its characters for
// training and the rest for validation, which for one plain file is exactly
// nanoGPT's split.
//
// Reading stops early on what cannot be text: at a NUL byte, and after the
// first 64 KiB when those are UTF-16 or mostly control characters, so
// "--data - < /dev/zero" fails at once instead of filling the size cap. A
// path must name a regular file or a directory (symbolic links are
// followed); a FIFO, device or socket is refused without being opened, and
// is read only as standard input ("-"). Standard input is plain text, or
// JSON lines when Options.Field is given. A UTF-8 byte order mark at the
// start of a file, JSONL or not, is dropped.
func Load(specs []string, opt Options) (*Corpus, error) {
	if len(specs) == 0 {
		return nil, dataErr(ErrNoData, "", "no data; give --data FILE, DIR/, - (stdin) or sample:NAME")
	}
	if opt.MaxBytes < 0 {
		return nil, dataErr(ErrBadOption, fmt.Sprintf("--max-bytes %d", opt.MaxBytes), "the size cap is negative; give a number of bytes, or 0 for the default cap of %s", formatBytes(DefaultMaxBytes))
	}
	if opt.MaxBytes == 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.ValFraction <= 0 || opt.ValFraction >= 1 || math.IsNaN(opt.ValFraction) {
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
			return nil, dataErr(ErrNoData, describe(spec), "no text in it; %s", noTextFix[src.Kind])
		}
		c.Sources = append(c.Sources, src)
	}
	return c, nil
}

// noTextFix says what to do about a source without text.
var noTextFix = map[Kind]string{
	KindFile:  "give a file with some text in it",
	KindDir:   "give a directory whose .txt or .md files have some text in them",
	KindJSONL: "give lines whose field (--field) holds some text",
	KindStdin: "pipe some text in",
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
			return nil, dataErr(ErrUnknownSample, spec.Raw, "%v", err)
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
			return nil, dataErr(ErrNoData, spec.Raw, "no standard input to read; pipe the text in (lmlab --data - < notes.txt) or name the file")
		}
		var b []byte
		if b, err = l.read(l.opt.Stdin, "stdin", -1); err != nil {
			return nil, err
		}
		// Text that merely looks like JSON ({ ... }) stays text: only
		// --field makes stdin JSON lines.
		if l.jsonStdin {
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
		if target, lerr := os.Readlink(spec.Path); lerr == nil && errors.Is(err, fs.ErrNotExist) {
			return dataErr(nil, spec.Raw, "a symbolic link to %s, which does not exist; restore the file or point the link elsewhere", target).because(err)
		}
		return statErr(spec.Raw, err, hint)
	}
	if !info.IsDir() {
		src.Kind, src.Files = KindFile, 1
		if isJSONL(spec.Path) {
			src.Kind = KindJSONL
		}
		src.Docs, err = l.file(spec.Path, info)
		return err
	}
	src.Kind = KindDir
	seen := []fs.FileInfo{info}
	if err := l.walk(src, spec.Path, []fs.FileInfo{info}, &seen); err != nil {
		return err
	}
	if src.Files == 0 {
		return dataErr(ErrNoData, spec.Raw, "no .txt or .md files in this directory (hidden files are skipped); give a directory of text files, or name the files")
	}
	return nil
}

// statErr explains why a path could not be looked at.
func statErr(name string, err error, hint string) error {
	switch {
	case errors.Is(err, syscall.ELOOP):
		return dataErr(ErrSymlinkLoop, name, "a symbolic link that leads back to itself (too many levels of links); point the link at a file or directory, or remove it").because(err)
	case errors.Is(err, fs.ErrNotExist):
		return dataErr(nil, name, "no such file or directory; %s", hint).because(err)
	case errors.Is(err, fs.ErrPermission):
		return dataErr(nil, name, "permission denied; check who may read it (ls -l)").because(err)
	}
	return dataErr(nil, name, "%v; %s", err, hint).because(err)
}

// walk reads the .txt and .md files under dir, depth first in lexical
// order, skipping hidden names and following symbolic links. parents are
// the directories from the root down to dir (a link back to one of them is
// a loop); seen are the directories read so far (one reached again through
// a link is read once).
func (l *loader) walk(src *Source, dir string, parents []fs.FileInfo, seen *[]fs.FileInfo) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return statErr(dir, err, "check the directory")
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		path := filepath.Join(dir, e.Name())
		typ := e.Type()
		if typ&(fs.ModeDir|fs.ModeSymlink) == 0 && !isText(path) {
			continue // not ours, and no need to look closer
		}
		info, err := os.Stat(path) // follows links
		if err != nil {
			if typ&fs.ModeSymlink != 0 && errors.Is(err, fs.ErrNotExist) {
				if !isText(path) {
					continue // a broken link to something we would not read anyway
				}
				target, _ := os.Readlink(path)
				return dataErr(nil, path, "a symbolic link to %s, which does not exist; restore the file or remove the link", target).because(err)
			}
			return statErr(path, err, "check the file")
		}
		switch {
		case info.IsDir():
			if slices.ContainsFunc(parents, func(p fs.FileInfo) bool { return os.SameFile(p, info) }) {
				target, _ := os.Readlink(path)
				return dataErr(ErrSymlinkLoop, path, "a symbolic link to %s, which encloses it, so the directory would never end; remove the link, or give --data the directory it points to", target)
			}
			if slices.ContainsFunc(*seen, func(p fs.FileInfo) bool { return os.SameFile(p, info) }) {
				continue // already read through another path
			}
			*seen = append(*seen, info)
			if err := l.walk(src, path, append(parents[:len(parents):len(parents)], info), seen); err != nil {
				return err
			}
		case !isText(path):
		case !info.Mode().IsRegular():
			return notRegular(path, info.Mode())
		default:
			docs, err := l.file(path, info)
			if err != nil {
				return err
			}
			src.Files++
			src.Docs = append(src.Docs, docs...)
		}
	}
	return nil
}

// notRegular refuses a path that is neither a regular file nor a directory.
// It is never opened: opening a FIFO blocks until someone writes to it.
func notRegular(name string, mode fs.FileMode) error {
	what := "not a regular file"
	switch {
	case mode&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case mode&fs.ModeCharDevice != 0:
		what = "a character device"
	case mode&fs.ModeDevice != 0:
		what = "a block device"
	case mode&fs.ModeSocket != 0:
		what = "a socket"
	}
	return dataErr(ErrNotRegular, name, "%s, not a regular file; give a text file, or to read a pipe or device send it to standard input: --data - < %s", what, name)
}

func isText(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".txt" || ext == ".md"
}

func isJSONL(path string) bool {
	ext := strings.ToLower(filepath.Ext(path))
	return ext == ".jsonl" || ext == ".ndjson"
}

// file reads one file, which info (from os.Stat) describes: a JSONL file
// gives a document per line, any other file one document.
func (l *loader) file(path string, info fs.FileInfo) ([]Doc, error) {
	if !info.Mode().IsRegular() {
		return nil, notRegular(path, info.Mode())
	}
	if info.Size() > l.budget {
		return nil, l.overCap(path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, statErr(path, err, "check the file")
	}
	defer f.Close()
	b, err := l.read(f, path, info.Size())
	if err != nil {
		return nil, err
	}
	if isJSONL(path) {
		return l.jsonl(b, path)
	}
	return l.plain(b, path)
}

// firstBlock is how much read looks at before deciding the data is text.
const firstBlock = 64 << 10

// read reads r to the end, but never more than the budget allows, and stops
// early on data that is not text: at a NUL byte anywhere, and after the
// first block when that block is UTF-16 or mostly control characters. size
// is the size of the file, or -1 when it is not known (stdin).
func (l *loader) read(r io.Reader, name string, size int64) ([]byte, error) {
	lr := io.LimitReader(r, l.budget+1)
	want := int64(firstBlock) // room for the whole file once its first block is text
	if size >= 0 {
		want = min(size, l.budget) + 1 // one more to see a file that grew since Stat, or its end
	}
	b := make([]byte, 0, max(min(want, 4<<10), 512)) // a huge sparse file of NULs costs at most one block
	checked := false
	for {
		if len(b) == cap(b) {
			b = slices.Grow(b, cap(b))
		}
		end := cap(b)
		if !checked {
			end = min(end, firstBlock)
		}
		m, err := lr.Read(b[len(b):end])
		if i := bytes.IndexByte(b[len(b):len(b)+m], 0); i >= 0 {
			b = b[:len(b)+m]
			if !checked {
				return nil, checkBinary(b, name, 0) // UTF-16 says so before its NUL bytes
			}
			return nil, nulErr(name, int64(len(b)-m+i))
		}
		b = b[:len(b)+m]
		if !checked && (len(b) >= firstBlock || err != nil) {
			checked = true
			if err := checkBinary(bytes.TrimPrefix(b, bom), name, 0); err != nil {
				return nil, err
			}
			if want > int64(cap(b)) {
				b = slices.Grow(b, int(want)-len(b))
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, dataErr(nil, name, "reading stopped: %v; check the file or the device it is on", err).because(err).at(0, int64(len(b)))
		}
		if int64(len(b)) > l.budget {
			break
		}
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
	return dataErr(ErrTooLarge, name, "the data is over the size cap of %s (reading stopped here); if that is what you meant, raise it with --max-bytes", formatBytes(l.opt.MaxBytes))
}

// bom is the UTF-8 byte order mark, which some editors put at the start of
// a file; it is not text.
var bom = []byte("\xef\xbb\xbf")

// plain checks a text file and returns it as one document.
func (l *loader) plain(b []byte, name string) ([]Doc, error) {
	base := 0
	if bytes.HasPrefix(b, bom) {
		b, base = b[len(bom):], len(bom)
	}
	if err := checkBinary(b, name, base); err != nil {
		return nil, err
	}
	if err := l.checkUTF8(b, name, 1, base); err != nil {
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
	offset := 0
	if bytes.HasPrefix(b, bom) {
		b, offset = b[len(bom):], len(bom)
	}
	if err := checkBinary(b, name, offset); err != nil {
		return nil, err
	}
	var docs []Doc
	line := 0
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
		start := offset + len(row) - len(bytes.TrimLeftFunc(row, unicode.IsSpace))
		offset += len(row) + 1
		row = bytes.TrimSpace(row)
		if len(row) == 0 {
			continue
		}
		text, err := l.jsonField(row, name, line, int64(start))
		if err != nil {
			return nil, err
		}
		if text != "" {
			docs = append(docs, Doc{Name: fmt.Sprintf("%s:%d", name, line), Text: text})
		}
	}
	return docs, nil
}

// jsonField returns the text in the field of one JSONL row, which starts at
// byte offset start of the line numbered line.
func (l *loader) jsonField(row []byte, name string, line int, start int64) (string, error) {
	field := l.opt.Field
	fix := fmt.Sprintf("want one JSON object per line, like {%q: \"...\"}", field)
	if name == "stdin" {
		fix += "; or leave out --field to read standard input as plain text"
	}
	if row[0] != '{' {
		return "", dataErr(ErrBadJSONL, name, "not a JSON object; %s", fix).at(line, start)
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(row, &obj); err != nil {
		at := start
		if se := (*json.SyntaxError)(nil); errors.As(err, &se) {
			at += max(se.Offset-1, 0) // Offset is just past the bad byte
		}
		return "", dataErr(ErrBadJSONL, name, "not valid JSON (%v); %s", err, fix).at(line, at).because(err)
	}
	raw, ok := obj[field]
	if !ok {
		have := make([]string, 0, len(obj))
		for k := range obj {
			have = append(have, k)
		}
		slices.Sort(have)
		return "", dataErr(ErrBadJSONL, name, "no field %q (it has: %s); choose the field with --field NAME", field, strings.Join(have, ", ")).at(line, start)
	}
	var text string
	if err := json.Unmarshal(raw, &text); err != nil {
		return "", dataErr(ErrBadJSONL, name, "field %q is %s, want a string; choose a field of text with --field NAME", field, jsonKind(raw)).at(line, start)
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

// nulErr reports a NUL byte at byte offset i.
func nulErr(name string, i int64) error {
	return dataErr(ErrNotText, name, "a NUL byte, which text does not have: this looks like a binary file (or UTF-16 text); give a UTF-8 text file").at(0, i)
}

// checkBinary rejects data that is not text: UTF-16, any NUL byte, or more
// than 10 % control characters in the first 64 KiB. b starts at byte offset
// base of its file.
func checkBinary(b []byte, name string, base int) error {
	if bytes.HasPrefix(b, []byte{0xff, 0xfe}) || bytes.HasPrefix(b, []byte{0xfe, 0xff}) {
		return dataErr(ErrNotText, name, "the file is UTF-16 text; convert it to UTF-8 (for example: iconv -f UTF-16 -t UTF-8)")
	}
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return nulErr(name, int64(base+i))
	}
	head := b[:min(len(b), firstBlock)]
	ctl := 0
	for _, c := range head {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != '\v' || c == 0x7f {
			ctl++
		}
	}
	if ctl > 0 && ctl*10 > len(head) {
		return dataErr(ErrNotText, name, "looks like a binary file (%d control characters in the first %d bytes); give a text file", ctl, len(head))
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
			return dataErr(ErrInvalidUTF8, name, "invalid UTF-8 (byte 0x%02x); save the file as UTF-8, or use a byte-level tokenizer (bpe), which accepts any bytes", b[i]).at(line, int64(base+i))
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
