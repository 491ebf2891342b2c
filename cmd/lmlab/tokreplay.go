package main

import "io"

func runMergeReplay(f *tokenizeFlags, text string, hasText bool, stdin io.Reader, stdout, stderr io.Writer) error {
	return nil
}

func runDecode(f *tokenizeFlags, text string, hasText bool, stdin io.Reader, stdout, stderr io.Writer) error {
	return nil
}
