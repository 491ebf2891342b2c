package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"lmlab/engine"
	"lmlab/tokenizer"
)

// The hostile-input test runs the real binary, built once, against inputs a
// careless or malicious user might give, and checks that lmlab answers with
// one clear line and the right exit status, never a panic or a hang, never
// overwrites a file it was not asked to, and stays within a memory bound.

var (
	binOnce sync.Once
	binDir  string
	binPath string
	binErr  error
)

func TestMain(m *testing.M) {
	// Run logs of the runs tests make go to a temporary state directory,
	// never the user's.
	state, err := os.MkdirTemp("", "lmlab-state-")
	if err != nil {
		panic(err)
	}
	os.Setenv("XDG_STATE_HOME", state)
	code := m.Run()
	os.RemoveAll(state)
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// lmlabBinary builds cmd/lmlab once per test run and returns its path.
func lmlabBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		if binDir, binErr = os.MkdirTemp("", "lmlab-hostile-"); binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "lmlab")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput() // the go that runs the test is on PATH
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

var (
	baseOnce sync.Once
	baseCkpt []byte // a small trained checkpoint, as bytes
	baseErr  error
)

// baseCheckpoint trains a tiny model in-process once and returns its bytes.
func baseCheckpoint(t *testing.T) []byte {
	t.Helper()
	baseOnce.Do(func() {
		dir, err := os.MkdirTemp("", "lmlab-base-")
		if err != nil {
			baseErr = err
			return
		}
		defer os.RemoveAll(dir)
		p := filepath.Join(dir, "base.safetensors")
		var out, errb bytes.Buffer
		args := append([]string{"train", "--steps", "2", "--out", p}, small...)
		if code := run(args, strings.NewReader(""), &out, &errb); code != 0 {
			baseErr = fmt.Errorf("train the base checkpoint: exit %d: %s", code, errb.String())
			return
		}
		baseCkpt, baseErr = os.ReadFile(p)
	})
	if baseErr != nil {
		t.Fatal(baseErr)
	}
	return baseCkpt
}

