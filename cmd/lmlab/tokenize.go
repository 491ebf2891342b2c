package main

import (
	"fmt"
	"io"
)

func runTokenize(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "lmlab tokenize: not implemented yet")
	return 1
}
