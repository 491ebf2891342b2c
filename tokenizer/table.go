package tokenizer

import "hash/maphash"

// pieceTable maps pieces (byte strings) to ids. It is the lookup on the hot
// path of encoding, so it is an open-addressing hash table over one string
// that holds every piece, built in one pass without a Go map: faster to
// build (loading o200k's 200k pieces) and to probe. Its naive twin in the
// tests is a map[string]int32.
type pieceTable struct {
	seed  maphash.Seed
	arena string     // every piece, back to back
	spans [][2]int32 // id → offset and length in arena; length -1 for no piece
	slots []uint64   // high 32 bits of the hash << 32 | id+1; 0 is empty
	mask  uint64
}

// newPieceTable indexes pieces by id (nil: no piece). When a piece occurs
// twice, the first id keeps it and dup reports the pair.
func newPieceTable(pieces [][]byte) (t *pieceTable, dupFirst, dupSecond int32) {
	t = &pieceTable{seed: maphash.MakeSeed(), spans: make([][2]int32, len(pieces))}
	total := 0
	for _, p := range pieces {
		total += len(p)
	}
	arena := make([]byte, 0, total)
	n := 0
	for id, p := range pieces {
		if p == nil {
			t.spans[id] = [2]int32{0, -1}
			continue
		}
		t.spans[id] = [2]int32{int32(len(arena)), int32(len(p))}
		arena = append(arena, p...)
		n++
	}
	t.arena = string(arena)
	size := 16
	for size < 2*n {
		size *= 2
	}
	t.slots = make([]uint64, size)
	t.mask = uint64(size - 1)
	dupFirst, dupSecond = -1, -1
	for id, sp := range t.spans {
		if sp[1] < 0 {
			continue
		}
		piece := t.arena[sp[0] : sp[0]+sp[1]]
		h := maphash.String(t.seed, piece)
		for i := h & t.mask; ; i = (i + 1) & t.mask {
			s := t.slots[i]
			if s == 0 {
				t.slots[i] = h&^0xffffffff | uint64(id+1)
				break
			}
			if s>>32 == h>>32 && t.piece(int32(s)-1) == piece {
				if dupFirst < 0 {
					dupFirst, dupSecond = int32(s)-1, int32(id)
				}
				break
			}
		}
	}
	return t, dupFirst, dupSecond
}

func (t *pieceTable) piece(id int32) string {
	sp := t.spans[id]
	return t.arena[sp[0] : sp[0]+sp[1]]
}

// lookup returns the id of piece s.
func (t *pieceTable) lookup(s string) (int32, bool) {
	h := maphash.String(t.seed, s)
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		slot := t.slots[i]
		if slot == 0 {
			return 0, false
		}
		if slot>>32 == h>>32 {
			id := int32(slot) - 1
			sp := t.spans[id]
			if int(sp[1]) == len(s) && t.arena[sp[0]:sp[0]+sp[1]] == s {
				return id, true
			}
		}
	}
}
