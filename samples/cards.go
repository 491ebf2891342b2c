package samples

// Card is a built-in sample's lesson card: what training on it teaches,
// what to watch on screen while it trains, and the workbench keys the lesson
// uses. Each part is a few short lines, written for a beginner.
type Card struct {
	Teaches string    // what the sample shows about language models
	Watch   string    // where on the screen it shows, and when
	Keys    []CardKey // the workbench keys the lesson uses, in the order it uses them
}

// CardKey is one key a card names: the key as the workbench spells it
// ("space", "4", "[") and what it does in the lesson.
type CardKey struct {
	Key, Does string
}

// cards are the lesson cards, by sample name; every sample in index has
// one (TestEveryCard).
var cards = map[string]Card{
	"cats": {
		Teaches: "A language model guesses the next token. Trained on short sentences about animals,\n" +
			"it learns that after \"The cat sat on the\" the likeliest next word is \"mat\".",
		Watch: "The loss (pane 3) starts near ln of the vocabulary size and falls. In Predict (pane 4)\n" +
			"the bars are the next-word guesses: \"mat\" rises to the top within seconds.",
		Keys: []CardKey{{"space", "start or pause training"}, {"4", "Predict"}, {"5", "Attention"},
			{"[", "previous layer"}, {">", "next head"}, {"n", "one step"}},
	},
	"bank": {
		Teaches: "Attention: \"bank\" is a river bank or a money bank, and only an earlier word says which.\n" +
			"To guess the word after \"bank\" the model must look back at it.",
		Watch: "In Predict (pane 4) the guess after \"bank\" changes when you change the river to a market.\n" +
			"In Attention (pane 5) one head's row for \"bank\" reaches back to the word that decided it.",
		Keys: []CardKey{{"space", "start or pause training"}, {"4", "Predict"}, {"e", "edit the prompt"},
			{"enter", "apply the prompt"}, {"5", "Attention"}, {">", "next head"}},
	},
	"general": {
		Teaches: "Pretraining: on 240 KB of plain prose a model learns spelling first, then words,\n" +
			"then a little grammar, as the loss falls.",
		Watch: "The Sample pane (6) turns from random letters into words; the loss and val (pane 3)\n" +
			"fall together until the model starts to memorise.",
		Keys: []CardKey{{"space", "start or pause training"}, {"6", "Sample"}, {"r", "regenerate"},
			{"3", "Loss"}, {"f", "mark the base for a fine-tune"}},
	},
	"clinic": {
		Teaches: "Fine-tuning: a model pretrained on general prose picks up a domain's words and its\n" +
			"Q:/A: format in a few hundred steps, and forgets some of what it knew.",
		Watch: "Mark the pretrained weights as the base (f), add the clinic text (a), and Predict (pane 4)\n" +
			"shows base vs now on the clinic probes while the Loss pane shows the base's val beside now.",
		Keys: []CardKey{{"space", "start or pause training"}, {"f", "mark the base"}, {"1", "Dataset"},
			{"a", "add a source"}, {"x", "source on/off"}, {"4", "Predict"}},
	},
	"reviews": {
		Teaches: "Fine-tuning on a second register: product reviews with a rating, a title and a verdict.\n" +
			"The same base learns a different format; compare it with clinic.",
		Watch: "Predict (pane 4) compares base and now on the review probes; Sample (pane 6) starts\n" +
			"writing \"Rating:\" lines.",
		Keys: []CardKey{{"space", "start or pause training"}, {"f", "mark the base"}, {"a", "add a source"},
			{"4", "Predict"}, {"6", "Sample"}},
	},
	"addition": {
		Teaches: "An algorithm: sums like 123+045=0168. Accuracy on sums never seen in training stays at\n" +
			"zero for a long time, then jumps, as attention learns which digits to add.",
		Watch: "The accuracy chart of the Loss pane (3, then c) leaves zero long after the loss has fallen.\n" +
			"In Attention (pane 5) each answer digit looks back at the digits it adds.",
		Keys: []CardKey{{"space", "start or pause training"}, {"3", "Loss"}, {"c", "next chart"},
			{"4", "Predict"}, {"5", "Attention"}, {">", "next head"}},
	},
	"reverse": {
		Teaches: "Attention as a pointer: to write a word backwards each output letter copies the letter\n" +
			"at its mirror position. Accuracy is measured on words never seen reversed.",
		Watch: "In Attention (pane 5) a head draws the mirror diagonal: the answer's rows point back\n" +
			"at the word's letters in reverse order. The accuracy chart (3, then c) climbs.",
		Keys: []CardKey{{"space", "start or pause training"}, {"3", "Loss"}, {"c", "next chart"},
			{"5", "Attention"}, {">", "next head"}, {"4", "Predict"}},
	},
}

// Card returns the sample's lesson card; ok is false for a sample without
// one (none of the built-in ones).
func (s Sample) Card() (c Card, ok bool) {
	c, ok = cards[s.Name]
	return c, ok
}
