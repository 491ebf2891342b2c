"""Time OpenBLAS sgemm (through numpy) on the shapes of BenchmarkSgemm.

Usage: python3 openblas_sgemm.py THREADS
Prints one line per shape, "name GFLOPS", the best of several repeats, as
2*m*n*k per call. numpy hands a transposed view to sgemm as a transpose flag,
so op(A) and op(B) below reach OpenBLAS exactly as fastblas sees them.
"""

import sys
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

# name, transA, transB, m, n, k: keep in step with bench_test.go.
SHAPES = [
    ("fwd_qkv_768x384x128", False, True, 768, 384, 128),
    ("fwd_fc_768x512x128", False, True, 768, 512, 128),
    ("fwd_proj_768x128x512", False, True, 768, 128, 512),
    ("bwd_dx_768x128x384", False, False, 768, 128, 384),
    ("bwd_dw_384x128x768", True, False, 384, 128, 768),
    ("lm_head_768x65x128", False, True, 768, 65, 128),
    ("att_qk_64x64x32", False, True, 64, 64, 32),
    ("att_pv_64x32x64", False, False, 64, 32, 64),
    ("bwd_dw_fc_512x128x768", True, False, 512, 128, 768),
    ("bwd_dw_proj_128x512x768", True, False, 128, 512, 768),
    ("bwd_dx_proj_768x512x128", False, False, 768, 512, 128),
    ("square_512", False, False, 512, 512, 512),
    ("square_1024", False, False, 1024, 1024, 1024),
    ("square_2048", False, False, 2048, 2048, 2048),
]


def main():
    threads = int(sys.argv[1])
    info = [i for i in threadpool_info() if i["user_api"] == "blas"]
    print("# blas:", ", ".join(f"{i['internal_api']} {i['version']} {i['architecture']}" for i in info))
    rng = np.random.default_rng(1)
    with threadpool_limits(limits=threads, user_api="blas"):
        for name, ta, tb, m, n, k in SHAPES:
            a = rng.uniform(-1, 1, (k, m) if ta else (m, k)).astype(np.float32)
            b = rng.uniform(-1, 1, (n, k) if tb else (k, n)).astype(np.float32)
            opa = a.T if ta else a
            opb = b.T if tb else b
            c = np.empty((m, n), dtype=np.float32)
            flops = 2.0 * m * n * k
            # Enough calls per repeat for ~50 ms, best of 7 repeats, as the
            # machine is shared.
            calls = max(10, int(5e-2 * 100e9 / flops))
            best = float("inf")
            for _ in range(7):
                t0 = time.perf_counter()
                for _ in range(calls):
                    np.matmul(opa, opb, out=c)
                best = min(best, (time.perf_counter() - t0) / calls)
            print(f"{name} {flops / best / 1e9:.1f}")


if __name__ == "__main__":
    main()
