package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"lmlab/engine"
	"lmlab/engine/lab"
)

func runBench(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab bench --data FILE --preset NAME [--steps N] [--json] [--sweep] [--baseline torch_babygpt.py]")
		fmt.Fprintln(stderr, "Train N steps after a warm-up and report ms/iter, tokens/s, GFLOPS and peak RSS.")
		fs.PrintDefaults()
	}
	tf := addTrainFlags(fs)
	steps := intVar(fs, "bench-steps", 50, "timed steps (after the warm-up); --steps sets the run length the schedule spans", 1, 1e9)
	warm := intVar(fs, "warmup-steps", 5, "untimed steps first", 0, 1e9)
	sweep := fs.Bool("sweep", false, "also time context 64/128/256 × channels 128/256/384 (layers and heads from the preset)")
	baseline := fs.String("baseline", "", "run this PyTorch script (../shared/bench/torch_babygpt.py) on the same data, for the same steps and threads, right after, and report the ratio;\n"+
		"lmlab passes it its own environment unchanged: the script itself re-executes without OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE.\n"+
		"Threads are GOMAXPROCS for both (GOMAXPROCS=1 lmlab bench … for one thread)")
	python := fs.String("python", defaultPython(), "interpreter for --baseline: /usr/bin/python3 (Debian's python3-torch) when it exists, else python3")
	asJSON := fs.Bool("json", false, "print one JSON object per line on stdout and nothing else")
	if code, err := tf.parse(args, stderr, hint("bench")); err != nil {
		return code
	}
	// `--steps N` is the documented way to say how many steps to time.
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "steps" {
			*steps = *tf.steps
		}
	})
	if *steps < 1 || *warm < 0 {
		return fail(stderr, "bench", errors.New("--steps must be ≥ 1 and --warmup-steps ≥ 0"))
	}
	opt := tf.options(stdin)
	adjust := opt.Adjust
	opt.Adjust = func(c *engine.Config, tc *engine.TrainConfig) error {
		if err := adjust(c, tc); err != nil {
			return err
		}
		tc.Steps = max(tc.Steps, *warm+*steps)
		tc.EvalEvery = 0
		return nil
	}
	res, err := benchOnce(opt, *warm, *steps)
	if err != nil {
		return fail(stderr, "bench", err)
	}
	res.PeakRSSMB = peakRSSMB()
	report := func(r benchResult) {
		if *asJSON {
			jsonLine(stdout, r)
			return
		}
		fmt.Fprintf(stdout, "%-6s L%d H%d C%-4d T%-4d B%-3d %8.2f ms/iter %10s tok/s %7.1f GFLOPS\n", r.Preset, r.Layers, r.Heads,
			r.Embd, r.Context, r.Batch, r.MsPerIter, thousands(int64(r.TokensPerS)), r.GFLOPS)
	}
	report(res)
	if !*asJSON {
		fmt.Fprintf(stdout, "peak RSS %.0f MB, %d threads (%d shards), %s, %s\n", res.PeakRSSMB, res.Threads, res.Shards, res.Kernel, res.CPU)
	}
	if *sweep {
		for _, T := range []int{64, 128, 256} {
			for _, C := range []int{128, 256, 384} {
				o := opt
				o.Adjust = func(c *engine.Config, tc *engine.TrainConfig) error {
					if err := opt.Adjust(c, tc); err != nil {
						return err
					}
					c.Context, tc.Context, c.Embd = T, T, C
					return nil
				}
				r, err := benchOnce(o, *warm, *steps)
				if err != nil {
					return fail(stderr, "bench", err)
				}
				report(r)
			}
		}
	}
	if *baseline != "" {
		tr, err := runBaseline(*python, *baseline, opt.Data, *warm+*steps, res.Threads, baselineShape(res), stderr)
		if err != nil {
			return fail(stderr, "bench", err)
		}
		ratio := tr.MsPerIter / res.MsPerIter
		if *asJSON {
			jsonLine(stdout, map[string]any{"baseline": "pytorch", "torch": tr.Version, "ms_per_iter": tr.MsPerIter,
				"tokens_per_s": tr.TokensPerS, "speedup": round4(ratio)})
		} else {
			fmt.Fprintf(stdout, "pytorch %s: %.2f ms/iter %s tok/s → lmlab is %.2f× as fast\n", tr.Version, tr.MsPerIter,
				thousands(int64(tr.TokensPerS)), ratio)
		}
	}
	return 0
}

// benchResult is one line of `lmlab bench --json`.
type benchResult struct {
	Preset     string  `json:"preset"`
	Steps      int     `json:"steps"`
	MsPerIter  float64 `json:"ms_per_iter"`
	TokensPerS float64 `json:"tokens_per_s"`
	GFLOPS     float64 `json:"gflops"` // matrix-product FLOPs of the step, counted from the shapes, per second
	PeakRSSMB  float64 `json:"peak_rss_mb,omitempty"`
	Layers     int     `json:"layers"`
	Heads      int     `json:"heads"`
	Embd       int     `json:"embd"`
	Context    int     `json:"context"`
	Batch      int     `json:"batch"`
	Vocab      int     `json:"vocab"`
	Threads    int     `json:"threads"`
	Shards     int     `json:"shards"` // sequences of a batch are cut into this many, one per thread (Trainer.Shards)
	Kernel     string  `json:"kernel"`
	CPU        string  `json:"cpu,omitempty"` // the machine: model name and cores, from /proc/cpuinfo
}

func benchOnce(opt lab.Options, warm, steps int) (benchResult, error) {
	s, err := lab.Open(opt)
	if err != nil {
		return benchResult{}, err
	}
	t := s.Trainer
	for i := 0; i < warm; i++ {
		t.Step()
	}
	start := time.Now()
	for i := 0; i < steps; i++ {
		t.Step()
	}
	el := time.Since(start)
	c, tc := t.Model.Config, t.Cfg
	tokens := steps * tc.Batch * tc.Context * tc.GradAccum
	flops := float64(engine.StepFLOPs(c, tc.Batch, tc.Context)) * float64(tc.GradAccum*steps)
	return benchResult{
		Preset: s.Preset, Steps: steps, MsPerIter: msPer(el, steps), TokensPerS: perSecond(tokens, el),
		GFLOPS: round4(flops / el.Seconds() / 1e9), Layers: c.Layers, Heads: c.Heads, Embd: c.Embd,
		Context: tc.Context, Batch: tc.Batch, Vocab: c.VocabSize, Threads: runtime.GOMAXPROCS(0), Shards: t.Shards(), Kernel: engine.BLASName(),
		CPU: cpuName(),
	}, nil
}

// peakRSSMB reads the process's peak resident set from /proc (Linux); 0
// elsewhere.
func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	return 0
}

// cpuName names the machine as /proc/cpuinfo does: model name, family and
// model numbers (which tell a Zen 3 from a Zen 4 when the name is only "AMD
// EPYC") and the number of cores; "" where there is no /proc/cpuinfo.
func cpuName() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	return parseCPUInfo(string(b), runtime.NumCPU())
}

// parseCPUInfo is cpuName on the text of /proc/cpuinfo.
func parseCPUInfo(info string, cores int) string {
	field := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			if len(field) > 0 && strings.TrimSpace(line) == "" {
				break // the first processor is enough
			}
			continue
		}
		k = strings.TrimSpace(k)
		if _, seen := field[k]; !seen {
			field[k] = strings.TrimSpace(v)
		}
	}
	name := field["model name"]
	if name == "" {
		return ""
	}
	if f, m := field["cpu family"], field["model"]; f != "" && m != "" {
		name += fmt.Sprintf(" (family %s model %s)", f, m)
	}
	return fmt.Sprintf("%s, %d cores", name, cores)
}

// defaultPython is the interpreter --baseline uses: Debian's /usr/bin/python3,
// where python3-torch installs PyTorch, when it exists (a python3 earlier on
// PATH, a virtualenv's say, may have no torch); else python3 from PATH.
func defaultPython() string {
	if _, err := os.Stat("/usr/bin/python3"); err == nil {
		return "/usr/bin/python3"
	}
	return "python3"
}

type torchResult struct {
	Version               string
	MsPerIter, TokensPerS float64
}

var torchResultRE = regexp.MustCompile(`ms_per_iter=([0-9.]+) tokens_per_s=([0-9.]+)`)

// runBaseline runs the PyTorch reference on the same file for iters steps
// with the same threads and the same model shape (preset and flags). The script gets lmlab's environment as it is,
// nothing added: torch_babygpt.py re-executes itself without the OpenBLAS
// variables that slow it on some machines.
// baselineShape is the model shape as torch_babygpt.py's fourth argument
// takes it: layers,heads,channels,context,batch.
func baselineShape(r benchResult) string {
	return fmt.Sprintf("%d,%d,%d,%d,%d", r.Layers, r.Heads, r.Embd, r.Context, r.Batch)
}

func runBaseline(python, script string, data []string, iters, threads int, shape string, stderr io.Writer) (torchResult, error) {
	if len(data) != 1 || strings.HasPrefix(data[0], "sample:") {
		return torchResult{}, errors.New("--baseline needs exactly one --data FILE (the script reads a plain text file)")
	}
	cmd := exec.Command(python, script, data[0], strconv.Itoa(iters), strconv.Itoa(threads), shape)
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return torchResult{}, fmt.Errorf("baseline %s: %v (is PyTorch installed? see ../shared/README.md)", script, err)
	}
	m := torchResultRE.FindSubmatch(out)
	if m == nil {
		return torchResult{}, fmt.Errorf("baseline %s printed no RESULT line:\n%s", script, out)
	}
	var r torchResult
	r.MsPerIter, _ = strconv.ParseFloat(string(m[1]), 64)
	r.TokensPerS, _ = strconv.ParseFloat(string(m[2]), 64)
	if f := strings.Fields(string(out)); len(f) > 1 && f[0] == "torch" {
		r.Version = f[1]
	}
	return r, nil
}
