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
	"syscall"
	"time"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/engine/runlog"
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
	runsDir := addRunsFlag(fs)
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
	if note := s.UnknownNote(); note != "" {
		fmt.Fprintf(stderr, "lmlab train: warning: %s\n", note)
	}
	if len(tf.data) == 0 { // the data came from the --resume checkpoint
		if _, err := tf.guardOut(*out, s.DataSpecs, stdin); err != nil {
			return fail(stderr, "train", err)
		}
	}
	ctx, stop := interruptContext()
	defer stop()
	r := &trainReport{w: stdout, json: *asJSON, tty: !*asJSON && isTerminal(stdout)}
	if !*asJSON {
		c := s.Trainer.Model.Config
		prec := ""
		if s.Trainer.Cfg.Precision == engine.PrecisionBF16 {
			prec = ", bf16 matrix products (emulated: rounded in Go, float32 master weights)"
		}
		fmt.Fprintf(stdout, "training %s: %d layers, %d heads, %d channels, context %d, vocab %d (%s), %s parameters%s\n",
			s.Preset, c.Layers, c.Heads, c.Embd, s.Trainer.Cfg.Context, c.VocabSize, s.Tokenizer.Name(), thousands(c.NumParams()), prec)
		fmt.Fprintf(stdout, "data: %d training tokens, %d validation tokens\n", trainTokens(s.Data), len(s.Data.Val))
	}
	more, now, err := goOnPastEnd(s, tf.resume != "")
	if err != nil {
		return fail(stderr, "train", err)
	}
	r.log = openRunLog(*runsDir, s, *out, stderr, "train")
	if now {
		r.extended(s.Trainer.Steps(), s.Trainer.Cfg)
	}
	return trainRun(ctx, s, r, *out, *stopAt, more, stderr)
}

// goOnPastEnd makes a resumed run asked (--steps) to go on past the end of
// its checkpoint's recipe do so as the workbench's E does: it finishes its
// saved schedule, then holds the final learning rate for the added steps,
// instead of stretching the cosine over the new length (which would raise
// the rate again). It returns the steps still to add when the run reaches
// its saved end, and whether the run, at its end already, went on now.
func goOnPastEnd(s *lab.Session, resumed bool) (more int, now bool, err error) {
	if !resumed || s.Checkpoint == nil || s.Checkpoint.Train == nil {
		return 0, false, nil
	}
	t, saved := s.Trainer, s.Checkpoint.Train.Steps
	want := t.Cfg.Steps
	if more, err = t.ExtendResumed(saved); err != nil {
		return 0, false, fmt.Errorf("--steps %d, past the %d steps of the checkpoint's run: %w", want, saved, err)
	}
	return more, more == 0 && want > saved && t.Steps() >= saved && t.Steps() < want, nil
}

// interruptContext is cancelled by SIGINT, SIGTERM or SIGHUP: each ends a
// training command as Ctrl-C does, saving the run first.
func interruptContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
}

func trainTokens(d engine.Data) int {
	n := 0
	for _, seg := range d.Train {
		n += len(seg.Tokens)
	}
	return n
}

// trainLoop trains s to the end of its run (or to stopAt) on an
// engine.Runner, printing its events through r, and saves to out at the
// end, at stopAt and when ctx is cancelled (an interrupt: exit 130).
func trainLoop(ctx context.Context, s *lab.Session, r *trainReport, out string, stopAt int, stderr io.Writer) int {
	return trainRun(ctx, s, r, out, stopAt, 0, stderr)
}

