package tui

import (
	"fmt"
	"math"
	"strings"

	"lmlab/samples"
)

// explanation is what ? says about a pane besides its keys: what the pane
// shows, how to read it, a legend of every mark it draws, and what to look
// for at this point of the run. Paragraphs are plain text; the help wraps
// them to the screen.
type explanation struct {
	shows  []string
	read   []string
	legend []legendEntry
	now    []string
}

// legendEntry is one mark a pane draws and what it means.
type legendEntry struct{ mark, meaning string }

// explainState is what an explanation depends on: the session's
// vocabulary and tokenizer, where the run is, and the lesson.
type explainState struct {
	loaded      bool
	vocab       int    // V: the model's vocabulary size
	tokenizer   string // the tokenizer's name
	step, total int
	running     bool
	done        bool
	sample      *samples.Sample // the built-in sample, when the data is one
	smoothing   bool
	temperature float64
	topK        int
	layers      int
	heads       int
	threeWays   bool // the Tokens pane shows "Artificial Intelligence" three ways
}

// explainState collects what the explanations need from the model.
func (m *Model) explainState() explainState {
	s := explainState{step: m.step, total: m.total, running: m.running || m.wantRun, done: m.done,
		smoothing: m.loss.smooth, temperature: m.temperature, topK: m.sample.topK,
		layers: m.attention.layers, heads: m.attention.heads, threeWays: !m.tokens.ownText}
	if m.sess != nil {
		s.loaded = true
		s.vocab = m.sess.Trainer.Model.Config.VocabSize
		s.tokenizer = m.sess.Tokenizer.Name()
		s.sample = m.sess.Sample
	}
	return s
}

// phase is where the run stands, for "what to look for now".
type phase int

const (
	phaseLoading  phase = iota
	phaseStart          // no step taken yet
	phaseTraining       // some steps, not at the end
	phaseDone           // the run reached its length
)

func (s explainState) phase() phase {
	switch {
	case !s.loaded:
		return phaseLoading
	case s.done:
		return phaseDone
	case s.step == 0:
		return phaseStart
	}
	return phaseTraining
}

// lesson is the sample's name, or "" for data that is not one sample.
func (s explainState) lesson() string {
	if s.sample == nil {
		return ""
	}
	return s.sample.Name
}

// lnV is ln V, the loss of a model that spreads its guess evenly over V
// tokens.
func (s explainState) lnV() float64 { return math.Log(float64(max(s.vocab, 1))) }

// explain returns the explanation of pane p in state s.
func explain(p paneID, s explainState) explanation {
	switch p {
	case paneDataset:
		return explainDataset(s)
	case paneTokens:
		return explainTokens(s)
	case paneLoss:
		return explainLoss(s)
	case panePredict:
		return explainPredict(s)
	case paneAttention:
		return explainAttention(s)
	case paneSample:
		return explainSample(s)
	}
	return explanation{}
}

func explainDataset(s explainState) explanation {
	e := explanation{
		shows: []string{
			"The text the model learns from. Each source is a file, a folder or a built-in sample:NAME; " +
				"its weight says how often training draws a window from it compared with the other sources.",
			"tokens counts the source cut by the tokenizer. The train tokens are what the model learns from; " +
				"the val (validation) tokens are held out, so the loss on them shows how the model does on text it never trained on.",
		},
		read: []string{
			"split says where train and val were cut. unknown counts characters the tokenizer cannot represent (they are left out). " +
				"leaks are lines found in both train and val: the val loss on them flatters the model. The preview is the start of the selected source.",
		},
		legend: []legendEntry{
			{"▸", "the selected source (←/→ picks another)"},
			{"×2", "a source's weight: drawn twice as often as one of weight 1"},
			{"── preview", "the start of the selected source's text"},
			{"·", "separates the hints on one line"},
			{"…", "cut short: more than fits"},
		},
	}
	switch s.phase() {
	case phaseStart:
		e.now = []string{"Before training, look at the train tokens: a few thousand are enough for a small lesson; " +
			"the model is not learning a language from them, only this text."}
	case phaseTraining:
		e.now = []string{"Sources can be switched off, re-weighted or added while the model trains; " +
			"the trainer takes the new mix at its next step, and the Loss pane shows what it does."}
	case phaseDone:
		e.now = []string{"The run is over. Adding a source now and training on shows what new text does to a trained model (fine-tuning)."}
	}
	return e
}

