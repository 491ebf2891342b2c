package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync"
)

// Request is something asked of a Runner: Run, Pause, Step, Evaluate, Save,
// Snapshot, SetData, SetRecipe or Anatomize. Runner.Send queues it; the
// runner answers it with exactly one event carrying the id Send returned.
type Request interface{ isRequest() }

// Run starts training; it goes on until a Pause, the end of the run, or step
// Until when Until > 0 (then the runner pauses by itself). Answer: EventState
// (Running false when there was nothing to run).
type Run struct{ Until int }

// Pause stops training after the current step. Answer: EventState.
type Pause struct{}

// Step runs N steps now (N < 1 runs one), fewer if the run ends first.
// Answer: the step event of the last step, never dropped; EventError
// wrapping ErrRunDone when no step could run.
type Step struct{ N int }

// Evaluate runs a validation pass over at most MaxWindows windows (0: the
// whole split). Answer: EventEval, or EventError when there is no window.
type Evaluate struct{ MaxWindows int }

// Save writes a checkpoint of the run between steps. Write is given the
// trainer (it must not keep it) and returns where the checkpoint went.
// Answer: EventSaved with Path and Step, or EventError.
type Save struct {
	Write func(t *Trainer) (path string, err error)
}

// Snapshot asks for a copy of the model between steps, for inspection on
// another goroutine while training goes on. Answer: EventSnapshot.
type Snapshot struct{}

// SetData replaces the data the run trains and evaluates on (see
// Trainer.SetData). Answer: EventDataSet, or EventError when refused.
type SetData struct{ Data Data }

// SetRecipe changes the run's recipe between steps (see
// Trainer.ChangeRecipe). A Change with an Extension makes a run that has
// reached its length go on: a Run or Step after it trains the added steps,
// and the run ends again, with its evaluation and EventDone, at the new
// length. Answer: EventRecipe with the recipe now, or EventError when
// refused.
type SetRecipe struct{ Change RecipeChange }

// Anatomize takes one training step apart for Probe followed by Target (see
// Anatomy) on a copy of the model and the optimizer taken between steps, at
// the rate the next step would use. The work runs on its own goroutine, so
// training goes on meanwhile; Top next tokens after the probe come with it.
// A negative Target takes the model's likeliest next token.
// Answer: EventAnatomy, or EventError for an empty probe, an id outside the
// vocabulary or a step that diverged.
type Anatomize struct {
	Probe  []int32
	Target int32
	Top    int
}

// call runs a function with the trainer for Runner.Do; it is answered by
// closing done, not by an event.
type call struct {
	f    func(t *Trainer)
	done chan struct{}
}

func (Run) isRequest()       {}
func (Pause) isRequest()     {}
func (Step) isRequest()      {}
func (Evaluate) isRequest()  {}
func (Save) isRequest()      {}
func (Snapshot) isRequest()  {}
func (SetData) isRequest()   {}
func (SetRecipe) isRequest() {}
func (Anatomize) isRequest() {}
func (call) isRequest()      {}

// ErrRunDone is the error of a Step asked for when the run has reached its
// length.
var ErrRunDone = errors.New("the run has reached its length")

// PanicError is a panic recovered on the runner's goroutine. Its message is
// one line (for a status bar); Stack has the goroutine's stack for debugging.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string {
	msg, _, _ := strings.Cut(fmt.Sprint(e.Value), "\n")
	return "engine: runner: internal error: " + msg
}

// EventKind tells what an Event reports.
type EventKind int

const (
	EventStep     EventKind = iota // one optimizer step finished (sent without blocking unless it answers a Step or KeepSteps is set)
	EventEval                      // a validation pass finished
	EventState                     // the runner started or paused, or answers Run/Pause
	EventDone                      // the run reached its length
	EventError                     // a request failed, or a panic was recovered (the runner pauses)
	EventSaved                     // a checkpoint was written
	EventSnapshot                  // a copy of the model, in Model
	EventDataSet                   // the trainer took the data of a SetData
	EventHealth                    // a training-health check fired (Runner.Health), in Health
	EventRecipe                    // the recipe changed (SetRecipe): the new one in Recipe and Dropout
	EventAnatomy                   // a step taken apart (Anatomize), in Anatomy
)

// Event is what a Runner reports to its consumer. ID is the id of the
// request it answers; 0 for events the runner sends on its own (steps while
// running, periodic evaluations, the end of the run, a pause at Run.Until).
type Event struct {
	Kind    EventKind
	ID      uint64
	Stats   StepStats          // EventStep
	Step    int                // steps completed when the event was sent
	ValLoss float64            // EventEval
	Metrics map[string]float64 // EventEval: extra metrics from Runner.Metrics
	Running bool               // EventState, EventDone
	Model   *Model             // EventSnapshot: a copy, the receiver's to keep
	Path    string             // EventSaved
	Err     error              // EventError
	Health  HealthEvent        // EventHealth
	Recipe  TrainConfig        // EventRecipe: the recipe from the next step on
	Dropout float64            // EventRecipe: the model's dropout from the next step on
	Anatomy *AnatomyResult     // EventAnatomy
}

// Runner drives a Trainer on its own goroutine. Requests go in through Send,
// one ordered queue that never blocks the sender; they are handled between
// steps, so each sees a consistent model, and everything comes back as
// events on one stream. Step events of a running trainer are sent without
// blocking (training never waits on a slow consumer) and may be dropped;
// every other event, and the step event that answers a Step, is always
// delivered unless the runner stops. A panic on the runner's goroutine
// becomes an EventError with a *PanicError, and the runner pauses.
//
//	r := engine.NewRunner(trainer)
//	go consume(r.Events())
//	r.Send(engine.Run{})
type Runner struct {
	t      *Trainer
	events chan Event
	wake   chan struct{} // capacity 1: something was queued
	stop   chan struct{}
	exited chan struct{}
	once   sync.Once
	ctx    context.Context // cancelled by Stop
	cancel context.CancelFunc

	mu         sync.Mutex
	queue      []queued
	lastID     uint64
	evalCancel context.CancelFunc // the evaluation the runner makes on its own, if one runs
	side       sync.WaitGroup     // Anatomize goroutines; the event stream closes after them

	// Set these before the first Send; they are read on the runner's goroutine.

	// Metrics adds metrics to each evaluation (for example exact-match
	// accuracy on a task sample). It runs with the training model.
	Metrics func(m *Model) map[string]float64
	// KeepSteps delivers every step event, waiting for the consumer (a
	// headless log that prints each step); by default they may be dropped.
	KeepSteps bool
	// FinalWindows caps the evaluation made when the run reaches its length:
	// 0 takes Cfg.EvalWindows as the periodic ones do; negative, the whole split.
	FinalWindows int
	// Health, when set, watches the run: every step (its loss, gradient norm
	// and median update-to-weight ratio, which costs a copy of the weights
	// per step), every evaluation, a diverged step, and at each evaluation
	// the attention on HealthProbe when it is set. What it finds arrives as
	// EventHealth, always delivered.
	Health      *HealthMonitor
	HealthProbe []int32

	// Owned by the loop goroutine.
	prev    []float32 // the weights before the step, for the update ratio
	groups  []TensorGroup
	running bool
	until   int    // with running: pause after this step (0: the end)
	cur     uint64 // the request being handled
	curDone bool   // and whether it has been answered
}

type queued struct {
	id  uint64
	req Request
}

// NewRunner starts the runner's goroutine, paused.
func NewRunner(t *Trainer) *Runner {
	r := &Runner{t: t, events: make(chan Event, 256), wake: make(chan struct{}, 1),
		stop: make(chan struct{}), exited: make(chan struct{})}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	go r.loop()
	return r
}

