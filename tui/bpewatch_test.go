package tui

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"lmlab/tokenizer"
)

// watchText is the text the watch tests re-cut.
const watchText = "The owl waited for the other owls. Then the owls went on."

// TestBPEWatch enters watch mode on the pane's trained BPE, steps the merge
// counter with every key (±1, ±10, ±100, home/end, clamped at both ends),
// and at each stop checks the k-th merge line, the vocabulary size, and
// that the text is cut as TrainBPE with 256+k ids on the same training text
// cuts it; w leaves, and the cursor keys are the cursor's again.
func TestBPEWatch(t *testing.T) {
	tok := testBPE(t).(*tokenizer.BPE)
	merges := tok.Merges()
	n := len(merges)
	hs := newPaneHarness(t, PlainStyles(), tok, watchText, 100, 30)
	hs.press("w")
	if !hs.p.watch.on || hs.p.watch.k != 0 {
		t.Fatalf("w: watching %v at %d merges, want on at 0", hs.p.watch.on, hs.p.watch.k)
	}
	for _, step := range []struct {
		key  string
		want int
	}{
		{"left", 0}, {"right", 1}, {"right", 2}, {"]", 12}, {"[", 2}, {"pgdown", n}, {"pgup", 0},
		{"end", n}, {"left", n - 1}, {"home", 0}, {"]", 10},
	} {
		switch step.key {
		case "pgup":
			hs.send(tea.KeyPressMsg{Code: tea.KeyPgUp})
		case "pgdown":
			hs.send(tea.KeyPressMsg{Code: tea.KeyPgDown})
		default:
			hs.press(step.key)
		}
		k := hs.p.watch.k
		if k != step.want {
			t.Fatalf("%s: %d merges, want %d", step.key, k, step.want)
		}
		view := hs.view()
		want, err := tokenizer.TrainBPE(testText(t), tokenizer.TrainOptions{VocabSize: 256 + k})
		if err != nil {
			t.Fatal(err)
		}
		wantToks := want.EncodeTokens(watchText)
		if got := hs.p.watch.cache.tokens(hs.p.watch.tokenizer(), watchText); !slices.Equal(got, wantToks) {
			t.Errorf("%s: at %d merges the text is cut\n%v\nwant (TrainBPE with %d ids)\n%v", step.key, k, got, 256+k, wantToks)
		}
		if head := tokName(want) + "  " + TokenSummary(watchText, wantToks); !strings.Contains(view, head) {
			t.Errorf("%s: the row does not read %q:\n%s", step.key, head, view)
		}
		if line := fmt.Sprintf("%d of %d merges, vocabulary %d ids", k, n, 256+k); !strings.Contains(view, line) {
			t.Errorf("%s: no %q:\n%s", step.key, line, view)
		}
		if k > 0 {
			newest := standalone(showFormat(showSpace(printable(string(tok.TokenBytes(merges[k-1].ID))))))
			if l := lineWith(view, fmt.Sprintf("newest %d of %d", min(k, 48), 256+k)); l == "" || !strings.Contains(view, newest) {
				t.Errorf("%s: the vocabulary so far does not end in %q:\n%s", step.key, newest, view)
			}
		}
		if k == 0 {
			if !strings.Contains(view, "no merges yet") {
				t.Errorf("at 0 merges, no word of it:\n%s", view)
			}
			continue
		}
		m := merges[k-1]
		piece := func(id int) string { return strconvQuote(rawPiece(tok, pieceByteLevel, tokenizer.Token{ID: id})) }
		line := fmt.Sprintf("#%d  %s + %s → %s  (count %d, id %d)", k, piece(m.Left), piece(m.Right), piece(m.ID), m.Count, m.ID)
		if !strings.Contains(view, line) {
			t.Errorf("%s: no merge line %q:\n%s", step.key, line, view)
		}
	}
	hs.press("w")
	if hs.p.watch.on || hs.km.watchOn {
		t.Fatal("w again: still watching")
	}
	if v := hs.view(); strings.Contains(v, "merges, vocabulary") {
		t.Errorf("left watch mode, still drawn:\n%s", v)
	}
	hs.press("right", "right")
	if hs.p.cur != 1 {
		t.Errorf("after leaving, → → puts the cursor on token %d, want 1", hs.p.cur)
	}
}

