// Package tokenizer turns text into token ids and back, and says which bytes of
// the input each token covers, so that a preview can show how text is cut.
//
// It provides character-level and word-level tokenizers with a vocabulary
// learned from a text, a byte-level BPE trainer with GPT-2-style
// pre-tokenisation (split patterns gpt2, cl100k, o200k), and exact loaders for
// the tokenizers people debug: tiktoken rank files and Hugging Face
// tokenizer.json files with a BPE model (byte-level, or SentencePiece-style
// with byte fallback).
//
//	tok, err := tokenizer.FromSpec("tiktoken:cl100k_base.tiktoken", tokenizer.SpecOptions{})
//	ids := tok.Encode("Hello world")       // [9906 1917]
//	for _, t := range tok.EncodeTokens("Hello world") { fmt.Println(t.ID, t.Start, t.End) }
//
// ParseSpec reads the spec strings users give (char, word:N, bpe:N,
// tiktoken:FILE, ...) into a Spec, so other packages ask it what a spec
// is (Kind, Learns, ByteLevel) instead of looking at its text.
//
// Loaders treat their files as untrusted: ids are bounded by the file's
// size, malformed ids, gaps, collisions and truncation are sentinel errors
// (ErrIDRange, ErrIDGap, ErrIDConflict, ErrNotInteger, ErrTruncated), and
// user-supplied split patterns run with a match timeout, reported by
// EncodeChecked as a *PatternTimeoutError.
//
// Marshal and Unmarshal store a tokenizer as self-contained JSON, which the
// engine keeps in checkpoint metadata.
package tokenizer