// Events is the runner's event stream; it is closed when the runner stops.
func (r *Runner) Events() <-chan Event { return r.events }

// Send queues req and returns its id (never 0) at once. Requests are handled
// in the order sent. A Pause also cuts short an evaluation the runner is
// making on its own. After
// Stop, requests are dropped unanswered.
func (r *Runner) Send(req Request) uint64 {
	r.mu.Lock()
	r.lastID++
	id := r.lastID
	r.queue = append(r.queue, queued{id, req})
	if _, ok := req.(Pause); ok && r.evalCancel != nil {
		r.evalCancel()
	}
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
	return id
}

// Do runs f with the trainer between steps and waits for it: for tests and
// tools that need the trainer itself. f must not keep the trainer after it
// returns. It reports false when the runner has stopped.
func (r *Runner) Do(f func(t *Trainer)) bool {
	c := call{f: f, done: make(chan struct{})}
	r.Send(c)
	select {
	case <-c.done:
		return true
	case <-r.exited:
		return false
	}
}

// Stop ends the loop and closes Events; the trainer is left as it was after
// its last step. It cancels an evaluation under way (once the trainer's
// evaluation takes a context). Stop is idempotent.
func (r *Runner) Stop() {
	r.once.Do(func() { r.cancel(); close(r.stop) })
	<-r.exited
}

// next takes the oldest queued request.
func (r *Runner) next() (queued, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.queue) == 0 {
		return queued{}, false
	}
	q := r.queue[0]
	r.queue[0] = queued{}
	r.queue = r.queue[1:]
	return q, true
}

func (r *Runner) stopped() bool {
	select {
	case <-r.stop:
		return true
	default:
		return false
	}
}

func (r *Runner) loop() {
	defer close(r.exited)
	defer close(r.events)
	defer r.side.Wait()
	for !r.stopped() {
		if q, ok := r.next(); ok {
			r.guard(q.id, func() { r.handle(q) })
			continue
		}
		if r.running && !r.t.Done() {
			r.guard(0, func() { r.step(0, false) })
			continue
		}
		select {
		case <-r.wake:
		case <-r.stop:
		}
	}
}

// guard runs f for request id (0: the runner's own work) and turns a panic
// into an error event, answering the request if nothing has yet, and a pause.
func (r *Runner) guard(id uint64, f func()) {
	r.cur, r.curDone = id, false
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		ev := Event{Kind: EventError, Step: r.t.step, Err: &PanicError{Value: v, Stack: debug.Stack()}}
		if !r.curDone {
			ev.ID = id
		}
		r.send(ev)
		r.pause(0)
	}()
	f()
}

// send delivers an event that must not be lost, unless the runner stops.
// An event with the current request's id is its answer.
func (r *Runner) send(ev Event) {
	if ev.ID != 0 && ev.ID == r.cur {
		r.curDone = true
	}
	select {
	case r.events <- ev:
	case <-r.stop:
	}
}

func (r *Runner) state(id uint64) {
	r.send(Event{Kind: EventState, ID: id, Step: r.t.step, Running: r.running})
}

// pause stops training; id 0 reports it only if it was running.
func (r *Runner) pause(id uint64) {
	was := r.running
	r.running = false
	if id != 0 || was {
		r.state(id)
	}
}

