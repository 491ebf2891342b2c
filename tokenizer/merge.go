package tokenizer

// sym is one symbol of a word while BPE merges it: the bytes [start,end) of
// the word and its id.
type sym struct {
	start, end int32
	id         int32
}

// ranker gives the rank of merging two adjacent symbols of word w and the
// id of the result; ok is false when they do not merge.
type ranker interface {
	rank(w string, l, r sym) (rank, id int32, ok bool)
}

// smallWord is the length (in symbols) up to which mergeSmall is used;
// longer words go to mergeLarge, which is O(n log n) instead of O(n²).
const smallWord = 48

// merge applies BPE to syms in place and returns the merged symbols:
// repeatedly merge the adjacent pair of lowest rank, the leftmost on ties,
// until no pair merges. This is what tiktoken and Hugging Face tokenizers do.
func merge(rk ranker, w string, syms []sym) []sym {
	if len(syms) <= smallWord {
		return mergeSmall(rk, w, syms)
	}
	return mergeLarge(rk, w, syms)
}

const noRank = int32(1<<31 - 1)

// mergeSmall keeps the rank of each adjacent pair in an array and scans it
// for the minimum at every step.
func mergeSmall(rk ranker, w string, syms []sym) []sym {
	var buf [smallWord]int32
	ranks := buf[:0]
	if len(syms) > smallWord {
		ranks = make([]int32, 0, len(syms))
	}
	pairRank := func(i int) int32 {
		if r, _, ok := rk.rank(w, syms[i], syms[i+1]); ok {
			return r
		}
		return noRank
	}
	for i := 0; i+1 < len(syms); i++ {
		ranks = append(ranks, pairRank(i))
	}
	for len(syms) > 1 {
		best, at := noRank, -1
		for i, r := range ranks {
			if r < best {
				best, at = r, i
			}
		}
		if at < 0 {
			break
		}
		_, id, _ := rk.rank(w, syms[at], syms[at+1])
		syms[at] = sym{start: syms[at].start, end: syms[at+1].end, id: id}
		syms = append(syms[:at+1], syms[at+2:]...)
		ranks = append(ranks[:at], ranks[at+1:]...)
		if at < len(ranks) {
			ranks[at] = pairRank(at)
		}
		if at > 0 {
			ranks[at-1] = pairRank(at - 1)
		}
	}
	return syms
}

// mergeLarge keeps the symbols in a linked list and the candidate pairs in a
// min-heap ordered by (rank, position). Entries whose symbols have changed
// since they were pushed are skipped when popped.
func mergeLarge(rk ranker, w string, syms []sym) []sym {
	n := len(syms)
	next := make([]int32, n) // index of the next live symbol, or -1
	prev := make([]int32, n)
	for i := range syms {
		next[i], prev[i] = int32(i+1), int32(i-1)
	}
	next[n-1] = -1
	h := make(pairHeap, 0, n)
	push := func(i, j int32) {
		if r, id, ok := rk.rank(w, syms[i], syms[j]); ok {
			h.push(pairItem{rank: r, left: i, leftEnd: syms[i].end, rightEnd: syms[j].end, id: id})
		}
	}
	for i := 0; i+1 < n; i++ {
		push(int32(i), int32(i+1))
	}
	for len(h) > 0 {
		p := h.pop()
		l := p.left
		if syms[l].end != p.leftEnd || syms[l].start < 0 { // l grew or died
			continue
		}
		r := next[l]
		if r < 0 || syms[r].end != p.rightEnd {
			continue
		}
		syms[l].end, syms[l].id = syms[r].end, p.id
		syms[r].start = -1 // dead
		next[l] = next[r]
		if next[r] >= 0 {
			prev[next[r]] = l
		}
		if pl := prev[l]; pl >= 0 {
			push(pl, l)
		}
		if nl := next[l]; nl >= 0 {
			push(l, nl)
		}
	}
	out := syms[:0]
	for i := int32(0); i >= 0; i = next[i] {
		out = append(out, syms[i])
	}
	return out
}

// pairItem is a candidate merge of the symbol at left with its right
// neighbour, valid while left still ends at leftEnd and the neighbour at
// rightEnd.
type pairItem struct {
	rank, left, leftEnd, rightEnd, id int32
}

// pairHeap is a binary min-heap of pairItems ordered by (rank, left).
type pairHeap []pairItem

func (a pairItem) less(b pairItem) bool {
	return a.rank < b.rank || (a.rank == b.rank && a.left < b.left)
}

func (h *pairHeap) push(x pairItem) {
	*h = append(*h, x)
	q := *h
	for i := len(q) - 1; i > 0; {
		parent := (i - 1) / 2
		if !q[i].less(q[parent]) {
			break
		}
		q[i], q[parent] = q[parent], q[i]
		i = parent
	}
}

func (h *pairHeap) pop() pairItem {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(q) && q[l].less(q[small]) {
			small = l
		}
		if r := l + 1; r < len(q) && q[r].less(q[small]) {
			small = r
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	*h = q
	return top
}
