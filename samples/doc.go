// Package samples provides lmlab's built-in corpora and loads users' own.
//
// The built-in samples are embedded text made by seeded generators in
// internal/corpora (`go generate ./samples` rewrites them byte for byte); each
// comes with the lesson it teaches, a default tokenizer, preset and prompt.
// Load reads the --data sources a user names (files, directories, JSONL,
// stdin, sample:NAME, each with an optional weight), checks them, and splits
// them into train and validation text by document. A source's Kind is a
// typed constant (KindFile, KindDir, KindJSONL, KindStdin, KindSample).
// Errors name the source, the place in it and the fix; callers tell them
// apart with errors.Is (ErrNotText, ErrNotRegular, ErrTooLarge, ErrNoData,
// ...) and find the place with errors.As (*DataError).
//
//	s, err := samples.Lookup("cats")      // s.Text(), s.Tokenizer, s.Prompt
//	c, err := samples.Load([]string{"notes/:2", "sample:general"}, samples.Options{})
//	train, val := c.Sources[0].TrainText, c.ValText()
package samples
