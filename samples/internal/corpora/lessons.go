package corpora

import (
	"strconv"
	"strings"
)

// CatsFavourite maps each animal in the cats corpus to the place it sits on
// most of the time. The word after "The cat sat on the" is "mat" because of it.
var CatsFavourite = map[string]string{
	"cat": "mat", "dog": "rug", "frog": "log", "bird": "fence",
	"hen": "wall", "pig": "box", "owl": "roof", "fox": "hill",
}

// catsFavouriteP is how often an animal that sits picks its favourite place;
// the rest of the time it picks any other place, so the favourite is clearly
// the top next word but not the only one.
const catsFavouriteP = 0.8

var catsGrammar = NewGrammar(`
s = ^the {animal} sat on the {fav}. | ^the {animal} sat on the {fav}. | ^the {animal} sat on the {fav}.
	| ^the {adj} {animal} sat on the {fav}. | ^a {animal} sat on the {fav}. | ^then the {animal} sat on the {fav}.
	| ^the {animal} slept on the {fav}. | ^the {animal} sat on the {fav} all day.
	| ^the {animal} ran to the {place}. | ^the {animal} saw the {other}. | ^the {animal} is {adj}.
	| ^the {animal} and the {other} played. | ^the {animal} looked at the {place}.
adj = big | small | old | little | happy | sleepy | black | white | brown
`)

// Cats generates the cats lesson: short sentences about animals and where
// they sit, one to three on a line.
func Cats(seed uint64) string {
	r := NewRand(seed)
	animals := sortedKeys(CatsFavourite)
	var places []string
	for _, a := range animals {
		places = append(places, CatsFavourite[a])
	}
	var b strings.Builder
	for range 600 {
		for i, n := 0, 1+r.Intn(3); i < n; i++ {
			a := Pick(r, animals)
			fav := CatsFavourite[a]
			if !r.Chance(catsFavouriteP) {
				fav = pickOther(r, places, fav)
			}
			if i > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(catsGrammar.Expand(r, "{s}", map[string]string{
				"animal": a, "fav": fav, "place": Pick(r, places), "other": pickOther(r, animals, a),
			}))
		}
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

// BankRiverNext and BankMoneyNext are the words that follow "the bank" in the
// bank corpus: which set is used depends only on the cue word before it.
var (
	BankRiverNext = []string{"beside", "under", "among", "below"}
	BankMoneyNext = []string{"on", "in", "at", "opposite"}
	BankRiverCues = []string{"river", "fish", "boat", "ducks", "reeds", "canoe", "heron", "stream"}
	BankMoneyCues = []string{"money", "loan", "cash", "savings", "cheque", "mortgage", "salary", "coins"}
)

// bankGrammar keeps the cue word ({cue}) and the place after "bank" apart with
// words that say nothing about which bank is meant: the same openings and
// middles are used for both senses, so the word after "bank" can only be
// predicted by looking back at the cue.
var bankGrammar = NewGrammar(`
line = ^{name} {about} the {cue} {middle} the bank {after}.
about = was thinking about | talked about | forgot about | asked about | read about
	| dreamed about | worried about | laughed about | wrote a note about
middle = , so {pron} went to | all morning, then {pron} walked to | and later {pron} hurried to
	| on the way home, then {pron} went down to | for a while, so {pron} drove to
	| . ^later that day {pron} went to | with a friend, and they both went to
after = {river} | {money}
river = beside the water and {riveract} | under the willows and {riveract}
	| among the tall grass and {riveract} | below the old mill and {riveract}
riveract = watched the water go by | sat on the grass | looked for frogs | skipped stones
	| had a picnic | listened to the birds
money = on Market Street and {moneyact} | in the town square and {moneyact}
	| at the corner and {moneyact} | opposite the post office and {moneyact}
moneyact = waited in the queue | spoke to the teller | signed some forms | paid a bill
	| asked for a new card | counted the notes
`)

// Bank generates the bank lesson: one sentence a line, half about a river
// bank and half about a money bank.
func Bank(seed uint64) string {
	r := NewRand(seed)
	people := []struct{ name, pron string }{
		{"Sam", "he"}, {"Ann", "she"}, {"Tom", "he"}, {"Mia", "she"}, {"Ben", "he"},
		{"Zoe", "she"}, {"Leo", "he"}, {"Ivy", "she"}, {"Max", "he"}, {"Eva", "she"},
	}
	var b strings.Builder
	for range 360 {
		p := Pick(r, people)
		vars := map[string]string{"name": p.name, "pron": p.pron}
		if r.Chance(0.5) {
			vars["cue"] = Pick(r, BankRiverCues)
			vars["after"] = "{river}"
		} else {
			vars["cue"] = Pick(r, BankMoneyCues)
			vars["after"] = "{money}"
		}
		tmpl := strings.ReplaceAll(bankGrammar["line"][0], "{after}", vars["after"])
		b.WriteString(bankGrammar.Expand(r, tmpl, vars))
		b.WriteByte('\n')
	}
	return b.String()
}

// Problem is one held-out question of an algorithmic task: the model is given
// Prompt and must continue with exactly Answer.
type Problem struct{ Prompt, Answer string }

// AdditionProblem draws a sum of two numbers of one to three digits each.
func AdditionProblem(r *Rand) Problem {
	a, b := number(r), number(r)
	return Problem{strconv.Itoa(a) + "+" + strconv.Itoa(b) + "=", strconv.Itoa(a + b)}
}

func number(r *Rand) int {
	switch r.Intn(3) {
	case 0:
		return r.Intn(10)
	case 1:
		return 10 + r.Intn(90)
	}
	return 100 + r.Intn(900)
}

// ReverseProblem draws a word of three to eight random letters to be written
// backwards.
func ReverseProblem(r *Rand) Problem {
	n := 3 + r.Intn(6)
	w := make([]byte, n)
	for i := range w {
		w[i] = byte('a' + r.Intn(26))
	}
	rev := make([]byte, n)
	for i := range w {
		rev[n-1-i] = w[i]
	}
	return Problem{string(w) + "|", string(rev)}
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
