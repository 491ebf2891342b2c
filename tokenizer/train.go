package tokenizer

import (
	"container/heap"
	"fmt"
	"strconv"
)

// TrainOptions configures TrainBPE.
type TrainOptions struct {
	VocabSize int      // total ids: 256 bytes + merges + special tokens
	Pattern   string   // split pattern name or regex; "" is cl100k
	Special   []string // special tokens, given the last ids and matched in text
}

// TrainBPE learns a byte-level BPE from text. The text is cut into
// pre-tokens by the split pattern (special tokens in it are left out), then
// the most frequent adjacent pair of ids is merged into a new id, again and
// again, until the vocabulary has opt.VocabSize ids or no pair is left. Ties
// go to the pair with the smaller ids, so training is deterministic. The
// merge history (BPE.Merges) records each pair, its count and its new id.
func TrainBPE(text string, opt TrainOptions) (*BPE, error) {
	pattern := opt.Pattern
	if pattern == "" {
		pattern = "cl100k"
	}
	if opt.VocabSize < 256+len(opt.Special) {
		return nil, fmt.Errorf("bpe:%d: the vocabulary needs at least %d ids (256 bytes + %d special tokens)", opt.VocabSize, 256+len(opt.Special), len(opt.Special))
	}
	if opt.VocabSize > maxRank {
		return nil, fmt.Errorf("bpe:%d: vocabulary too large (limit %d)", opt.VocabSize, maxRank)
	}
	split, err := newSplitter(ResolvePattern(pattern))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, s := range opt.Special {
		if s == "" || seen[s] {
			return nil, fmt.Errorf("special tokens: %q is empty or repeated", s)
		}
		seen[s] = true
	}

	// Count the distinct pre-tokens.
	counts := map[string]int{}
	var splitErr error
	addPieces := func(seg string) {
		if err := split.each(seg, func(s, e int) { counts[seg[s:e]]++ }); err != nil && splitErr == nil {
			splitErr = err
		}
	}
	if len(opt.Special) > 0 {
		toks := make([]specialToken, len(opt.Special))
		for i, s := range opt.Special {
			toks[i] = specialToken{Text: s}
		}
		m := newSpecialMatcher(toks)
		pos := 0
		for {
			s, e, _ := m.find(text, pos)
			if s < 0 {
				break
			}
			addPieces(text[pos:s])
			pos = e
		}
		addPieces(text[pos:])
	} else {
		addPieces(text)
	}

	if splitErr != nil {
		return nil, fmt.Errorf("bpe:%d: %w", opt.VocabSize, splitErr)
	}
	tr := newTrainer(counts)
	nMerges := opt.VocabSize - 256 - len(opt.Special)
	vocab := make([][]byte, 256, opt.VocabSize)
	for i := range vocab {
		vocab[i] = []byte{byte(i)}
	}
	var merges [][3]int32
	var mergeCounts []int
	for len(merges) < nMerges {
		p, count, ok := tr.best()
		if !ok {
			break
		}
		id := int32(len(vocab))
		l, r := int32(p>>32), int32(uint32(p))
		vocab = append(vocab, append(append([]byte(nil), vocab[l]...), vocab[r]...))
		merges = append(merges, [3]int32{l, r, id})
		mergeCounts = append(mergeCounts, count)
		tr.apply(p, id)
	}
	cfg := bpeConfig{
		Name:         "bpe:" + strconv.Itoa(len(vocab)+len(opt.Special)),
		ByteLevel:    true,
		Vocab:        vocab,
		Merges:       merges,
		Counts:       mergeCounts,
		Splits:       []splitStep{{Pattern: patternName(ResolvePattern(pattern)), Behavior: "isolated"}},
		MatchSpecial: true,
		Unk:          -1,
	}
	for i, s := range opt.Special {
		cfg.Specials = append(cfg.Specials, specialToken{Text: s, ID: int32(len(vocab) + i), Special: true})
	}
	return newBPE(cfg)
}

