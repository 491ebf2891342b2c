package tokenizer

import (
	"cmp"
	"slices"
	"unicode/utf8"
)

// CorpusStats describes how a tokenizer cuts a corpus: how many tokens,
// how much of the text fell back to bytes or was unknown, and how much of
// the vocabulary the corpus uses.
type CorpusStats struct {
	Tokenizer     string  `json:"tokenizer"`
	Tokens        int     `json:"tokens"`
	Bytes         int     `json:"bytes"`
	Chars         int     `json:"chars"`
	BytesPerToken float64 `json:"bytes_per_token"`
	CharsPerToken float64 `json:"chars_per_token"`
	// FallbackBytes counts the bytes of text covered by byte tokens: byte
	// fallback pieces (<0xNN>) and tokens that split a character.
	FallbackBytes int     `json:"fallback_bytes"`
	FallbackShare float64 `json:"fallback_share"` // FallbackBytes / Bytes
	UnknownBytes  int     `json:"unknown_bytes"`  // bytes under <unk> or outside the vocabulary
	VocabSize     int     `json:"vocab_size"`
	VocabUsed     int     `json:"vocab_used"`   // distinct ids in the corpus
	VocabUnused   int     `json:"vocab_unused"` // VocabSize - VocabUsed
	// Cover90 is how many distinct tokens, taking those that cover the most
	// bytes first, cover 90 % of the text.
	Cover90      int          `json:"cover90"`
	Longest      []TokenCount `json:"longest"`       // the longest tokens used, in bytes
	MostFrequent []TokenCount `json:"most_frequent"` // the most frequent tokens
}

// TokenCount is one token of a corpus and how often it occurs.
type TokenCount struct {
	ID    int    `json:"id"`
	Bytes []byte `json:"-"`
	Text  string `json:"text"` // Bytes as text, non-UTF-8 bytes as <0xNN>
	Count int    `json:"count"`
}

// Stats tokenizes text with t and counts, keeping the top n longest and
// most frequent tokens.
func Stats(t Tokenizer, text string, n int) CorpusStats {
	toks := t.EncodeTokens(text)
	s := CorpusStats{Tokenizer: t.Name(), Tokens: len(toks), Bytes: len(text), Chars: utf8.RuneCountInString(text), VocabSize: t.VocabSize()}
	if s.Tokens > 0 {
		s.BytesPerToken = float64(s.Bytes) / float64(s.Tokens)
		s.CharsPerToken = float64(s.Chars) / float64(s.Tokens)
	}
	type agg struct{ count, bytes int }
	byID := map[int]*agg{}
	for _, tk := range toks {
		span := max(0, tk.End-tk.Start)
		switch {
		case tk.Unknown || tk.ID < 0:
			s.UnknownBytes += span
		case tk.Fallback || tk.SplitsRune:
			s.FallbackBytes += span
		}
		a := byID[tk.ID]
		if a == nil {
			a = &agg{}
			byID[tk.ID] = a
		}
		a.count++
		a.bytes += span
	}
	if s.Bytes > 0 {
		s.FallbackShare = float64(s.FallbackBytes) / float64(s.Bytes)
	}
	all := make([]TokenCount, 0, len(byID))
	cover := make([]int, 0, len(byID))
	for id, a := range byID {
		if id >= 0 {
			s.VocabUsed++
		}
		b := t.TokenBytes(id)
		all = append(all, TokenCount{ID: id, Bytes: b, Text: PieceText(b), Count: a.count})
		cover = append(cover, a.bytes)
	}
	s.VocabUnused = max(0, s.VocabSize-s.VocabUsed)
	slices.SortFunc(cover, func(a, b int) int { return b - a })
	for sum := 0; s.Cover90 < len(cover) && 10*sum < 9*s.Bytes; s.Cover90++ {
		sum += cover[s.Cover90]
	}
	byCount := func(a, b TokenCount) int { return cmp.Or(b.Count-a.Count, a.ID-b.ID) }
	slices.SortFunc(all, byCount)
	s.MostFrequent = slices.Clone(all[:min(n, len(all))])
	slices.SortFunc(all, func(a, b TokenCount) int { return cmp.Or(len(b.Bytes)-len(a.Bytes), byCount(a, b)) })
	s.Longest = slices.Clone(all[:min(n, len(all))])
	return s
}

// PieceText writes a token's bytes as a string, each byte that is not part
// of a valid UTF-8 character as <0xNN>.
func PieceText(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out := make([]byte, 0, 6*len(b))
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n <= 1 {
			out = append(out, '<', '0', 'x', hexDigit(b[0]>>4), hexDigit(b[0]&15), '>')
			b = b[1:]
			continue
		}
		out = append(out, b[:n]...)
		b = b[n:]
	}
	return string(out)
}

func hexDigit(c byte) byte { return "0123456789ABCDEF"[c] }
