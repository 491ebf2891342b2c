package tui

import (
	"fmt"
	"strings"
)

// The help line shows one message at a time, until the next replaces it:
// what an action is doing or did (say), or what went wrong (warn,
// setError), in the error style. The model keeps it in message and msgErr.

// say shows an informational message.
func (m *Model) say(format string, a ...any) {
	m.message, m.msgErr = fmt.Sprintf(format, a...), false
}

// warn shows a message in the error style.
func (m *Model) warn(format string, a ...any) {
	m.message, m.msgErr = fmt.Sprintf(format, a...), true
}

// setError shows err, its first line only: the help line is one line (a
// recovered panic keeps its stack in the error, not on screen).
func (m *Model) setError(err error) {
	msg, _, _ := strings.Cut(err.Error(), "\n")
	m.warn("%s", msg)
}

// extendedMsg starts the message that says what a run that went on past
// its end trains at ("run extended to step 800 at constant lr 3.00e-04
// (the final rate)"): the schedule, named where the steps are counted.
const extendedMsg = "run extended to step"

// sticky reports whether the message stays when the run starts or pauses
// (which clears the others): it says what the run trains at, until another
// message takes its place.
func (m *Model) sticky() bool {
	return !m.msgErr && strings.HasPrefix(m.message, extendedMsg)
}

// clearMessage gives the help line back to the key help.
func (m *Model) clearMessage() { m.message = "" }
