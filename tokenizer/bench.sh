#!/usr/bin/env bash
# Encode throughput of lmlab's tokenizers against tiktoken and Hugging Face
# tokenizers (../shared/bench/tok_throughput.js), run back to back in one
# command so that both see the same machine load; then load and training
# times. Prints the ratios. Nothing is written into the repository.
#
# usage: tokenizer/bench.sh [ROUNDS]
# needs: node with tiktoken and @anush008/tokenizers installed as ../shared/README.md says
#        (NODE_PATH defaults to /tmp/tokref/node_modules)
set -euo pipefail
cd "$(dirname "$0")/.."
shared=../shared
rounds=${1:-3}
export NODE_PATH=${NODE_PATH:-/tmp/tokref/node_modules}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/tok.test" ./tokenizer
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
for r in $(seq "$rounds"); do
	node "$shared/bench/tok_throughput.js" "$shared/data/tinyshakespeare.txt" "$shared/data/tokenizers" >"$tmp/ref.txt"
	(cd tokenizer && "$tmp/tok.test" -test.run '^$' -test.bench '^BenchmarkEncode$' -test.benchtime 10x) >"$tmp/ours.txt"
	echo "round $r (tiny shakespeare, single-threaded encode):"
	for pair in gpt2.tiktoken:"tiktoken gpt2" cl100k_base.tiktoken:"tiktoken cl100k_base" o200k_base.tiktoken:"tiktoken o200k_base" \
		qwen3.tokenizer.json:"hf-tokenizers qwen3.tokenizer.json" o200k.tokenizer.json:"hf-tokenizers o200k.tokenizer.json" \
		spm-bpe-32k.tokenizer.json:"hf-tokenizers spm-bpe-32k.tokenizer.json"; do
		file=${pair%%:*}
		ref=${pair#*:}
		ours=$(awk -v f="BenchmarkEncode/$file-" 'index($1, f) == 1 { for (i = 1; i < NF; i++) if ($(i+1) == "MB/s") print $i }' "$tmp/ours.txt")
		theirs=$(awk -v r="$ref:" 'index($0, r) == 1 { print $(NF-2) }' "$tmp/ref.txt")
		awk -v f="$file" -v o="$ours" -v t="$theirs" -v n="${ref%% *}" \
			'BEGIN { printf "  %-28s lmlab %7.2f MB/s   %s %6.2f MB/s   ratio %5.1fx\n", f, o, n, t, o / t }'
	done
done
echo "load and training (Go benchmarks):"
(cd tokenizer && "$tmp/tok.test" -test.run '^$' -test.bench '^Benchmark(LoadTiktoken|LoadHF|Unmarshal|TrainBPE)$' -test.benchtime 5x) |
	awk '/^Benchmark/ { printf "  %-50s %8.1f ms\n", $1, $3 / 1e6 }'