// TestBPEWatchComparison: with a word tokenizer in the pane and bpe:300
// (trained on the training text) compared, w watches the comparison, and
// its row is re-cut; with nothing trained shown, w says why.
func TestBPEWatchComparison(t *testing.T) {
	hs := newPaneHarness(t, PlainStyles(), testWord(t), watchText, 100, 30)
	hs.press("w")
	if v := hs.view(); !strings.Contains(v, "only a bpe:N trained here has a merge history to watch") {
		t.Errorf("w on a word tokenizer does not say why:\n%s", v)
	}
	hs.press("w")
	hs.p.specs = []string{"", "bpe:300"}
	text := testText(t)
	hs.p.corpus = func() string { return text }
	msg, ok := hs.send(keyPress("c")).(compareMsg)
	if !ok || msg.err != nil {
		t.Fatalf("c: %+v", msg)
	}
	hs.p.setCompare(msg)
	hs.press("w", "]", "]", "right")
	if !hs.p.watch.on || hs.p.watch.src != msg.tok || hs.p.watch.k != 21 {
		t.Fatalf("watching %v at %d merges, want the comparison at 21", hs.p.watch.on, hs.p.watch.k)
	}
	want, err := tokenizer.TrainBPE(text, tokenizer.TrainOptions{VocabSize: 256 + 21})
	if err != nil {
		t.Fatal(err)
	}
	wantToks := want.EncodeTokens(watchText)
	if got := hs.p.watch.cache.tokens(hs.p.watch.tokenizer(), watchText); !slices.Equal(got, wantToks) {
		t.Errorf("the comparison is cut\n%v\nwant\n%v", got, wantToks)
	}
	view := hs.view()
	for _, s := range []string{tokName(hs.p.tok) + "  ", tokName(want) + "  " + TokenSummary(watchText, wantToks)} {
		if !strings.Contains(view, s) {
			t.Errorf("no row %q:\n%s", s, view)
		}
	}
}

// TestWholeReplay: a replays the merges of the whole text, one per ];
// at every step the tokens tile the text, each merge makes one token
// fewer, and the last step is the tokenizer's own cut; a again (or the
// cursor's keys) takes the replay back to the cursor's token.
func TestWholeReplay(t *testing.T) {
	tok := testBPE(t).(*tokenizer.BPE)
	hs := newPaneHarness(t, PlainStyles(), tok, watchText, 100, 30)
	hs.press("a")
	r := hs.p.whole
	if !hs.p.replayOn || !hs.p.replayAll || r == nil || r.why != "" {
		t.Fatalf("a: no whole-text replay: %+v", r)
	}
	var steps []tokenizer.MergeStep
	tok.Replay(watchText, func(s tokenizer.MergeStep) bool { steps = append(steps, s); return true })
	if len(r.steps) != len(steps) || len(steps) == 0 {
		t.Fatalf("%d steps replayed, (*BPE).Replay has %d", len(r.steps), len(steps))
	}
	for k := 0; k <= len(steps); k++ {
		if k > 0 {
			hs.press("]")
		}
		view := hs.view()
		if s := fmt.Sprintf("%d of %d merges", k, len(steps)); !strings.Contains(view, s) {
			t.Fatalf("step %d: no %q:\n%s", k, s, view)
		}
		if k > 0 {
			s := steps[k-1]
			if line := fmt.Sprintf("in %q at byte %d: rank %d:", s.Word, s.Start, s.Rank); !strings.Contains(view, line) {
				t.Errorf("step %d: no %q:\n%s", k, line, view)
			}
		}
		toks := r.tokensAt(tok, hs.p.rtab, k)
		if len(toks) != len(watchText)-k {
			t.Errorf("step %d: %d tokens, want %d bytes − %d merges", k, len(toks), len(watchText), k)
		}
		at := 0
		for i, tk := range toks {
			if tk.Start != at || tk.End <= tk.Start || string(tok.TokenBytes(tk.ID)) != watchText[tk.Start:tk.End] {
				t.Fatalf("step %d: token %d %+v does not follow byte %d or spell its text", k, i, tk, at)
			}
			at = tk.End
		}
		if at != len(watchText) {
			t.Errorf("step %d: the tokens end at byte %d of %d", k, at, len(watchText))
		}
		if k == len(steps) && !slices.Equal(toks, tok.EncodeTokens(watchText)) {
			t.Errorf("after every merge the tokens are\n%v\nwant EncodeTokens'\n%v", toks, tok.EncodeTokens(watchText))
		}
	}
	hs.press("]")
	if hs.p.step != len(steps) {
		t.Errorf("] past the end: step %d, want %d", hs.p.step, len(steps))
	}
	hs.press("a")
	if hs.p.replayAll || !hs.p.replayOn || hs.p.replay == nil || hs.p.replay.tokIdx != 0 {
		t.Errorf("a again: not the replay of the cursor's token: all=%v on=%v %+v", hs.p.replayAll, hs.p.replayOn, hs.p.replay)
	}
	hs.press("a", "right")
	if hs.p.replayAll || hs.p.replay == nil || hs.p.replay.tokIdx != 1 {
		t.Errorf("→ in the whole-text replay: not the replay of token 2: all=%v %+v", hs.p.replayAll, hs.p.replay)
	}
}

