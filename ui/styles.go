package ui

import (
	"image/color"

	"charm.land/lipgloss/v2"

	"github.com/nodedive/nodedive/lessons/render"
)

// palette is the small set of colours everything is drawn with. Screens
// never name colours: they use the Styles built from it.
type palette struct {
	accent, accentAlt color.Color
	text, muted       color.Color
	subtle, border    color.Color
	success, warning  color.Color
	danger            color.Color
	matchBg, matchFg  color.Color
	currentBg         color.Color
	selectedBg        color.Color
}

func newPalette(dark bool) palette {
	ld := lipgloss.LightDark(dark)
	return palette{
		accent:     ld(lipgloss.Color("#5A3FD6"), lipgloss.Color("#A48BFF")),
		accentAlt:  ld(lipgloss.Color("#0B7A61"), lipgloss.Color("#3FD6A8")),
		text:       ld(lipgloss.Color("#1F1F28"), lipgloss.Color("#E6E6F0")),
		muted:      ld(lipgloss.Color("#6B6B80"), lipgloss.Color("#9494A8")),
		subtle:     ld(lipgloss.Color("#B8B8C8"), lipgloss.Color("#4A4A5C")),
		border:     ld(lipgloss.Color("#C8C8D8"), lipgloss.Color("#3A3A4C")),
		success:    ld(lipgloss.Color("#17803D"), lipgloss.Color("#4ADE80")),
		warning:    ld(lipgloss.Color("#A15C00"), lipgloss.Color("#FBBF24")),
		danger:     ld(lipgloss.Color("#C0262D"), lipgloss.Color("#F87171")),
		matchBg:    ld(lipgloss.Color("#FFE58A"), lipgloss.Color("#6B5B00")),
		matchFg:    ld(lipgloss.Color("#1F1F28"), lipgloss.Color("#FFF6CC")),
		currentBg:  ld(lipgloss.Color("#FFA94D"), lipgloss.Color("#C2410C")),
		selectedBg: ld(lipgloss.Color("#ECE8FF"), lipgloss.Color("#2A2540")),
	}
}

// Styles is every style the UI uses, built once per background.
type Styles struct {
	Dark     bool
	Markdown render.Style

	Logo, Crumb, CrumbSep, HeaderMeta lipgloss.Style
	Footer                            lipgloss.Style
	Status                            map[infoKind]lipgloss.Style

	Title, Subtitle, Text, Muted, Accent lipgloss.Style
	Success, Warning, Danger             lipgloss.Style

	Item, ItemSelected, ItemDesc lipgloss.Style
	Cursor                       string
	BarFull, BarEmpty            lipgloss.Style

	Pane, PaneFocused                      lipgloss.Style
	TOCItem, TOCActive, TOCRead, TOCCursor lipgloss.Style

	Match, MatchCurrent lipgloss.Style
	Prompt              lipgloss.Style
	HelpKey, HelpDesc   lipgloss.Style
}

// NewStyles builds the styles for a dark or light background.
func NewStyles(dark bool) Styles {
	p := newPalette(dark)
	s := Styles{Dark: dark, Markdown: render.Light, Cursor: "▸ "}
	if dark {
		s.Markdown = render.Dark
	}
	base := lipgloss.NewStyle().Foreground(p.text)
	s.Text = base
	s.Muted = lipgloss.NewStyle().Foreground(p.muted)
	s.Accent = lipgloss.NewStyle().Foreground(p.accent).Bold(true)
	s.Title = lipgloss.NewStyle().Foreground(p.accent).Bold(true)
	s.Subtitle = lipgloss.NewStyle().Foreground(p.muted).Italic(true)
	s.Success = lipgloss.NewStyle().Foreground(p.success)
	s.Warning = lipgloss.NewStyle().Foreground(p.warning)
	s.Danger = lipgloss.NewStyle().Foreground(p.danger)

	s.Logo = lipgloss.NewStyle().Foreground(p.accent).Bold(true)
	s.Crumb = lipgloss.NewStyle().Foreground(p.text)
	s.CrumbSep = lipgloss.NewStyle().Foreground(p.subtle)
	s.HeaderMeta = lipgloss.NewStyle().Foreground(p.muted)
	s.Footer = lipgloss.NewStyle().Foreground(p.muted)
	s.Status = map[infoKind]lipgloss.Style{
		infoPlain:   lipgloss.NewStyle().Foreground(p.text),
		infoSuccess: lipgloss.NewStyle().Foreground(p.success).Bold(true),
		infoWarn:    lipgloss.NewStyle().Foreground(p.warning).Bold(true),
		infoError:   lipgloss.NewStyle().Foreground(p.danger).Bold(true),
	}

	s.Item = base
	s.ItemSelected = lipgloss.NewStyle().Foreground(p.accent).Background(p.selectedBg).Bold(true)
	s.ItemDesc = lipgloss.NewStyle().Foreground(p.muted)
	s.BarFull = lipgloss.NewStyle().Foreground(p.accentAlt)
	s.BarEmpty = lipgloss.NewStyle().Foreground(p.subtle)

	s.Pane = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(p.border).Padding(0, 1)
	s.PaneFocused = s.Pane.BorderForeground(p.accent)
	s.TOCItem = lipgloss.NewStyle().Foreground(p.muted)
	s.TOCActive = lipgloss.NewStyle().Foreground(p.accent).Bold(true)
	s.TOCRead = lipgloss.NewStyle().Foreground(p.success)
	s.TOCCursor = lipgloss.NewStyle().Background(p.selectedBg)

	s.Match = lipgloss.NewStyle().Background(p.matchBg).Foreground(p.matchFg)
	s.MatchCurrent = lipgloss.NewStyle().Background(p.currentBg).Foreground(p.matchFg).Bold(true)
	s.Prompt = lipgloss.NewStyle().Foreground(p.accent).Bold(true)
	s.HelpKey = lipgloss.NewStyle().Foreground(p.accent)
	s.HelpDesc = lipgloss.NewStyle().Foreground(p.muted)
	return s
}

// withoutColor adapts the styles for NO_COLOR: the terminal drops every
// colour, so whatever colour alone distinguished (search matches, the
// selection) is shown with reverse video and underline instead.
func (s Styles) withoutColor() Styles {
	s.Match = lipgloss.NewStyle().Reverse(true)
	s.MatchCurrent = lipgloss.NewStyle().Reverse(true).Bold(true).Underline(true)
	s.ItemSelected = lipgloss.NewStyle().Reverse(true)
	s.TOCCursor = lipgloss.NewStyle().Reverse(true)
	s.TOCActive = lipgloss.NewStyle().Bold(true).Underline(true)
	return s
}

// bar draws a progress bar of width cells, filled to fraction f.
func (s Styles) bar(f float64, width int) string {
	width = max(width, 1)
	full := int(f*float64(width) + 0.5)
	full = min(max(full, 0), width)
	return s.BarFull.Render(repeat("█", full)) + s.BarEmpty.Render(repeat("░", width-full))
}
