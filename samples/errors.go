package samples

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds of failure a caller may want to tell apart. Errors from Load,
// ParseSpec, Lookup and Corpus.Check match one of them with errors.Is; a
// *DataError (errors.As) says where.
var (
	ErrNoData        = errors.New("no data")                                 // no --data, or a source with no text in it
	ErrNotText       = errors.New("not text")                                // a NUL byte, UTF-16, mostly control characters
	ErrInvalidUTF8   = errors.New("invalid UTF-8")                           // without Options.AllowInvalidUTF8
	ErrNotRegular    = errors.New("not a regular file")                      // a FIFO, device or socket named as a path
	ErrTooLarge      = errors.New("over the size cap")                       // more than Options.MaxBytes over all sources
	ErrSymlinkLoop   = errors.New("symbolic link loop")                      // a link that leads back to itself or an enclosing directory
	ErrBadJSONL      = errors.New("bad JSONL")                               // a line that is not an object with a string in the field
	ErrBadSpec       = errors.New("bad --data value")                        // empty, or no path before the weight
	ErrBadWeight     = fmt.Errorf("%w: bad weight", ErrBadSpec)              // not a positive finite number (also matches ErrBadSpec)
	ErrBadOption     = errors.New("bad option")                              // an Options field out of range (negative MaxBytes)
	ErrUnknownSample = errors.New("unknown sample")                          // sample:NAME with no such sample
	ErrTooShort      = errors.New("too little text for one batch or window") // Corpus.Check
)

// DataError is an error about one data source: what is wrong with it, where,
// and what to do. It matches its kind (Err) and its cause with errors.Is.
type DataError struct {
	Name   string // the source: a path, a file in a directory, "stdin", "sample:NAME", a quoted --data value or flag; "" for the corpus as a whole
	Line   int    // 1-based line the error is about; 0 when it is not about a line
	Offset int64  // byte offset in the source the error is about; -1 when it is not about a byte
	Msg    string // what is wrong and the fix
	Err    error  // the kind of failure: one of the Err values of this package
	Cause  error  // what the error came from (the operating system, encoding/json), or nil
}

// Error reads "data NAME: line L, byte offset O: MSG", leaving out the parts
// that do not apply.
func (e *DataError) Error() string {
	var b strings.Builder
	b.WriteString("data")
	if e.Name != "" {
		b.WriteString(" ")
		b.WriteString(e.Name)
	}
	sep := ": "
	if e.Line > 0 {
		fmt.Fprintf(&b, "%sline %d", sep, e.Line)
		sep = ", "
	}
	if e.Offset >= 0 {
		fmt.Fprintf(&b, "%sbyte offset %d", sep, e.Offset)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns the kind and the cause.
func (e *DataError) Unwrap() []error {
	errs := make([]error, 0, 2)
	for _, err := range []error{e.Err, e.Cause} {
		if err != nil {
			errs = append(errs, err)
		}
	}
	return errs
}

// dataErr makes a *DataError of the given kind about no line and no byte.
func dataErr(kind error, name, format string, args ...any) *DataError {
	return &DataError{Name: name, Offset: -1, Msg: fmt.Sprintf(format, args...), Err: kind}
}

// at sets the line (0 for none) and byte offset (-1 for none).
func (e *DataError) at(line int, offset int64) *DataError {
	e.Line, e.Offset = line, offset
	return e
}

// because sets the cause.
func (e *DataError) because(cause error) *DataError {
	e.Cause = cause
	return e
}

// kindError is an error with a message of its own that matches its kind.
type kindError struct {
	msg  string
	kind error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }
