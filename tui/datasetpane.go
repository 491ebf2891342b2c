package tui

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine/lab"
	"lmlab/samples"
	"lmlab/tokenizer"
)

// previewBytes is how much of a source the preview shows.
const previewBytes = 16 << 10

// datasetPane lists the sources in use with their sizes, split and weight,
// lets the user turn them on and off, re-weight them and add more, and
// previews the selected one. The pane only asks: the root applies the
// change to the session and hands the new data to the trainer.
type datasetPane struct {
	box
	km *keyMap

	have      bool
	sources   []*samples.Source // the corpus as the user wants it (the root's, read-only)
	stats     []samples.Stats   // per source, aligned with sources
	unknown   []unknownReport   // per source: what the tokenizer cannot represent
	leaks     []samples.Leak    // of the data the trainer has
	applying  bool              // a change is on its way to the trainer
	adding    string            // a source being loaded, or ""
	tokenizer string
	vocab     int
	model     string
	sel       int

	editor // the --data value of a source to add

	offset  int
	preview []string // the selected source's preview, wrapped to the pane
	wrapW   int
}

// unknownReport is how much of a text the model's tokenizer cannot
// represent: characters (or the characters of words, for a word-level
// tokenizer) it leaves out or maps to <unk>.
type unknownReport struct {
	chars, total int // unknown characters, of all characters
	first        tokenizer.Position
}

func (u unknownReport) String() string {
	return fmt.Sprintf("%s of %s characters (%s) are outside the tokenizer, first %s",
		thousands(int64(u.chars)), thousands(int64(u.total)), percent(u.chars, u.total), u.firstText())
}

// firstText shows the first unknown character or word. (Its byte offset
// would be into the training or the validation text, not the file, so it is
// left out.)
func (u unknownReport) firstText() string {
	p := u.first
	if p.Invalid {
		return fmt.Sprintf("byte 0x%02x (invalid UTF-8)", p.Text[0])
	}
	if utf8.RuneCountInString(p.Text) == 1 {
		r, _ := utf8.DecodeRuneInString(p.Text)
		return fmt.Sprintf("%q (U+%04X)", p.Text, r)
	}
	return fmt.Sprintf("%q", p.Text)
}

// percent is part/whole as a short percentage: 0.5%, 12%, <0.1%.
func percent(part, whole int) string {
	if whole == 0 {
		return "0%"
	}
	p := 100 * float64(part) / float64(whole)
	switch {
	case p > 0 && p < 0.1:
		return "<0.1%"
	case p < 10:
		return fmt.Sprintf("%.1f%%", p)
	}
	return fmt.Sprintf("%.0f%%", p)
}

func newDatasetPane(st *Styles, km *keyMap) *datasetPane {
	return &datasetPane{box: box{st: st}, km: km, editor: newEditor(st)}
}

// Editing reports whether the add-source input has the keys.
func (p *datasetPane) Editing() bool { return p.editing }

func (p *datasetPane) SetSize(w, h int) {
	p.box.SetSize(w, h)
	p.preview = nil
	iw, _ := p.inner()
	p.setWidth(max(iw-5, 1))
}

// setSession shows a new session's tokenizer, model and data.
func (p *datasetPane) setSession(s *lab.Session, stats []samples.Stats, unknown []unknownReport, leaks []samples.Leak) {
	p.have = true
	p.tokenizer, p.vocab = s.Tokenizer.Name(), s.Tokenizer.VocabSize()
	c, tc := s.Trainer.Model.Config, s.Trainer.Cfg
	preset := s.Preset
	if preset == "" && s.From != "" {
		preset = "from " + filepath.Base(s.From)
	}
	p.model = fmt.Sprintf("%s: %d layers, %d heads, %d channels, context %d, %s params",
		preset, c.Layers, c.Heads, c.Embd, c.Context, thousands(c.NumParams()))
	var frozen []string
	if tc.FreezeEmbeddings {
		frozen = append(frozen, "embeddings")
	}
	switch k := tc.FreezeLayers; {
	case k == 1:
		frozen = append(frozen, "block 1")
	case k > 1:
		frozen = append(frozen, fmt.Sprintf("blocks 1-%d", k))
	}
	if len(frozen) > 0 {
		p.model += "; frozen: " + strings.Join(frozen, ", ")
	}
	p.sel = 0
	p.setCorpus(s.Corpus, stats, unknown)
	p.setApplied(leaks, false)
}

// setCorpus shows the sources as they now are; stats and unknown are
// aligned with c.Sources. The selection stays on its source.
func (p *datasetPane) setCorpus(c *samples.Corpus, stats []samples.Stats, unknown []unknownReport) {
	if len(c.Sources) != len(p.sources) || p.sel >= len(c.Sources) || (p.have && len(p.sources) > 0 && c.Sources[p.sel].Name != p.sources[p.sel].Name) {
		p.offset, p.preview = 0, nil
	}
	p.sources, p.stats, p.unknown = c.Sources, stats, unknown
	p.sel = min(p.sel, max(len(p.sources)-1, 0))
}

// setApplied shows the leaks of the data the trainer has, and whether a
// change is still on its way.
func (p *datasetPane) setApplied(leaks []samples.Leak, applying bool) {
	p.leaks, p.applying = leaks, applying
}

// selectSource moves the selection to source i.
func (p *datasetPane) selectSource(i int) {
	if i != p.sel {
		p.sel, p.offset, p.preview = i, 0, nil
	}
}

func (p *datasetPane) scroll(d int) { p.offset = max(p.offset+d, 0) }

