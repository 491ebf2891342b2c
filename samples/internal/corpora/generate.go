package corpora

// Files lists the embedded corpora in the order they are generated; each file
// is samples/data/NAME.txt.
var Files = []string{"cats", "bank", "general", "clinic", "reviews", "addition", "reverse"}

// The general corpus's seed and size; the reverse task draws its words from it.
const (
	GeneralSeed  = 3
	GeneralBytes = 240_000
)

// Generate returns the text of the named corpus. It panics on an unknown
// name: the list is Files.
func Generate(name string) string {
	switch name {
	case "cats":
		return Cats(1)
	case "bank":
		return Bank(2)
	case "general":
		return General(GeneralSeed, GeneralBytes)
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
