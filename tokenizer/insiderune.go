package tokenizer

// InsideRune reports whether byte offset p of s falls inside a multi-byte
// UTF-8 character (not at its start): the test Token.SplitsRune is set by,
// for code that builds tokens of its own (a merge replay part way through).
func InsideRune(s string, p int) bool { return insideRune(s, p) }
