package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"lmlab/engine/lab"
	"lmlab/samples"
	"lmlab/tokenizer"
)

// statsTop is how many longest and most frequent tokens --stats lists.
const statsTop = 5

// statsJSON is the output of --stats --json.
type statsJSON struct {
	Corpus     string                  `json:"corpus"`
	Bytes      int                     `json:"bytes"`
	Chars      int                     `json:"chars"`
	Tokenizers []tokenizer.CorpusStats `json:"tokenizers"`
}

// runTokenStats prints how each --tokenizer (and --compare) cuts the corpus:
// TEXT, --file, or else every --data source, train and validation parts.
func runTokenStats(f *tokenizeFlags, text string, hasText bool, stdin io.Reader, stdout, stderr io.Writer) error {
	name := "TEXT"
	switch {
	case hasText:
	case f.file != "":
		t, err := readInput(f, text, hasText, stdin)
		if err != nil {
			return err
		}
		text, name = t, f.file
	default:
		specs := f.data
		if len(specs) == 0 {
			specs = samples.Specs{lab.DefaultData}
		}
		t, err := loadWholeText(specs, samples.Options{AllowInvalidUTF8: true, Stdin: stdin})
		if err != nil {
			return err
		}
		text, name = t, strings.Join(specs, ", ")
	}
	specs := append([]string(nil), f.specs...)
	if f.compare != "" {
		specs = append(specs, f.compare)
	}
	out := statsJSON{Corpus: name, Bytes: len(text)}
	for _, spec := range specs {
		tok, err := buildTokenizer(f, spec, stdin, stderr)
		if err != nil {
			return err
		}
		if _, err := tokenizer.EncodeChecked(tok, text); err != nil {
			return fmt.Errorf("%s: %w", spec, err)
		}
		s := tokenizer.Stats(tok, text, statsTop)
		out.Chars = s.Chars
		out.Tokenizers = append(out.Tokenizers, s)
	}
	if f.asJSON {
		textJSON(stdout, out)
		return nil
	}
	fmt.Fprintf(stdout, "corpus %s: %s bytes, %s characters\n\n", name, thousands(int64(out.Bytes)), thousands(int64(out.Chars)))
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "tokenizer\ttokens\tbytes/token\tchars/token\tas bytes\tunknown\tvocab used\tnever used\t90% of text in\t")
	for _, s := range out.Tokenizers {
		fmt.Fprintf(tw, "%s\t%s\t%.2f\t%.2f\t%s\t%s\t%s of %s\t%s\t%s tokens\t\n", s.Tokenizer, thousands(int64(s.Tokens)),
			s.BytesPerToken, s.CharsPerToken, percent(s.FallbackBytes, s.Bytes), percent(s.UnknownBytes, s.Bytes),
			thousands(int64(s.VocabUsed)), thousands(int64(s.VocabSize)), thousands(int64(s.VocabUnused)), thousands(int64(s.Cover90)))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range out.Tokenizers {
		fmt.Fprintf(stdout, "\n%s\n  longest:       %s\n  most frequent: %s\n", s.Tokenizer, tokenList(s.Longest, false), tokenList(s.MostFrequent, true))
	}
	fmt.Fprintln(stdout, "\nas bytes: share of the text's bytes in byte tokens (byte fallback, or a token that splits a character).")
	return nil
}

// percent writes part/whole as a percentage.
func percent(part, whole int) string {
	if whole == 0 {
		return "0 %"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(part)/float64(whole))
}

// tokenList writes tokens quoted, with their count or their length in bytes.
func tokenList(toks []tokenizer.TokenCount, counts bool) string {
	parts := make([]string, len(toks))
	for i, t := range toks {
		if counts {
			parts[i] = fmt.Sprintf("%q ×%s", t.Text, thousands(int64(t.Count)))
		} else {
			parts[i] = fmt.Sprintf("%q (%d B)", t.Text, len(t.Bytes))
		}
	}
	return strings.Join(parts, ", ")
}
