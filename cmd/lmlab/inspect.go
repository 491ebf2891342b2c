package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"lmlab/engine"
	"lmlab/tokenizer"
)

func runInspect(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("inspect", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab inspect --ckpt CKPT --prompt TEXT [--topk K] [--json] [--png FILE.png [--force]]")
		fmt.Fprintln(stderr, "Show the prompt's tokens, the top-k next tokens and every layer's and head's attention;")
		fmt.Fprintln(stderr, "--png also draws the attention as heat maps (a row per layer, a column per head) with the tokens as labels.")
		fmt.Fprintln(stderr, "Layers and heads are counted from 1, as in the workbench's Attention pane; --json's arrays count from 0.")
		fs.PrintDefaults()
	}
	ckpt := fs.String("ckpt", "", "checkpoint to inspect")
	prompt := fs.String("prompt", "", "the text to run the model on")
	k := intVar(fs, "topk", 5, "how many next-token candidates to list", 1, engine.MaxVocab)
	asJSON := fs.Bool("json", false, "print one JSON object on stdout and nothing else")
	png := fs.String("png", "", "also draw the attention heat maps into this .png file")
	force := fs.Bool("force", false, "with --png: replace the file even when it is not a picture lmlab drew")
	if err := parseFlags(fs, args, stderr, hint("inspect")); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *png != "" && !strings.EqualFold(filepath.Ext(*png), ".png") {
		return fail(stderr, "inspect", fmt.Errorf("--png %s: the picture's name must end in .png", *png))
	}
	_, m, tok, err := loadModel(*ckpt)
	if err != nil {
		return fail(stderr, "inspect", err)
	}
	if *k < 1 {
		return fail(stderr, "inspect", fmt.Errorf("--topk %d must be ≥ 1", *k))
	}
	if unk := tokenizer.Unknown(tok, *prompt); len(unk) > 0 {
		fmt.Fprintf(stderr, "lmlab inspect: warning: the prompt has %d characters the tokenizer cannot represent (first %s); they are left out\n", len(unk), unk[0])
	}
	ids := engine.IDs(tok.Encode(*prompt))
	if len(ids) == 0 {
		return fail(stderr, "inspect", fmt.Errorf("--prompt %q has no tokens the model knows; give some text", *prompt))
	}
	if len(ids) > m.Config.Context {
		fmt.Fprintf(stderr, "lmlab inspect: the prompt has %d tokens; the model sees the last %d\n", len(ids), m.Config.Context)
	}
	ins := m.Inspect(ids, *k)
	if *png != "" {
		var w, h int
		err := writePNGFlag("--png", *png, *force, func(dst io.Writer) (err error) {
			w, h, err = drawAttentionPNG(dst, tok, ins)
			return err
		})
		if err != nil {
			return fail(stderr, "inspect", err)
		}
		note := stdout
		if *asJSON {
			note = stderr // stdout holds the JSON only
		}
		defer fmt.Fprintf(note, "wrote %s (%d×%d)\n", *png, w, h)
	}
	if *asJSON {
		jsonLine(stdout, inspectJSON(tok, ins))
		return 0
	}
	printInspection(stdout, tok, ins)
	return 0
}

// layerHead names layer l of nl and head h of nh, counted from 1 as people
// count and as the workbench's Attention pane shows them ("layer 1/2 head
// 3/4"); l and h are 0-based indexes into the inspection's arrays.
func layerHead(l, nl, h, nh int) string {
	return fmt.Sprintf("layer %d/%d head %d/%d", l+1, nl, h+1, nh)
}

type jsonToken struct {
	ID   int     `json:"id"`
	Text string  `json:"text"`
	Prob float32 `json:"prob,omitempty"`
}

func inspectJSON(tok tokenizer.Tokenizer, ins engine.Inspection) any {
	toks := make([]jsonToken, len(ins.Tokens))
	for i, id := range ins.Tokens {
		toks[i] = jsonToken{ID: int(id), Text: tokenText(tok, int(id))}
	}
	next := ins.Next[len(ins.Next)-1]
	top := make([]jsonToken, len(next))
	for i, p := range next {
		top[i] = jsonToken{int(p.ID), tokenText(tok, int(p.ID)), p.Prob}
	}
	return struct {
		Tokens    []jsonToken     `json:"tokens"`
		Next      []jsonToken     `json:"next"`
		Attention [][][][]float32 `json:"attention"` // [layer][head][query][key]
	}{toks, top, ins.Attention}
}

// label is a token's text made printable and short for table headers.
func label(tok tokenizer.Tokenizer, id int32, width int) string {
	s := visible(tokenText(tok, int(id)))
	if utf8.RuneCountInString(s) > width {
		r := []rune(s)
		s = string(r[:width-1]) + "…"
	}
	return s
}

// visible shows whitespace as the workbench does: · for space, → for tab,
// ⏎ for newline.
func visible(s string) string {
	return strings.NewReplacer(" ", "·", "\t", "→", "\n", "⏎", "\r", "␍").Replace(s)
}

func pad(s string, w int) string {
	if n := utf8.RuneCountInString(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

func printInspection(w io.Writer, tok tokenizer.Tokenizer, ins engine.Inspection) {
	fmt.Fprintf(w, "tokens (%d):", len(ins.Tokens))
	for _, id := range ins.Tokens {
		fmt.Fprintf(w, " [%s %d]", visible(tokenText(tok, int(id))), id)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "next token after the prompt:")
	for i, p := range ins.Next[len(ins.Next)-1] {
		bar := strings.Repeat("█", int(p.Prob*30+0.5))
		fmt.Fprintf(w, "  %d. %-14s id %-6d %6.2f%%  %s\n", i+1, fmt.Sprintf("%q", tokenText(tok, int(p.ID))), p.ID, p.Prob*100, bar)
	}
	const cw = 6
	if len(ins.Attention) > 0 {
		fmt.Fprintf(w, "\nattention: layers and heads counted from 1, as in the workbench (--json's arrays count from 0)\n")
	}
	for l, heads := range ins.Attention {
		for h, rows := range heads {
			fmt.Fprintf(w, "\n%s (rows: query tokens, columns: key tokens, weights in %%)\n", layerHead(l, len(ins.Attention), h, len(heads)))
			fmt.Fprint(w, pad("", 10))
			for _, id := range ins.Tokens {
				fmt.Fprint(w, pad(label(tok, id, cw-1), cw))
			}
			fmt.Fprintln(w)
			for q, row := range rows {
				fmt.Fprint(w, pad(label(tok, ins.Tokens[q], 9), 10))
				for kk, v := range row {
					if kk > q {
						fmt.Fprint(w, pad("", cw))
						continue
					}
					fmt.Fprint(w, pad(fmt.Sprintf("%.0f", v*100), cw))
				}
				fmt.Fprintln(w)
			}
		}
	}
}
