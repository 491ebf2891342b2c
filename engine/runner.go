package engine

import (
	"sync"
)

// EventKind tells what an Event reports.
type EventKind int

const (
	EventStep  EventKind = iota // one optimizer step finished (sent without blocking; may be dropped)
	EventEval                   // a validation pass finished
	EventState                  // the runner started or paused
	EventDone                   // the run reached its length
	EventError                  // a request failed
)

// Event is what a Runner reports to its consumer.
type Event struct {
	Kind    EventKind
	Stats   StepStats          // EventStep
	Step    int                // steps completed when the event was sent
	ValLoss float64            // EventEval
	Metrics map[string]float64 // EventEval: extra metrics from Runner.Metrics
	Running bool               // EventState, EventDone
	Err     error              // EventError
}

// Runner drives a Trainer on its own goroutine. Control requests (run, pause,
// step, evaluate, snapshot, save) are answered between steps, so every
// request sees a consistent model. Per-step events are sent without blocking
// (the training loop never waits on a slow consumer); evaluation, state,
// done and error events block until received or the runner stops.
//
//	r := engine.NewRunner(trainer)
//	go consume(r.Events())
//	r.Run()
type Runner struct {
	t      *Trainer
	ctl    chan func()
	events chan Event
	stop   chan struct{}
	exited chan struct{}
	once   sync.Once

	// Metrics, when set before the first request, adds metrics to each
	// evaluation (for example exact-match accuracy on a task sample). It runs
	// on the runner's goroutine with the training model.
	Metrics func(m *Model) map[string]float64

	running bool // owned by the loop goroutine
}

// NewRunner starts the runner's goroutine, paused.
func NewRunner(t *Trainer) *Runner {
	r := &Runner{t: t, ctl: make(chan func()), events: make(chan Event, 256),
		stop: make(chan struct{}), exited: make(chan struct{})}
	go r.loop()
	return r
}

// Events is the runner's event stream; it is closed when the runner stops.
func (r *Runner) Events() <-chan Event { return r.events }

func (r *Runner) loop() {
	defer close(r.exited)
	defer close(r.events)
	for {
		if r.running && !r.t.Done() {
			select {
			case f := <-r.ctl:
				f()
				continue
			case <-r.stop:
				return
			default:
			}
			r.step()
			continue
		}
		select {
		case f := <-r.ctl:
			f()
		case <-r.stop:
			return
		}
	}
}

// send delivers an event that must not be lost, unless the runner stops.
func (r *Runner) send(ev Event) {
	select {
	case r.events <- ev:
	case <-r.stop:
	}
}

// step runs one training step and its follow-up events (on the loop).
func (r *Runner) step() StepStats {
	st, err := r.t.Step()
	if err != nil { // diverged: the step was not applied; stop and say why
		r.send(Event{Kind: EventError, Step: r.t.step, Err: err})
		if r.running {
			r.running = false
			r.send(Event{Kind: EventState, Step: r.t.step, Running: false})
		}
		return st
	}
	select {
	case r.events <- Event{Kind: EventStep, Stats: st, Step: st.Step, Running: r.running}:
	default: // the consumer is behind; it will catch up from the next one
	}
	if e := r.t.Cfg.EvalEvery; (e > 0 && st.Step%e == 0) || r.t.Done() {
		r.evaluate(r.t.Cfg.EvalWindows)
	}
	if r.t.Done() {
		r.running = false
		r.send(Event{Kind: EventDone, Step: r.t.step})
	}
	return st
}

func (r *Runner) evaluate(maxWindows int) float64 {
	loss, n := r.t.Evaluate(maxWindows)
	if n == 0 {
		return loss
	}
	ev := Event{Kind: EventEval, Step: r.t.step, ValLoss: loss}
	if r.Metrics != nil {
		ev.Metrics = r.Metrics(r.t.Model)
	}
	r.send(ev)
	return loss
}

// do runs f on the loop goroutine between steps and waits for it. It reports
// false when the runner has stopped.
func (r *Runner) do(f func()) bool {
	done := make(chan struct{})
	select {
	case r.ctl <- func() { f(); close(done) }:
	case <-r.exited:
		return false
	}
	select {
	case <-done:
		return true
	case <-r.exited:
		return false
	}
}

// Run starts (or keeps) training; it returns once the loop has taken the request.
func (r *Runner) Run() {
	r.do(func() {
		if !r.running && !r.t.Done() {
			r.running = true
			r.send(Event{Kind: EventState, Step: r.t.step, Running: true})
		}
	})
}

// Pause stops training after the current step.
func (r *Runner) Pause() {
	r.do(func() {
		if r.running {
			r.running = false
			r.send(Event{Kind: EventState, Step: r.t.step, Running: false})
		}
	})
}

// StepOnce runs exactly one step (when the run is not done) and returns its
// stats; ok is false if no step ran.
func (r *Runner) StepOnce() (st StepStats, ok bool) {
	r.do(func() {
		if !r.t.Done() {
			st, ok = r.step(), true
		}
	})
	return st, ok
}

// Evaluate runs a validation pass now (maxWindows 0: the whole split).
func (r *Runner) Evaluate(maxWindows int) (loss float64) {
	r.do(func() { loss = r.evaluate(maxWindows) })
	return loss
}

// Snapshot returns a copy of the model as it is between steps, for
// inspection on another goroutine while training goes on.
func (r *Runner) Snapshot() (m *Model, step int) {
	r.do(func() { m, step = r.t.Model.Clone(), r.t.step })
	return m, step
}

// Checkpoint captures the trainer's state between steps (see Trainer.Checkpoint).
func (r *Runner) Checkpoint(tokenizer []byte, meta map[string]string) (ck *Checkpoint) {
	r.do(func() { ck = r.t.Checkpoint(tokenizer, meta) })
	return ck
}

// Do runs f with the trainer between steps, for requests the methods above
// do not cover. f must not keep the trainer after it returns.
func (r *Runner) Do(f func(t *Trainer)) bool { return r.do(func() { f(r.t) }) }

// Stop ends the loop and closes Events; the trainer is left as it was after
// its last step. Stop is idempotent.
func (r *Runner) Stop() {
	r.once.Do(func() { close(r.stop) })
	<-r.exited
}
