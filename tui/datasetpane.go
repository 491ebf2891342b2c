package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/samples"
)

// previewBytes is how much of a source the preview shows.
const previewBytes = 16 << 10

// datasetPane lists the sources in use with their sizes and split, and a
// scrollable preview of the selected one.
type datasetPane struct {
	box
	km *keyMap

	have      bool
	sources   []*samples.Source
	stats     []samples.Stats
	total     samples.Stats
	leaks     []samples.Leak
	tokenizer string
	vocab     int
	model     string
	sel       int

	offset  int
	preview []string // the selected source's preview, wrapped to the pane
	wrapW   int
}

func newDatasetPane(st *Styles, km *keyMap) *datasetPane {
	return &datasetPane{box: box{st: st}, km: km}
}

func (p *datasetPane) SetSize(w, h int) { p.box.SetSize(w, h); p.preview = nil }

func (p *datasetPane) setData(s *Session, stats []samples.Stats, total samples.Stats, leaks []samples.Leak) {
	p.have = true
	p.sources = s.Corpus.Sources
	p.stats, p.total, p.leaks = stats, total, leaks
	p.tokenizer, p.vocab = s.Tokenizer.Name(), s.Tokenizer.VocabSize()
	c := s.Trainer.Model.Config
	preset := s.Preset
	if preset == "" && s.From != "" {
		preset = "from " + s.From
	}
	p.model = fmt.Sprintf("%s: %d layers, %d heads, %d channels, context %d, %s params",
		preset, c.Layers, c.Heads, c.Embd, c.Context, thousands(c.NumParams()))
	p.sel, p.offset, p.preview = 0, 0, nil
}

func (p *datasetPane) scroll(d int) { p.offset = max(p.offset+d, 0) }

// Update handles the pane's keys.
func (p *datasetPane) Update(msg tea.Msg) tea.Cmd {
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !p.have {
		return nil
	}
	_, h := p.inner()
	km := p.km
	switch {
	case key.Matches(k, km.SourcePrev):
		p.sel = (p.sel + len(p.sources) - 1) % len(p.sources)
		p.offset, p.preview = 0, nil
	case key.Matches(k, km.SourceNext):
		p.sel = (p.sel + 1) % len(p.sources)
		p.offset, p.preview = 0, nil
	case key.Matches(k, km.Up):
		p.scroll(-1)
	case key.Matches(k, km.Down):
		p.scroll(1)
	case key.Matches(k, km.PageUp):
		p.scroll(-h / 2)
	case key.Matches(k, km.PageDown):
		p.scroll(h / 2)
	}
	return nil
}

func (p *datasetPane) View() string { return p.frame("Dataset", p.lines()) }

func (p *datasetPane) lines() []string {
	st := p.st
	w, h := p.inner()
	if !p.have {
		return []string{st.Muted.Render("loading…")}
	}
	kv := func(k, v string) string { return st.Label.Render(k) + " " + st.Value.Render(v) }
	out := []string{
		kv("tokenizer", fmt.Sprintf("%s (%d tokens)", p.tokenizer, p.vocab)),
		kv("model", p.model),
	}
	if len(p.sources) > 1 {
		out = append(out, kv("all", fmt.Sprintf("%d sources, %s, %s tokens", len(p.sources), size(p.total), thousands(int64(p.total.Tokens)))))
	}
	src, s := p.sources[p.sel], p.stats[p.sel]
	on := "on"
	if !src.Enabled {
		on = "off"
	}
	name := src.Name
	if len(p.sources) > 1 {
		name = fmt.Sprintf("%d/%d %s", p.sel+1, len(p.sources), name)
	}
	out = append(out,
		st.Selected.Render("▸ "+name)+"  "+kv("weight", fmt.Sprintf("%g", src.Weight))+"  "+st.Muted.Render(on),
		"  "+st.Value.Render(size(s)),
		"  "+kv("tokens", thousands(int64(s.Tokens)))+"  "+kv("train", thousands(int64(s.TrainTokens)))+"  "+kv("val", thousands(int64(s.ValTokens))),
		"  "+kv("split", src.Split),
	)
	switch n := len(p.leaks); {
	case n == 0:
		out = append(out, "  "+kv("leaks", "none"))
	default:
		out = append(out, "  "+kv("leaks", fmt.Sprintf("%d lines in both train and val", n)))
	}
	var wrapped []string
	for _, l := range out {
		wrapped = append(wrapped, hang(l, w, 4)...)
	}
	out = wrapped
	out = append(out, st.Muted.Render("── preview "+strings.Repeat("─", max(w-11, 0))))
	if p.preview == nil || p.wrapW != w {
		text := printable(src.Preview(previewBytes))
		p.preview = strings.Split(ansi.Wrap(text, w, " "), "\n")
		p.wrapW = w
	}
	rows := max(h-len(out), 1)
	p.offset = min(p.offset, max(len(p.preview)-rows, 0))
	end := min(p.offset+rows, len(p.preview))
	return append(out, p.preview[p.offset:end]...)
}

// size describes a text's size in bytes, characters and lines.
func size(s samples.Stats) string {
	return fmt.Sprintf("%s, %s chars, %s lines", bytesize(int64(s.Bytes)), thousands(int64(s.Chars)), thousands(int64(s.Lines)))
}

func bytesize(n int64) string {
	switch {
	case n >= 10<<20:
		return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 10<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// thousands writes n with thin separators: 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// hang wraps line at w cells, indenting continuation lines by indent.
func hang(line string, w, indent int) []string {
	if ansi.StringWidth(line) <= w || w <= indent+8 {
		return []string{line}
	}
	parts := strings.Split(ansi.Wrap(line, w, " "), "\n")
	first, rest := parts[0], strings.TrimSpace(strings.Join(parts[1:], " "))
	out := []string{first}
	pad := strings.Repeat(" ", indent)
	for _, l := range strings.Split(ansi.Wrap(rest, w-indent, " "), "\n") {
		out = append(out, pad+l)
	}
	return out
}
