#!/bin/sh
# Times OpenBLAS (through numpy) and fastblas/gonum on the same Sgemm shapes,
# one right after the other, with 2 threads and with 1, so the ratios come from
# the same state of a shared machine. Needs Debian's python3-numpy,
# python3-threadpoolctl and libopenblas0-pthread (local measurement only;
# no test depends on them). Run from the repository root:
#
#	sh engine/fastblas/testdata/compare.sh [go test -bench regexp]
#
# OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, when set on this machine, slow a
# current OpenBLAS, so they are unset for the Python run alone.
set -e
cd "$(dirname "$0")/.."
py=/usr/bin/python3
pattern=${1:-Sgemm}
uptime
for t in 2 1; do
	echo "== OpenBLAS, $t thread(s)"
	env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $py testdata/openblas_sgemm.py $t
done
echo "== go test -bench $pattern"
go test -run '^$' -bench "$pattern" -benchtime=0.5s -count=1 . |
	awk '/^Benchmark/ { g = ""; a = ""
		for (i = 2; i <= NF; i++) { if ($i == "GFLOPS") g = $(i-1); if ($i == "allocs/op") a = $(i-1) }
		printf "%-60s %8s GFLOPS %s allocs/op\n", $1, g, a }'
uptime
