package engine

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// dirNames lists dir's entries.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestSaveCheckpointKeepsMode(t *testing.T) {
	tr, _ := trainerForTest(t)
	path := filepath.Join(t.TempDir(), "run.safetensors")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := SaveCheckpoint(path, tr.Checkpoint(nil, nil)); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o640 {
		t.Errorf("overwritten checkpoint has mode %o, want the old file's 640", got)
	}
}

func TestSaveCheckpointNewFileRespectsUmask(t *testing.T) {
	tr, _ := trainerForTest(t)
	old := syscall.Umask(0o027)
	defer syscall.Umask(old)
	path := filepath.Join(t.TempDir(), "new.safetensors")
	if err := SaveCheckpoint(path, tr.Checkpoint(nil, nil)); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o640 {
		t.Errorf("new checkpoint has mode %o, want 666 &^ umask 027 = 640", got)
	}
}

func TestSaveCheckpointFollowsSymlink(t *testing.T) {
	tr, _ := trainerForTest(t)
	dir := t.TempDir()
	real := filepath.Join(dir, "store", "run-7.safetensors")
	if err := os.Mkdir(filepath.Dir(real), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "latest.safetensors")
	if err := os.Symlink(filepath.Join("store", "run-7.safetensors"), link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	if err := SaveCheckpoint(link, tr.Checkpoint([]byte("tok"), nil)); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Fatalf("after the save %s is %v (%v), want it still a symlink", link, fi.Mode(), err)
	}
	ck, err := LoadCheckpoint(real)
	if err != nil || string(ck.Tokenizer) != "tok" {
		t.Fatalf("the link's target does not hold the new checkpoint: %v", err)
	}
	if got := dirNames(t, filepath.Dir(real)); !slices.Equal(got, []string{"run-7.safetensors"}) {
		t.Errorf("target directory holds %v, want only run-7.safetensors", got)
	}
	if got := dirNames(t, dir); !slices.Equal(got, []string{"latest.safetensors", "store"}) {
		t.Errorf("link directory holds %v", got)
	}
}