// Update handles the pane's keys, and all keys while a source is typed.
func (p *datasetPane) Update(msg tea.Msg) tea.Cmd {
	if p.editing {
		return p.edit(p.km, msg, "", func(spec string) tea.Cmd {
			spec = strings.TrimSpace(spec)
			if spec == "" {
				return nil
			}
			return func() tea.Msg { return sourceAddMsg{spec} }
		})
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !p.have || len(p.sources) == 0 {
		return nil
	}
	_, h := p.inner()
	km := p.km
	i := p.sel
	switch {
	case key.Matches(k, km.SourcePrev):
		p.selectSource((p.sel + len(p.sources) - 1) % len(p.sources))
	case key.Matches(k, km.SourceNext):
		p.selectSource((p.sel + 1) % len(p.sources))
	case key.Matches(k, km.SourceToggle):
		return func() tea.Msg { return sourceToggleMsg{i} }
	case key.Matches(k, km.WeightDown):
		return func() tea.Msg { return sourceWeightMsg{i, false} }
	case key.Matches(k, km.WeightUp):
		return func() tea.Msg { return sourceWeightMsg{i, true} }
	case key.Matches(k, km.SourceAdd):
		return p.start("")
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

// total sums the statistics of the enabled sources.
func (p *datasetPane) total() (t samples.Stats, on int) {
	for i, src := range p.sources {
		if !src.Enabled {
			continue
		}
		on++
		s := p.stats[i]
		t.Bytes += s.Bytes
		t.Chars += s.Chars
		t.Lines += s.Lines
		t.Tokens += s.Tokens
		t.TrainTokens += s.TrainTokens
		t.ValTokens += s.ValTokens
	}
	return t, on
}

// paneLine is a line of the pane's head and how readily it gives way when
// the pane is short: 0 never, higher numbers first.
type paneLine struct {
	text string
	drop int
	cut  bool // cut at the edge rather than wrapped
}

// minPreview is how many preview lines the pane keeps by dropping detail.
const minPreview = 3

func (p *datasetPane) lines() []string {
	st := p.st
	w, h := p.inner()
	if !p.have {
		return []string{st.Muted.Render("loading…")}
	}
	kv := func(k, v string) string { return st.Label.Render(k) + " " + st.Value.Render(v) }
	head := []paneLine{
		{text: kv("tokenizer", fmt.Sprintf("%s (%d tokens)", p.tokenizer, p.vocab))},
		{text: kv("model", p.model), drop: 5},
	}
	switch {
	case p.editing:
		head = append(head, paneLine{text: st.Label.Render("add ") + p.view()},
			paneLine{text: st.Hint.Render("FILE, DIR/ or sample:NAME[:WEIGHT] · enter adds · esc cancels")})
	case p.adding != "":
		head = append(head, paneLine{text: st.Hint.Render("adding " + p.adding + "…")})
	case p.focused: // the keys apply only here
		head = append(head, paneLine{text: st.Muted.Render("a add · x on/off · +/- weight")})
	}
	if len(p.sources) > 1 || p.applying {
		t, on := p.total()
		all := fmt.Sprintf("%d of %d on, %s, %s tokens", on, len(p.sources), bytesize(int64(t.Bytes)), thousands(int64(t.Tokens)))
		if p.applying {
			all += " (applying…)"
		}
		head = append(head, paneLine{text: kv("all", all)})
	}
	for i, src := range p.sources {
		on := "on"
		if !src.Enabled {
			on = "off"
		}
		if i != p.sel {
			line := fmt.Sprintf("  %-3s ×%-4g %s", on, src.Weight, src.Name)
			if !src.Enabled {
				head = append(head, paneLine{text: st.Muted.Render(line), cut: true})
			} else {
				head = append(head, paneLine{text: line, cut: true})
			}
			continue
		}
		s := p.stats[i]
		head = append(head,
			paneLine{text: st.Selected.Render("▸ "+src.Name) + "  " + kv("weight", fmt.Sprintf("%g", src.Weight)) + "  " + st.Muted.Render(on)},
			paneLine{text: "  " + st.Value.Render(size(s)), drop: 3},
			paneLine{text: "  " + kv("tokens", thousands(int64(s.Tokens))) + "  " + kv("train", thousands(int64(s.TrainTokens))) + "  " + kv("val", thousands(int64(s.ValTokens)))},
			paneLine{text: "  " + kv("split", src.Split), drop: 4},
		)
		if u := p.unknown[i]; u.chars > 0 {
			head = append(head, paneLine{text: "  " + kv("unknown", fmt.Sprintf("%s chars (%s): %s",
				thousands(int64(u.chars)), percent(u.chars, u.total), u.firstText()))})
		}
	}
	leaks := kv("leaks", "none")
	if n := len(p.leaks); n > 0 {
		leaks = kv("leaks", fmt.Sprintf("%d lines in train and val", n))
	}
	head = append(head, paneLine{text: leaks, drop: 2})

	// Wrap, then give up detail, least useful first, until the preview has
	// a few lines.
	wrap := func(l paneLine) []string {
		if l.cut {
			return []string{l.text}
		}
		return hang(l.text, w, 4)
	}
	height := func() int {
		n := 0
		for _, l := range head {
			n += len(wrap(l))
		}
		return n
	}
	for level := 5; level > 0 && height()+1+minPreview > h; level-- {
		head = slices.DeleteFunc(head, func(l paneLine) bool { return l.drop == level })
	}
	var out []string
	for _, l := range head {
		out = append(out, wrap(l)...)
	}
	out = append(out, st.Muted.Render("── preview "+strings.Repeat("─", max(w-11, 0))))
	if p.preview == nil || p.wrapW != w {
		text := printable(p.sources[p.sel].Preview(previewBytes))
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
