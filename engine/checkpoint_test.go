package engine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func trainerForTest(t *testing.T) (*Trainer, Data) {
	t.Helper()
	cfg, tc := smallRun()
	cfg.Dropout = 0.1 // resume must restore the dropout stream too
	data := Data{
		Train: []Segment{{Name: "a", Tokens: testData(3000, cfg.VocabSize, 11), Weight: 1},
			{Name: "b", Tokens: testData(900, cfg.VocabSize, 12), Weight: 0.5}},
		Val: testData(400, cfg.VocabSize, 13),
	}
	tr, err := NewTrainer(NewModel(cfg, tc.Seed), tc, data)
	if err != nil {
		t.Fatal(err)
	}
	return tr, data
}

func TestResumeIsExact(t *testing.T) {
	full, data := trainerForTest(t)
	var want []float64
	for !full.Done() {
		want = append(want, mustStep(t, full).Loss)
	}

	part, _ := trainerForTest(t)
	var got []float64
	for part.Steps() < 30 {
		got = append(got, mustStep(t, part).Loss)
	}
	path := filepath.Join(t.TempDir(), "run.safetensors")
	if err := SaveCheckpoint(path, part.Checkpoint([]byte(`{"kind":"char"}`), map[string]string{"note": "x"})); err != nil {
		t.Fatal(err)
	}
	ck, err := LoadCheckpoint(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(ck.Tokenizer) != `{"kind":"char"}` || ck.Meta["note"] != "x" || ck.Step != 30 {
		t.Fatalf("metadata did not round-trip: tokenizer %q meta %v step %d", ck.Tokenizer, ck.Meta, ck.Step)
	}
	resumed, err := Resume(ck, nil, data)
	if err != nil {
		t.Fatal(err)
	}
	for !resumed.Done() {
		got = append(got, mustStep(t, resumed).Loss)
	}
	if len(got) != len(want) {
		t.Fatalf("resumed run has %d steps, full run %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("step %d: resumed loss %v, uninterrupted %v", i+1, got[i], want[i])
		}
	}
	for i := range full.Model.arena {
		if math.Float32bits(full.Model.arena[i]) != math.Float32bits(resumed.Model.arena[i]) {
			t.Fatalf("parameter %d differs after resume: %v vs %v", i, resumed.Model.arena[i], full.Model.arena[i])
		}
	}
}

func TestCheckpointTokenizer(t *testing.T) {
	tr, _ := trainerForTest(t)
	path := filepath.Join(t.TempDir(), "a.safetensors")
	if err := SaveCheckpoint(path, tr.Checkpoint([]byte("TOK"), nil)); err != nil {
		t.Fatal(err)
	}
	got, err := CheckpointTokenizer(path)
	if err != nil || string(got) != "TOK" {
		t.Fatalf("CheckpointTokenizer = %q, %v; want TOK", got, err)
	}
}

// TestCheckpointHeaderIsSafetensors reads the file back by the format's
// rules alone: names, dtypes, shapes and contiguous offsets.
func TestCheckpointHeaderIsSafetensors(t *testing.T) {
	tr, _ := trainerForTest(t)
	mustStep(t, tr)
	path := filepath.Join(t.TempDir(), "a.safetensors")
	if err := SaveCheckpoint(path, tr.Checkpoint(nil, nil)); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	n := binary.LittleEndian.Uint64(b)
	if (8+n)%8 != 0 {
		t.Errorf("data starts at byte %d, want 8-byte alignment", 8+n)
	}
	var h map[string]json.RawMessage
	if err := json.Unmarshal(b[8:8+n], &h); err != nil {
		t.Fatal(err)
	}
	var wte tensorHeader
	if err := json.Unmarshal(h["transformer.wte.weight"], &wte); err != nil {
		t.Fatal(err)
	}
	c := tr.Model.Config
	if wte.DType != "F32" || !sameShape(wte.Shape, []int{c.VocabSize, c.Embd}) {
		t.Errorf("wte header %+v", wte)
	}
	var qkv tensorHeader
	json.Unmarshal(h["transformer.h.1.attn.c_attn.weight"], &qkv)
	if !sameShape(qkv.Shape, []int{3 * c.Embd, c.Embd}) {
		t.Errorf("c_attn.weight shape %v, want [3C C] (nn.Linear's out, in)", qkv.Shape)
	}
	// The bytes at wte's offsets are the weights, little-endian.
	data := b[8+n:]
	for i := 0; i < 5; i++ {
		got := math.Float32frombits(binary.LittleEndian.Uint32(data[wte.Offsets[0]+int64(4*i):]))
		if got != tr.Model.Params.WTE[i] {
			t.Errorf("wte[%d] on disk %v, in memory %v", i, got, tr.Model.Params.WTE[i])
		}
	}
	// Offsets tile the data section without holes.
	var total int64
	for name, raw := range h {
		if name == "__metadata__" {
			continue
		}
		var th tensorHeader
		json.Unmarshal(raw, &th)
		total += th.Offsets[1] - th.Offsets[0]
	}
	if total != int64(len(data)) {
		t.Errorf("tensors cover %d bytes of %d", total, len(data))
	}
	if _, ok := h["optimizer.exp_avg.transformer.wte.weight"]; !ok {
		t.Error("optimizer moments missing")
	}
}

func TestLoadCheckpointRejectsBadFiles(t *testing.T) {
	tr, _ := trainerForTest(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := SaveCheckpoint(good, tr.Checkpoint(nil, nil)); err != nil {
		t.Fatal(err)
	}
	valid, _ := os.ReadFile(good)
	hlen := binary.LittleEndian.Uint64(valid)
	header := string(valid[8 : 8+hlen])

	withHeader := func(h string) []byte {
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(h)))
		b = append(b, h...)
		return append(b, valid[8+hlen:]...)
	}
	absurd := binary.LittleEndian.AppendUint64(nil, 1<<62)
	tests := []struct {
		name, want string
		data       []byte
	}{
		{"empty", "too short", nil},
		{"truncated", "truncated", valid[:len(valid)/2]},
		{"random bytes", "header claims", []byte("\x13\x37random bytes that are not a checkpoint at all")},
		{"absurd header length", "header claims", append(absurd, 1, 2, 3)},
		{"header not json", "not a JSON object", withHeader(strings.Repeat("x", 20))},
		{"no lmlab metadata", "not an lmlab checkpoint", withHeader(`{"__metadata__":{"format":"pt"}}`)},
		{"huge config", "out of range", withHeader(strings.Replace(header, `\"n_embd\":32`, `\"n_embd\":900000000`, 1))},
		{"shape contradicts config", "implies", withHeader(strings.Replace(header, `"shape":[23,32]`, `"shape":[32,23]`, 1))},
		{"offsets past end", "offsets", withHeader(strings.Replace(header, `"data_offsets":[0,`, `"data_offsets":[99999999,`, 1))},
		{"wrong dtype", "dtype", withHeader(strings.Replace(header, `"F32"`, `"F16"`, 1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, "bad.safetensors")
			if err := os.WriteFile(p, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadCheckpoint(p)
			if err == nil {
				t.Fatalf("LoadCheckpoint accepted a bad file")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), p) {
				t.Errorf("error %q, want it to name the file and mention %q", err, tt.want)
			}
		})
	}
}