// hostileFixtures fills dir with the files the cases point at.
func hostileFixtures(t *testing.T, dir string) {
	t.Helper()
	base := baseCheckpoint(t)
	write := func(name string, data []byte) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	text := []byte(strings.Repeat("the cat sat on the mat. the dog sat on the log.\n", 40))
	write("data.txt", text)
	write("corpus/a.txt", text[:800])
	write("corpus/b.txt", text[800:])
	write("notes.txt", []byte("my notes, not a checkpoint\n"))
	write("old.safetensors", base)
	write("tiny.txt", []byte("ab\n"))
	write("nul.txt", append(append(text[:100:100], 0), text[100:]...))
	write("bom.jsonl", []byte("\ufeff"+strings.Repeat(`{"text": "the cat sat on the mat. the dog sat on the log."}`+"\n", 40)))
	write("huge.tiktoken", []byte("YQ== 0\nYg== 1\nYw== 1099511627776\n"))
	write("badrank.tiktoken", []byte("YQ== 0\nYg== abc\n"))
	write("brace.txt", []byte(strings.Repeat("{ int x = 1; return x; }\n", 60)))
	var words strings.Builder
	for i := range 70000 {
		fmt.Fprintf(&words, "w%d ", i)
	}
	write("words.txt", []byte(words.String()))
	// A safetensors file with lmlab's format key and no model config.
	noConfig := []byte(`{"__metadata__":{"lmlab_format":"` + engine.FormatVersion + `"}}`)
	write("noconfig.safetensors", append(binary.LittleEndian.AppendUint64(nil, uint64(len(noConfig))), noConfig...))
	write("truncated.safetensors", base[:len(base)/2])
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	write("random.safetensors", random)
	write("nan.safetensors", nanCheckpoint(t, base))
	write("vocab.safetensors", bigVocabCheckpoint(t, dir, base))
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("corpus", filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("old.safetensors", filepath.Join(dir, "link.safetensors")); err != nil {
		t.Fatal(err)
	}
}

// nanCheckpoint patches the first float of the first tensor (a weight) to NaN.
func nanCheckpoint(t *testing.T, ck []byte) []byte {
	t.Helper()
	out := bytes.Clone(ck)
	n := binary.LittleEndian.Uint64(out[:8])
	binary.LittleEndian.PutUint32(out[8+n:], math.Float32bits(float32(math.NaN())))
	return out
}

// bigVocabCheckpoint rewrites a checkpoint with a tokenizer that has more
// ids than the model's vocabulary.
func bigVocabCheckpoint(t *testing.T, dir string, base []byte) []byte {
	t.Helper()
	p := filepath.Join(dir, "base-for-vocab.safetensors")
	os.WriteFile(p, base, 0o644)
	defer os.Remove(p)
	ck, err := engine.LoadCheckpoint(p)
	if err != nil {
		t.Fatal(err)
	}
	var chars strings.Builder
	for r := rune(0x100); r < 0x100+rune(ck.Config.VocabSize)+100; r++ {
		chars.WriteRune(r)
	}
	tok, err := tokenizer.FromSpec("char", tokenizer.SpecOptions{Text: chars.String()})
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() <= ck.Config.VocabSize {
		t.Fatalf("char tokenizer has %d ids, want more than the model's %d", tok.VocabSize(), ck.Config.VocabSize)
	}
	if ck.Tokenizer, err = tokenizer.Marshal(tok); err != nil {
		t.Fatal(err)
	}
	if err := engine.SaveCheckpoint(p, ck); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// entry is what a snapshot records of one path: its kind and, for a
// regular file, its bytes, for a symlink, its target.
type entry struct {
	mode fs.FileMode
	data string
}

func snapshot(t *testing.T, dir string) map[string]entry {
	t.Helper()
	snap := map[string]entry{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		e := entry{mode: d.Type()}
		switch {
		case d.Type().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.data = string(b)
		case d.Type()&fs.ModeSymlink != 0:
			e.data, err = os.Readlink(p)
			if err != nil {
				return err
			}
		}
		snap[rel] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

// quick makes a training run take a second.
var quick = []string{"--tokenizer", "char", "--preset", "tiny", "--steps", "2", "--layers", "1", "--embd", "16",
	"--heads", "2", "--context", "8", "--batch", "2", "--eval-every", "0", "--eval-windows", "4"}

func withQuick(args ...string) []string { return append(args, quick...) }

type hostileCase struct {
	name    string
	args    []string // $D is the case's directory
	stdin   string   // a file in $D to connect to stdin; "" for /dev/null
	code    int
	stderr  string   // a regexp one line of stderr must match
	not     string   // a regexp no line of stderr may match
	changes []string // files in $D the command is expected to rewrite
	check   func(t *testing.T, dir string)
}

func hostileCases() []hostileCase {
	out := "$D/out.safetensors"
	cases := []hostileCase{
		// Outputs that must not be written.
		{name: "out_is_the_data_file", args: withQuick("train", "--data", "$D/data.txt", "--out", "$D/data.txt"),
			code: 1, stderr: `--out \S*data\.txt.*--data`},
		{name: "out_inside_a_data_dir", args: withQuick("train", "--data", "$D/corpus/", "--out", "$D/corpus/m.safetensors"),
			code: 1, stderr: `--out \S*corpus/m\.safetensors.*inside the directory`},
		{name: "out_is_a_directory", args: withQuick("train", "--data", "$D/data.txt", "--out", "$D/sub"),
			code: 1, stderr: `--out \S*sub: .*directory`},
		{name: "out_is_dev_null", args: withQuick("train", "--data", "$D/data.txt", "--out", "/dev/null"),
			code: 1, stderr: `--out /dev/null: .*device`},
		{name: "out_is_a_fifo", args: withQuick("train", "--data", "$D/data.txt", "--out", "$D/fifo"),
			code: 1, stderr: `--out \S*fifo: .*FIFO`},
		{name: "out_is_not_ours", args: withQuick("train", "--data", "$D/data.txt", "--out", "$D/notes.txt"),
			code: 1, stderr: `--out \S*notes\.txt: .*not an lmlab checkpoint.*--force`},
		{name: "out_is_not_ours_forced", args: withQuick("train", "--data", "$D/data.txt", "--out", "$D/notes.txt", "--force"),
			code: 0, changes: []string{"notes.txt"}, check: loads("notes.txt")},
		{name: "out_through_a_symlink", args: withQuick("train", "--data", "$D/data.txt", "--out", "$D/link.safetensors"),
			code: 0, changes: []string{"old.safetensors"}, check: func(t *testing.T, dir string) {
				if target, err := os.Readlink(filepath.Join(dir, "link.safetensors")); err != nil || target != "old.safetensors" {
					t.Errorf("link.safetensors: readlink %q, %v; want the link kept, pointing at old.safetensors", target, err)
				}
				loads("old.safetensors")(t, dir)
			}},
		{name: "out_in_a_missing_dir", args: withQuick("train", "--data", "$D/data.txt", "--out", "$D/nope/m.safetensors", "--steps", "1000000000"),
			code: 1, stderr: `--out \S*nope/m\.safetensors: .*does not exist`},
		{name: "out_is_the_ckpt_read", args: []string{"train", "--data", "$D/data.txt", "--ckpt", "$D/old.safetensors", "--out", "$D/old.safetensors", "--steps", "2"},
			code: 1, stderr: `--out \S*old\.safetensors: .*--ckpt`},
		{name: "out_is_stdin", args: withQuick("train", "--data", "-", "--out", "$D/data.txt"), stdin: "data.txt",
			code: 1, stderr: `--out \S*data\.txt: .*standard input`},
		{name: "finetune_out_is_the_data_file", args: []string{"finetune", "--ckpt", "$D/old.safetensors", "--data", "$D/data.txt", "--out", "$D/data.txt"},
			code: 1, stderr: `--out \S*data\.txt.*--data`},
		{name: "workbench_out_is_the_data_file", args: []string{"--data", "$D/data.txt", "--out", "$D/data.txt"},
			code: 1, stderr: `--out \S*data\.txt.*--data`},
		{name: "train_out_is_the_data_file", args: []string{"tokenize", "--tokenizer", "bpe:300", "--data", "$D/data.txt", "--train-out", "$D/data.txt", "x"},
			code: 1, stderr: `--train-out \S*data\.txt.*--data`},
		{name: "train_out_is_not_ours", args: []string{"tokenize", "--tokenizer", "char", "--data", "$D/data.txt", "--train-out", "$D/notes.txt", "x"},
			code: 1, stderr: `--train-out \S*notes\.txt: .*--force`},

		// Numbers refused at the door.
		{name: "warmup_longer_than_the_run", args: []string{"train", "--steps", "10", "--warmup", "20"}, code: 2, stderr: `flag -warmup: .*--steps 10`},
		{name: "stop_at_negative", args: []string{"train", "--stop-at", "-1", "--out", out}, code: 2, stderr: `flag -stop-at`},
		{name: "max_bytes_negative", args: []string{"train", "--max-bytes", "-1"}, code: 2, stderr: `flag -max-bytes`},
		{name: "bench_steps_zero", args: []string{"bench", "--bench-steps", "0"}, code: 2, stderr: `flag -bench-steps`},
		{name: "batch_overflows", args: []string{"train", "--batch", "99999999999999999999"}, code: 2, stderr: `flag -batch`},
		{name: "steps_negative", args: []string{"train", "--steps", "-1"}, code: 2, stderr: `flag -steps`},
		{name: "context_zero", args: []string{"train", "--context", "0"}, code: 2, stderr: `flag -context`},
		{name: "layers_overflow", args: []string{"train", "--layers", "9223372036854775808"}, code: 2, stderr: `flag -layers`},
		{name: "eval_batch_zero", args: []string{"eval", "--ckpt", "$D/old.safetensors", "--data", "$D/data.txt", "--batch", "0"}, code: 2, stderr: `flag -batch`},
		{name: "sample_tokens_negative", args: []string{"sample", "--ckpt", "$D/old.safetensors", "--tokens", "-5"}, code: 2, stderr: `flag -tokens`},
		{name: "inspect_topk_zero", args: []string{"inspect", "--ckpt", "$D/old.safetensors", "--prompt", "the", "--topk", "0"}, code: 2, stderr: `flag -topk`},
		{name: "max_memory_negative", args: []string{"train", "--max-memory", "-1GiB"}, code: 2, stderr: `flag -max-memory`},
		{name: "max_memory_nan", args: []string{"bench", "--max-memory", "NaN"}, code: 2, stderr: `flag -max-memory`},
		{name: "max_memory_huge", args: []string{"finetune", "--max-memory", "1e30TiB"}, code: 2, stderr: `flag -max-memory`},

		// Checkpoints that are not what they claim.
		{name: "ckpt_truncated", args: []string{"sample", "--ckpt", "$D/truncated.safetensors"}, code: 1, stderr: `truncated\.safetensors`},
		{name: "ckpt_random_bytes", args: []string{"sample", "--ckpt", "$D/random.safetensors"}, code: 1, stderr: `random\.safetensors`},
		{name: "ckpt_holds_nan", args: []string{"sample", "--ckpt", "$D/nan.safetensors"}, code: 1, stderr: `nan\.safetensors.*NaN`},
		{name: "ckpt_tokenizer_bigger_than_model", args: []string{"inspect", "--ckpt", "$D/vocab.safetensors", "--prompt", "x"},
			code: 1, stderr: `vocab\.safetensors: tokenizer has \d+ ids but the model's vocabulary is \d+`},

		// Data that is not text, or never ends.
		{name: "context_1_on_a_tiny_file", args: []string{"train", "--data", "$D/tiny.txt", "--tokenizer", "char", "--context", "1", "--steps", "2"},
			code: 1, stderr: `tiny\.txt`, not: `lower --context to at most 1`},
		{name: "data_with_a_nul_byte", args: withQuick("train", "--data", "$D/nul.txt"), code: 1, stderr: `nul\.txt.*(binary.*\b100\b|\b100\b.*binary)`},
		{name: "data_is_dev_zero", args: withQuick("train", "--data", "/dev/zero"), code: 1, stderr: `/dev/zero`},
		{name: "data_is_a_fifo", args: withQuick("train", "--data", "$D/fifo"), code: 1, stderr: `fifo.*(FIFO|not a regular file)`},
		{name: "jsonl_with_a_bom", args: withQuick("train", "--data", "$D/bom.jsonl"), code: 0},
		{name: "stdin_text_starting_with_a_brace", args: withQuick("train", "--data", "-", "--tokenizer", "char"), stdin: "brace.txt", code: 0},
		{name: "data_dir_through_a_symlink", args: withQuick("train", "--data", "$D/linked/"), code: 0},
		{name: "max_memory_too_small", args: withQuick("train", "--data", "$D/data.txt", "--max-memory", "64KiB"), code: 1, stderr: `needs about .* lower --`},
		{name: "word_vocabulary_too_large", args: []string{"tokenize", "--tokenizer", "word", "--data", "$D/words.txt", "abc"}, code: 1, stderr: `word:N`},
		{name: "tokenizer_id_not_an_integer", args: []string{"tokenize", "--tokenizer", "tiktoken:$D/badrank.tiktoken", "--pattern", "gpt2", "abc"},
			code: 1, stderr: `badrank\.tiktoken.*line 2.*rank "abc"`},
		{name: "ckpt_without_config", args: []string{"sample", "--ckpt", "$D/noconfig.safetensors"}, code: 1, stderr: `noconfig\.safetensors.*no model config`},
		{name: "tiktoken_huge_rank", args: []string{"tokenize", "--tokenizer", "tiktoken:$D/huge.tiktoken", "--pattern", "gpt2", "abc"},
			code: 1, stderr: `huge\.tiktoken.*line 3`},
		{name: "pattern_catastrophic_backtracking", args: []string{"tokenize", "--tokenizer", "bpe:260", "--data", "$D/data.txt",
			"--pattern", "(a+)+$", "--ids", strings.Repeat("a", 64) + "b"}, code: 1, stderr: regexp.QuoteMeta("(a+)+$")},
	}
	// Every float flag: NaN, ±Inf and out of range, in every command that has it.
	floats := []struct {
		cmd    []string
		flag   string
		values []string
	}{
		{[]string{"train"}, "lr", []string{"NaN", "Inf", "-1", "0", "11"}},
		{[]string{"train"}, "min-lr", []string{"NaN", "-Inf", "-0.1"}},
		{[]string{"train"}, "weight-decay", []string{"nan", "-1"}},
		{[]string{"train"}, "beta2", []string{"NaN", "1", "-0.5"}},
		{[]string{"train"}, "grad-clip", []string{"NaN", "+Inf", "-1"}},
		{[]string{"train"}, "dropout", []string{"NaN", "1", "-0.1"}},
		{[]string{"finetune"}, "lr", []string{"NaN", "-Inf"}},
		{[]string{"finetune"}, "dropout", []string{"Inf"}},
		{nil, "lr", []string{"NaN"}}, // the workbench
		{nil, "dropout", []string{"Inf"}},
		{[]string{"bench"}, "lr", []string{"Inf"}},
		{[]string{"bench"}, "beta2", []string{"NaN"}},
		{[]string{"sample", "--ckpt", "$D/old.safetensors"}, "temperature", []string{"NaN", "-1", "Inf"}},
		{[]string{"sample", "--ckpt", "$D/old.safetensors"}, "top-p", []string{"NaN", "2", "-0.1"}},
	}
	for _, f := range floats {
		for _, v := range f.values {
			name := "workbench"
			if len(f.cmd) > 0 {
				name = f.cmd[0]
			}
			cases = append(cases, hostileCase{
				name: fmt.Sprintf("%s_%s_%s", name, f.flag, v),
				args: append(append([]string(nil), f.cmd...), "--"+f.flag, v),
				code: 2, stderr: fmt.Sprintf(`invalid value "%s" for flag -%s: must be a finite number`, regexp.QuoteMeta(v), f.flag),
			})
		}
	}
	return cases
}

// loads checks that the file name in the case's directory is a checkpoint.
func loads(name string) func(t *testing.T, dir string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		if _, err := engine.LoadCheckpoint(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s is not a checkpoint after the run: %v", name, err)
		}
	}
}

const (
	hostileDeadline = 30 * time.Second // a case takes about a second; only a hang reaches this
	hostileMaxRSSMB = 500
)

func TestHostileInputs(t *testing.T) {
	bin := lmlabBinary(t)
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			hostileFixtures(t, dir)
			before := snapshot(t, dir)
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.ReplaceAll(a, "$D", dir)
			}
			ctx, cancel := context.WithTimeout(context.Background(), hostileDeadline)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "NO_COLOR=1")
			cmd.WaitDelay = time.Second
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if tc.stdin != "" {
				f, err := os.Open(filepath.Join(dir, tc.stdin))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				cmd.Stdin = f
			}
			err := cmd.Run()
			if ctx.Err() != nil {
				t.Fatalf("lmlab %s hung: killed after %v; stderr %q", strings.Join(args, " "), hostileDeadline, stderr.String())
			}
			code := 0
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				code = exit.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			errText := stderr.String()
			if code != tc.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tc.code, errText)
			}
			if strings.Contains(errText, "panic:") || strings.Contains(errText, "goroutine ") {
				t.Errorf("stderr shows a panic:\n%s", errText)
			}
			lines := strings.Split(strings.TrimSpace(errText), "\n")
			if tc.code != 0 && len(lines) > 2 { // the message, and at most a hint to see the flags
				t.Errorf("stderr has %d lines, want the message on one line (and a hint):\n%s", len(lines), errText)
			}
			if tc.stderr != "" && !anyLineMatches(lines, tc.stderr) {
				t.Errorf("no line of stderr matches %q:\n%s", tc.stderr, errText)
			}
			if tc.not != "" && anyLineMatches(lines, tc.not) {
				t.Errorf("stderr matches %q, which it should no longer say:\n%s", tc.not, errText)
			}
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				if mb := ru.Maxrss / 1024; mb > hostileMaxRSSMB { // Maxrss is in KiB on Linux
					t.Errorf("peak RSS %d MB, want at most %d MB", mb, hostileMaxRSSMB)
				}
			}
			compareSnapshots(t, dir, before, snapshot(t, dir), tc.changes)
			if tc.check != nil {
				tc.check(t, dir)
			}
		})
	}
}

