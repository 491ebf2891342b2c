package main

import (
	"fmt"
	"io"
)

func runWorkbench(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "lmlab workbench: not implemented yet")
	return 1
}
