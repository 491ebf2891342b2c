package tui

import (
	"fmt"
	"strings"
	"testing"

	"lmlab/engine/lab"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
)

// goldenSizes are the terminal sizes every golden is drawn at: the
// minimum (tabs), the grid threshold and a large terminal.
var goldenSizes = [][2]int{{80, 24}, {120, 40}, {200, 60}}

// fixture is a workbench on the test corpus with a synthetic history and
// inspection, so goldens do not depend on the engine's arithmetic or a
// clock. Regenerate them with go test ./tui -update.
func fixture(t testing.TB, w, h int) *Model {
	t.Helper()
	m, c := newTestModel(t, w, h)
	start(t, m)
	feedHistory(m, c, 120)
	feedInspection(m, 120)
	m.message = ""
	return m
}

// checkGolden compares s with testdata/<test name>.golden and checks that
// every line has the terminal's width or less.
func checkGolden(t *testing.T, s string, w int) {
	t.Helper()
	for i, l := range strings.Split(s, "\n") {
		if n := ansi.StringWidth(l); n > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i, n, w, l)
		}
	}
	golden.RequireEqual(t, s)
}

// TestPaneGolden draws each pane alone at the size the layout gives it.
func TestPaneGolden(t *testing.T) {
	for p := paneID(0); p < numPanes; p++ {
		t.Run(paneTitles[p], func(t *testing.T) {
			for _, sz := range goldenSizes {
				t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
					m := fixture(t, sz[0], sz[1])
					m.setFocus(p)
					r := m.lay.panes[p]
					view := ansi.Strip(m.pane(p).View())
					lines := strings.Split(view, "\n")
					if len(lines) != r.H {
						t.Errorf("pane has %d lines, layout gave it %d", len(lines), r.H)
					}
					if !strings.Contains(lines[0], " "+paneTitles[p]+" ") {
						t.Errorf("top border %q lacks the title %q", lines[0], paneTitles[p])
					}
					checkGolden(t, view, r.W)
				})
			}
		})
	}
}

// TestScreenGolden draws the whole screen: the grid or the tabs, the status
// bar and the help line.
func TestScreenGolden(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := fixture(t, sz[0], sz[1])
			s := stripped(m)
			if n := strings.Count(s, "\n") + 1; n != sz[1] {
				t.Errorf("screen has %d lines, want %d", n, sz[1])
			}
			checkGolden(t, s, sz[0])
		})
	}
}

// TestStartGolden draws the screen before the first step: the hint line.
func TestStartGolden(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m, _ := newTestModel(t, sz[0], sz[1])
			loading := stripped(m)
			if !strings.Contains(loading, "loading…") {
				t.Errorf("before the session is built the screen should say loading…:\n%s", loading)
			}
			start(t, m)
			checkGolden(t, stripped(m), sz[0])
		})
	}
}

// feedComparison marks a made-up base at step baseStep and gives m a
// comparison with it: flatter predictions than now's, and a validation
// loss.
func feedComparison(m *Model, baseStep int) {
	m.baseID++
	m.baseLabel = fmt.Sprintf("step %d", baseStep)
	m.predict.setBase(m.baseLabel)
	m.loss.setBase(m.baseLabel, baseStep)
	cmp := &comparison{baseID: m.baseID, prompt: m.prompt, val: 2.3456, haveVal: true, valGen: m.dataGen}
	for t := range m.sess.Encode(m.prompt) {
		cmp.next = append(cmp.next, syntheticPredictions(m, t+3, compareK, 0.3))
	}
	for i, p := range lab.ProbePrompts(m.sess.Corpus) {
		cmp.probes = append(cmp.probes, probeResult{prompt: p,
			base: syntheticPredictions(m, i+3, compareK, 0.3), now: syntheticPredictions(m, i, compareK, 0.7)})
	}
	m.Update(inspectedMsg{step: m.step, prompt: m.prompt, ins: syntheticInspection(m), cmp: cmp})
}

// TestCompareGolden draws Predict and Loss comparing a fine-tune base with
// the model now.
func TestCompareGolden(t *testing.T) {
	for _, p := range []paneID{panePredict, paneLoss} {
		t.Run(paneTitles[p], func(t *testing.T) {
			for _, sz := range goldenSizes {
				t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
					m := fixture(t, sz[0], sz[1])
					feedComparison(m, 100)
					m.setFocus(p)
					checkGolden(t, ansi.Strip(m.pane(p).View()), m.lay.panes[p].W)
				})
			}
		})
	}
}

// TestDatasetEditGolden draws the Dataset pane with two sources, one off
// and one re-weighted, and with the add input open.
func TestDatasetEditGolden(t *testing.T) {
	for _, sz := range goldenSizes {
		t.Run(fmt.Sprintf("%dx%d", sz[0], sz[1]), func(t *testing.T) {
			m := newModelWith(t, twoSources(), sz[0], sz[1])
			start(t, m)
			c := cloneCorpus(m.sess.Corpus)
			c.Sources[0].Weight, c.Sources[1].Enabled = 2, false
			m.showCorpus(c)
			m.Update(dataAppliedMsg{corpus: c, data: m.sess.Data, leaks: m.leaks})
			checkGolden(t, ansi.Strip(m.dataset.View()), m.lay.panes[paneDataset].W)
		})
	}
	t.Run("add", func(t *testing.T) {
		m := newModelWith(t, twoSources(), 120, 40)
		start(t, m)
		m.Update(keyPress("a"))
		m.Update(tea.PasteMsg{Content: "sample:clinic:2"})
		checkGolden(t, ansi.Strip(m.dataset.View()), m.lay.panes[paneDataset].W)
	})
}
