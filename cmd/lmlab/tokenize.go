package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/samples"
	"lmlab/tokenizer"
	"lmlab/tui"
)

// tokenizeFlags are the flags of `lmlab tokenize`.
type tokenizeFlags struct {
	spec, compare, pattern, special, file, trainOut string
	data                                            samples.Specs
	specs                                           specList // every --tokenizer; spec is the first
	stats, asJSON                                   bool
	merges, decode                                  bool
	threads                                         int
	ids, jsonl, allowSpecial, unk, showIDs, force   bool
	legend                                          bool
	color                                           string
	width                                           int
}

func runTokenize(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tokenize", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var f tokenizeFlags
	fs.Var(&f.specs, "tokenizer", "tokenizer: "+tokenizer.Specs+" (repeatable with --stats)")
	fs.BoolVar(&f.stats, "stats", false, "print a table of how each tokenizer cuts the corpus (TEXT, --file, else --data): tokens, bytes and chars per token, byte fallback, vocabulary used, longest and most frequent tokens")
	fs.BoolVar(&f.asJSON, "json", false, "with --stats, --merges or --decode: print JSON instead of text")
	fs.BoolVar(&f.merges, "merges", false, "replay the merges BPE applies to TEXT, one line per merge (rank, pair, result), ending in the ids")
	fs.BoolVar(&f.decode, "decode", false, "TEXT is ids (spaces or commas between): print the text and pieces they stand for, and the ids outside the vocabulary")
	fs.IntVar(&f.threads, "threads", 0, "with --ids: encode large inputs on this many threads (default: all cores)")
	fs.StringVar(&f.compare, "compare", "", "a second tokenizer SPEC2: show both cuts, one above the other")
	fs.Var(&f.data, "data", "text that char, word and bpe:N learn from: FILE, DIR/, JSONL or sample:NAME (repeatable; default "+lab.DefaultData+")")
	fs.StringVar(&f.pattern, "pattern", "", "split pattern for bpe:N and tiktoken: "+strings.Join(tokenizer.PatternNames(), ", ")+" or a regex (default: cl100k for bpe:N, the file's name for tiktoken)")
	fs.StringVar(&f.special, "special", "<|endoftext|>", "bpe:N: comma-separated special tokens, given the last ids")
	fs.BoolVar(&f.allowSpecial, "allow-special", false, "tiktoken: match special tokens such as <|endoftext|> in the text (default: ordinary text, as tiktoken's encode_ordinary)")
	fs.BoolVar(&f.unk, "unk", false, "char: add an <unk> id for characters outside the vocabulary")
	fs.StringVar(&f.file, "file", "", "read the text from FILE (default: the TEXT argument, else stdin)")
	fs.BoolVar(&f.ids, "ids", false, "print the ids only, separated by spaces")
	fs.BoolVar(&f.jsonl, "jsonl", false, `read {"text": ...} lines (stdin or --file), write one {"ids":[...],"tokens":[...]} line per line`)
	fs.StringVar(&f.trainOut, "train-out", "", "save the tokenizer (for bpe:N, the trained merges) to FILE; load it back with bpe:FILE")
	fs.BoolVar(&f.force, "force", false, "with --train-out: overwrite a file there that is not an lmlab tokenizer or checkpoint")
	fs.BoolVar(&f.showIDs, "show-ids", false, "write each token's id after it in the preview")
	fs.BoolVar(&f.legend, "legend", false, "after the preview, explain every glyph and style it uses")
	fs.StringVar(&f.color, "color", "auto", "colour the preview: auto (on a terminal without NO_COLOR), always or never")
	fs.IntVar(&f.width, "width", 0, "wrap the preview at this many columns (default: the terminal's, else 100)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab tokenize --tokenizer SPEC [flags] [TEXT | --file FILE]")
		fmt.Fprintln(stderr, "Shows how a tokenizer cuts text: coloured token boundaries, visible whitespace (· → ⏎),")
		fmt.Fprintln(stderr, "byte pieces as <XX>, then the count, chars/token and bytes/token. Reads stdin without TEXT or --file.")
		fmt.Fprintln(stderr, "Other modes: --ids, --jsonl, --stats (a table over a corpus), --merges (replay BPE), --decode IDS.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	text, hasText, err := parseInterleaved(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if len(f.specs) > 0 {
		f.spec = f.specs[0]
	}
	usageErr := func(msg string) int {
		fmt.Fprintln(stderr, "lmlab tokenize:", msg)
		fmt.Fprintln(stderr, "Run 'lmlab tokenize -h' for the flags.")
		return 2
	}
	switch {
	case f.spec == "":
		return usageErr("--tokenizer SPEC is required (" + tokenizer.Specs + ")")
	case len(f.specs) > 1 && !f.stats:
		return usageErr("--tokenizer is given more than once; compare two with --compare SPEC2, or many with --stats")
	case f.asJSON && !(f.stats || f.merges || f.decode):
		return usageErr("--json goes with --stats, --merges or --decode (for ids use --ids or --jsonl)")
	case (f.merges || f.decode) && f.compare != "":
		return usageErr("--merges and --decode take one tokenizer, not --compare")
	case f.threads < 0:
		return usageErr("--threads must be ≥ 0")
	case hasText && f.file != "":
		return usageErr("give the text as an argument or with --file, not both")
	case f.jsonl && (f.ids || f.compare != ""):
		return usageErr("--jsonl cannot be combined with --ids or --compare")
	case countTrue(f.stats, f.merges, f.decode, f.ids, f.jsonl) > 1:
		return usageErr("--stats, --merges, --decode, --ids and --jsonl are separate modes: give one")
	case f.jsonl && hasText:
		return usageErr("--jsonl reads lines from stdin or --file, not from an argument")
	case f.width < 0:
		return usageErr("--width must be ≥ 0")
	case f.color != "auto" && f.color != "always" && f.color != "never":
		return usageErr("--color is auto, always or never, not " + strconv.Quote(f.color))
	case f.pattern != "" && !takesPattern(f.spec) && (f.compare == "" || !takesPattern(f.compare)):
		return usageErr("--pattern applies to bpe:N and tiktoken:FILE only")
	}
	if f.trainOut != "" { // checked before a long BPE training, not after
		ins := []lab.Input{{Flag: "--file", Path: f.file}, tokenizerInput(f.spec), tokenizerInput(f.compare)}
		path, err := lab.CheckOutput(f.trainOut, lab.GuardOptions{Flag: "--train-out", Data: f.data, Inputs: ins, Stdin: stdin, Force: f.force})
		if err != nil {
			fmt.Fprintln(stderr, "lmlab tokenize:", err)
			return 1
		}
		f.trainOut = path
	}
	run := runTokenizeErr
	switch {
	case f.stats:
		run = runTokenStats
	case f.merges:
		run = runMergeReplay
	case f.decode:
		run = runDecode
	}
	if err := run(&f, text, hasText, stdin, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "lmlab tokenize:", err)
		return 1
	}
	return 0
}