func (r *Runner) handle(q queued) {
	switch req := q.req.(type) {
	case Run:
		r.until = req.Until
		r.running = !r.t.Done() && (req.Until <= 0 || r.t.step < req.Until)
		r.state(q.id)
	case Pause:
		r.pause(q.id)
	case Step:
		n := max(req.N, 1)
		if r.t.Done() {
			r.send(Event{Kind: EventError, ID: q.id, Step: r.t.step, Err: fmt.Errorf("step: %w at %d steps", ErrRunDone, r.t.Cfg.Steps)})
			return
		}
		for i := 0; i < n && !r.t.Done() && !r.stopped(); i++ {
			if !r.step(q.id, i == n-1) {
				break
			}
		}
	case Evaluate:
		loss, n, err := r.evaluate(r.ctx, req.MaxWindows)
		if err == nil && n == 0 {
			err = fmt.Errorf("evaluate: the validation split has no full window of %d tokens", r.t.Cfg.Context+1)
		}
		if err != nil {
			r.send(Event{Kind: EventError, ID: q.id, Step: r.t.step, Err: err})
			return
		}
		r.sendEval(q.id, loss)
	case Save:
		path, err := req.Write(r.t)
		if err != nil {
			r.send(Event{Kind: EventError, ID: q.id, Step: r.t.step, Err: err})
			return
		}
		r.send(Event{Kind: EventSaved, ID: q.id, Step: r.t.step, Path: path})
	case Snapshot:
		r.send(Event{Kind: EventSnapshot, ID: q.id, Step: r.t.step, Model: r.t.Model.Clone()})
	case SetData:
		if err := r.t.SetData(req.Data); err != nil {
			r.send(Event{Kind: EventError, ID: q.id, Step: r.t.step, Err: err})
			return
		}
		r.send(Event{Kind: EventDataSet, ID: q.id, Step: r.t.step})
	case SetRecipe:
		if err := r.t.ChangeRecipe(req.Change); err != nil {
			r.send(Event{Kind: EventError, ID: q.id, Step: r.t.step, Err: fmt.Errorf("change the recipe: %w", err)})
			return
		}
		r.send(Event{Kind: EventRecipe, ID: q.id, Step: r.t.step, Recipe: r.t.Cfg, Dropout: r.t.Model.Config.Dropout})
	case Anatomize:
		r.anatomize(q.id, req)
	case call:
		req.f(r.t)
		close(req.done)
	default:
		panic(fmt.Sprintf("engine: runner: unknown request %T", req))
	}
}

// trainStep is the one place the runner steps the trainer.
func (r *Runner) trainStep() (StepStats, error) { return r.t.Step() }

// step runs one training step and what follows it: its event (the answer to
// request id when last), a periodic or final evaluation, a pause at
// Run.Until, the end of the run.
//
// A step that diverges (a non-finite loss or gradient) is not applied: its
// error is the answer (or the runner's own error event) and the runner
// pauses. step reports whether the step was taken.
func (r *Runner) step(id uint64, last bool) bool {
	if r.Health != nil {
		r.prev = append(r.prev[:0], r.t.Model.arena...)
	}
	st, err := r.trainStep()
	if err != nil {
		r.send(Event{Kind: EventError, ID: id, Step: r.t.step, Err: err})
		if r.Health != nil {
			r.health(r.Health.ObserveDiverged(err))
		}
		r.pause(0)
		return false
	}
	if r.Health != nil {
		if r.groups == nil {
			r.groups = r.t.Model.Config.TensorGroups()
		}
		ratio := UpdateRatio(r.groups, r.prev, r.t.Model.arena)
		r.health(r.Health.ObserveStep(st, StepExtra{UpdateRatio: ratio}))
	}
	done := r.t.Done()
	ev := Event{Kind: EventStep, Stats: st, Step: st.Step, Running: r.running}
	if id != 0 && (last || done) {
		ev.ID = id
		r.send(ev)
	} else if r.KeepSteps {
		r.send(ev)
	} else {
		select {
		case r.events <- ev:
		default: // the consumer is behind; it will catch up from the next one
		}
	}
	if done {
		windows := r.t.Cfg.EvalWindows
		if r.FinalWindows != 0 {
			windows = max(r.FinalWindows, 0)
		}
		r.autoEvaluate(windows)
		r.running = false
		r.send(Event{Kind: EventDone, Step: r.t.step})
		return true
	}
	if e := r.t.Cfg.EvalEvery; e > 0 && st.Step%e == 0 {
		r.autoEvaluate(r.t.Cfg.EvalWindows)
	}
	if r.running && r.until > 0 && r.t.step >= r.until {
		r.pause(0)
	}
	return true
}

