package tokenizer

import (
	"fmt"
	"strconv"
	"strings"
)

// FirstMerges returns the tokenizer b was after its first k merges: the same
// bytes, split patterns and special tokens, with only merges[:k] and the
// ids they make. For a BPE trained here (TrainBPE), it encodes every text
// as TrainBPE on the same training text with VocabSize 256 + k (+ the
// special tokens) would, and its special tokens move down to follow the
// shorter vocabulary as they would there; its name is then bpe:N with the
// new size. k must be 0..len(b.Merges()); a tokenizer that merges by rank
// (tiktoken) has no merge list to cut and is an error.
func (b *BPE) FirstMerges(k int) (*BPE, error) {
	if b.cfg.RankMerges {
		return nil, fmt.Errorf("%s: merges by rank, not by a merge list: it has no first merges to keep", b.cfg.Name)
	}
	if k < 0 || k > len(b.cfg.Merges) {
		return nil, fmt.Errorf("%s: first %d merges: it has %d (want 0..%d)", b.cfg.Name, k, len(b.cfg.Merges), len(b.cfg.Merges))
	}
	cfg := b.cfg
	cfg.Merges = b.cfg.Merges[:k:k]
	if len(b.cfg.Counts) > 0 {
		cfg.Counts = b.cfg.Counts[:k:k]
	}
	// The ids the later merges make leave the vocabulary, unless an earlier
	// merge (or a byte) makes the same id.
	keep := make([]bool, len(b.cfg.Vocab))
	for id := range keep {
		keep[id] = true
	}
	for _, m := range b.cfg.Merges[k:] {
		keep[m[2]] = false
	}
	for _, m := range cfg.Merges {
		keep[m[2]] = true
	}
	vocab := make([][]byte, len(b.cfg.Vocab))
	n := 0
	for id, p := range b.cfg.Vocab {
		if keep[id] {
			vocab[id] = p
			if p != nil {
				n = id + 1
			}
		}
	}
	cfg.Vocab = vocab[:n:n]
	// Special tokens after the old vocabulary follow the new one.
	shift := int32(len(b.cfg.Vocab) - n)
	after := true
	for _, s := range b.cfg.Specials {
		after = after && int(s.ID) >= len(b.cfg.Vocab)
	}
	cfg.Specials = append([]specialToken(nil), b.cfg.Specials...)
	if after && shift > 0 {
		for i := range cfg.Specials {
			cfg.Specials[i].ID -= shift
		}
	}
	if cfg.Unk >= int32(n) {
		cfg.Unk = -1 // a merged unknown token left with its merge
		if b.cfg.Unk >= int32(len(b.cfg.Vocab)) && after {
			cfg.Unk = b.cfg.Unk - shift
		}
	}
	size := n + len(cfg.Specials)
	for _, s := range cfg.Specials {
		size = max(size, int(s.ID)+1)
	}
	if rest, ok := strings.CutPrefix(b.cfg.Name, "bpe:"); ok {
		if _, err := strconv.Atoi(rest); err == nil {
			cfg.Name = "bpe:" + strconv.Itoa(size)
		}
	}
	if cfg.Name == b.cfg.Name && k < len(b.cfg.Merges) {
		cfg.Name = fmt.Sprintf("%s (first %d merges)", b.cfg.Name, k)
	}
	return newBPE(cfg)
}
