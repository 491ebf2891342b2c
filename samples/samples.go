package samples

import (
	"embed"
	"fmt"
	"maps"
	"strings"
	"sync"

	"lmlab/samples/internal/corpora"
)

// Sample is one built-in corpus with what the workbench needs to start on it.
type Sample struct {
	Name        string   // as in --data sample:NAME
	Description string   // one line: what the text is
	Lesson      string   // one line: what training on it shows
	Kind        string   // "lesson", "pretrain", "domain" or "task"
	Tokenizer   string   // default tokenizer spec: "char", "word" or "bpe:N"
	Preset      string   // default model preset: "tiny" or "baby"
	Base        string   // for a domain sample, the sample to pretrain on before fine-tuning
	Steps       int      // training steps the lesson needs with its preset; 0: the preset's own
	Prompt      string   // default prompt for the Predict pane
	Probes      []string // prompts whose next-token predictions show what was learnt, e.g. base vs fine-tuned
}

//go:embed data/*.txt
var data embed.FS

// index is the list All returns, in the order a workshop meets them.
var index = []Sample{
	{
		Name:        "cats",
		Description: "short sentences about six animals and the places they sit, one a line",
		Lesson:      "next-word prediction: after \"The cat sat on the\" the model learns that \"mat\" is most likely",
		Kind:        "lesson", Tokenizer: "word", Preset: "tiny",
		Prompt: "The cat sat on the",
		Probes: []string{"The cat sat on the", "The dog sat on the", "The frog slept on the", "The owl sat on the"},
	},
	{
		Name:        "bank",
		Description: "sentences where \"bank\" is a river bank or a money bank, decided by what was carried there or by what the bank is near",
		Lesson:      "attention: to guess the word after \"bank\" the model must look back at the boat or the money, the river or the market",
		Kind:        "lesson", Tokenizer: "word", Preset: "tiny",
		Prompt: "The bank is near the river, so Sam went to the bank",
		Probes: []string{
			"The bank is near the river, so Sam went to the bank",
			"The bank is near the market, so Sam went to the bank",
			"Sam took the boat down to the bank",
			"Sam took the money down to the bank",
			"Ann carried the net back to the bank",
			"Ann carried the cheque back to the bank",
		},
	},
	{
		Name:        "general",
		Description: "original English: stories, fables, descriptions, dialogue, instructions, letters, diaries, notices",
		Lesson:      "pretraining: spelling, then words, then grammar appear as the loss falls",
		Kind:        "pretrain", Tokenizer: "char", Preset: "baby",
		Prompt: "Early one morning,",
		Probes: []string{"Early one morning, ", "How to make ", "\"Where are you going?\" asked ", "Dear "},
	},
	{
		Name:        "clinic",
		Description: "patient questions and clinician answers in Q:/A: form (generic advice, not medical guidance)",
		Lesson:      "fine-tuning: a model pretrained on general text picks up a domain's vocabulary and format in a few hundred steps",
		Kind:        "domain", Tokenizer: "char", Preset: "baby", Base: "general",
		Prompt: "Q: I am 42 and I have had",
		Probes: []string{"Q: I am 42 and I have had a ", "A: It is good that you are ", "Seek urgent care if you ", "If it has not improved in "},
	},
	{
		Name:        "reviews",
		Description: "product reviews with a star rating, a title and a verdict",
		Lesson:      "fine-tuning: the same base model learns a second register; compare it with clinic",
		Kind:        "domain", Tokenizer: "char", Preset: "baby", Base: "general",
		Prompt: "Rating: ",
		Probes: []string{"Rating: ", "Title: ", "This kettle boils water for the ", "Verified purchase. 12 people found "},
	},
	{
		Name:        "addition",
		Description: "sums of two numbers below 1000, padded to fixed width, one per line: 123+045=0168",
		Lesson:      "an algorithm: accuracy on held-out sums stays at zero, then jumps, as attention learns which digits to add",
		Kind:        "task", Tokenizer: "char", Preset: "tiny", Steps: 5000,
		Prompt: "123+045=",
		Probes: []string{"123+045=", "007+008=", "506+494=", "099+001="},
	},
	{
		Name:        "reverse",
		Description: "words of the general sample written backwards, one per line: lantern|nretnal",
		Lesson:      "attention as a pointer: each output letter looks back at its mirror position; accuracy is on words never seen reversed",
		Kind:        "task", Tokenizer: "char", Preset: "tiny", Steps: 2000,
		Prompt: "violin|nil", // part of the answer: each next letter looks back at its mirror at once
		Probes: []string{"violin|", "kestrel|", "mirror|", "sandwich|"},
	},
}