// tokenGlyphs is the legend of the token view, shared by the Tokens pane's
// explanation (every mark RenderTokens and the pane draw).
var tokenGlyphs = []legendEntry{
	{glyphSpace, "a space"},
	{glyphNewline, "a newline"},
	{glyphTab, "a tab"},
	{glyphCR, "a carriage return"},
	{glyphUniSpace, "another Unicode space (no-break, ideographic, …)"},
	{"␀ ␁ ␡", "a control character (␀ is byte 0)"},
	{"<XX>", "byte fallback: one byte, in hex, that is not a whole character (e.g. <E4>)"},
	{"<U+200B>", "an invisible character, by its code point"},
	{glyphUnknown, "after an unknown token: <unk>, a word or character outside the vocabulary"},
	{glyphJoin, "a cut inside one character: two byte pieces of it meet here"},
	{glyphSep, "between two tokens, when there is no colour"},
	{glyphDiffSep, "a cut the other tokenizer does not make (c compares)"},
	{glyphEmpty, "a token that covers no text (inserted by a normalizer)"},
	{glyphMeta + " Ġ", "a word start / a space inside a raw piece (SentencePiece, byte-level BPE)"},
	{"₀₁₂₃₄₅₆₇₈₉", "a token's id in subscript digits (i shows ids); ₋ when it has none"},
	{"–", "a range: the bytes the cursor's token covers"},
	{"← →", "in hints: the keys that move the cursor, a replay or a watched BPE's merges"},
	{"…", "the text goes on past the pane"},
}

func explainTokens(s explainState) explanation {
	tok := "the session's tokenizer"
	if s.loaded {
		tok = fmt.Sprintf("the session's tokenizer, %s with V = %d tokens,", s.tokenizer, s.vocab)
	}
	e := explanation{
		shows: []string{
			"How " + tok + " cuts a text into tokens. A token is the unit the model reads and predicts: " +
				"a character, a piece of a word or a whole word, each with an id. The model never sees letters, only these ids.",
		},
		read: []string{
			"Tokens are drawn in alternating styles (without colour, │ between them), so each span is one token. " +
				"Whitespace is made visible. The first line counts the tokens and how many characters and bytes one token covers on average: " +
				"more per token means shorter sequences for the model.",
			"The vocabulary lists the pieces the tokenizer knows. c puts a second tokenizer under the first, " +
				"with the cuts they do not share marked.",
		},
		legend: tokenGlyphs,
	}
	if s.threeWays {
		e.now = []string{"\"Artificial Intelligence\" is cut below by char, word and BPE tokenizers learned from the general sample: " +
			"letters, whole words, or pieces. A word tokenizer knows only the words it was built from; anything else is <unk>, " +
			"which is why real models use pieces (BPE)."}
	} else {
		e.now = []string{"c compares your text as char, word and BPE tokenizers cut it: letters, whole words, or pieces. " +
			"Count the tokens: fewer tokens per text means the model sees more text at once."}
	}
	if s.loaded && strings.HasPrefix(s.tokenizer, "word") {
		e.now = append(e.now, "This session cuts words: every word of the text is one token, and a word it never saw is <unk> ("+glyphUnknown+").")
	}
	return e
}