func TestSaveCheckpointIsAtomic(t *testing.T) {
	tr, _ := trainerForTest(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "run.safetensors")
	if err := SaveCheckpoint(path, tr.Checkpoint([]byte("v1"), nil)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	// A save that fails (reserved metadata key) must leave the old file and
	// no temporary files.
	if err := SaveCheckpoint(path, tr.Checkpoint([]byte("v2"), map[string]string{"config": "x"})); err == nil {
		t.Fatal("saving with a reserved metadata key succeeded")
	}
	// A save into a directory that cannot be written fails cleanly too.
	if err := SaveCheckpoint(filepath.Join(dir, "missing", "x.safetensors"), tr.Checkpoint(nil, nil)); err == nil {
		t.Fatal("saving into a missing directory succeeded")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("a failed save changed the existing checkpoint")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only run.safetensors", names)
	}
}

// FuzzReadCheckpoint feeds arbitrary bytes (seeded with a valid file and
// damaged copies) to the loader: errors are fine, panics are not.
func FuzzReadCheckpoint(f *testing.F) {
	cfg := Config{VocabSize: 5, Context: 4, Layers: 1, Heads: 1, Embd: 4}
	tc := TrainConfig{Steps: 2, Batch: 1, Context: 4, GradAccum: 1, LR: 1e-3, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8}
	tr, err := NewTrainer(NewModel(cfg, 1), tc, Data{Train: []Segment{{Name: "x", Tokens: testData(50, 5, 1), Weight: 1}}})
	if err != nil {
		f.Fatal(err)
	}
	mustStep(f, tr)
	path := filepath.Join(f.TempDir(), "seed.safetensors")
	if err := SaveCheckpoint(path, tr.Checkpoint([]byte("tok"), nil)); err != nil {
		f.Fatal(err)
	}
	valid, _ := os.ReadFile(path)
	f.Add(valid)
	f.Add(valid[:100])
	f.Add([]byte{})
	// Non-finite values in a weight and in a moment: the loader must refuse
	// them, and the fuzzer mutates from files that reach the check.
	f.Add(poke(f, valid, "transformer.h.0.attn.c_attn.weight", 7, float32(math.NaN())))
	f.Add(poke(f, valid, "optimizer.exp_avg_sq.transformer.ln_f.bias", 1, float32(math.Inf(-1))))
	f.Fuzz(func(t *testing.T, b []byte) {
		ck, err := readCheckpoint(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		if int64(len(ck.Params)) != ck.Config.NumParams() {
			t.Fatalf("accepted a checkpoint whose params (%d) do not match its config", len(ck.Params))
		}
		for _, arena := range [][]float32{ck.Params, ck.OptM, ck.OptV} {
			for i, v := range arena {
				if !finite(float64(v)) {
					t.Fatalf("accepted a checkpoint holding %v at arena index %d", v, i)
				}
			}
		}
		if ck.Train != nil {
			if err := ck.Train.Validate(ck.Config); err != nil {
				t.Fatalf("accepted a checkpoint whose recipe is invalid: %v", err)
			}
		}
	})
}