// All returns the built-in samples.
func All() []Sample {
	out := make([]Sample, len(index))
	copy(out, index)
	return out
}

// Names returns the names of the built-in samples, in the order All lists them.
func Names() []string {
	names := make([]string, len(index))
	for i, s := range index {
		names[i] = s.Name
	}
	return names
}

// Lookup returns the sample called name. The error lists the known names
// and matches ErrUnknownSample.
func Lookup(name string) (Sample, error) {
	for _, s := range index {
		if s.Name == name {
			return s, nil
		}
	}
	return Sample{}, &kindError{fmt.Sprintf("no built-in sample %q; known samples: %s (see lmlab samples)", name, strings.Join(Names(), ", ")), ErrUnknownSample}
}

// Text returns the sample's corpus.
func (s Sample) Text() string {
	b, err := data.ReadFile("data/" + s.Name + ".txt")
	if err != nil {
		panic("samples: " + s.Name + " has no embedded text: " + err.Error())
	}
	return string(b)
}

// Problem is one held-out question of a task sample: a model given Prompt
// should continue with exactly Answer and then a newline.
type Problem struct{ Prompt, Answer string }

// problems maps each task sample to the rule that draws its problems: the
// same rule that drew its training lines, over a wider pool (for reverse,
// all the words of the general sample, of which every fifth never occurs in
// the reverse sample).
var problems = map[string]func(*corpora.Rand) corpora.Problem{
	"addition": corpora.AdditionProblem,
	"reverse": func(r *corpora.Rand) corpora.Problem {
		return corpora.ReverseProblem(generalWords())(r)
	},
}

var generalWords = sync.OnceValue(func() []string {
	s, _ := Lookup("general")
	return corpora.Words(s.Text())
})

// Problems returns n problems for the task sample name, drawn with seed, none
// of whose prompts occurs in the sample's text, so they test generalisation
// rather than recall; fewer if the pool runs out (reverse has about 250
// held-out words). ok is false if name is not a task sample.
func Problems(name string, n int, seed uint64) (ps []Problem, ok bool) {
	draw, ok := problems[name]
	if !ok {
		return nil, false
	}
	seen := maps.Clone(trainingPrompts()[name])
	r := corpora.NewRand(seed ^ 0x5eed_0f_4e1d_0075)
	for tries := 0; len(ps) < n && tries < 100*n; tries++ {
		p := draw(r)
		key := strings.TrimRight(p.Prompt, "=|")
		if seen[key] {
			continue
		}
		seen[key] = true // no problem twice either
		ps = append(ps, Problem{p.Prompt, p.Answer})
	}
	return ps, true
}

// trainingPrompts holds, for each task sample, the prompts its text contains
// (without the final = or |); Accuracy runs at every evaluation, so they are
// collected once.
var trainingPrompts = sync.OnceValue(func() map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for name := range problems {
		s, _ := Lookup(name)
		seen := map[string]bool{}
		for line := range strings.Lines(s.Text()) {
			prompt, _, _ := strings.Cut(line, problemSep(line))
			seen[prompt] = true
		}
		out[name] = seen
	}
	return out
})

// problemSep is the character that ends a task line's prompt.
func problemSep(line string) string {
	if strings.Contains(line, "|") {
		return "|"
	}
	return "="
}

// Correct reports whether completion, the text a model wrote after p.Prompt,
// answers p exactly: Answer, then a newline or nothing.
func (p Problem) Correct(completion string) bool {
	got, _, _ := strings.Cut(completion, "\n")
	return got == p.Answer
}

// Accuracy asks complete for the continuation of n held-out problems of the
// task sample name (see Problems) and returns the fraction answered exactly.
// Each prompt is given after a newline, as the problems stand in the
// training text: at the very start of the context a model trained on
// windows of the text answers worse (measured on reverse at step 2,000: 0.44
// without the newline, about 0.75 with it). complete should decode greedily
// and may stop at a newline or after len(answer)+1 tokens. ok is false if
// name is not a task sample.
func Accuracy(name string, complete func(prompt string) string, n int, seed uint64) (acc float64, ok bool) {
	ps, ok := Problems(name, n, seed)
	if !ok || len(ps) == 0 {
		return 0, ok
	}
	right := 0
	for _, p := range ps {
		if p.Correct(complete("\n" + p.Prompt)) {
			right++
		}
	}
	return float64(right) / float64(len(ps)), true
}