func anyLineMatches(lines []string, expr string) bool {
	re := regexp.MustCompile(expr)
	for _, l := range lines {
		if re.MatchString(l) {
			return true
		}
	}
	return false
}

// compareSnapshots: every path that existed is still there, of the same
// kind and byte-identical, except the ones the case expects to change
// (which must have changed); no temporary file is left behind.
func compareSnapshots(t *testing.T, dir string, before, after map[string]entry, changes []string) {
	t.Helper()
	expected := map[string]bool{}
	for _, c := range changes {
		expected[c] = true
	}
	for p, b := range before {
		a, ok := after[p]
		switch {
		case !ok:
			t.Errorf("%s was removed", p)
		case a.mode != b.mode:
			t.Errorf("%s changed kind: %v → %v", p, b.mode, a.mode)
		case expected[p] && a.data == b.data:
			t.Errorf("%s was expected to be rewritten but is unchanged", p)
		case !expected[p] && a.data != b.data:
			t.Errorf("%s changed (%d → %d bytes)", p, len(b.data), len(a.data))
		}
	}
	for p := range after {
		base := filepath.Base(p)
		if _, ok := before[p]; !ok && strings.HasPrefix(base, ".") && (strings.Contains(base, ".tmp") || strings.HasPrefix(base, ".lmlab-probe-")) {
			t.Errorf("temporary file %s left behind", p)
		}
	}
}
