package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
)

// keyMap is every key the workbench answers to. The help bar and the full
// help are built from it, and bindings that do not apply at the moment (pane
// keys of unfocused panes, "one step" while running) are disabled, so they
// neither match nor show.
type keyMap struct {
	// Training.
	Run  key.Binding
	Step key.Binding
	Eval key.Binding
	Save key.Binding
	Base key.Binding // mark the current weights as the fine-tune base

	// After the end: the run goes on (run.go goOn).
	Extend     key.Binding // goOn more steps holding the final rate
	ExtendTail key.Binding // goOn more steps on a fresh cosine tail
	goOn       int         // the steps they add: the run's length when the workbench took it

	// Moving around.
	Next   key.Binding
	Prev   key.Binding
	Jump   key.Binding // 1–6: a pane by number
	Edit   key.Binding // start editing the focused pane's text
	Apply  key.Binding // while editing: keep the text
	Cancel key.Binding // while editing: leave; otherwise close help
	Help   key.Binding
	Quit   key.Binding
	Guide  key.Binding // the guided lesson's box on/off (lmlab lesson)

	lessonOn bool // a guided lesson is open (Guide applies)

	// Quit confirmation.
	Yes key.Binding
	No  key.Binding

	// Scrolling, for the Dataset, Tokens and Sample panes.
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding

	// Dataset.
	SourcePrev   key.Binding
	SourceNext   key.Binding
	SourceToggle key.Binding
	WeightDown   key.Binding
	WeightUp     key.Binding
	SourceAdd    key.Binding

	// Tokens.
	Compare    key.Binding
	IDs        key.Binding
	TokPrev    key.Binding // the token cursor
	TokNext    key.Binding
	TokFirst   key.Binding
	TokLast    key.Binding
	Legend     key.Binding
	Open       key.Binding // load a file into the text
	Replay     key.Binding // merge replay of the token under the cursor
	ReplayPrev key.Binding
	ReplayNext key.Binding
	Newline    key.Binding // while editing the Tokens text
	ReplayAll  key.Binding // the replay: the cursor's token or the whole text

	// Tokens: watching a trained BPE merge by merge (bpewatch.go).
	Watch        key.Binding
	WatchPrev    key.Binding // the merge counter: ±1, ±10, ±100, none/all
	WatchNext    key.Binding
	WatchBack10  key.Binding
	WatchFwd10   key.Binding
	WatchBack100 key.Binding
	WatchFwd100  key.Binding
	WatchFirst   key.Binding
	WatchLast    key.Binding
	watchOn      bool // the Tokens pane watches (the counter keys apply, the cursor's do not)

	// Loss.
	Smooth key.Binding

	// Loss: monitoring (charts, step anatomy, changing the recipe mid-run).
	Chart      key.Binding // the next chart
	LogScale   key.Binding
	Anatomy    key.Binding // the step anatomy view on/off
	TargetPrev key.Binding // anatomy: the previous candidate target
	TargetNext key.Binding
	LRUp       key.Binding // recipe: learning rate ×2
	LRDown     key.Binding // ÷2
	Decay      key.Binding // weight decay: the next of decaySteps
	Dropout    key.Binding // dropout: the next of dropoutSteps
	Clip       key.Binding // gradient clipping: the next of clipSteps
	anatomyOn  bool        // the Loss pane shows the anatomy (the target keys apply)

	// Loss: earlier runs from the runs directory overlaid on the loss chart.
	Overlay    key.Binding // the next earlier run (past the last: none)
	OverlayOff key.Binding

	// Predict.
	PosPrev   key.Binding
	PosNext   key.Binding
	PosFirst  key.Binding
	PosLast   key.Binding
	ProbeUp   key.Binding // with a base: scroll the probe prompts
	ProbeDown key.Binding

	// Attention.
	CellLeft   key.Binding
	CellRight  key.Binding
	CellUp     key.Binding
	CellDown   key.Binding
	LayerPrev  key.Binding
	LayerNext  key.Binding
	HeadPrev   key.Binding
	HeadNext   key.Binding
	HeadMean   key.Binding
	Overview   key.Binding // all layers × heads for the cursor's query
	Pick       key.Binding // overview: show the chosen layer and head
	Numbers    key.Binding // weights as two-digit numbers in the cells
	overviewOn bool        // the Attention pane shows the overview (Pick applies)

	// Sample (and the temperature in Predict, the one value both use).
	Regenerate key.Binding
	TempDown   key.Binding
	TempUp     key.Binding
	TopKDown   key.Binding
	TopKUp     key.Binding
}

