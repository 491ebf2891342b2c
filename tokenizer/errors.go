package tokenizer

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors of malformed or hostile tokenizer files (.tiktoken, tokenizer.json,
// saved tokenizers), wrapped with the file, the line or byte offset and the
// id; check them with errors.Is.
var (
	// ErrIDRange: an id or rank is negative or larger than the file can
	// hold. Ids must be below the number of pieces plus idSlack, so a file
	// never makes the loader allocate more than its size warrants.
	ErrIDRange = errors.New("id out of range")
	// ErrIDGap: an id below the largest one belongs to no piece (a rank
	// missing from a .tiktoken file; more than idSlack missing ids in a
	// tokenizer.json).
	ErrIDGap = errors.New("missing id")
	// ErrIDConflict: two different pieces have the same id.
	ErrIDConflict = errors.New("two pieces share one id")
	// ErrNotInteger: an id or rank is not a whole number ("abc", 1.5, 1e400).
	ErrNotInteger = errors.New("id is not an integer")
	// ErrTruncated: the file ends in the middle of an entry.
	ErrTruncated = errors.New("the file ends early (truncated?)")
	// ErrVocabTooLarge: a learned vocabulary would exceed its limit.
	ErrVocabTooLarge = errors.New("vocabulary too large")
)

// idSlack is how far ids may run past the number of pieces (vocabulary and
// special tokens): tiktoken's cl100k and o200k keep ~20 unused ids before
// their special tokens, and the o200k tokenizer.json has 19 missing ids.
const idSlack = 256

// patternTimeout bounds the time one match of a user-supplied split pattern
// (--pattern, a tokenizer.json Split, a checkpoint's tokenizer) may take.
// The dedicated scanners of the named patterns need no bound.
var patternTimeout = 2 * time.Second

// PatternTimeoutError reports a split pattern that took longer than the
// match timeout, as a catastrophically backtracking regex like `(a+)+$`
// does on a long run of a's. EncodeChecked and TrainBPE return it.
type PatternTimeoutError struct {
	Pattern string        // the regular expression
	Offset  int           // byte offset in the text where the search started
	Timeout time.Duration // the limit it exceeded
}

func (e *PatternTimeoutError) Error() string {
	return fmt.Sprintf("split pattern %q took longer than %v to match at byte %d; simplify the regex (nested repetition such as (a+)+ backtracks without end) or use a named pattern: %s",
		e.Pattern, e.Timeout, e.Offset, strings.Join(PatternNames(), ", "))
}