// TestWholeReplayLong: a text longer than wholeLimit is replayed up to a
// line end, and the pane says how much.
func TestWholeReplayLong(t *testing.T) {
	text := strings.Repeat(watchText+"\n", 2*wholeLimit/len(watchText))
	hs := newPaneHarness(t, PlainStyles(), testBPE(t), text, 100, 30)
	hs.press("a")
	r := hs.p.whole
	if len(r.text) > wholeLimit || !strings.HasSuffix(r.text, "\n") || !strings.HasPrefix(text, r.text) {
		t.Fatalf("replayed %d bytes ending %q, want a line-end prefix of at most %d", len(r.text), r.text[len(r.text)-5:], wholeLimit)
	}
	if s := fmt.Sprintf("of the text's first %d bytes", len(r.text)); !strings.Contains(hs.view(), s) {
		t.Errorf("no %q:\n%s", s, hs.view())
	}
}

// TestBPEWatchGolden draws the watch mode and the whole-text replay.
func TestBPEWatchGolden(t *testing.T) {
	const w, h = 70, 20
	for _, tc := range []struct {
		name string
		keys []string
	}{
		{"watch", []string{"w", "]", "right", "right"}},
		{"whole_replay", []string{"a", "]", "]", "]", "]", "]"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newPaneHarness(t, PlainStyles(), testBPE(t), watchText, w, h)
			hs.press(tc.keys...)
			checkGolden(t, hs.view(), w)
		})
	}
}

// TestBPEWatchOthers: a on a word tokenizer says why there is no replay,
// c leaves the watch (it may be of the comparison), and the help lists the
// new keys once each.
func TestBPEWatchOthers(t *testing.T) {
	hs := newPaneHarness(t, PlainStyles(), testWord(t), watchText, 100, 30)
	hs.press("a")
	if v := hs.view(); !strings.Contains(v, "only a byte-level BPE has merges to replay;") {
		t.Errorf("a on a word tokenizer does not say why there is no replay:\n%s", v)
	}
	hs = newPaneHarness(t, PlainStyles(), testBPE(t), watchText, 100, 30)
	hs.p.corpus = func() string { return watchText }
	hs.press("w", "c")
	if hs.p.watch.on || hs.km.watchOn {
		t.Error("c while watching: still watching")
	}
	m := fixture(t, 200, 60)
	m.setFocus(paneTokens)
	m.Update(keyPress("?"))
	screen := stripped(m)
	for _, want := range []string{"replay: token/whole text", "watch bpe:N train", "merge −1/+1", "merge −10/+10", "merge −100/+100", "no merges/all"} {
		if n := strings.Count(screen, want); n != 1 {
			t.Errorf("the help shows %q %d times, want once:\n%s", want, n, screen)
		}
	}
}

// FuzzWholeReplay replays any text whole: at every step the tokens tile
// the text and spell it, each merge makes one token fewer, and after the
// last step they are EncodeTokens'.
func FuzzWholeReplay(f *testing.F) {
	for _, s := range []string{watchText, "", "🤖 猫\r\n\xff\xfe ok", "aaaaaaa  bbb\n\n\t"} {
		f.Add(s)
	}
	tok := testBPE(f).(*tokenizer.BPE)
	rt := newReplayTable(tok, pieceByteLevel)
	f.Fuzz(func(t *testing.T, text string) {
		text = text[:min(len(text), 512)] // every step is checked: O(n²) per text
		r := newWholeReplay(tok, rt, text)
		if r.why != "" {
			t.Fatal(r.why)
		}
		for k := 0; k <= len(r.steps); k++ {
			toks := r.tokensAt(tok, rt, k)
			at := 0
			for i, tk := range toks {
				if tk.Start != at || string(tok.TokenBytes(tk.ID)) != r.text[tk.Start:tk.End] {
					t.Fatalf("step %d: token %d %+v does not follow byte %d or spell its text", k, i, tk, at)
				}
				at = tk.End
			}
			if at != len(r.text) || len(toks) != len(r.text)-k {
				t.Fatalf("step %d: %d tokens ending at %d, want %d ending at %d", k, len(toks), at, len(r.text)-k, len(r.text))
			}
		}
		if got := r.tokensAt(tok, rt, len(r.steps)); !slices.Equal(got, tok.EncodeTokens(r.text)) {
			t.Fatalf("after every merge\n%v\nwant\n%v", got, tok.EncodeTokens(r.text))
		}
	})
}
