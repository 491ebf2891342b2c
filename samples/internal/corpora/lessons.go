package corpora

import (
	"fmt"
	"strings"
)

// CatsFavourite maps each animal in the cats corpus to the place it sits on
// most of the time. The word after "The cat sat on the" is "mat" because of it.
var CatsFavourite = map[string]string{
	"cat": "mat", "dog": "rug", "frog": "log", "bird": "fence", "hen": "wall", "owl": "roof",
}

// catsFavouriteP is how often an animal picks its favourite place; the rest
// of the time it picks another, so the favourite is clearly the top next
// word but not the only one.
const catsFavouriteP = 0.9

// catsGrammar is one sentence a line. Lines that mix animals teach the same
// rule but, measured with the tiny preset, take about twice as many steps
// before the model looks back past "sat on the" to the animal.
var catsGrammar = NewGrammar(`
sat = ^the {animal} sat on the {fav}.
slept = ^the {animal} slept on the {fav}.
is = ^the {animal} is {adj}.
adj = big | small | old | little | happy | sleepy | black | white | brown
`)

// Cats generates the cats lesson: short sentences about six animals and where
// they sit, one a line.
func Cats(seed uint64) string {
	r := NewRand(seed)
	animals := sortedKeys(CatsFavourite)
	var places []string
	for _, a := range animals {
		places = append(places, CatsFavourite[a])
	}
	var b strings.Builder
	for range 1600 {
		a := Pick(r, animals)
		fav := CatsFavourite[a]
		if !r.Chance(catsFavouriteP) {
			fav = pickOther(r, places, fav)
		}
		form := "{sat}" // 70 %
		if k := r.Intn(20); k >= 17 {
			form = "{is}" // 15 %
		} else if k >= 14 {
			form = "{slept}" // 15 %
		}
		b.WriteString(catsGrammar.Expand(r, form, map[string]string{"animal": a, "fav": fav}))
		b.WriteByte('\n')
	}
	return b.String()
}

func pickOther(r *Rand, xs []string, not string) string {
	for {
		if x := Pick(r, xs); x != not {
			return x
		}
	}
}

// The bank corpus: what someone carries to the bank (the cue) decides which
// bank it is, and so the word after "bank". A second kind of line says where
// the bank is, "The bank is near the river", and then goes to it: there the
// place is the cue.
var (
	BankRiverCues   = []string{"boat", "canoe", "net", "rod", "raft", "kayak"}
	BankMoneyCues   = []string{"money", "cash", "coins", "cheque", "savings", "wallet"}
	BankRiverPlaces = []string{"river", "stream", "lake", "pond"}
	BankMoneyPlaces = []string{"market", "shops", "mall", "hotel"}
	BankRiverNext   = []string{"beside", "under", "among", "below"}
	BankMoneyNext   = []string{"on", "in", "at", "opposite"}
)

// bankNearShare is the share of lines of the "The bank is near the river"
// kind.
const bankNearShare = 0.4

// bankGrammar keeps the cue word ({cue}) and "bank" apart by a fixed number
// of words that say nothing about which bank is meant, the same for both
// senses: the word after "bank" can only be predicted by looking back at the
// cue. Measured with the tiny preset, a fixed distance is learnt in about 500
// steps; letting the distance vary (one to three words), or putting more
// than one sentence on a line, left the model guessing after 2,000. Each
// kind of line keeps its own distance (four words from the thing carried,
// seven from the place), and the kind shows from the line's first word.
var bankGrammar = NewGrammar(`
line = ^{name} {verb} the {cue} {way} to the bank {after}.
near = ^the bank is near the {cue}, so {name} went to the bank {after}.
verb = took | carried | brought
way = down | back | over | up | along | straight
river = beside the water | under the willows | among the reeds | below the old mill
money = on Market Street | in the town square | at the corner | opposite the station
name = Sam | Ann | Tom | Mia | Ben | Zoe
`)

// Bank generates the bank lesson: one sentence a line, half about a river
// bank and half about a money bank; of each, bankNearShare say where the
// bank is ("The bank is near the river, so ...") and the rest what was
// carried there.
func Bank(seed uint64) string {
	r := NewRand(seed)
	var b strings.Builder
	for range 1000 {
		form, river, money := "{line}", BankRiverCues, BankMoneyCues
		if r.Chance(bankNearShare) {
			form, river, money = "{near}", BankRiverPlaces, BankMoneyPlaces
		}
		cues, after := river, "{river}"
		if r.Chance(0.5) {
			cues, after = money, "{money}"
		}
		b.WriteString(bankGrammar.Expand(r, form, map[string]string{"cue": Pick(r, cues), "after": after}))
		b.WriteByte('\n')
	}
	return b.String()
}

// Problem is one held-out question of an algorithmic task: the model is given
// Prompt and must continue with exactly Answer.
type Problem struct{ Prompt, Answer string }

// AdditionProblem draws a sum of two numbers below 1000, written with fixed
// widths: three digits for each number and four for the sum ("012+345=0357").
// Every answer digit then sits at the same distance from the digits it
// depends on, and the attention pane shows each answer digit looking back
// at its column; unpadded sums ("12+345=357") move those distances with
// every line. Measured with the tiny preset over a 5,000-step run: held-out
// exact-match accuracy 0.02 at step 1,750, 0.40 at 2,000, 0.83 at 2,500 and
// 0.98 at the end. Over a 3,000-step run the learning rate decays too soon
// and accuracy ends near 0.1.
func AdditionProblem(r *Rand) Problem {
	a, b := r.Intn(1000), r.Intn(1000)
	return Problem{fmt.Sprintf("%03d+%03d=", a, b), fmt.Sprintf("%04d", a+b)}
}

// Words returns the distinct words of three to eight ASCII letters in text,
// lower-cased and sorted: the vocabulary the reverse task draws from.
func Words(text string) []string {
	seen := map[string]bool{}
	notLetter := func(r rune) bool { return !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z') }
	for _, w := range strings.FieldsFunc(text, notLetter) {
		if w = strings.ToLower(w); len(w) >= 3 && len(w) <= 8 {
			seen[w] = true
		}
	}
	return sortedKeys(seen)
}

// ReverseHeldOut reports whether the i-th of the sorted words is kept out of
// the reverse corpus (every fifth), so accuracy is measured on words the
// model has never seen reversed.
func ReverseHeldOut(i int) bool { return i%5 == 4 }

// ReverseProblem returns a rule that draws one of words to be written
// backwards. Real words, not random letters: measured with the tiny preset,
// held-out accuracy on words reaches 0.56 by step 500 and 0.78 by 1,500,
// while five random letters stay at 0 after 5,000 steps (the model never
// leaves the plateau of guessing letters uniformly).
func ReverseProblem(words []string) func(*Rand) Problem {
	return func(r *Rand) Problem {
		w := []byte(Pick(r, words))
		rev := make([]byte, len(w))
		for i, c := range w {
			rev[len(w)-1-i] = c
		}
		return Problem{string(w) + "|", string(rev)}
	}
}

// reverseTrainingWords are the words of the general corpus that the reverse
// corpus may use.
func reverseTrainingWords(general string) []string {
	var train []string
	for i, w := range Words(general) {
		if !ReverseHeldOut(i) {
			train = append(train, w)
		}
	}
	return train
}

// Task generates n problems, one "prompt+answer" a line.
func Task(seed uint64, n int, problem func(*Rand) Problem) string {
	r := NewRand(seed)
	var b strings.Builder
	for range n {
		p := problem(r)
		b.WriteString(p.Prompt + p.Answer + "\n")
	}
	return b.String()
}