func explainLoss(s explainState) explanation {
	v, lnV := "V", "ln V"
	if s.loaded {
		v, lnV = fmt.Sprintf("V = %d", s.vocab), fmt.Sprintf("ln %d = %.2f", s.vocab, s.lnV())
	}
	smoothing := "off"
	if s.smoothing {
		smoothing = "on"
	}
	e := explanation{
		shows: []string{
			"How wrong the model's next-token guesses are: the training loss after each step, and the validation loss at each evaluation. " +
				"The loss is the average of −ln p, p being the probability the model gave the token that really came next: 0 is a sure, right guess.",
		},
		read: []string{
			fmt.Sprintf("An untrained model spreads its guess evenly over its %s tokens, so the loss starts near %s. "+
				"A loss of L is as unsure as picking among e^L tokens.", v, lnV),
			"train is measured on the batch the model just learned from; val on held-out text it never trains on. " +
				"val close to train: the model learns what generalises. val rising while train falls (a growing gap): it memorises its training text (overfitting).",
			"Single batches are noisy; m (smoothing, " + smoothing + ") draws an exponential moving average of train so the trend shows through.",
		},
		legend: []legendEntry{
			{"──", "train loss, step by step"},
			{"••", "val loss, at each evaluation"},
			{"╭ ╮ ╰ ╯ │ ╴", "the curve turning up or down"},
			{"┤ ┼ └ ┬", "the axes: loss up the side, steps along the bottom"},
			{"· ∘", "an earlier run overlaid (o): its train and val"},
			{"▲", "a recipe change (lr ×2, lr ÷2, decay, dropout, clipping) at that step"},
			{"→", "before → after (base val → now, anatomy)"},
			{"█", "anatomy (a): a tensor group's gradient norm, as a bar"},
			{"‖Δw‖/‖w‖", "anatomy: how far a step moves a group's weights, relative to their size"},
			{"←/→", "anatomy: another target token"},
			{"·", "separates the parts of a title or hint"},
			{"…", "waiting for a number, or cut short"},
		},
	}
	switch s.phase() {
	case phaseStart:
		e.now = []string{fmt.Sprintf("No step yet. Press n once: the first loss should be close to %s. Then space trains; watch it fall.", lnV)}
	case phaseTraining:
		e.now = []string{fmt.Sprintf("Step %d of %d. The loss has left %s behind when the model has learned which tokens are common; "+
			"v evaluates now, to see whether val follows train.", s.step, s.total, lnV)}
		if !s.running {
			e.now = append(e.now, "Paused: space goes on, n takes one step and shows what a single step changes.")
		}
	case phaseDone:
		e.now = []string{"The run is done. Compare the last val with train: a small gap is a model that generalises; " +
			"c shows other charts (learning rate, gradient norm)."}
	}
	return e
}

func explainPredict(s explainState) explanation {
	v, uniform := "V", "1/V"
	if s.loaded {
		v, uniform = fmt.Sprintf("V = %d", s.vocab), fmt.Sprintf("1/%d = %.1f%%", s.vocab, 100/float64(max(s.vocab, 1)))
	}
	e := explanation{
		shows: []string{
			"What the model expects next, after the chosen position of the prompt: its likeliest next tokens, best first.",
		},
		read: []string{
			"A bar is the probability the model gives that token of coming next. Over the whole vocabulary (" + v + " tokens) " +
				"the probabilities sum to 1; only the top few are drawn, so the bars shown add up to 1 or less. " +
				"An untrained model gives every token about " + uniform + ".",
			"←/→ picks the position: the model guesses after every prefix of the prompt at once, which is how it trains.",
		},
		legend: []legendEntry{
			{"█", "the probability, as a share of the bar"},
			{"░", "the rest of the bar, up to 100%"},
			{"[.]", "the chosen position: the guess is for the token after it"},
			{"· ⏎ → ␍", "a space, newline, tab, carriage return in a token"},
			{"│", "base | now, when a fine-tune base is marked (f)"},
			{"… ← →", "the prompt goes on to the left; the keys that move along it"},
			{"↑/↓", "with a base: scroll the probe prompts"},
		},
	}
	switch {
	case s.phase() == phaseStart:
		e.now = []string{"Before training the bars are nearly even. Take a few steps and watch one token pull ahead."}
	case s.lesson() == "cats":
		e.now = []string{"Type The cat sat on the (e edits) and watch mat rise to the top as training goes on."}
	case s.lesson() == "bank":
		e.now = []string{"Compare the guess after bank in a river sentence and in a money sentence: the words before bank decide it."}
	default:
		e.now = []string{"Watch the top bar grow as the model becomes sure; a wrong sure guess is what the loss punishes most."}
	}
	return e
}

