#!/bin/sh
# Re-measures the training and generation rows of README.md's "Performance"
# against the PyTorch baselines, in alternating rounds (lmlab, PyTorch,
# lmlab, …), and names the machine. Run from the module root, with Debian's
# python3-torch installed (see ../shared/README.md):
#
#	sh engine/testdata/readme_perf.sh [ROUNDS]
#
# Per round: the baby step at 2 threads and at 1 (`lmlab bench --baseline`,
# wall time), the CPU time of a step at 1 thread (a 250-step run minus a
# 50-step run of each tool, so start-up cancels; also peak RSS), then
# generate_compare.sh's generation rows. Takes minutes per round on a
# shared 2-core machine.
set -eu
rounds=${1:-2}
data=../shared/data/tinyshakespeare.txt
base=../shared/bench/torch_babygpt.py
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go build -o "$dir/lmlab" ./cmd/lmlab
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' ') model $(grep -m1 '^model[[:space:]]' /proc/cpuinfo | cut -d: -f2 | tr -d ' '), $(nproc) cores, avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no), $(go version | cut -d' ' -f3)"
echo "# $(uptime)"

# cpu NAME CMD…: user+sys seconds of CMD; its peak RSS (MB) on stderr. The
# baseline re-executes itself (same process) to drop the OpenBLAS variables.
cpu() {
	name=$1
	shift
	/usr/bin/time -f "%U %S %M" "$@" 2>&1 >/dev/null | tail -1 |
		awk -v n="$name" '{ print $1 + $2; printf "%s: peak RSS %.0f MB\n", n, $3 / 1024 > "/dev/stderr" }'
}
r=1
while [ "$r" -le "$rounds" ]; do
	echo "## round $r: baby step, 2 threads"
	"$dir/lmlab" bench --data "$data" --preset baby --steps 200 --baseline "$base" 2>/dev/null
	echo "## round $r: baby step, 1 thread"
	GOMAXPROCS=1 "$dir/lmlab" bench --data "$data" --preset baby --steps 200 --baseline "$base" 2>/dev/null
	echo "## round $r: CPU time per step, 1 thread"
	l50=$(GOMAXPROCS=1 cpu "lmlab 50 steps" "$dir/lmlab" bench --data "$data" --preset baby --steps 45 --warmup-steps 5)
	p50=$(cpu "pytorch 50 steps" /usr/bin/python3 "$base" "$data" 50 1)
	l250=$(GOMAXPROCS=1 cpu "lmlab 250 steps" "$dir/lmlab" bench --data "$data" --preset baby --steps 245 --warmup-steps 5)
	p250=$(cpu "pytorch 250 steps" /usr/bin/python3 "$base" "$data" 250 1)
	awk -v a="$l50" -v b="$l250" -v c="$p50" -v d="$p250" 'BEGIN {
		l = (b - a) / 200 * 1000; p = (d - c) / 200 * 1000
		printf "lmlab %.1f CPU ms/step, pytorch %.1f CPU ms/step: lmlab is %.2f× as fast\n", l, p, p / l }'
	r=$((r + 1))
done
echo "## generation"
sh engine/testdata/generate_compare.sh "$rounds"