func TestSaveCheckpointRemovesStaleTemps(t *testing.T) {
	tr, _ := trainerForTest(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "run.safetensors")
	old := time.Now().Add(-2 * staleTempAge)
	files := []struct {
		name string
		old  bool
		kept bool
	}{
		{".run.safetensors.tmp123", true, false},     // a crashed save's leftover
		{".run.safetensors.tmp456", false, true},     // maybe a save in progress
		{".run.safetensors.tmpnotours", true, true},  // not lmlab's pattern
		{".other.safetensors.tmp789", true, true},    // another checkpoint's
		{"run.safetensors.tmp321", true, true},       // no leading dot
		{".run.safetensors.tmp", true, true},         // no digits
		{".run.safetensors.tmp9-backup", true, true}, // not only digits
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if f.old {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.Mkdir(filepath.Join(dir, ".run.safetensors.tmp555"), 0o755); err != nil { // not a regular file
		t.Fatal(err)
	}
	os.Chtimes(filepath.Join(dir, ".run.safetensors.tmp555"), old, old)
	if err := SaveCheckpoint(path, tr.Checkpoint(nil, nil)); err != nil {
		t.Fatal(err)
	}
	got := dirNames(t, dir)
	want := []string{".run.safetensors.tmp555", "run.safetensors"}
	for _, f := range files {
		if f.kept {
			want = append(want, f.name)
		}
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("after the save the directory holds %v, want %v", got, want)
	}
}

func TestSaveCheckpointRefusesWhatCannotBeEncoded(t *testing.T) {
	tr, _ := trainerForTest(t)
	mustStep(t, tr)
	dir := t.TempDir()
	path := filepath.Join(dir, "run.safetensors")
	if err := SaveCheckpoint(path, tr.Checkpoint([]byte("v1"), nil)); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	nan := math.NaN()
	tests := []struct {
		name, want string
		edit       func(ck *Checkpoint)
	}{
		{"reserved metadata key", "reserved", func(ck *Checkpoint) { ck.Meta = map[string]string{"config": "x"} }},
		{"metadata not UTF-8", "UTF-8", func(ck *Checkpoint) { ck.Meta = map[string]string{"note": "\xff\xfe"} }},
		{"tokenizer not UTF-8", "UTF-8", func(ck *Checkpoint) { ck.Tokenizer = []byte("\xc3") }},
		{"config NaN", "--dropout", func(ck *Checkpoint) { ck.Config.Dropout = nan }},
		{"train NaN", "--lr", func(ck *Checkpoint) { ck.Train.LR = nan }},
		{"train Inf", "--grad-clip", func(ck *Checkpoint) { ck.Train.GradClip = math.Inf(1) }},
		{"params short", "params hold", func(ck *Checkpoint) { ck.Params = ck.Params[:len(ck.Params)-1] }},
		{"moments short", "moments", func(ck *Checkpoint) { ck.OptV = ck.OptV[:10] }},
		{"one moment missing", "moments", func(ck *Checkpoint) { ck.OptM = nil }},
		{"NaN weight", "holds NaN", func(ck *Checkpoint) { ck.Params[len(ck.Params)-1] = float32(nan) }},
		{"Inf moment", "holds +Inf", func(ck *Checkpoint) { ck.OptM[3] = float32(math.Inf(1)) }},
		{"negative step", "step", func(ck *Checkpoint) { ck.Step = -1 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ck := tr.Checkpoint([]byte("v2"), nil)
			tt.edit(ck)
			err := SaveCheckpoint(path, ck)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("SaveCheckpoint = %v, want an error naming %s and mentioning %q", err, path, tt.want)
			}
			after, _ := os.ReadFile(path)
			if !bytes.Equal(before, after) {
				t.Error("a failed save changed the existing checkpoint")
			}
			if got := dirNames(t, dir); !slices.Equal(got, []string{"run.safetensors"}) {
				t.Errorf("directory holds %v, want only run.safetensors", got)
			}
		})
	}
	var nf *NonFiniteError
	ck := tr.Checkpoint(nil, nil)
	ck.Params[5] = float32(math.Inf(-1))
	if err := SaveCheckpoint(path, ck); !errors.As(err, &nf) || nf.Tensor != "transformer.wte.weight" || nf.Index != 5 {
		t.Errorf("SaveCheckpoint with -Inf in wte = %v, want a *NonFiniteError for wte index 5", err)
	}
}

// poke returns a copy of a checkpoint file with the float32 at index i of
// the named tensor replaced by v.
func poke(t testing.TB, file []byte, tensor string, i int, v float32) []byte {
	t.Helper()
	n := binary.LittleEndian.Uint64(file)
	var h map[string]json.RawMessage
	if err := json.Unmarshal(file[8:8+n], &h); err != nil {
		t.Fatal(err)
	}
	var th tensorHeader
	if err := json.Unmarshal(h[tensor], &th); err != nil {
		t.Fatalf("tensor %s: %v", tensor, err)
	}
	out := slices.Clone(file)
	binary.LittleEndian.PutUint32(out[8+int64(n)+th.Offsets[0]+int64(4*i):], math.Float32bits(v))
	return out
}

func TestLoadCheckpointRefusesNonFinite(t *testing.T) {
	tr, _ := trainerForTest(t)
	mustStep(t, tr)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.safetensors")
	if err := SaveCheckpoint(good, tr.Checkpoint(nil, nil)); err != nil {
		t.Fatal(err)
	}
	valid, _ := os.ReadFile(good)
	nan, inf := float32(math.NaN()), float32(math.Inf(1))
	tests := []struct {
		tensor string
		index  int
		v      float32
		word   string
	}{
		{"transformer.h.0.attn.c_attn.weight", 17, nan, "NaN"},
		{"transformer.ln_f.bias", 0, inf, "+Inf"},
		{"optimizer.exp_avg.transformer.wpe.weight", 3, -inf, "-Inf"},
		{"optimizer.exp_avg_sq.transformer.h.1.mlp.c_proj.bias", 31, nan, "NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.tensor, func(t *testing.T) {
			p := filepath.Join(dir, "bad.safetensors")
			if err := os.WriteFile(p, poke(t, valid, tt.tensor, tt.index, tt.v), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := LoadCheckpoint(p)
			var nf *NonFiniteError
			if !errors.As(err, &nf) || nf.Tensor != tt.tensor || nf.Index != tt.index {
				t.Fatalf("LoadCheckpoint = %v, want a *NonFiniteError for %s index %d", err, tt.tensor, tt.index)
			}
			want := "load checkpoint " + p + ": tensor " + tt.tensor + " holds " + tt.word + " at index "
			if msg := err.Error(); !strings.HasPrefix(msg, want) || !strings.Contains(msg, "earlier checkpoint") {
				t.Errorf("error %q, want it to start %q and suggest an earlier checkpoint", msg, want)
			}
		})
	}
	// The first bad tensor in file order is named, whatever JSON's order.
	two := poke(t, poke(t, valid, "transformer.h.1.ln_1.weight", 2, nan), "transformer.wpe.weight", 9, inf)
	p := filepath.Join(dir, "two.safetensors")
	os.WriteFile(p, two, 0o644)
	var nf *NonFiniteError
	if _, err := LoadCheckpoint(p); !errors.As(err, &nf) || nf.Tensor != "transformer.wpe.weight" {
		t.Errorf("with two bad tensors LoadCheckpoint = %v, want wpe (first in the arena) named", err)
	}
}

func TestLoadCheckpointValidatesMetadata(t *testing.T) {
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
	tests := []struct{ name, old, new, flag string }{
		{"batch absurd", `\"batch_size\":4`, `\"batch_size\":1099511627776`, "--batch"},
		{"accum absurd", `\"grad_accum\":1`, `\"grad_accum\":1099511627776`, "--accum"},
		{"context past block", `\"context\":16`, `\"context\":17`, "--context"},
		{"lr negative", `\"lr\":0.003`, `\"lr\":-0.003`, "--lr"},
		{"dropout 1", `\"dropout\":0.1`, `\"dropout\":1`, "--dropout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(header, tt.old) {
				t.Fatalf("header lacks %s", tt.old)
			}
			p := filepath.Join(dir, "bad.safetensors")
			os.WriteFile(p, withHeader(strings.Replace(header, tt.old, tt.new, 1)), 0o644)
			_, err := LoadCheckpoint(p)
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Flag != tt.flag {
				t.Errorf("LoadCheckpoint = %v, want a *ConfigError for %s", err, tt.flag)
			}
		})
	}
}

func TestCheckVocab(t *testing.T) {
	ck := &Checkpoint{Config: Config{VocabSize: 65}}
	for _, tt := range []struct {
		n  int
		ok bool
	}{{1, true}, {65, true}, {66, false}, {50257, false}} {
		err := ck.CheckVocab(tt.n)
		var ve *VocabError
		if tt.ok != (err == nil) || !tt.ok && (!errors.As(err, &ve) || ve.Tokenizer != tt.n || ve.Model != 65) {
			t.Errorf("CheckVocab(%d) = %v, want ok=%v", tt.n, err, tt.ok)
		}
	}
}
