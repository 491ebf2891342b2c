package main

import (
	"fmt"
	"io"
)

func runFinetune(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "lmlab finetune: not implemented yet")
	return 1
}
