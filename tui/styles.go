package tui

import (
	"os"

	"charm.land/lipgloss/v2"
	"github.com/guptarohit/asciigraph"
)

// Styles holds every style the workbench and the CLI renderers use, under
// semantic names. No colour literal appears outside this file.
//
// Meaning never rests on colour alone: the focused pane has a thick border,
// the active tab is bracketed, heat uses shade glyphs and the loss graph's
// validation series its own glyph, so NO_COLOR terminals lose nothing.
type Styles struct {
	NoColor bool // true when NO_COLOR is set: shapes and marks carry meaning, not colour

	// Panes and chrome.
	Pane          lipgloss.Style // a pane's border shape (glyphs come from its border)
	PaneFocused   lipgloss.Style // the focused pane's border shape
	Border        lipgloss.Style // colour of a pane's border glyphs
	BorderFocused lipgloss.Style // colour of the focused pane's border glyphs
	Title         lipgloss.Style
	TitleFocused  lipgloss.Style
	Tab           lipgloss.Style // an inactive tab in the tab bar (80×24 layout)
	TabActive     lipgloss.Style
	StatusBar     lipgloss.Style
	StatusKey     lipgloss.Style
	Running       lipgloss.Style // the "running" state word
	Paused        lipgloss.Style // the "paused" state word
	Muted         lipgloss.Style
	Label         lipgloss.Style // field names such as "lr" or "temperature"
	Value         lipgloss.Style // the numbers beside them
	Error         lipgloss.Style
	Hint          lipgloss.Style
	Selected      lipgloss.Style // the selected row (a source, a position)
	HelpKey       lipgloss.Style
	HelpDesc      lipgloss.Style
	HelpSep       lipgloss.Style
	HelpHeading   lipgloss.Style
	Input         lipgloss.Style // text of an input being edited
	Prompt        lipgloss.Style // the prompt inside generated text

	// Loss graph: the header numbers, and the asciigraph series colours
	// (asciigraph.Default means none). The validation series is drawn with
	// its own glyph as well, so it reads without colour.
	LossTrain  lipgloss.Style
	LossVal    lipgloss.Style
	GraphTrain asciigraph.AnsiColor
	GraphVal   asciigraph.AnsiColor
	GraphAxis  asciigraph.AnsiColor

	// Token spans: alternating backgrounds so boundaries show, plus marks.
	TokenA        lipgloss.Style // even-numbered tokens
	TokenB        lipgloss.Style // odd-numbered tokens
	TokenSpecial  lipgloss.Style // special/added tokens such as <|endoftext|>
	TokenFallback lipgloss.Style // byte-fallback pieces and tokens that split a character
	TokenUnknown  lipgloss.Style // <unk> and characters outside the vocabulary
	// The B variants alternate with the above, so two special, fallback or
	// unknown tokens side by side stay distinguishable in colour.
	TokenSpecialB  lipgloss.Style
	TokenFallbackB lipgloss.Style
	TokenUnknownB  lipgloss.Style
	TokenDiff      lipgloss.Style // where two tokenizers cut differently
	Whitespace     lipgloss.Style // the visible-whitespace glyphs · → ⏎

	// Bars and heat.
	Bar    lipgloss.Style
	BarTop lipgloss.Style
	Cursor lipgloss.Style
	Heat   [5]lipgloss.Style // attention shades, weakest to strongest; glyphs carry the level too
}

