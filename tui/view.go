package tui

import (
	"fmt"
	"math"
	"runtime/debug"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/engine/lab"
)

func (m *Model) resize(w, h int) {
	rows := m.guideRows(w, h) // a guided lesson's box, above the status bar
	m.lay = computeLayout(w, h-rows)
	if m.guide != nil {
		m.guide.winW, m.guide.winH, m.guide.rows = w, h, rows
	}
	m.help.SetWidth(w)
	for p := paneID(0); p < numPanes; p++ {
		r := m.lay.panes[p]
		m.pane(p).SetSize(r.W, r.H)
	}
}

// View draws the screen. The frame is cached: it is rebuilt only when a key,
// a result or a repaint tick has changed something, so the many updates a
// fast trainer causes cost nothing here.
func (m *Model) View() (v tea.View) {
	defer func() {
		if r := recover(); r != nil {
			m.fatal = fmt.Errorf("internal error while drawing: %v\n%s", r, debug.Stack())
			m.frame = "lmlab: internal error; quitting"
			m.dirty = false
			if m.opts.Quit != nil && !m.quitting {
				m.quitting = true
				go m.opts.Quit()
			}
			v = m.teaView()
		}
	}()
	if m.dirty {
		m.frame = m.render()
		m.dirty = false
	}
	return m.teaView()
}
func (m *Model) teaView() tea.View {
	v := tea.NewView(m.frame)
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	return v
}

// Render returns the screen as text, rebuilding it now.
func (m *Model) render() string {
	l := m.lay
	switch l.mode {
	case layoutTooSmall:
		if l.W == 0 {
			return ""
		}
		msg := fmt.Sprintf("Terminal too small: %d×%d.\nThe workbench needs at least %d×%d.\nEnlarge the window, or press q to quit.",
			l.W, l.H, minWidth, minHeight)
		return strings.Join(place(center(msg, l.W, l.H), l.W, l.H), "\n")
	}
	var sb strings.Builder
	sb.Grow(l.W * l.H * 3)
	var body []string
	switch {
	case m.showingCard() && !m.showHelp && m.loadErr == nil: // read while the session loads
		body = place(center(m.cardView(l.body.W, l.body.H), l.body.W, l.body.H), l.body.W, l.body.H)
	case m.loading || m.loadErr != nil:
		body = place(center(m.loadingView(), l.body.W, l.body.H), l.body.W, l.body.H)
	case m.showHelp:
		body = place(center(m.helpPage(l.body.W, l.body.H, m.helpOffset), l.body.W, l.body.H), l.body.W, l.body.H)
	case l.mode == layoutTabs:
		body = strings.Split(m.paneView(m.focus), "\n")
	default:
		body = m.gridView()
	}
	if l.mode == layoutTabs {
		sb.WriteString(m.tabBar())
		sb.WriteByte('\n')
	}
	for i := 0; i < l.body.H; i++ {
		if i < len(body) {
			sb.WriteString(body[i]) // boxes and placed blocks are exactly l.W wide
		} else {
			sb.WriteString(strings.Repeat(" ", l.W))
		}
		sb.WriteByte('\n')
	}
	for _, line := range m.guideBox(l.W) {
		sb.WriteString(line)
		sb.WriteByte('\n')
	}
	sb.WriteString(fit(m.statusLine(), l.W))
	sb.WriteByte('\n')
	sb.WriteString(fit(m.helpLine(), l.W))
	return sb.String()
}

// paneView returns pane p drawn, from the cache when nothing that pane
// shows has changed since (step events and repaint ticks change only the
// Loss pane, which keeps its own cache).
func (m *Model) paneView(p paneID) string {
	if p == paneLoss || !m.paneOK[p] {
		m.paneCache[p] = m.pane(p).View()
		m.paneOK[p] = true
	}
	return m.paneCache[p]
}