// trainRun is trainLoop whose run, when it reaches its length, goes on for
// more steps at its final learning rate (see goOnPastEnd).
func trainRun(ctx context.Context, s *lab.Session, r *trainReport, out string, stopAt, more int, stderr io.Writer) int {
	t := s.Trainer
	total := t.Cfg.Steps + more
	run := engine.NewRunner(t)
	defer run.Stop()
	run.Metrics = s.Metrics()
	run.KeepSteps = true  // every step is printed
	run.FinalWindows = -1 // the evaluation at the end covers the whole split
	watch(run, s)

	var trainTime time.Duration
	var steps, tokens int
	var lastLoss, lastVal float64
	// How the run ends, once it does: reportDone, reportStopped (--stop-at)
	// or reportInterrupted; the run is saved first when out is set.
	var ending endKind
	var finalEval uint64
	// rescued is set (on the runner's goroutine, before its saved event) when
	// the save to out failed and the run went to a fallback path instead.
	var rescued error
	// end saves the run where it stands; the answer, or step when there is
	// nowhere to save, makes the last report.
	end := func(k endKind) {
		ending = k
		r.endProgress()
		if out != "" {
			run.Send(engine.Save{Write: func(*engine.Trainer) (string, error) {
				path, err := s.SaveWithFallback(out)
				if err != nil && path != "" {
					rescued = fmt.Errorf("%w; the run was saved to %s instead", err, path)
					return path, nil
				}
				return path, err
			}})
		}
	}
	sigs := ctx.Done()
	switch {
	case ctx.Err() != nil:
		sigs = nil
		run.Send(engine.Pause{}) // answered with the step
		end(endInterrupted)
	case t.Done(): // a finished run, resumed: report it
		finalEval = run.Send(engine.Evaluate{})
	default:
		run.Send(engine.Run{Until: stopAt})
	}
	for {
		var ev engine.Event
		select {
		case <-sigs:
			sigs = nil
			if ending == endNone {
				run.Send(engine.Pause{})
				end(endInterrupted)
			}
			continue
		case ev = <-run.Events():
		}
		switch ev.Kind {
		case engine.EventStep:
			if ending != endNone {
				continue // a step finished as the run was being stopped
			}
			st := ev.Stats
			trainTime += st.Duration
			steps++
			tokens += st.Tokens
			lastLoss = st.Loss
			r.step(st, total, trainTime, steps)
			continue
		case engine.EventHealth:
			r.health(ev.Health)
			continue
		case engine.EventEval:
			if ending == endNone || ev.ID == finalEval {
				r.eval(ev.Step, ev.ValLoss, ev.Metrics)
				lastVal = ev.ValLoss
			}
			if ev.ID == 0 || ev.ID != finalEval {
				continue
			}
			end(endDone)
		case engine.EventDone:
			if ending != endNone {
				continue
			}
			if more > 0 {
				run.Send(engine.SetRecipe{Change: engine.RecipeChange{Extend: &engine.Extension{Steps: more, Rule: engine.HoldFinal}}})
				run.Send(engine.Run{Until: stopAt})
				more = 0
				continue
			}
			end(endDone)
		case engine.EventRecipe: // the run goes on past its saved end
			r.extended(ev.Step, ev.Recipe)
			continue
		case engine.EventState:
			switch {
			case ending == endInterrupted:
			case ending == endNone && !ev.Running: // at --stop-at
				end(endStopped)
			default:
				continue
			}
		case engine.EventSaved:
			r.saved(ev.Path, ev.Step)
		case engine.EventError:
			var de *engine.DivergedError
			if !errors.As(ev.Err, &de) || ending != endNone {
				r.endProgress()
				return fail(stderr, "train", ev.Err)
			}
			// The diverged step was not applied: save the last good state
			// when asked to, then fail.
			r.endProgress()
			fail(stderr, "train", ev.Err)
			end(endDiverged)
		default:
			continue
		}
		if out != "" && ev.Kind != engine.EventSaved {
			continue // the save is on its way
		}
		if rescued != nil {
			return fail(stderr, "train", rescued)
		}
		switch ending {
		case endDiverged:
			r.logEnd(ev.Step, runlog.Diverged, nil)
			return 1
		case endInterrupted:
			r.logEnd(ev.Step, runlog.Interrupted, map[string]float64{runlog.Loss: lastLoss})
			fmt.Fprintf(stderr, "lmlab train: interrupted at step %d\n", ev.Step)
			return 130
		case endStopped:
			r.logEnd(ev.Step, runlog.Stopped, map[string]float64{runlog.Loss: lastLoss})
			r.stopped(ev.Step, lastLoss)
			return 0
		}
		run.Stop() // the trainer is ours again
		train, _ := t.Model.Eval(concatSegments(t.Data.Train), t.Cfg.Context, t.Cfg.Batch, max(t.Cfg.EvalWindows, 200))
		r.logEnd(t.Steps(), runlog.Done, map[string]float64{runlog.TrainLoss: train, runlog.ValLoss: lastVal})
		r.done(doneLine{Done: true, Step: t.Steps(), TrainLoss: round4(train), ValLoss: round4(lastVal),
			MsPerIter: msPer(trainTime, steps), TokensPerS: perSecond(tokens, trainTime)})
		return 0
	}
}

// endKind is how trainLoop ends a run.
type endKind int

const (
	endNone        endKind = iota
	endDone                // the run reached its length
	endStopped             // at --stop-at
	endInterrupted         // by a signal
	endDiverged            // by a non-finite loss or gradient
)

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
	log       *runlog.Writer // the run log, or nil
	lastPrint time.Time
	open      bool // a \r progress line is on screen
}

func (r *trainReport) step(st engine.StepStats, total int, elapsed time.Duration, steps int) {
	if r.log != nil {
		r.log.Metrics(st.Step, map[string]float64{runlog.Loss: st.Loss, runlog.LR: st.LR, runlog.GradNorm: st.GradNorm, runlog.TokensPS: st.TokensPerSec()})
	}
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

// extended reports that the run went on past its end at step: to
// tc.Steps, under tc's schedule.
func (r *trainReport) extended(step int, tc engine.TrainConfig) {
	if r.log != nil {
		r.log.Recipe(runlog.Recipe{Step: step, Change: fmt.Sprintf("+%d steps", tc.Steps-step), Train: tc})
	}
	if r.json {
		jsonLine(r.w, map[string]any{"extended": tc.Steps, "step": step, "lr": tc.LRAt(step)})
		return
	}
	r.endProgress()
	fmt.Fprintf(r.w, "the run goes on from step %d to %d at %s\n", step, tc.Steps, tc.Schedule(step))
}

func (r *trainReport) endProgress() {
	if r.open {
		fmt.Fprintln(r.w)
		r.open = false
	}
}

func (r *trainReport) eval(step int, val float64, metrics map[string]float64) {
	if r.log != nil {
		vals := map[string]float64{runlog.ValLoss: val}
		for k, v := range metrics {
			vals[k] = v
		}
		r.log.Metrics(step, vals)
	}
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
