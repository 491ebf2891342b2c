package main

import (
	"fmt"
	"io"
)

func runBench(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "lmlab bench: not implemented yet")
	return 1
}
