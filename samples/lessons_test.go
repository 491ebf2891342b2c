package samples_test

import (
	"os"
	"strings"
	"testing"

	"lmlab/engine"
	"lmlab/samples"
	"lmlab/tokenizer"
)

// These tests train the lessons the way the workbench does (the sample's
// tokenizer and preset, seed 1337, the preset's schedule) for a few hundred
// steps and check that the lesson has been learnt. They take 20-40 s of CPU
// (minutes under -race), so they run only when asked:
//
//	LMLAB_LESSONS=1 go test -run Lesson ./samples

type lesson struct {
	model *engine.Model
	tok   tokenizer.Tokenizer
}

func train(t *testing.T, name string, steps int) lesson {
	t.Helper()
	if os.Getenv("LMLAB_LESSONS") != "1" {
		t.Skip("trains a model for a few hundred steps; set LMLAB_LESSONS=1 to run")
	}
	s, err := samples.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := samples.Load([]string{"sample:" + name}, samples.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenizer.FromSpec(s.Tokenizer, tokenizer.SpecOptions{Text: s.Text()})
	if err != nil {
		t.Fatal(err)
	}
	p, err := engine.LookupPreset(s.Preset)
	if err != nil {
		t.Fatal(err)
	}
	cfg := p.Model
	cfg.VocabSize = tok.VocabSize()
	m := engine.NewModel(cfg, 1337)
	data := engine.Data{
		Train: []engine.Segment{{Name: name, Tokens: ids(tok.Encode(c.Sources[0].TrainText)), Weight: 1}},
		Val:   ids(tok.Encode(c.ValText())),
	}
	tr, err := engine.NewTrainer(m, p.Train, data)
	if err != nil {
		t.Fatal(err)
	}
	for range steps {
		tr.Step()
	}
	return lesson{m, tok}
}

func ids(xs []int) []int32 {
	out := make([]int32, len(xs))
	for i, x := range xs {
		out[i] = int32(x)
	}
	return out
}

// top returns the most likely next token after prompt and its probability.
func (l lesson) top(prompt string) (string, float32) {
	best := engine.TopK(l.model.NextProbs(ids(l.tok.Encode(prompt))), 1)[0]
	return string(l.tok.TokenBytes(int(best.ID))), best.Prob
}

// TestCatsLesson: within 400 steps (about 15 s on two cores; measured: all
// six favourites on top from step 300) "mat" is the top word after "The cat
// sat on the ", and every animal's favourite place is on top after its own.
func TestCatsLesson(t *testing.T) {
	l := train(t, "cats", 400)
	tests := []struct{ animal, place string }{
		{"cat", "mat"}, {"dog", "rug"}, {"frog", "log"}, {"bird", "fence"}, {"hen", "wall"}, {"owl", "roof"},
	}
	for _, tt := range tests {
		prompt := "The " + tt.animal + " sat on the "
		if got, p := l.top(prompt); got != tt.place {
			t.Errorf("after %q the top word is %q (p=%.2f), want %q", prompt, got, p, tt.place)
		}
	}
	s, _ := samples.Lookup("cats")
	if got, _ := l.top(s.Prompt); got != "mat" {
		t.Errorf("after the sample's prompt %q the top word is %q, want mat", s.Prompt, got)
	}
}

// TestBankLesson: within 700 steps the word after "bank" follows the cue
// (measured: from step 600), and at the position that predicts it some
// attention head looks back at the cue word much more than at an average
// token.
func TestBankLesson(t *testing.T) {
	l := train(t, "bank", 700)
	river, money := "beside under among below", "on in at opposite"
	tests := []struct{ prompt, cue, want string }{
		{"Sam took the boat down to the bank ", "boat", river},
		{"Sam took the money down to the bank ", "money", money},
		{"Ann carried the net back to the bank ", "net", river},
		{"Ann carried the cheque back to the bank ", "cheque", money},
	}
	for _, tt := range tests {
		got, p := l.top(tt.prompt)
		if !strings.Contains(" "+tt.want+" ", " "+got+" ") {
			t.Errorf("after %q the top word is %q (p=%.2f), want one of %q", tt.prompt, got, p, tt.want)
		}
		toks := ids(l.tok.Encode(tt.prompt))
		cue := -1
		for i, id := range toks {
			if string(l.tok.TokenBytes(int(id))) == tt.cue {
				cue = i
			}
		}
		ins := l.model.Inspect(toks, 1)
		last, best := len(toks)-1, float32(0)
		for _, layer := range ins.Attention {
			for _, head := range layer {
				best = max(best, head[last][cue])
			}
		}
		// Uniform attention would give every one of the T tokens 1/T.
		if uniform := 1 / float32(len(toks)); best < 2.5*uniform {
			t.Errorf("%q: the strongest attention from the last position to %q is %.2f, want ≥ %.2f (2.5× uniform)", tt.prompt, tt.cue, best, 2.5*uniform)
		}
	}
}