// trainer holds the distinct pre-tokens as id sequences with their counts,
// how often each adjacent pair occurs, and which words hold it.
type trainer struct {
	words     [][]int32
	freq      []int
	pairCount map[uint64]int
	where     map[uint64][]int32 // pair → words that held it when it was counted (may repeat or be stale)
	queue     countHeap
	mark      []int32 // per word: the merge number that last visited it, to skip repeats
	round     int32
}

func pairKey(a, b int32) uint64 { return uint64(a)<<32 | uint64(uint32(b)) }

func newTrainer(counts map[string]int) *trainer {
	t := &trainer{pairCount: map[uint64]int{}, where: map[uint64][]int32{}}
	for w, c := range counts {
		if len(w) < 2 {
			continue
		}
		ids := make([]int32, len(w))
		for i := 0; i < len(w); i++ {
			ids[i] = int32(w[i])
		}
		t.words = append(t.words, ids)
		t.freq = append(t.freq, c)
	}
	t.mark = make([]int32, len(t.words))
	for wi, w := range t.words {
		for i := 0; i+1 < len(w); i++ {
			k := pairKey(w[i], w[i+1])
			t.pairCount[k] += t.freq[wi]
			t.where[k] = append(t.where[k], int32(wi))
		}
	}
	for k, c := range t.pairCount {
		t.queue = append(t.queue, pairCountItem{k, c})
	}
	heap.Init(&t.queue)
	return t
}

// best returns the most frequent pair (the smallest on ties).
func (t *trainer) best() (uint64, int, bool) {
	for t.queue.Len() > 0 {
		it := heap.Pop(&t.queue).(pairCountItem)
		cur := t.pairCount[it.pair]
		if cur == it.count && cur > 0 {
			return it.pair, cur, true
		}
		if cur > 0 { // stale: it went down since it was pushed
			heap.Push(&t.queue, pairCountItem{it.pair, cur})
		}
	}
	return 0, 0, false
}

// apply merges pair p into id in every word that holds it, updating the
// pair counts.
func (t *trainer) apply(p uint64, id int32) {
	t.round++
	l, r := int32(p>>32), int32(uint32(p))
	changed := map[uint64]bool{}
	for _, wi := range t.where[p] {
		if t.mark[wi] == t.round {
			continue
		}
		t.mark[wi] = t.round
		w, f := t.words[wi], t.freq[wi]
		if !holds(w, l, r) {
			continue
		}
		for i := 0; i+1 < len(w); i++ {
			t.pairCount[pairKey(w[i], w[i+1])] -= f
		}
		out := w[:0]
		for i := 0; i < len(w); i++ {
			if i+1 < len(w) && w[i] == l && w[i+1] == r {
				out = append(out, id)
				i++
				continue
			}
			out = append(out, w[i])
		}
		t.words[wi] = out
		for i := 0; i+1 < len(out); i++ {
			k := pairKey(out[i], out[i+1])
			t.pairCount[k] += f
			if out[i] == id || out[i+1] == id {
				t.where[k] = append(t.where[k], wi)
				changed[k] = true
			}
		}
	}
	delete(t.where, p)
	delete(t.pairCount, p)
	for k := range changed {
		if c := t.pairCount[k]; c > 0 {
			heap.Push(&t.queue, pairCountItem{k, c})
		}
	}
}

func holds(w []int32, l, r int32) bool {
	for i := 0; i+1 < len(w); i++ {
		if w[i] == l && w[i+1] == r {
			return true
		}
	}
	return false
}

type pairCountItem struct {
	pair  uint64
	count int
}

// countHeap pops the highest count first, then the smallest pair.
type countHeap []pairCountItem

func (h countHeap) Len() int { return len(h) }
func (h countHeap) Less(i, j int) bool {
	if h[i].count != h[j].count {
		return h[i].count > h[j].count
	}
	return h[i].pair < h[j].pair
}
func (h countHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *countHeap) Push(x any)   { *h = append(*h, x.(pairCountItem)) }
func (h *countHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
