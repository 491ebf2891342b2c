package main

import (
	"fmt"
	"io"
)

func runEval(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "lmlab eval: not implemented yet")
	return 1
}
