#!/bin/sh
# lmlab's greedy generation against PyTorch's (testdata/generate_torch.py),
# one thread each, the same checkpoint, in alternating rounds: lmlab, then
# PyTorch, then lmlab again. Run from the module root:
#
#	sh engine/testdata/generate_compare.sh [ROUNDS] [CKPT]
#
# Without CKPT it first trains the baby preset for 300 steps on ../shared's
# tiny shakespeare. Each round prints tokens/s and the ratio for
#   inside:  63 tokens from a one-token prompt, lmlab's KV cache against
#            PyTorch with a KV cache;
#   sliding: 64 tokens after a prompt that fills the context, lmlab (which
#            must recompute the window: absolute positions) against PyTorch
#            without a cache (nanoGPT's generate).
# PYTHON picks the interpreter (default /usr/bin/python3, Debian's torch).
set -eu
rounds=${1:-3}
ckpt=${2:-}
python=${PYTHON:-/usr/bin/python3}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
if [ -z "$ckpt" ]; then
	go run ./cmd/lmlab train --data ../shared/data/tinyshakespeare.txt --preset baby --steps 300 \
		--runs none --out "$dir/m.safetensors" >/dev/null
	ckpt=$dir/m.safetensors
fi
go test -c -o "$dir/engine.test" ./engine
echo "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(go version | cut -d' ' -f3), 1 thread each"

tps() { sed -n 's/.*"tokens_per_s": \([0-9.]*\).*/\1/p'; }
bench() { sed -n "s/^BenchmarkGenerate\/$1[- ].* \([0-9.]*\) tokens\/s.*/\1/p"; }
r=1
while [ "$r" -le "$rounds" ]; do
	out=$(GOMAXPROCS=1 LMLAB_GEN_CKPT="$ckpt" "$dir/engine.test" -test.run '^$' \
		-test.bench 'Generate/(inside|sliding)$' -test.benchtime 3s)
	li=$(echo "$out" | bench inside)
	ls=$(echo "$out" | bench sliding)
	ti=$("$python" engine/testdata/generate_torch.py "$ckpt" cache 1 63 5 | tps)
	ts=$("$python" engine/testdata/generate_torch.py "$ckpt" nocache fill 64 2 | tps)
	echo "$li $ti $ls $ts" >>"$dir/rounds"
	awk -v r="$r" -v li="$li" -v ti="$ti" -v ls="$ls" -v ts="$ts" 'BEGIN {
		printf "round %d  inside: lmlab %.0f tok/s, pytorch+cache %.0f tok/s, %.1fx   sliding: lmlab %.0f tok/s, pytorch %.0f tok/s, %.1fx\n",
			r, li, ti, li / ti, ls, ts, ls / ts }'
	r=$((r + 1))
done
# med COLUMN: the median of a column of $dir/rounds (or of column a / column b
# with "a/b").
med() {
	awk -v c="$1" '{ split(c, k, "/"); print (k[2] == "" ? $k[1] : $k[1] / $k[2]) }' "$dir/rounds" |
		sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
awk -v n="$rounds" -v li="$(med 1)" -v ti="$(med 2)" -v ri="$(med 1/2)" -v ls="$(med 3)" -v ts="$(med 4)" -v rs="$(med 3/4)" 'BEGIN {
	printf "median of %d  inside: lmlab %.0f tok/s, pytorch+cache %.0f tok/s, ratio %.1fx   sliding: lmlab %.0f tok/s, pytorch %.0f tok/s, ratio %.1fx\n",
		n, li, ti, ri, ls, ts, rs }'