// specList is a repeatable string flag.
type specList []string

func (l *specList) String() string { return strings.Join(*l, ", ") }

func (l *specList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// countTrue counts the true values among bs.
func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// takesPattern reports whether spec uses --pattern.
func takesPattern(spec string) bool {
	sp, err := tokenizer.ParseSpec(spec)
	return err == nil && ((sp.Kind == tokenizer.KindBPE && sp.Path == "") || sp.Kind == tokenizer.KindTiktoken)
}

// parseInterleaved parses flags that may come before or after the one
// positional TEXT argument.
func parseInterleaved(fs *flag.FlagSet, args []string) (text string, has bool, err error) {
	for {
		if err := parseFlags(fs, args, fs.Output(), hint("tokenize")); err != nil {
			return "", false, err
		}
		if fs.NArg() == 0 {
			return text, has, nil
		}
		if has {
			fmt.Fprintf(fs.Output(), "lmlab tokenize: more than one TEXT argument (%q and %q); quote the text\n", text, fs.Arg(0))
			return "", false, errors.New("too many arguments")
		}
		text, has, args = fs.Arg(0), true, fs.Args()[1:]
	}
}

func runTokenizeErr(f *tokenizeFlags, text string, hasText bool, stdin io.Reader, stdout, stderr io.Writer) error {
	tok, err := buildTokenizer(f, f.spec, stdin, stderr)
	if err != nil {
		return err
	}
	if f.trainOut != "" {
		data, err := tokenizer.Marshal(tok)
		if err != nil {
			return err
		}
		if err := lab.WriteFileAtomic(f.trainOut, data, 0o644); err != nil {
			return fmt.Errorf("--train-out: %w", err)
		}
		fmt.Fprintf(stderr, "saved %s (%d ids) to %s; load it with --tokenizer bpe:%s\n", tok.Name(), tok.VocabSize(), f.trainOut, f.trainOut)
	}
	var in io.Reader = stdin
	name := "stdin"
	if f.file != "" {
		file, err := os.Open(f.file)
		if err != nil {
			return fmt.Errorf("--file: %w", err)
		}
		defer file.Close()
		in, name = file, f.file
	}
	if f.jsonl {
		return tokenizeJSONL(tok, in, name, stdout, stderr)
	}
	if !hasText {
		if f.trainOut != "" && f.file == "" && readerIsTerminal(stdin) {
			return nil // only training was asked for
		}
		if f.ids {
			if ok, err := streamIDs(tok, in, name, stdout, stderr, idThreads(f.threads)); ok {
				return err
			}
		}
		b, err := io.ReadAll(in)
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		text = string(b)
	}
	reportUnknown(tok, text, "", stderr)
	// A user's split pattern may time out on this text: say so, not a
	// silently different cut.
	ids, err := tokenizer.EncodeChecked(tok, text)
	if err != nil {
		return err
	}
	if f.ids {
		strs := make([]string, len(ids))
		for i, id := range ids {
			strs[i] = strconv.Itoa(id)
		}
		_, err := fmt.Fprintln(stdout, strings.Join(strs, " "))
		return err
	}
	st, print := previewStyles(f.color, stdout)
	opt := tui.TokenViewOptions{Width: f.width, ShowIDs: f.showIDs, Whitespace: true, WrapAtTokens: true}
	if opt.Width == 0 {
		if opt.Width = tui.TerminalWidth(stdout); opt.Width == 0 {
			opt.Width = 100
		}
	}
	legend := ""
	if f.legend {
		legend = "\n\n" + tui.Legend(st)
	}
	toks := tok.EncodeTokens(text)
	if f.compare == "" {
		out := tui.RenderTokens(st, text, toks, opt)
		return print(out + "\n" + st.Muted.Render(tok.Name()+": "+tui.TokenSummary(text, toks)) + legend)
	}
	tok2, err := buildTokenizer(f, f.compare, stdin, stderr)
	if err != nil {
		return fmt.Errorf("--compare: %w", err)
	}
	reportUnknown(tok2, text, "", stderr)
	if _, err := tokenizer.EncodeChecked(tok2, text); err != nil {
		return fmt.Errorf("--compare: %w", err)
	}
	a := tui.TokenRow{Name: tok.Name(), Tokens: toks}
	b := tui.TokenRow{Name: tok2.Name(), Tokens: tok2.EncodeTokens(text)}
	return print(tui.RenderCompare(st, text, a, b, opt) + legend)
}

// previewStyles picks the preview's styles for --color and the function
// that prints it: auto colours a terminal that shows colour (reduced to what
// it shows), always writes full colour anywhere, never draws │ marks.
func previewStyles(color string, stdout io.Writer) (tui.Styles, func(string) error) {
	switch color {
	case "always":
		return tui.DefaultStyles(), func(s string) error { _, err := fmt.Fprintln(stdout, s); return err }
	case "never":
		return tui.PlainStyles(), func(s string) error { return tui.Fprintln(stdout, s) }
	}
	return tui.StylesFor(stdout), func(s string) error { return tui.Fprintln(stdout, s) }
}

// buildTokenizer makes the tokenizer of spec, reading --data for the kinds
// that learn their vocabulary.
func buildTokenizer(f *tokenizeFlags, spec string, stdin io.Reader, stderr io.Writer) (tokenizer.Tokenizer, error) {
	opt := tokenizer.SpecOptions{Pattern: f.pattern, AllowSpecial: f.allowSpecial, Unk: f.unk, Checkpoint: engine.CheckpointTokenizer}
	if f.special != "" {
		opt.Special = strings.Split(f.special, ",")
	}
	sp, err := tokenizer.ParseSpec(spec)
	if err != nil {
		return nil, err
	}
	if sp.Learns() {
		bpe := sp.Kind == tokenizer.KindBPE
		specs := f.data
		if len(specs) == 0 {
			specs = samples.Specs{lab.DefaultData}
		}
		corpus, err := samples.Load(specs, samples.Options{AllowInvalidUTF8: bpe, Stdin: stdin})
		if err != nil {
			return nil, err
		}
		var sb strings.Builder
		for _, src := range corpus.Enabled() {
			sb.WriteString(src.TrainText)
			if !bpe { // char and word see all the data, as training does
				sb.WriteString(src.ValText)
			}
		}
		opt.Text, opt.TextName = sb.String(), strings.Join(specs, ", ")
	}
	tok, err := tokenizer.FromSpec(spec, opt)
	if err != nil {
		return nil, err
	}
	return tok, nil
}

// reportUnknown writes to stderr the places of text that tok cannot
// represent (characters or words outside a char or word vocabulary, invalid
// UTF-8), prefixed with where (e.g. "stdin line 3: ").
func reportUnknown(tok tokenizer.Tokenizer, text, where string, stderr io.Writer) {
	if unk := tokenizer.Unknown(tok, text); len(unk) > 0 {
		writeUnknown(stderr, where, tok, unk, len(unk))
	}
}

// unknownShown is how many unknown places a report names.
const unknownShown = 5

// writeUnknown reports n places tok cannot represent, naming the first of
// them.
func writeUnknown(stderr io.Writer, where string, tok tokenizer.Tokenizer, first []tokenizer.Position, n int) {
	parts := make([]string, 0, unknownShown)
	for _, p := range first[:min(len(first), unknownShown)] {
		parts = append(parts, p.String())
	}
	more := ""
	if n > unknownShown {
		more = fmt.Sprintf(" and %d more", n-unknownShown)
	}
	fmt.Fprintf(stderr, "%s%s: %d not in the vocabulary: %s%s\n", where, tok.Name(), n, strings.Join(parts, ", "), more)
}

// jsonlOut is one output line of --jsonl.
type jsonlOut struct {
	IDs    []int    `json:"ids"`
	Tokens []string `json:"tokens"`
}

// tokenizeJSONL reads {"text": ...} lines and writes ids and token strings.
// Empty lines are skipped; a malformed line stops with an error naming it.
func tokenizeJSONL(tok tokenizer.Tokenizer, in io.Reader, name string, stdout, stderr io.Writer) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(nil, 64<<20)
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for line := 1; sc.Scan(); line++ {
		raw := sc.Bytes()
		if len(strings.TrimSpace(string(raw))) == 0 {
			continue
		}
		var row struct {
			Text *string `json:"text"`
		}
		if err := json.Unmarshal(raw, &row); err != nil {
			return fmt.Errorf("%s line %d: not a JSON object: %v", name, line, err)
		}
		if row.Text == nil {
			return fmt.Errorf("%s line %d: no \"text\" field (want {\"text\": \"...\"})", name, line)
		}
		reportUnknown(tok, *row.Text, fmt.Sprintf("%s line %d: ", name, line), stderr)
		ids, err := tokenizer.EncodeChecked(tok, *row.Text)
		if err != nil {
			return fmt.Errorf("%s line %d: %w", name, line, err)
		}
		out := jsonlOut{IDs: ids, Tokens: make([]string, len(ids))}
		for i, id := range ids {
			out.Tokens[i] = tokenString(tok.TokenBytes(id))
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read %s: %w", name, err)
	}
	return nil
}

// tokenString writes a token's bytes as a string, or as <0xNN> bytes when
// they are not valid UTF-8 on their own.
func tokenString(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for _, c := range b {
		fmt.Fprintf(&sb, "<0x%02X>", c)
	}
	return sb.String()
}

// readerIsTerminal reports whether r is an interactive terminal (so reading
// it would wait for typing).
func readerIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}