// shadeLegend is the heat glyphs with the weights each stands for, from
// shadeLimits.
func shadeLegend() []legendEntry {
	out := make([]legendEntry, len(shades))
	for i, g := range shades {
		switch i {
		case 0:
			out[i] = legendEntry{g, fmt.Sprintf("weight below %.2f", shadeLimits[0])}
		case len(shades) - 1:
			out[i] = legendEntry{g, fmt.Sprintf("weight %.2f or more (≥)", shadeLimits[i-1])}
		default:
			out[i] = legendEntry{g, fmt.Sprintf("weight %.2f to %.2f", shadeLimits[i-1], shadeLimits[i])}
		}
	}
	return out
}

func explainAttention(s explainState) explanation {
	which := "one layer's attention"
	if s.layers > 0 {
		which = fmt.Sprintf("one layer's attention (%d layers × %d heads)", s.layers, s.heads)
	}
	e := explanation{
		shows: []string{
			"Where each token looks when the model builds its guess: " + which + ", for one head or the mean of the heads, on the Predict prompt.",
		},
		read: []string{
			"A row is a query token: the position doing the looking. A column is a key token it can look at. " +
				"A row's weights sum to 1: the query shares its attention among the keys.",
			"Attention is causal: a token cannot look at tokens after it, so every cell right of the diagonal is empty. " +
				"The cursor's exact weight is written on top.",
		},
		legend: append(shadeLegend(),
			legendEntry{"◂", "the cursor's cell (query row, key column)"},
			legendEntry{"→", "query → key: the cursor's pair"},
			legendEntry{"–", "a range of rows or columns, when they do not all fit"},
			legendEntry{"⇧←/⇧→", "shift with an arrow: a page of keys"},
			legendEntry{"…", "a token or line cut short"},
		),
	}
	switch {
	case s.phase() == phaseStart:
		e.now = []string{"Before training each row is spread evenly over the keys it can see. Train a while, then look for keys that stand out."}
	case s.lesson() == "bank":
		e.now = []string{"Put the cursor on the row of bank's next word and look which earlier word lights up: river or money."}
	default:
		e.now = []string{"[ ] changes layer, < > head, a the mean. Look for heads that attend to the previous token (a diagonal next to the main one), or to one key word."}
	}
	return e
}

func explainSample(s explainState) explanation {
	e := explanation{
		shows: []string{
			"Text the model writes on its own from the prompt, one token at a time, each drawn from its predicted probabilities.",
		},
		read: []string{
			fmt.Sprintf("temperature (now %.1f) divides the model's scores before drawing: below 1 sharpens the choice (0: always the likeliest token), "+
				"above 1 flattens it (more surprise, more mistakes). top-k (now %s) keeps only the k likeliest tokens before drawing.", s.temperature, topKName(s.topK)),
			"A sample shows what the model has learned so far: first the common letters, then words, then which word follows which.",
		},
		legend: []legendEntry{
			{"·", "separates the hints on one line"},
			{"…", "the text goes on; ↑/↓ scrolls"},
		},
	}
	switch s.phase() {
	case phaseStart:
		e.now = []string{"Before training the sample is random tokens from the vocabulary. r draws again; compare after a few hundred steps."}
	case phaseDone:
		e.now = []string{"The run is done: t/T and -/+ show how temperature and top-k change the same model's text."}
	default:
		e.now = []string{"A new sample comes every few seconds while training. Does it spell words yet? Does it follow the text's format?"}
	}
	return e
}

// topKName is top-k as the Sample pane shows it.
func topKName(k int) string {
	if k == 0 {
		return "all"
	}
	return fmt.Sprint(k)
}
