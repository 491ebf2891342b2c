package tokenizer

import (
	"os"
	"path/filepath"
	"testing"
)

func shakespeare(b *testing.B) string {
	b.Helper()
	data, err := os.ReadFile(filepath.Join(sharedDir(b), "data", "tinyshakespeare.txt"))
	if err != nil {
		b.Fatal(err)
	}
	return string(data)
}

// BenchmarkEncode encodes tiny shakespeare single-threaded with each shared
// tokenizer; compare MB/s with ../shared/bench/tok_throughput.js (bench.sh
// runs both).
func BenchmarkEncode(b *testing.B) {
	text := shakespeare(b)
	for _, file := range sharedFiles {
		b.Run(file, func(b *testing.B) {
			tok := loadShared(b, file)
			b.SetBytes(int64(len(text)))
			n := 0
			for b.Loop() {
				n = len(tok.Encode(text))
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// BenchmarkEncodeTokens is Encode with spans, as the preview uses it.
func BenchmarkEncodeTokens(b *testing.B) {
	text := shakespeare(b)
	tok := loadShared(b, "o200k_base.tiktoken")
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		tok.EncodeTokens(text)
	}
}

// BenchmarkLoadTiktoken reads a rank file: o200k_base has 200k ranks.
func BenchmarkLoadTiktoken(b *testing.B) {
	for _, file := range []string{"cl100k_base.tiktoken", "o200k_base.tiktoken"} {
		b.Run(file, func(b *testing.B) {
			path := filepath.Join(tokDir(b), file)
			for b.Loop() {
				if _, err := LoadTiktoken(path, TiktokenOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadHF reads a tokenizer.json.
func BenchmarkLoadHF(b *testing.B) {
	for _, file := range []string{"o200k.tokenizer.json", "qwen3.tokenizer.json"} {
		b.Run(file, func(b *testing.B) {
			path := filepath.Join(tokDir(b), file)
			for b.Loop() {
				if _, err := LoadHF(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTrainBPE trains a 4096-token byte-level BPE on tiny shakespeare.
func BenchmarkTrainBPE(b *testing.B) {
	text := shakespeare(b)
	for b.Loop() {
		if _, err := TrainBPE(text, TrainOptions{VocabSize: 4096, Special: []string{"<|endoftext|>"}}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUnmarshal rebuilds a tokenizer from its saved form, as loading a
// checkpoint does.
func BenchmarkUnmarshal(b *testing.B) {
	for _, file := range []string{"o200k_base.tiktoken", "qwen3.tokenizer.json"} {
		b.Run(file, func(b *testing.B) {
			data, err := Marshal(loadShared(b, file))
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, err := Unmarshal(data); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(data))/1e6, "MB")
		})
	}
}
