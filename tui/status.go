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

// clearMessage gives the help line back to the key help.
func (m *Model) clearMessage() { m.message = "" }