func newKeyMap() keyMap {
	b := func(keys []string, help, desc string) key.Binding {
		return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
	}
	k := func(keys ...string) []string { return keys }
	return keyMap{
		Run:  b(k("space"), "space", "run/pause"),
		Step: b(k("n"), "n", "one step"),
		Eval: b(k("v"), "v", "evaluate now"),
		Save: b(k("s"), "s", "save checkpoint"),
		Base: b(k("f"), "f", "mark base (fine-tune)"),

		Extend:     b(k("E"), "E", "more steps (final lr)"),
		ExtendTail: b(k("ctrl+e"), "ctrl+e", "more steps (fresh cosine)"),

		Next:   b(k("tab"), "tab", "next pane"),
		Prev:   b(k("shift+tab"), "shift+tab", "previous pane"),
		Jump:   b(k("1", "2", "3", "4", "5", "6"), "1-6", "go to pane"),
		Edit:   b(k("e", "enter"), "e/enter", "edit"),
		Apply:  b(k("enter"), "enter", "apply"),
		Cancel: b(k("esc"), "esc", "leave/close"),
		Help:   b(k("?"), "?", "help"),
		Quit:   b(k("q", "ctrl+c"), "q", "quit"),
		Guide:  b(k("L"), "L", "lesson guide"),

		Yes: b(k("y", "ctrl+c"), "y", "quit"),
		No:  b(k("n", "esc"), "n/esc", "stay"),

		Up:       b(k("up", "k"), "↑/k", "scroll up"),
		Down:     b(k("down", "j"), "↓/j", "scroll down"),
		PageUp:   b(k("pgup"), "pgup", "page up"),
		PageDown: b(k("pgdown"), "pgdn", "page down"),

		SourcePrev:   b(k("left", "h"), "←/h", "previous source"),
		SourceNext:   b(k("right", "l"), "→/l", "next source"),
		SourceToggle: b(k("x"), "x", "source on/off"),
		WeightDown:   b(k("-"), "-", "weight −"),
		WeightUp:     b(k("+", "="), "+", "weight +"),
		SourceAdd:    b(k("a"), "a", "add a source"),

		Compare: b(k("c"), "c", "compare tokenizer"),
		IDs:     b(k("i"), "i", "show ids"),

		// Pairs share their help key, so the help lists them once.
		TokPrev:    b(k("left", "h"), "←/→", "token cursor (details)"),
		TokNext:    b(k("right", "l"), "←/→", "token cursor (details)"),
		TokFirst:   b(k("home"), "home/end", "first/last token"),
		TokLast:    b(k("end"), "home/end", "first/last token"),
		Legend:     b(k("g"), "g", "glyph legend"),
		Open:       b(k("o"), "o", "open a file"),
		Replay:     b(k("r"), "r", "merge replay (BPE)"),
		ReplayPrev: b(k("["), "[/]", "merge back/forward"),
		ReplayNext: b(k("]"), "[/]", "merge back/forward"),
		Newline:    b(k("alt+enter", "ctrl+j"), "alt+enter", "newline"),
		ReplayAll:  b(k("a"), "a", "replay: token/whole text"),

		Watch:        b(k("w"), "w", "watch bpe:N train"),
		WatchPrev:    b(k("left", "h"), "w ←/→", "merge −1/+1"),
		WatchNext:    b(k("right", "l"), "w ←/→", "merge −1/+1"),
		WatchBack10:  b(k("["), "w [/]", "merge −10/+10"),
		WatchFwd10:   b(k("]"), "w [/]", "merge −10/+10"),
		WatchBack100: b(k("pgup"), "w pgup/pgdn", "merge −100/+100"),
		WatchFwd100:  b(k("pgdown"), "w pgup/pgdn", "merge −100/+100"),
		WatchFirst:   b(k("home"), "w home/end", "no merges/all"),
		WatchLast:    b(k("end"), "w home/end", "no merges/all"),

		Smooth: b(k("m"), "m", "smoothing"),

		Chart:      b(k("c"), "c", "next chart"),
		LogScale:   b(k("y"), "y", "log scale"),
		Anatomy:    b(k("a"), "a", "step anatomy"),
		TargetPrev: b(k("left", "h"), "←/h", "previous target"),
		TargetNext: b(k("right", "l"), "→/l", "next target"),
		LRUp:       b(k("*"), "*", "lr ×2"),
		LRDown:     b(k("/"), "/", "lr ÷2"),
		Decay:      b(k("w"), "w", "weight decay"),
		Dropout:    b(k("d"), "d", "dropout"),
		Clip:       b(k("x"), "x", "grad clipping"),
		Overlay:    b(k("o"), "o", "overlay an earlier run"),
		OverlayOff: b(k("O"), "O", "overlay off"),

		PosPrev:   b(k("left", "h"), "←/h", "previous position"),
		PosNext:   b(k("right", "l"), "→/l", "next position"),
		PosFirst:  b(k("home"), "home", "first position"),
		PosLast:   b(k("end"), "end", "last position"),
		ProbeUp:   b(k("up", "k"), "↑/k", "previous probes"),
		ProbeDown: b(k("down", "j"), "↓/j", "next probes"),

		CellLeft:  b(k("left", "h"), "←/h", "key left"),
		CellRight: b(k("right", "l"), "→/l", "key right"),
		CellUp:    b(k("up", "k"), "↑/k", "query up"),
		CellDown:  b(k("down", "j"), "↓/j", "query down"),
		LayerPrev: b(k("["), "[", "previous layer"),
		LayerNext: b(k("]"), "]", "next layer"),
		HeadPrev:  b(k("<", ","), "<", "previous head"),
		HeadNext:  b(k(">", "."), ">", "next head"),
		HeadMean:  b(k("a"), "a", "mean of heads"),
		Overview:  b(k("o"), "o", "overview"),
		Pick:      b(k("enter"), "↵", "overview: pick"),
		Numbers:   b(k("#"), "#", "numbers"),

		Regenerate: b(k("r"), "r", "regenerate"),
		TempDown:   b(k("t"), "t", "temperature −"),
		TempUp:     b(k("T"), "T", "temperature +"),
		TopKDown:   b(k("-"), "-", "top-k −"),
		TopKUp:     b(k("+", "="), "+", "top-k +"),
	}
}

