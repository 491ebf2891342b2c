package main

import (
	"fmt"
	"io"
)

func runSamples(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "lmlab samples: not implemented yet")
	return 1
}
