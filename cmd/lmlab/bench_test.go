package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"lmlab/engine/fastblas"
)

func TestParseCPUInfo(t *testing.T) {
	const epyc = "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: AMD EPYC\nflags\t\t: fpu avx2 fma\n\n" +
		"processor\t: 1\nvendor_id\t: AuthenticAMD\ncpu family\t: 25\nmodel\t\t: 1\nmodel name\t: AMD EPYC\n\n"
	tests := []struct {
		name, info string
		cores      int
		want       string
	}{
		{"two processors", epyc, 2, "AMD EPYC (family 25 model 1), 2 cores"},
		{"no family", "model name\t: Intel(R) Xeon(R) CPU @ 2.20GHz\n", 4, "Intel(R) Xeon(R) CPU @ 2.20GHz, 4 cores"},
		{"no model name (arm64)", "processor\t: 0\nBogoMIPS\t: 50.00\nCPU implementer\t: 0x41\n", 8, ""},
		{"empty", "", 1, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseCPUInfo(tt.info, tt.cores); got != tt.want {
				t.Errorf("parseCPUInfo = %q, want %q", got, tt.want)
			}
		})
	}
}

// runBaseline hands the script the data file, the steps, the threads and
// the model shape (L,H,C,T,B),
// reads its RESULT line, and passes lmlab's environment through with
// nothing added: the OpenBLAS variables the real script drops are not put
// back by lmlab. A shell script stands in for python and the baseline.
func TestRunBaselineArgsAndEnvironment(t *testing.T) {
	dir := t.TempDir()
	envOut := filepath.Join(dir, "env")
	script := filepath.Join(dir, "fake_baseline.sh")
	os.WriteFile(script, []byte(`echo "torch 9.9 threads=$3"
echo "args $1 $2 $3 $4" > "`+envOut+`"
env >> "`+envOut+`"
echo "RESULT iters=$2 ms_per_iter=12.50 tokens_per_s=61440 train_loss=2.0 val_loss=2.1"
`), 0o644)
	t.Setenv("OPENBLAS_CORETYPE", "") // present but empty in lmlab's environment
	os.Unsetenv("OPENBLAS_CORETYPE")  // and then absent: the child must not see it
	t.Setenv("OPENBLAS_L2_SIZE", "")
	os.Unsetenv("OPENBLAS_L2_SIZE")
	t.Setenv("LMLAB_TEST_MARK", "passed-through")
	r, err := runBaseline("/bin/sh", script, []string{"data.txt"}, 205, 2, "6,6,384,256,8", io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if r.Version != "9.9" || r.MsPerIter != 12.5 || r.TokensPerS != 61440 {
		t.Errorf("runBaseline = %+v, want version 9.9, 12.5 ms/iter, 61440 tokens/s", r)
	}
	b, err := os.ReadFile(envOut)
	if err != nil {
		t.Fatal(err)
	}
	seen := string(b)
	if !strings.HasPrefix(seen, "args data.txt 205 2 6,6,384,256,8\n") {
		t.Errorf("the script got %q, want args data.txt 205 2 6,6,384,256,8", strings.SplitN(seen, "\n", 2)[0])
	}
	if !strings.Contains(seen, "\nLMLAB_TEST_MARK=passed-through\n") {
		t.Errorf("the script did not get lmlab's environment:\n%s", seen)
	}
	for _, v := range []string{"OPENBLAS_CORETYPE=", "OPENBLAS_L2_SIZE="} {
		if strings.Contains(seen, "\n"+v) {
			t.Errorf("lmlab added %s to the baseline's environment", v)
		}
	}
}

func TestRunBaselineRefusesSamples(t *testing.T) {
	if _, err := runBaseline("/bin/sh", "x.py", []string{"sample:cats"}, 1, 1, "4,4,128,64,12", io.Discard); err == nil || !strings.Contains(err.Error(), "--data FILE") {
		t.Errorf("runBaseline on a sample = %v, want an error naming --data FILE", err)
	}
}

// TestBaselineShape: the shape the baseline gets is the benchmarked model's,
// in torch_babygpt.py's order layers,heads,channels,context,batch.
func TestBaselineShape(t *testing.T) {
	r := benchResult{Layers: 6, Heads: 6, Embd: 384, Context: 256, Batch: 8}
	if got, want := baselineShape(r), "6,6,384,256,8"; got != want {
		t.Errorf("baselineShape = %q, want %q", got, want)
	}
}

// TestBenchReportsShards: the JSON line says how many shards a batch was cut
// into, one per thread up to the batch (engine.Trainer.Shards), so that a
// figure can be read with the parallelism that produced it.
func TestBenchReportsShards(t *testing.T) {
	defer fastblas.SetThreads(fastblas.Threads())
	for _, threads := range []int{1, 3} {
		fastblas.SetThreads(threads)
		out, errs, code := lmlab(t, append([]string{"bench", "--steps", "3", "--bench-steps", "1", "--warmup-steps", "1", "--json"}, small...)...)
		if code != 0 {
			t.Fatalf("bench exited %d: %s", code, errs)
		}
		lines := jsonLines(t, out)
		if got, want := lines[0]["shards"], float64(min(threads, 4)); got != want {
			t.Errorf("%d threads, batch 4: shards %v, want %v", threads, got, want)
		}
	}
}
