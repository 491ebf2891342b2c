package corpora

// Files lists the embedded corpora in the order they are generated; each file
// is samples/data/NAME.txt.
var Files = []string{"cats", "bank", "general", "clinic", "reviews", "addition", "reverse"}

// Generate returns the text of the named corpus. It panics on an unknown
// name: the list is Files.
func Generate(name string) string {
	switch name {
	case "cats":
		return Cats(1)
	case "bank":
		return Bank(2)
	case "general":
		return General(3, 240_000)
	case "clinic":
		return Clinic(6, 60_000)
	case "reviews":
		return Reviews(7, 60_000)
	case "addition":
		return Task(4, 8000, AdditionProblem)
	case "reverse":
		return Task(5, 8000, ReverseProblem(reverseTrainingWords(Generate("general"))))
	}
	panic("corpora: Generate: unknown corpus " + name)
}
