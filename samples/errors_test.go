package samples

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
)

func TestDataErrorText(t *testing.T) {
	tests := []struct {
		name string
		err  *DataError
		want string
	}{
		{"name only", dataErr(ErrNoData, "a.txt", "no text in it; fix"), "data a.txt: no text in it; fix"},
		{"no name", dataErr(ErrTooShort, "", "too short; fix"), "data: too short; fix"},
		{"line", dataErr(ErrBadJSONL, "d.jsonl", "bad; fix").at(3, -1), "data d.jsonl: line 3: bad; fix"},
		{"offset", dataErr(ErrNotText, "stdin", "NUL; fix").at(0, 0), "data stdin: byte offset 0: NUL; fix"},
		{"line and offset", dataErr(ErrInvalidUTF8, "b.txt", "bad; fix").at(2, 17), "data b.txt: line 2, byte offset 17: bad; fix"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDataErrorMatches(t *testing.T) {
	err := error(dataErr(nil, "gone.txt", "missing; fix").because(&fs.PathError{Op: "stat", Path: "gone.txt", Err: fs.ErrNotExist}))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("%v does not match its cause", err)
	}
	err = dataErr(ErrBadWeight, `"a:0"`, "weight 0 is zero")
	for _, kind := range []error{ErrBadWeight, ErrBadSpec} {
		if !errors.Is(err, kind) {
			t.Errorf("%v does not match %v", err, kind)
		}
	}
	if errors.Is(err, ErrNoData) {
		t.Errorf("%v matches ErrNoData", err)
	}
	if _, err := Lookup("kittens"); !errors.Is(err, ErrUnknownSample) || !strings.Contains(err.Error(), "kittens") {
		t.Errorf("Lookup(kittens) = %v, want ErrUnknownSample naming it", err)
	}
}

// A caller tells failures apart with errors.Is and finds the place with
// errors.As.
func ExampleDataError() {
	_, err := Load([]string{"-"}, Options{Stdin: strings.NewReader("text\x00more")})
	var de *DataError
	if errors.Is(err, ErrNotText) && errors.As(err, &de) {
		fmt.Println(de.Name, de.Offset)
	}
	fmt.Println(err)
	// Output:
	// stdin 4
	// data stdin: byte offset 4: a NUL byte, which text does not have: this looks like a binary file (or UTF-16 text); give a UTF-8 text file
}
