package main

import (
	"fmt"
	"io"
)

func runTrain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "lmlab train: not implemented yet")
	return 1
}
