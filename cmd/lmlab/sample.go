package main

import (
	"fmt"
	"io"
)

func runSample(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "lmlab sample: not implemented yet")
	return 1
}