// paneKeys returns the bindings that belong to pane p, in help order.
func (k *keyMap) paneKeys(p paneID) []*key.Binding {
	switch p {
	case paneDataset:
		return []*key.Binding{&k.SourcePrev, &k.SourceNext, &k.SourceToggle, &k.WeightDown, &k.WeightUp, &k.SourceAdd,
			&k.Up, &k.Down, &k.PageUp, &k.PageDown}
	case paneTokens:
		return []*key.Binding{&k.Edit, &k.Compare, &k.IDs, &k.TokPrev, &k.TokNext, &k.TokFirst, &k.TokLast,
			&k.Legend, &k.Open, &k.Replay, &k.ReplayPrev, &k.ReplayNext, &k.ReplayAll, &k.Up, &k.Down,
			&k.Watch, &k.WatchPrev, &k.WatchNext, &k.WatchBack10, &k.WatchFwd10, &k.WatchBack100, &k.WatchFwd100,
			&k.WatchFirst, &k.WatchLast}
	case paneLoss:
		return []*key.Binding{&k.Smooth, &k.Chart, &k.LogScale, &k.Anatomy, &k.TargetPrev, &k.TargetNext,
			&k.LRUp, &k.LRDown, &k.Decay, &k.Dropout, &k.Clip, &k.Overlay, &k.OverlayOff}
	case panePredict:
		return []*key.Binding{&k.Edit, &k.PosPrev, &k.PosNext, &k.PosFirst, &k.PosLast, &k.TempDown, &k.TempUp,
			&k.ProbeUp, &k.ProbeDown}
	case paneAttention:
		return []*key.Binding{&k.CellLeft, &k.CellRight, &k.CellUp, &k.CellDown,
			&k.LayerPrev, &k.LayerNext, &k.HeadPrev, &k.HeadNext, &k.HeadMean, &k.Overview, &k.Pick, &k.Numbers}
	case paneSample:
		return []*key.Binding{&k.Edit, &k.Regenerate, &k.TempDown, &k.TempUp, &k.TopKDown, &k.TopKUp, &k.Up, &k.Down}
	}
	return nil
}

// keyState is what decides which bindings apply.
type keyState struct {
	focus   paneID
	loaded  bool // the session is built
	running bool
	done    bool // the run reached its length
	editing bool // a text input has the keys
	confirm bool // the quit question is open
	help    bool // the full help is open
	canSave bool // a save is not already under way
	sources int  // sources in the corpus
	adding  bool // a source is being loaded
	base    bool // a fine-tune base is marked (the Predict pane compares)
}

