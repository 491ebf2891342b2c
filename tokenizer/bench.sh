#!/usr/bin/env bash
# Encode throughput of lmlab's tokenizers against tiktoken and Hugging Face
# tokenizers (../shared/bench/tok_throughput.js), run back to back in one
# command, ROUNDS times alternating, so that both see the same machine; then
# load and training times. Each round prints its ratios; the summary compares
# the best of all rounds on each side, which is the least disturbed by other
# work on a shared machine. Nothing is written into the repository.
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
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
files="gpt2.tiktoken cl100k_base.tiktoken o200k_base.tiktoken qwen3.tokenizer.json o200k.tokenizer.json spm-bpe-32k.tokenizer.json"
: >"$tmp/all.txt"
for r in $(seq "$rounds"); do
	node "$shared/bench/tok_throughput.js" "$shared/data/tinyshakespeare.txt" "$shared/data/tokenizers" >"$tmp/ref.txt"
	(cd tokenizer && "$tmp/tok.test" -test.run '^$' -test.bench '^BenchmarkEncode$' -test.benchtime 10x) >"$tmp/ours.txt"
	echo "round $r (tiny shakespeare, single-threaded encode, MB/s):"
	for file in $files; do
		ours=$(awk -v f="BenchmarkEncode/$file-" 'index($1, f) == 1 { for (i = 1; i < NF; i++) if ($(i+1) == "MB/s") print $i }' "$tmp/ours.txt")
		name=${file%.tiktoken}
		theirs=$(awk -v a="tiktoken $name:" -v b="hf-tokenizers $file:" 'index($0, a) == 1 || index($0, b) == 1 { print $(NF-2) }' "$tmp/ref.txt")
		echo "$file $ours $theirs" >>"$tmp/all.txt"
		awk -v f="$file" -v o="$ours" -v t="$theirs" 'BEGIN { printf "  %-28s lmlab %7.2f   reference %6.2f   ratio %5.1fx\n", f, o, t, o / t }'
	done
done
echo "best of $rounds rounds (MB/s; reference: tiktoken for .tiktoken, Hugging Face tokenizers for .json):"
awk '{ if ($2 > o[$1]) o[$1] = $2; if ($3 > t[$1]) t[$1] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
	END { for (i = 1; i <= n; i++) { f = order[i]; printf "  %-28s lmlab %7.2f   reference %6.2f   ratio %5.1fx\n", f, o[f], t[f], o[f] / t[f] } }' "$tmp/all.txt"
echo "load and training (Go benchmarks, best of 3):"
(cd tokenizer && "$tmp/tok.test" -test.run '^$' -test.bench '^Benchmark(LoadTiktoken|LoadHF|Unmarshal|TrainBPE)$' -test.benchtime 5x -test.count 3) |
	awk '/^Benchmark/ { if (!($1 in m) || $3 < m[$1]) m[$1] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 } }
	END { for (i = 1; i <= n; i++) printf "  %-50s %8.1f ms\n", order[i], m[order[i]] / 1e6 }'