// DefaultStyles returns the workbench palette, or a colourless one when the
// NO_COLOR environment variable is set (https://no-color.org).
func DefaultStyles() Styles {
	if os.Getenv("NO_COLOR") != "" {
		return PlainStyles()
	}
	fg := func(c string) lipgloss.Style { return lipgloss.NewStyle().Foreground(lipgloss.Color(c)) }
	s := PlainStyles()
	s.NoColor = false
	s.Pane = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(lipgloss.Color("240"))
	s.PaneFocused = lipgloss.NewStyle().Border(lipgloss.ThickBorder()).BorderForeground(lipgloss.Color("69"))
	s.Border = fg("240")
	s.BorderFocused = fg("69")
	s.Title = fg("250").Bold(true)
	s.TitleFocused = fg("69").Bold(true)
	s.Tab = fg("246")
	s.TabActive = fg("69").Bold(true)
	s.StatusBar = fg("252")
	s.StatusKey = fg("69").Bold(true)
	s.Running = fg("114").Bold(true)
	s.Paused = fg("179").Bold(true)
	s.Muted = fg("244")
	s.Label = fg("246")
	s.Value = fg("231")
	s.Error = fg("203").Bold(true)
	s.Hint = fg("179")
	s.Selected = fg("69").Bold(true)
	s.HelpKey = fg("69").Bold(true)
	s.HelpDesc = fg("250")
	s.HelpSep = fg("240")
	s.HelpHeading = fg("179").Bold(true)
	s.Input = fg("231").Underline(true)
	s.Prompt = fg("179").Bold(true)
	s.LossTrain = fg("75")
	s.LossVal = fg("214")
	s.GraphTrain = asciigraph.DodgerBlue
	s.GraphVal = asciigraph.Orange
	s.GraphAxis = asciigraph.Gray
	s.TokenA = fg("231").Background(lipgloss.Color("24"))
	s.TokenB = fg("231").Background(lipgloss.Color("53"))
	s.TokenSpecial = fg("16").Background(lipgloss.Color("178")).Bold(true)
	s.TokenFallback = fg("16").Background(lipgloss.Color("209"))
	s.TokenUnknown = fg("231").Background(lipgloss.Color("160"))
	s.TokenSpecialB = fg("16").Background(lipgloss.Color("220")).Bold(true)
	s.TokenFallbackB = fg("16").Background(lipgloss.Color("173"))
	s.TokenUnknownB = fg("231").Background(lipgloss.Color("124"))
	s.TokenDiff = fg("203").Bold(true)
	s.Whitespace = fg("246")
	s.Bar = fg("75")
	s.BarTop = fg("114").Bold(true)
	s.Cursor = lipgloss.NewStyle().Reverse(true)
	s.Heat = [5]lipgloss.Style{fg("238"), fg("24"), fg("31"), fg("38"), fg("51")}
	return s
}

// PlainStyles returns styles without colour: borders, bold and reverse video
// only, for NO_COLOR terminals and golden tests.
func PlainStyles() Styles {
	plain := lipgloss.NewStyle()
	return Styles{
		NoColor:        true,
		Pane:           plain.Border(lipgloss.RoundedBorder()),
		PaneFocused:    plain.Border(lipgloss.ThickBorder()),
		Border:         plain,
		BorderFocused:  plain,
		Title:          plain,
		TitleFocused:   plain.Bold(true),
		Tab:            plain,
		TabActive:      plain.Bold(true),
		StatusBar:      plain,
		StatusKey:      plain.Bold(true),
		Running:        plain.Bold(true),
		Paused:         plain.Bold(true),
		Muted:          plain,
		Label:          plain,
		Value:          plain,
		Error:          plain.Bold(true),
		Hint:           plain,
		Selected:       plain.Bold(true),
		HelpKey:        plain.Bold(true),
		HelpDesc:       plain,
		HelpSep:        plain,
		HelpHeading:    plain.Bold(true),
		Input:          plain.Underline(true),
		Prompt:         plain.Bold(true),
		LossTrain:      plain,
		LossVal:        plain,
		TokenA:         plain,
		TokenB:         plain.Underline(true),
		TokenSpecial:   plain.Bold(true),
		TokenFallback:  plain.Reverse(true),
		TokenUnknown:   plain.Reverse(true),
		TokenSpecialB:  plain.Bold(true).Underline(true),
		TokenFallbackB: plain.Reverse(true).Underline(true),
		TokenUnknownB:  plain.Reverse(true).Underline(true),
		TokenDiff:      plain.Bold(true),
		Whitespace:     plain,
		Bar:            plain,
		BarTop:         plain.Bold(true),
		Cursor:         plain.Reverse(true),
		Heat:           [5]lipgloss.Style{plain, plain, plain, plain, plain},
	}
}
