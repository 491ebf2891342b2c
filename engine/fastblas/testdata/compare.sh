#!/bin/sh
# Times OpenBLAS (through numpy) against fastblas and gonum on the shapes of
# BenchmarkSgemm, with 2 threads and with 1, and prints one table of GFLOPS
# and the ratio fastblas/OpenBLAS. The machine is shared, so the tools run in
# turn for ROUNDS rounds (default 3) and each figure is the best round: a
# figure can only be pulled down by other load, never up.
#
# Needs Debian's python3-numpy, python3-threadpoolctl and libopenblas0-pthread
# (for this local measurement only; no test depends on them). Run from the
# repository root:
#
#	sh engine/fastblas/testdata/compare.sh
#
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, when set on this machine, slow a
# current OpenBLAS, so they are unset for the Python runs alone.
set -e
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-3}
raw=$(mktemp)
trap 'rm -f "$raw" fastblas.test' EXIT
go test -c -o fastblas.test .
echo "# $(uptime)"
for r in $(seq "$rounds"); do
	for t in 2 1; do
		env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 testdata/openblas_sgemm.py "$t" |
			awk -v t="$t" '/^#/ { if (!seen++) print > "/dev/stderr"; next } { print "openblas", t, $1, $2 }' >>"$raw"
	done
	./fastblas.test -test.run '^$' -test.bench 'Sgemm' -test.benchtime=0.2s |
		awk '/^BenchmarkSgemm/ {
			split($1, p, "/"); sub(/-[0-9]+$/, "", p[4]); sub(/threads=/, "", p[4])
			for (i = 2; i <= NF; i++) if ($i == "GFLOPS") g = $(i-1)
			print p[3], p[4], p[2], g }' >>"$raw"
done
echo "# $(uptime)"
awk '{ k = $1 " " $2 " " $3; if (!(k in best) || $4 + 0 > best[k] + 0) best[k] = $4
	if (!($3 in seen)) { seen[$3] = 1; order[++n] = $3 } }
END {
	printf "%-22s | %8s %8s %8s %6s | %8s %8s %8s %6s\n", "shape (GFLOPS)", "ours 2t", "gonum 2t", "oblas 2t", "ratio", "ours 1t", "gonum 1t", "oblas 1t", "ratio"
	for (i = 1; i <= n; i++) {
		s = order[i]; line = sprintf("%-22s |", s)
		for (t = 2; t >= 1; t--) {
			o = best["fastblas " t " " s]; g = best["gonum " t " " s]; b = best["openblas " t " " s]
			line = line sprintf(" %8.1f %8.1f %8.1f %5.0f%% |", o, g, b, b > 0 ? 100 * o / b : 0)
		}
		print line
	}
}' "$raw"
