package tui

import (
	"os"

	"charm.land/lipgloss/v2"
)

// Styles holds every style the workbench and the CLI renderers use, under
// semantic names. No colour literal appears outside this file.
type Styles struct {
	NoColor bool // true when NO_COLOR is set: shapes and marks carry meaning, not colour

	// Panes and chrome.
	Pane         lipgloss.Style
	PaneFocused  lipgloss.Style
	Title        lipgloss.Style
	TitleFocused lipgloss.Style
	StatusBar    lipgloss.Style
	StatusKey    lipgloss.Style
	Muted        lipgloss.Style
	Error        lipgloss.Style
	Hint         lipgloss.Style

	// Loss graph.
	LossTrain lipgloss.Style
	LossVal   lipgloss.Style

	// Token spans: alternating backgrounds so boundaries show, plus marks.
	TokenA        lipgloss.Style // even-numbered tokens
	TokenB        lipgloss.Style // odd-numbered tokens
	TokenSpecial  lipgloss.Style // special/added tokens such as <|endoftext|>
	TokenFallback lipgloss.Style // byte-fallback pieces and tokens that split a character
	TokenUnknown  lipgloss.Style // <unk> and characters outside the vocabulary
	TokenDiff     lipgloss.Style // where two tokenizers cut differently
	Whitespace    lipgloss.Style // the visible-whitespace glyphs · → ⏎

	// Bars and heat.
	Bar    lipgloss.Style
	BarTop lipgloss.Style
	Cursor lipgloss.Style
}

// DefaultStyles returns the workbench palette, or a colourless one when the
// NO_COLOR environment variable is set (https://no-color.org).
func DefaultStyles() Styles {
	if os.Getenv("NO_COLOR") != "" {
		return PlainStyles()
	}
	s := PlainStyles()
	s.NoColor = false
	s.Pane = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(lipgloss.Color("240"))
	s.PaneFocused = s.Pane.BorderForeground(lipgloss.Color("69"))
	s.Title = lipgloss.NewStyle().Foreground(lipgloss.Color("250")).Bold(true)
	s.TitleFocused = lipgloss.NewStyle().Foreground(lipgloss.Color("69")).Bold(true)
	s.StatusBar = lipgloss.NewStyle().Foreground(lipgloss.Color("252")).Background(lipgloss.Color("236"))
	s.StatusKey = lipgloss.NewStyle().Foreground(lipgloss.Color("69")).Background(lipgloss.Color("236")).Bold(true)
	s.Muted = lipgloss.NewStyle().Foreground(lipgloss.Color("244"))
	s.Error = lipgloss.NewStyle().Foreground(lipgloss.Color("203")).Bold(true)
	s.Hint = lipgloss.NewStyle().Foreground(lipgloss.Color("179"))
	s.LossTrain = lipgloss.NewStyle().Foreground(lipgloss.Color("75"))
	s.LossVal = lipgloss.NewStyle().Foreground(lipgloss.Color("214"))
	s.TokenA = lipgloss.NewStyle().Foreground(lipgloss.Color("231")).Background(lipgloss.Color("24"))
	s.TokenB = lipgloss.NewStyle().Foreground(lipgloss.Color("231")).Background(lipgloss.Color("53"))
	s.TokenSpecial = lipgloss.NewStyle().Foreground(lipgloss.Color("16")).Background(lipgloss.Color("178")).Bold(true)
	s.TokenFallback = lipgloss.NewStyle().Foreground(lipgloss.Color("16")).Background(lipgloss.Color("209"))
	s.TokenUnknown = lipgloss.NewStyle().Foreground(lipgloss.Color("231")).Background(lipgloss.Color("160"))
	s.TokenDiff = lipgloss.NewStyle().Foreground(lipgloss.Color("203")).Bold(true)
	s.Whitespace = lipgloss.NewStyle().Foreground(lipgloss.Color("246"))
	s.Bar = lipgloss.NewStyle().Foreground(lipgloss.Color("75"))
	s.BarTop = lipgloss.NewStyle().Foreground(lipgloss.Color("114")).Bold(true)
	s.Cursor = lipgloss.NewStyle().Reverse(true)
	return s
}

// PlainStyles returns styles without colour: borders, bold and reverse video
// only, for NO_COLOR terminals and golden tests.
func PlainStyles() Styles {
	plain := lipgloss.NewStyle()
	return Styles{
		NoColor:       true,
		Pane:          plain.Border(lipgloss.RoundedBorder()),
		PaneFocused:   plain.Border(lipgloss.ThickBorder()),
		Title:         plain,
		TitleFocused:  plain.Bold(true),
		StatusBar:     plain,
		StatusKey:     plain.Bold(true),
		Muted:         plain,
		Error:         plain.Bold(true),
		Hint:          plain,
		LossTrain:     plain,
		LossVal:       plain,
		TokenA:        plain,
		TokenB:        plain.Underline(true),
		TokenSpecial:  plain.Bold(true),
		TokenFallback: plain.Reverse(true),
		TokenUnknown:  plain.Reverse(true),
		TokenDiff:     plain.Bold(true),
		Whitespace:    plain,
		Bar:           plain,
		BarTop:        plain.Bold(true),
		Cursor:        plain.Reverse(true),
	}
}
