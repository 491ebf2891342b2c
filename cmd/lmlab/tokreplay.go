package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"lmlab/tokenizer"
)

// readInput returns TEXT, else the contents of --file, else stdin.
func readInput(f *tokenizeFlags, text string, hasText bool, stdin io.Reader) (string, error) {
	if hasText {
		return text, nil
	}
	if f.file != "" {
		b, err := os.ReadFile(f.file)
		if err != nil {
			return "", fmt.Errorf("--file: %w", err)
		}
		return string(b), nil
	}
	b, err := io.ReadAll(stdin)
	if err != nil {
		return "", fmt.Errorf("read stdin: %w", err)
	}
	return string(b), nil
}

// textJSON writes v as one JSON line with <, > and & as they are (tokens
// such as <|endoftext|> and <0xF0> stay readable).
func textJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic("lmlab: textJSON: " + err.Error()) // our own types always marshal
	}
}

// mergeLine is one line of --merges --json.
type mergeLine struct {
	Step       int    `json:"step"`
	Word       string `json:"word"`
	Rank       int    `json:"rank"`
	Left       int    `json:"left"`
	Right      int    `json:"right"`
	ID         int    `json:"id"`
	LeftPiece  string `json:"left_piece"`
	RightPiece string `json:"right_piece"`
	Piece      string `json:"piece"`
	Whole      bool   `json:"whole,omitempty"`
	Symbols    []int  `json:"symbols"`
}

// runMergeReplay prints the merges BPE applies to the text, one per line,
// then the ids.
func runMergeReplay(f *tokenizeFlags, text string, hasText bool, stdin io.Reader, stdout, stderr io.Writer) error {
	tok, err := buildTokenizer(f, f.spec, stdin, stderr)
	if err != nil {
		return err
	}
	b, ok := tok.(*tokenizer.BPE)
	if !ok {
		return fmt.Errorf("--merges: %s has no merges to replay; give a BPE (bpe:N, bpe:FILE, tiktoken:FILE or hf:FILE)", tok.Name())
	}
	if text, err = readInput(f, text, hasText, stdin); err != nil {
		return err
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	step := 0
	ids := b.Replay(text, func(s tokenizer.MergeStep) bool {
		step++
		if f.asJSON {
			textJSON(w, mergeLine{step, s.Word, s.Rank, s.Left, s.Right, s.ID, b.Piece(s.Left), b.Piece(s.Right), b.Piece(s.ID), s.Whole, s.Symbols})
			return true
		}
		if s.Whole {
			fmt.Fprintf(w, "%4d  %q is in the vocabulary: taken whole as %q (id %d)\n", step, s.Word, b.Piece(s.ID), s.ID)
			return true
		}
		fmt.Fprintf(w, "%4d  rank %-6d %q + %q → %q (id %d)  in %q\n", step, s.Rank, b.Piece(s.Left), b.Piece(s.Right), b.Piece(s.ID), s.ID, s.Word)
		return true
	})
	if f.asJSON {
		textJSON(w, struct {
			IDs []int `json:"ids"`
		}{ids})
		return nil
	}
	fmt.Fprintf(w, "%d merges; ids: %s\n", step, joinInts(ids, " "))
	return nil
}

// joinInts writes ids with sep between them.
func joinInts(ids []int, sep string) string {
	strs := make([]string, len(ids))
	for i, id := range ids {
		strs[i] = strconv.Itoa(id)
	}
	return strings.Join(strs, sep)
}

// parseIDs reads ids separated by spaces or commas, in optional brackets.
func parseIDs(s string) ([]int, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == '[' || r == ']' || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
	ids := make([]int, 0, len(fields))
	for i, fl := range fields {
		id, err := strconv.Atoi(fl)
		if err != nil {
			return nil, fmt.Errorf("--decode: id %d is %q, not a number (give ids separated by spaces or commas, e.g. \"15496 995\")", i+1, fl)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// decodeOut is the output of --decode --json.
type decodeOut struct {
	Text    string       `json:"text"`
	Pieces  []decodedTok `json:"pieces"`
	Outside []int        `json:"outside"` // positions (from 0) of ids outside the vocabulary
}

type decodedTok struct {
	ID    int    `json:"id"`
	Piece string `json:"piece"` // the vocabulary's spelling ("▁the", <0xNN>); "" outside it
	Text  string `json:"text"`  // the bytes it stands for
}

// piecer is a tokenizer that can spell its vocabulary entries (*BPE).
type piecer interface{ Piece(id int) string }

// runDecode turns ids back into text and pieces, naming the ids outside the
// vocabulary.
func runDecode(f *tokenizeFlags, text string, hasText bool, stdin io.Reader, stdout, stderr io.Writer) error {
	tok, err := buildTokenizer(f, f.spec, stdin, stderr)
	if err != nil {
		return err
	}
	if text, err = readInput(f, text, hasText, stdin); err != nil {
		return err
	}
	ids, err := parseIDs(text)
	if err != nil {
		return err
	}
	out := decodeOut{Text: tok.Decode(ids), Pieces: make([]decodedTok, len(ids)), Outside: []int{}}
	for i, id := range ids {
		b := tok.TokenBytes(id)
		if b == nil {
			out.Outside = append(out.Outside, i)
		}
		p := tokenizer.PieceText(b)
		if pc, ok := tok.(piecer); ok {
			p = pc.Piece(id)
		}
		out.Pieces[i] = decodedTok{ID: id, Piece: p, Text: tokenizer.PieceText(b)}
	}
	if f.asJSON {
		textJSON(stdout, out)
	} else {
		fmt.Fprintf(stdout, "text: %q\n", out.Text)
		parts := make([]string, len(out.Pieces))
		for i, p := range out.Pieces {
			parts[i] = fmt.Sprintf("%d %q", p.ID, p.Piece)
			if b := tok.TokenBytes(p.ID); b == nil {
				parts[i] = fmt.Sprintf("%d ⁇", p.ID)
			}
		}
		fmt.Fprintf(stdout, "pieces: %s\n", strings.Join(parts, " │ "))
	}
	if n := len(out.Outside); n > 0 {
		bad := make([]string, 0, min(n, 5))
		for _, i := range out.Outside[:min(n, 5)] {
			bad = append(bad, fmt.Sprintf("%d (position %d)", ids[i], i+1))
		}
		more := ""
		if n > 5 {
			more = fmt.Sprintf(" and %d more", n-5)
		}
		noun := "ids"
		if n == 1 {
			noun = "id"
		}
		return fmt.Errorf("--decode: %d %s outside the vocabulary of %s (0..%d), decoded as nothing: %s%s", n, noun, tok.Name(), tok.VocabSize()-1, strings.Join(bad, ", "), more)
	}
	return nil
}