// autoEvaluate is an evaluation the runner makes on its own; a Pause sent
// meanwhile cancels it, and then no event is sent.
func (r *Runner) autoEvaluate(maxWindows int) {
	ctx, cancel := context.WithCancel(r.ctx)
	r.mu.Lock()
	r.evalCancel = cancel
	r.mu.Unlock()
	loss, n, err := r.evaluate(ctx, maxWindows)
	r.mu.Lock()
	r.evalCancel = nil
	r.mu.Unlock()
	cancel()
	if err == nil && n > 0 {
		r.sendEval(0, loss)
	}
}

// evaluate is the one place the runner evaluates. ctx is cancelled by Stop
// (and, for the runner's own evaluations, by a Pause), and the pass stops
// at the next batch of windows, so a signal is answered within a second.
func (r *Runner) evaluate(ctx context.Context, maxWindows int) (loss float64, n int, err error) {
	return r.t.EvaluateContext(ctx, maxWindows)
}

func (r *Runner) sendEval(id uint64, loss float64) {
	ev := Event{Kind: EventEval, ID: id, Step: r.t.step, ValLoss: loss}
	if r.Metrics != nil {
		ev.Metrics = r.Metrics(r.t.Model)
	}
	r.send(ev)
	if r.Health != nil {
		r.health(r.Health.ObserveEval(r.t.step, loss))
		if len(r.HealthProbe) > 0 {
			att := r.t.Model.Inspect(r.HealthProbe, 1).Attention
			r.health(r.Health.ObserveAttention(r.t.step, att))
		}
	}
}

// health sends what a health check found.
func (r *Runner) health(evs []HealthEvent) {
	for _, h := range evs {
		r.send(Event{Kind: EventHealth, Step: h.Step, Health: h})
	}
}

// anatomize copies the model and the optimizer now and takes the probe's
// step apart on another goroutine, which answers request id.
func (r *Runner) anatomize(id uint64, req Anatomize) {
	V := r.t.Model.Config.VocabSize
	var err error
	switch {
	case len(req.Probe) == 0:
		err = errors.New("anatomy: the probe has no tokens; give the text before the target")
	case checkIDs(req.Probe, V) != nil:
		err = fmt.Errorf("anatomy: probe: %w", checkIDs(req.Probe, V))
	case int(req.Target) >= V:
		err = fmt.Errorf("anatomy: the target id %d is outside the model's vocabulary of %d", req.Target, V)
	}
	if err != nil {
		r.send(Event{Kind: EventError, ID: id, Step: r.t.step, Err: err})
		return
	}
	m, opt, step := r.t.Model.Clone(), r.t.anatomyOptions(), r.t.step
	probe := append([]int32(nil), req.Probe...)
	r.curDone = true // answered by the goroutine
	r.side.Add(1)
	go func() {
		defer r.side.Done()
		ev := Event{Kind: EventAnatomy, ID: id, Step: step}
		defer func() {
			if v := recover(); v != nil {
				ev = Event{Kind: EventError, ID: id, Step: step, Err: &PanicError{Value: v, Stack: debug.Stack()}}
			}
			select {
			case r.events <- ev:
			case <-r.stop:
			}
		}()
		res := &AnatomyResult{Probe: probe, Target: req.Target}
		if req.Top > 0 || req.Target < 0 {
			ins := m.Inspect(probe, max(req.Top, 1))
			res.Top = ins.Next[len(ins.Next)-1]
		}
		if res.Target < 0 {
			res.Target = res.Top[0].ID
		}
		rep, err := Anatomy(m, probe, res.Target, opt)
		if err != nil {
			ev = Event{Kind: EventError, ID: id, Step: step, Err: fmt.Errorf("anatomy: %w", err)}
			return
		}
		res.Report = rep
		ev.Anatomy = res
	}()
}