// update enables exactly the bindings that apply in state s.
func (k *keyMap) update(s keyState) {
	all := []*key.Binding{&k.Run, &k.Step, &k.Eval, &k.Save, &k.Base, &k.Extend, &k.ExtendTail, &k.Next, &k.Prev, &k.Jump, &k.Edit,
		&k.Apply, &k.Cancel, &k.Help, &k.Quit, &k.Yes, &k.No, &k.Newline, &k.Guide}
	for p := paneID(0); p < numPanes; p++ {
		all = append(all, k.paneKeys(p)...)
	}
	for _, b := range all {
		b.SetEnabled(false)
	}
	switch {
	case s.confirm:
		k.Yes.SetEnabled(true)
		k.No.SetEnabled(true)
		k.Save.SetEnabled(s.canSave)
		return
	case s.editing:
		k.Apply.SetEnabled(true)
		k.Cancel.SetEnabled(true)
		k.Newline.SetEnabled(s.focus == paneTokens)
		k.Quit.SetKeys("ctrl+c") // letters are text while editing
		return
	}
	k.Quit.SetKeys("q", "ctrl+c")
	k.Quit.SetEnabled(true)
	k.Help.SetEnabled(true)
	k.Cancel.SetEnabled(s.help)
	k.Next.SetEnabled(true)
	k.Prev.SetEnabled(true)
	k.Jump.SetEnabled(true)
	k.Guide.SetEnabled(k.lessonOn)
	if s.loaded {
		k.Run.SetEnabled(!s.done)
		k.Step.SetEnabled(!s.running) // after the end, one step more (run.go goOn)
		k.Extend.SetEnabled(s.done && !s.running)
		k.ExtendTail.SetEnabled(s.done && !s.running)
		k.Eval.SetEnabled(true)
		k.Save.SetEnabled(s.canSave)
		k.Base.SetEnabled(true)
	}
	if s.help {
		return
	}
	for _, b := range k.paneKeys(s.focus) {
		b.SetEnabled(true)
	}
	// Pane keys that cannot act now: the data keys before the session is
	// built, choosing among or weighing one source, adding while an
	// addition loads, probes without a base. x stays on with one source:
	// pressing it says why the last source stays.
	k.SourcePrev.SetEnabled(s.focus == paneDataset && s.sources > 1)
	k.SourceNext.SetEnabled(s.focus == paneDataset && s.sources > 1)
	k.SourceToggle.SetEnabled(s.focus == paneDataset && s.loaded)
	k.WeightDown.SetEnabled(s.focus == paneDataset && s.loaded && s.sources > 1)
	k.WeightUp.SetEnabled(s.focus == paneDataset && s.loaded && s.sources > 1)
	k.SourceAdd.SetEnabled(s.focus == paneDataset && s.loaded && !s.adding)
	k.TargetPrev.SetEnabled(s.focus == paneLoss && k.anatomyOn)
	k.TargetNext.SetEnabled(s.focus == paneLoss && k.anatomyOn)
	for _, b := range []*key.Binding{&k.LRUp, &k.LRDown, &k.Decay, &k.Dropout, &k.Clip} {
		b.SetEnabled(s.focus == paneLoss && s.loaded && !s.done)
	}
	// Watching, the Tokens pane's arrows, [ ], home/end move the merge
	// counter instead of the cursor and the replay.
	for _, b := range []*key.Binding{&k.WatchPrev, &k.WatchNext, &k.WatchBack10, &k.WatchFwd10,
		&k.WatchBack100, &k.WatchFwd100, &k.WatchFirst, &k.WatchLast} {
		b.SetEnabled(s.focus == paneTokens && k.watchOn)
	}
	if s.focus == paneTokens && k.watchOn {
		for _, b := range []*key.Binding{&k.TokPrev, &k.TokNext, &k.TokFirst, &k.TokLast, &k.ReplayPrev, &k.ReplayNext} {
			b.SetEnabled(false)
		}
	}
	k.Pick.SetEnabled(s.focus == paneAttention && k.overviewOn)
	k.ProbeUp.SetEnabled(s.focus == panePredict && s.base)
	k.ProbeDown.SetEnabled(s.focus == panePredict && s.base)
	if s.focus == paneTokens || s.focus == panePredict || s.focus == paneSample {
		k.Edit.SetEnabled(true)
	}
}

// ShortHelp is the one-line help under the status bar: the main keys and the
// focused pane's first ones.
func (k keyMap) ShortHelp() []key.Binding {
	if k.Yes.Enabled() {
		return []key.Binding{k.Yes, k.Save, k.No}
	}
	if k.Apply.Enabled() {
		return []key.Binding{k.Apply, k.Newline, k.Cancel} // Newline: the Tokens pane only
	}
	out := []key.Binding{k.Run, k.Extend, k.Step, k.Next, k.Save, k.Help, k.Guide, k.Quit}
	return out
}

// setGoOn makes E and ctrl+e add n steps, and says so in the help.
func (k *keyMap) setGoOn(n int) {
	k.goOn = n
	k.Extend.SetHelp("E", fmt.Sprintf("%d more steps (final lr)", n))
	k.ExtendTail.SetHelp("ctrl+e", fmt.Sprintf("%d more steps (fresh cosine)", n))
}

// FullHelp groups every enabled binding in columns: training, moving around,
// and the focused pane's keys.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{k.Run, k.Step, k.Extend, k.ExtendTail, k.Eval, k.Save, k.Base},
		{k.Next, k.Prev, k.Jump, k.Edit, k.Cancel, k.Help, k.Guide, k.Quit},
	}
}