// gridView puts the six pane boxes side by side, column by column.
func (m *Model) gridView() []string {
	l := m.lay
	lines := make([]strings.Builder, l.body.H)
	cols := [][2]paneID{{paneDataset, paneTokens}, {paneLoss, paneSample}, {panePredict, paneAttention}}
	for _, col := range cols {
		for _, p := range col {
			r := l.panes[p]
			box := strings.Split(m.paneView(p), "\n")
			for i := 0; i < r.H; i++ {
				if i < len(box) {
					lines[r.Y+i].WriteString(box[i]) // a box is exactly r.W wide
				} else {
					lines[r.Y+i].WriteString(strings.Repeat(" ", r.W))
				}
			}
		}
	}
	out := make([]string, len(lines))
	for i := range lines {
		out[i] = lines[i].String()
	}
	return out
}
func (m *Model) tabBar() string {
	var sb strings.Builder
	for p := paneID(0); p < numPanes; p++ {
		label := fmt.Sprintf("%d %s", p+1, paneTitles[p])
		if p == m.focus {
			sb.WriteString(m.st.TabActive.Render("[" + label + "]"))
		} else {
			sb.WriteString(m.st.Tab.Render(" " + label + " "))
		}
		sb.WriteByte(' ')
	}
	return sb.String()
}
func (m *Model) loadingView() string {
	if m.loadErr != nil {
		return m.st.Error.Render("lmlab could not start:") + "\n" + m.loadErr.Error() + "\n\n" + m.st.Muted.Render("press q to quit")
	}
	data := strings.Join(m.opts.Session.Data, " ")
	if data == "" {
		data = lab.DefaultData
	}
	if m.opts.Session.Resume != "" {
		data = m.opts.Session.Resume
	}
	return "loading… " + data + "\n" + m.st.Muted.Render("reading the data, building the tokenizer and the model")
}

// statusLine is the first footer line: state, step, losses, speed, learning
// rate and elapsed time, dropping detail when the terminal is narrow.
func (m *Model) statusLine() string {
	if m.sess == nil {
		if m.loadErr != nil {
			return m.st.Error.Render("failed")
		}
		return m.st.Muted.Render("loading…")
	}
	state := m.st.Paused.Render("paused")
	if m.running {
		state = m.st.Running.Render("running")
	}
	if m.done {
		state = m.st.Paused.Render("paused") + m.st.Muted.Render(" (done)")
	}
	loss := "loss -"
	if m.haveStep {
		loss = fmt.Sprintf("loss %.4f", m.last.Loss)
	}
	elapsed := m.elapsed
	if m.running {
		elapsed += m.now().Sub(m.runSince)
	}
	variants := [][]string{
		{fmt.Sprintf("step %d/%d", m.step, m.total), "elapsed " + fmtDuration(elapsed)},
		{fmt.Sprintf("step %d", m.step), "elapsed " + fmtDuration(elapsed)},
		{fmt.Sprintf("step %d", m.step), fmtDuration(elapsed)},
	}
	var line string
	for _, v := range variants {
		parts := []string{state, v[0], loss}
		if m.haveVal {
			parts = append(parts, fmt.Sprintf("val %.4f", m.val))
		}
		parts = append(parts, fmt.Sprintf("tok/s %d", int(math.Round(m.tokPerSec))), fmt.Sprintf("lr %.2e", m.lr), v[1])
		line = strings.Join(parts, "  ")
		if ansi.StringWidth(line) <= m.lay.W {
			break
		}
	}
	return m.st.StatusBar.Render(line)
}

// helpLine is the second footer line: the quit question, a message, the
// start hint, or the short help.
func (m *Model) helpLine() string {
	short := m.help.ShortHelpView(m.keys.ShortHelp())
	switch {
	case m.confirm:
		q := fmt.Sprintf("Training since step %d is not saved. Quit anyway? ", m.savedStep)
		return m.st.Error.Render(q) + short
	case m.guide != nil && m.guide.open && m.guide.rows == 0 && !m.msgErr:
		return m.guideLine(m.lay.W) // no room for the box above; errors still show
	case m.message != "":
		style := m.st.Hint
		if m.msgErr {
			style = m.st.Error
		}
		return style.Render(m.message) + m.st.HelpSep.Render(" • ") + short
	case m.hint && m.sess != nil && (m.guide == nil || !m.guide.open): // a lesson's box says it
		if m.guide == nil && m.keys.Guide.Enabled() { // the session's data has a guided lesson
			return m.st.Hint.Render("Press space to start training, n for one step, L for a guided lesson, ? for help.") + "  " + short
		}
		return m.st.Hint.Render("Press space to start training, n for one step, ? for help.") + "  " + short
	}
	return short
}

// fmtDuration shows m:ss, or h:mm:ss from an hour on.
func fmtDuration(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
