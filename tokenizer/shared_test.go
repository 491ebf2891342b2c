package tokenizer

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"lmlab/engine/testenv"
)

// sharedDir returns the shared data folder, or skips the test when it is
// absent; with LMLAB_REQUIRE=shared (CI) it fails instead.
func sharedDir(tb testing.TB) string {
	tb.Helper()
	return testenv.Shared(tb)
}

// useShared reports whether tests that can also run without the shared
// data should include it: when it is present, or required.
func useShared() bool { return testenv.UseShared() }

func tokDir(tb testing.TB) string { return filepath.Join(sharedDir(tb), "data", "tokenizers") }

type oracleCase struct {
	Text string `json:"text"`
	IDs  []int  `json:"ids"`
}

func readOracle(tb testing.TB, file string) []oracleCase {
	tb.Helper()
	f, err := os.Open(filepath.Join(tokDir(tb), "oracle", file))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []oracleCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for line := 1; sc.Scan(); line++ {
		var c oracleCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			tb.Fatalf("%s line %d: %v", file, line, err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// loaded caches the shared tokenizers across tests of one run.
var loaded = map[string]*BPE{}

func loadShared(tb testing.TB, file string) *BPE {
	tb.Helper()
	if b, ok := loaded[file]; ok {
		return b
	}
	path := filepath.Join(tokDir(tb), file)
	var b *BPE
	var err error
	if filepath.Ext(file) == ".tiktoken" {
		b, err = LoadTiktoken(path, TiktokenOptions{})
	} else {
		b, err = LoadHF(path)
	}
	if err != nil {
		tb.Fatal(err)
	}
	loaded[file] = b
	return b
}

// sharedFiles are the six tokenizer files with an oracle.
var sharedFiles = []string{
	"gpt2.tiktoken", "cl100k_base.tiktoken", "o200k_base.tiktoken",
	"qwen3.tokenizer.json", "o200k.tokenizer.json", "spm-bpe-32k.tokenizer.json",
}

func oracleFile(file string) string {
	ext := filepath.Ext(file)
	if ext == ".json" {
		return file[:len(file)-len(".json")] + ".oracle.jsonl"
	}
	return file + ".oracle.jsonl"
}

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }
