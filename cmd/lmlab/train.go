package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"time"

	"lmlab/engine"
	"lmlab/engine/lab"
)

func runTrain(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: lmlab train --data FILE --preset NAME [--steps N] [--seed S] [--out CKPT] [--resume CKPT] [--stop-at K] [--json]")
		fmt.Fprintln(stderr, "Pretrain a model on next-token prediction; with --resume, continue a saved run exactly.")
		fs.PrintDefaults()
	}
	tf := addTrainFlags(fs)
	tf.addCkptFlag("start a new run from this checkpoint's weights and tokenizer")
	out := fs.String("out", "", "save the checkpoint here at the end, at --stop-at, and on Ctrl-C")
	stopAt := intVar(fs, "stop-at", 0, "end the run after this step and save to --out; --resume continues it", 0, 1e9)
	asJSON := fs.Bool("json", false, "print one JSON object per line on stdout and nothing else")
	if code, err := tf.parse(args, stderr, hint("train")); err != nil {
		return code
	}
	if fs.NArg() > 0 {
		return fail(stderr, "train", fmt.Errorf("unexpected argument %q; data goes in --data", fs.Arg(0)))
	}
	if *stopAt > 0 && *out == "" {
		return fail(stderr, "train", errors.New("--stop-at needs --out to save the run to"))
	}
	var err error
	if *out, err = tf.guardOut(*out, tf.data, stdin); err != nil {
		return fail(stderr, "train", err)
	}
	s, err := lab.Open(tf.options(stdin))
	if err != nil {
		return fail(stderr, "train", err)
	}
	if len(tf.data) == 0 { // the data came from the --resume checkpoint
		if _, err := tf.guardOut(*out, s.DataSpecs, stdin); err != nil {
			return fail(stderr, "train", err)
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	r := &trainReport{w: stdout, json: *asJSON, tty: !*asJSON && isTerminal(stdout)}
	if !*asJSON {
		c := s.Trainer.Model.Config
		fmt.Fprintf(stdout, "training %s: %d layers, %d heads, %d channels, context %d, vocab %d (%s), %s parameters\n",
			s.Preset, c.Layers, c.Heads, c.Embd, s.Trainer.Cfg.Context, c.VocabSize, s.Tokenizer.Name(), thousands(c.NumParams()))
		fmt.Fprintf(stdout, "data: %d training tokens, %d validation tokens\n", trainTokens(s.Data), len(s.Data.Val))
	}
	return trainLoop(ctx, s, r, *out, *stopAt, stderr)
}

func trainTokens(d engine.Data) int {
	n := 0
	for _, seg := range d.Train {
		n += len(seg.Tokens)
	}
	return n
}

// trainLoop steps s's trainer to the end of its run (or to stopAt), reporting
// through r, and saves to out at the end, at stopAt and on interrupt.
func trainLoop(ctx context.Context, s *lab.Session, r *trainReport, out string, stopAt int, stderr io.Writer) int {
	t := s.Trainer
	metrics := s.Metrics()
	var trainTime time.Duration
	var steps, tokens int
	var lastLoss float64
	save := func() error {
		if out == "" {
			return nil
		}
		if err := s.Save(out); err != nil {
			return err
		}
		r.saved(out, t.Steps())
		return nil
	}
	for !t.Done() && (stopAt <= 0 || t.Steps() < stopAt) {
		select {
		case <-ctx.Done():
			r.endProgress()
			if err := save(); err != nil {
				return fail(stderr, "train", err)
			}
			fmt.Fprintf(stderr, "lmlab train: interrupted at step %d\n", t.Steps())
			return 130
		default:
		}
		st := t.Step()
		trainTime += st.Duration
		steps++
		tokens += st.Tokens
		lastLoss = st.Loss
		if math.IsNaN(st.Loss) || math.IsInf(st.Loss, 0) {
			r.endProgress()
			return fail(stderr, "train", fmt.Errorf("loss became %v at step %d; lower --lr or check the data", st.Loss, st.Step))
		}
		r.step(st, t.Cfg.Steps, trainTime, steps)
		if e := t.Cfg.EvalEvery; e > 0 && st.Step%e == 0 && !t.Done() {
			val, _ := t.Evaluate(t.Cfg.EvalWindows)
			r.eval(st.Step, val, evalMetrics(metrics, t))
		}
	}
	r.endProgress()
	if !t.Done() { // stopped at --stop-at
		if err := save(); err != nil {
			return fail(stderr, "train", err)
		}
		r.stopped(t.Steps(), lastLoss)
		return 0
	}
	val, _ := t.Evaluate(0)
	r.eval(t.Steps(), val, evalMetrics(metrics, t))
	train, _ := t.Model.Eval(concatSegments(t.Data.Train), t.Cfg.Context, t.Cfg.Batch, max(t.Cfg.EvalWindows, 200))
	if err := save(); err != nil {
		return fail(stderr, "train", err)
	}
	r.done(doneLine{Done: true, Step: t.Steps(), TrainLoss: round4(train), ValLoss: round4(val),
		MsPerIter: msPer(trainTime, steps), TokensPerS: perSecond(tokens, trainTime)})
	return 0
}

func evalMetrics(f func(*engine.Model) map[string]float64, t *engine.Trainer) map[string]float64 {
	if f == nil {
		return nil
	}
	return f(t.Model)
}

// concatSegments joins the training segments for the final train-loss pass.
func concatSegments(segs []engine.Segment) []int32 {
	var out []int32
	for _, s := range segs {
		out = append(out, s.Tokens...)
	}
	return out
}

func msPer(d time.Duration, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Round(d.Seconds()*1e3/float64(n)*100) / 100
}

func perSecond(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return math.Round(float64(n) / d.Seconds())
}

func round4(x float64) float64 {
	if math.IsNaN(x) {
		return x
	}
	return math.Round(x*1e4) / 1e4
}

// doneLine is the last line of `lmlab train --json`.
type doneLine struct {
	Done       bool    `json:"done"`
	Step       int     `json:"step"`
	TrainLoss  float64 `json:"train_loss"`
	ValLoss    float64 `json:"val_loss"`
	MsPerIter  float64 `json:"ms_per_iter"`
	TokensPerS float64 `json:"tokens_per_s"`
}

// stepLine is a per-step line of `lmlab train --json`.
type stepLine struct {
	Step       int     `json:"step"`
	Loss       float64 `json:"loss"`
	LR         float64 `json:"lr"`
	GradNorm   float64 `json:"grad_norm"`
	TokensPerS float64 `json:"tokens_per_s"`
}

// evalLine is a validation line of `lmlab train --json`.
type evalLine struct {
	Step     int      `json:"step"`
	ValLoss  float64  `json:"val_loss"`
	Accuracy *float64 `json:"accuracy,omitempty"` // exact match, task samples only
}

// trainReport prints training progress: JSON lines, or a progress line for
// people (redrawn in place on a terminal, every few seconds otherwise).
type trainReport struct {
	w         io.Writer
	json, tty bool
	lastPrint time.Time
	open      bool // a \r progress line is on screen
}

func (r *trainReport) step(st engine.StepStats, total int, elapsed time.Duration, steps int) {
	if r.json {
		jsonLine(r.w, stepLine{st.Step, round4(st.Loss), st.LR, round4(st.GradNorm), math.Round(st.TokensPerSec())})
		return
	}
	now := time.Now()
	interval := 5 * time.Second // a log file gets a line now and then
	if r.tty {
		interval = 200 * time.Millisecond // a terminal redraws one line
	}
	if st.Step != 1 && st.Step != total && now.Sub(r.lastPrint) < interval {
		return
	}
	r.lastPrint = now
	per := elapsed / time.Duration(steps)
	eta := per * time.Duration(total-st.Step)
	line := fmt.Sprintf("step %d/%d  loss %.4f  lr %.2e  %s tok/s  ETA %s", st.Step, total, st.Loss, st.LR,
		thousands(int64(st.TokensPerSec())), shortDuration(eta))
	if r.tty {
		fmt.Fprintf(r.w, "\r\033[K%s", line)
		r.open = true
	} else {
		fmt.Fprintln(r.w, line)
	}
}

func (r *trainReport) endProgress() {
	if r.open {
		fmt.Fprintln(r.w)
		r.open = false
	}
}

func (r *trainReport) eval(step int, val float64, metrics map[string]float64) {
	if r.json {
		line := evalLine{Step: step, ValLoss: round4(val)}
		if acc, ok := metrics["accuracy"]; ok {
			acc = round4(acc)
			line.Accuracy = &acc
		}
		jsonLine(r.w, line)
		return
	}
	r.endProgress()
	fmt.Fprintf(r.w, "step %d: val loss %.4f", step, val)
	for k, v := range metrics {
		fmt.Fprintf(r.w, "  %s %.4f", k, v)
	}
	fmt.Fprintln(r.w)
}

func (r *trainReport) saved(path string, step int) {
	if r.json {
		jsonLine(r.w, map[string]any{"saved": path, "step": step})
		return
	}
	r.endProgress()
	fmt.Fprintf(r.w, "saved %s at step %d\n", path, step)
}

func (r *trainReport) stopped(step int, loss float64) {
	if r.json {
		jsonLine(r.w, map[string]any{"done": false, "step": step, "loss": round4(loss)})
		return
	}
	fmt.Fprintf(r.w, "stopped at step %d (loss %.4f); continue with --resume\n", step, loss)
}

func (r *trainReport) done(d doneLine) {
	if r.json {
		jsonLine(r.w, d)
		return
	}
	fmt.Fprintf(r.w, "done: step %d  train loss %.4f  val loss %.4f  %.2f ms/iter  %s tok/s\n",
		d.Step, d.TrainLoss, d.ValLoss, d.MsPerIter, thousands(int64(d.TokensPerS)))
}
