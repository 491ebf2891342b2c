package engine

import (
	"strings"
	"testing"
)

// TestTakeModel checks that TakeModel hands the checkpoint's arena to the
// model without a copy, that the model computes what Model's copy computes,
// and that a second take is refused.
func TestTakeModel(t *testing.T) {
	cfg := Config{VocabSize: 7, Context: 5, Layers: 2, Heads: 2, Embd: 8}
	src := NewModel(cfg, 3)
	ck := &Checkpoint{Config: cfg, Params: append([]float32(nil), src.Arena()...)}
	first := &ck.Params[0]
	copied := ck.Model()
	m := ck.TakeModel()
	if ck.Params != nil {
		t.Errorf("after TakeModel the checkpoint still holds %d parameters", len(ck.Params))
	}
	if &m.Arena()[0] != first {
		t.Error("TakeModel copied the arena")
	}
	if &m.Params.WTE[0] != first {
		t.Error("the model's WTE is not a view of the taken arena")
	}
	ids := []int32{1, 4, 2, 6}
	got, want := m.Forward(ids[:3], ids[1:], 1, 3), copied.Forward(ids[:3], ids[1:], 1, 3)
	if got != want {
		t.Errorf("taken model's loss %v, copied model's %v", got, want)
	}
	defer func() {
		r := recover()
		if s, ok := r.(string); !ok || !strings.HasPrefix(s, "engine: TakeModel") {
			t.Errorf("a second TakeModel: recovered %v, want an engine: TakeModel panic", r)
		}
	}()
	ck.TakeModel()
}
