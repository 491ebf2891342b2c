package engine

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

// answers reads events until every id in want has had its answer and
// returns them by id, failing if any id is answered twice or the stream
// ends first. Other events (the runner's own, answers to other requests)
// are passed to other.
func answers(t *testing.T, r *Runner, want []uint64, other func(Event)) map[uint64]Event {
	t.Helper()
	pending := map[uint64]bool{}
	for _, id := range want {
		pending[id] = true
	}
	got := map[uint64]Event{}
	for len(pending) > 0 {
		ev, ok := <-r.Events()
		if !ok {
			t.Fatalf("events closed with requests %v unanswered", pending)
		}
		if _, mine := got[ev.ID]; ev.ID == 0 || (!pending[ev.ID] && !mine) {
			if other != nil {
				other(ev)
			}
			continue
		}
		if _, dup := got[ev.ID]; dup {
			t.Fatalf("request %d answered twice: %+v and %+v", ev.ID, got[ev.ID], ev)
		}
		delete(pending, ev.ID)
		got[ev.ID] = ev
	}
	return got
}

// saveStep is a Save that records the step it saw instead of writing.
func saveStep(path string) Save {
	return Save{Write: func(t *Trainer) (string, error) { return path, nil }}
}

func TestRunnerHandlesRequestsInOrder(t *testing.T) {
	tr, _ := trainerForTest(t)
	r := NewRunner(tr)
	defer r.Stop()
	// n n n s: the save sees all three steps.
	ids := []uint64{r.Send(Step{}), r.Send(Step{}), r.Send(Step{}), r.Send(saveStep("x.safetensors"))}
	got := answers(t, r, ids, nil)
	for i, id := range ids[:3] {
		if ev := got[id]; ev.Kind != EventStep || ev.Stats.Step != i+1 {
			t.Errorf("step request %d answered with %+v; want the step event of step %d", i, ev, i+1)
		}
	}
	if ev := got[ids[3]]; ev.Kind != EventSaved || ev.Step != 3 || ev.Path != "x.safetensors" {
		t.Errorf("save answered with %+v; want saved at step 3", ev)
	}
	// Step{N} answers once, with its last step.
	id := r.Send(Step{N: 4})
	var seen []int
	ev := answers(t, r, []uint64{id}, func(ev Event) {
		if ev.Kind == EventStep {
			seen = append(seen, ev.Stats.Step)
		}
	})[id]
	if ev.Kind != EventStep || ev.Stats.Step != 7 {
		t.Errorf("Step{4} from step 3 answered with %+v; want step 7", ev)
	}
	if len(seen) > 3 {
		t.Errorf("Step{4} sent %d unanswered step events, want at most 3: %v", len(seen), seen)
	}
}

func TestRunnerAnswersEveryRequestOnce(t *testing.T) {
	tr, data := trainerForTest(t)
	tr.Cfg.Steps, tr.Cfg.EvalEvery = 12, 4
	r := NewRunner(tr)
	defer r.Stop()
	dir := t.TempDir()
	good := filepath.Join(dir, "run.safetensors")
	bad := filepath.Join(dir, "missing", "run.safetensors")
	write := func(path string) Save {
		return Save{Write: func(t *Trainer) (string, error) {
			return path, SaveCheckpoint(path, t.Checkpoint(nil, nil))
		}}
	}
	short := data
	short.Train = []Segment{{Name: "short", Tokens: data.Val[:5], Weight: 1}} // shorter than one window: refused
	type want struct {
		kind EventKind
		step int
	}
	reqs := []struct {
		req  Request
		want want
	}{
		{Run{Until: 5}, want{EventState, 0}},
		{Pause{}, want{EventState, -1}}, // wherever the run got to
		{Step{N: 2}, want{EventStep, -1}},
		{Evaluate{MaxWindows: 3}, want{EventEval, -1}},
		{Snapshot{}, want{EventSnapshot, -1}},
		{SetData{short}, want{EventError, -1}},
		{SetData{data}, want{EventDataSet, -1}},
		{write(bad), want{EventError, -1}},
		{write(good), want{EventSaved, -1}},
		{Step{N: 100}, want{EventStep, 12}}, // the run ends first
		{Step{}, want{EventError, 12}},      // nothing left to run
		{Run{}, want{EventState, 12}},       // nothing left to run either
		{Evaluate{}, want{EventEval, 12}},
	}
	var ids []uint64
	for _, rq := range reqs {
		ids = append(ids, r.Send(rq.req))
	}
	var done int
	got := answers(t, r, ids, func(ev Event) {
		if ev.Kind == EventDone {
			done++
		}
	})
	for i, rq := range reqs {
		ev := got[ids[i]]
		if ev.Kind != rq.want.kind || (rq.want.step >= 0 && ev.Step != rq.want.step) {
			t.Errorf("request %d (%T) answered with kind %d at step %d (err %v); want kind %d at step %d",
				i, rq.req, ev.Kind, ev.Step, ev.Err, rq.want.kind, rq.want.step)
		}
	}
	if ev := got[ids[0]]; !ev.Running {
		t.Error("Run was not answered as running")
	}
	if ev := got[ids[4]]; ev.Model == nil || ev.Model == tr.Model {
		t.Error("Snapshot did not answer with a copy of the model")
	}
	if ev := got[ids[10]]; !errors.Is(ev.Err, ErrRunDone) {
		t.Errorf("Step past the end: %v, want ErrRunDone", ev.Err)
	}
	if ev := got[ids[11]]; ev.Running {
		t.Error("Run past the end answered as running")
	}
	if ev := got[ids[8]]; ev.Path != good {
		t.Errorf("saved to %q, want %q", ev.Path, good)
	}
	if ck, err := LoadCheckpoint(good); err != nil || ck.Step != got[ids[8]].Step {
		t.Errorf("checkpoint: %v, step %v; want the step of the saved event", err, ck)
	}
	if done != 1 {
		t.Errorf("%d done events, want 1", done)
	}
}

func TestRunnerRunUntilPauses(t *testing.T) {
	tr, _ := trainerForTest(t)
	r := NewRunner(tr)
	defer r.Stop()
	r.Send(Run{Until: 5})
	for ev := range r.Events() {
		if ev.Kind == EventState && !ev.Running {
			if ev.Step != 5 || ev.ID != 0 {
				t.Errorf("paused with %+v; want the runner's own pause at step 5", ev)
			}
			break
		}
	}
	var steps int
	r.Do(func(t *Trainer) { steps = t.Steps() })
	if steps != 5 {
		t.Errorf("trainer at step %d after Run{Until: 5}", steps)
	}
}

// TestRunnerSendNeverBlocks sends far more requests than the event buffer
// holds, from one goroutine, with nobody reading events: if Send waited for
// the runner (which waits for a reader once the buffer is full), this
// would deadlock. Then every request has exactly one answer, in order.
func TestRunnerSendNeverBlocks(t *testing.T) {
	tr, _ := trainerForTest(t)
	r := NewRunner(tr)
	defer r.Stop()
	const n = 10_000
	ids := make([]uint64, n)
	for i := range ids {
		ids[i] = r.Send(Pause{})
	}
	for i, id := range ids {
		ev := <-r.Events()
		if ev.ID != id || ev.Kind != EventState || ev.Running {
			t.Fatalf("answer %d is %+v; want the paused state answering request %d", i, ev, id)
		}
	}
}

// TestRunnerDropsStepsOnly runs to the end with nobody reading: step events
// beyond the buffer are dropped, but the evaluation, the end of the run, an
// error and a save all arrive.
func TestRunnerDropsStepsOnly(t *testing.T) {
	tr, _ := trainerForTest(t)
	tr.Cfg.Steps, tr.Cfg.EvalEvery = 300, 0
	r := NewRunner(tr)
	defer r.Stop()
	finished := make(chan struct{})
	r.Metrics = func(*Model) map[string]float64 { close(finished); return nil } // the final evaluation
	r.Send(Run{})
	<-finished // every step event has been sent or dropped by now
	stepErr, save := r.Send(Step{}), r.Send(saveStep("end"))
	var steps, evals, dones int
	got := answers(t, r, []uint64{stepErr, save}, func(ev Event) {
		switch ev.Kind {
		case EventStep:
			steps++
		case EventEval:
			evals++
		case EventDone:
			dones++
		}
	})
	if steps >= 300 || steps < cap(r.events)-1 {
		t.Errorf("%d step events arrived of 300; want the buffer's worth, the rest dropped", steps)
	}
	if evals != 1 || dones != 1 {
		t.Errorf("%d eval and %d done events, want 1 each", evals, dones)
	}
	if got[stepErr].Kind != EventError || got[save].Kind != EventSaved || got[save].Step != 300 {
		t.Errorf("answers %+v, %+v; want an error and a save at step 300", got[stepErr], got[save])
	}
}

func TestRunnerKeepSteps(t *testing.T) {
	tr, _ := trainerForTest(t)
	tr.Cfg.Steps, tr.Cfg.EvalEvery = 300, 0
	r := NewRunner(tr)
	defer r.Stop()
	r.KeepSteps = true
	finished := make(chan struct{})
	r.Metrics = func(*Model) map[string]float64 { close(finished); return nil }
	r.Send(Run{})
	var steps []int
	for ev := range r.Events() {
		if ev.Kind == EventStep {
			steps = append(steps, ev.Stats.Step)
		}
		if ev.Kind == EventDone {
			break
		}
	}
	<-finished
	for i, s := range steps {
		if s != i+1 {
			t.Fatalf("step event %d is step %d; with KeepSteps every step arrives in order", i, s)
		}
	}
	if len(steps) != 300 {
		t.Errorf("%d step events, want 300", len(steps))
	}
}

func TestRunnerPanicIsAnErrorAndPauses(t *testing.T) {
	tr, _ := trainerForTest(t)
	tr.Cfg.EvalEvery = 3
	r := NewRunner(tr)
	defer r.Stop()
	// In a request: the request's answer is the error.
	id := r.Send(Save{Write: func(*Trainer) (string, error) { panic("disk on fire\nsecond line") }})
	ev := answers(t, r, []uint64{id}, nil)[id]
	var pe *PanicError
	if ev.Kind != EventError || !errors.As(ev.Err, &pe) {
		t.Fatalf("panicking save answered with %+v; want an EventError with a *PanicError", ev)
	}
	if msg := ev.Err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "disk on fire") {
		t.Errorf("panic error %q: want one line with the panic's value", msg)
	}
	if !strings.Contains(string(pe.Stack), "runner.go") {
		t.Errorf("panic error has no stack: %q", pe.Stack)
	}
	// While running: an error from the runner itself, then a pause.
	r.Metrics = func(*Model) map[string]float64 { panic("metric broke") }
	r.Send(Run{})
	var sawErr bool
	for ev := range r.Events() {
		if ev.Kind == EventError {
			sawErr = ev.ID == 0 && strings.Contains(ev.Err.Error(), "metric broke")
		}
		if ev.Kind == EventState && !ev.Running && ev.ID == 0 {
			break
		}
	}
	if !sawErr {
		t.Error("no error event for the panic while running")
	}
	// The runner still answers.
	r.Metrics = nil
	id = r.Send(Step{})
	if ev := answers(t, r, []uint64{id}, nil)[id]; ev.Kind != EventStep {
		t.Errorf("after a panic a step answered with %+v", ev)
	}
}

func TestRunnerSnapshotIsACopy(t *testing.T) {
	tr, _ := trainerForTest(t)
	r := NewRunner(tr)
	defer r.Stop()
	id := r.Send(Snapshot{})
	m := answers(t, r, []uint64{id}, nil)[id].Model
	before := m.arena[0]
	id = r.Send(Step{})
	answers(t, r, []uint64{id}, nil)
	if m.arena[0] != before {
		t.Error("snapshot changed when the trainer stepped")
	}
}

func TestRunnerStopsWithoutConsumer(t *testing.T) {
	tr, _ := trainerForTest(t)
	tr.Cfg.Steps = 8
	r := NewRunner(tr)
	r.Send(Run{})
	for ev := range r.Events() {
		if ev.Kind == EventDone {
			if ev.Step != 8 {
				t.Fatalf("done at step %d, want 8", ev.Step)
			}
			break
		}
	}
	// Nobody reads events any more; Stop must still return, and requests
	// after Stop must neither block nor be answered.
	for range 300 {
		r.Send(Snapshot{})
	}
	r.Stop()
	r.Stop()
	r.Send(Run{})
	if r.Do(func(*Trainer) {}) {
		t.Error("Do ran after Stop")
	}
	for ev := range r.Events() { // drains what was buffered; the stream is closed
		if ev.Kind != EventSnapshot {
			t.Errorf("unexpected event after Stop: %+v", ev)
		}
	}
}

// TestRunnerHealth: with a HealthMonitor, a run at a learning rate far too
// high reports it as health events, each once and always delivered; the same
// run at its own rate reports nothing.
func TestRunnerHealth(t *testing.T) {
	for _, tt := range []struct {
		name string
		lr   float64
		want bool
	}{
		{"lr 10", 10, true},
		{"recipe lr", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			tr, _ := trainerForTest(t)
			tr.Cfg.Steps, tr.Cfg.EvalEvery = 40, 0
			if tt.lr > 0 {
				tr.Cfg.LR, tr.Cfg.MinLR, tr.Cfg.Warmup = tt.lr, tt.lr, 0
			}
			r := NewRunner(tr)
			defer r.Stop()
			r.Health = &HealthMonitor{}
			r.Send(Run{})
			seen := map[HealthKind]int{}
			for ev := range r.Events() {
				if ev.Kind == EventHealth {
					seen[ev.Health.Kind]++
					if ev.Health.Message == "" || ev.Step != ev.Health.Step {
						t.Errorf("health event %+v: want a message and its step", ev)
					}
				}
				if ev.Kind == EventDone || ev.Kind == EventError {
					break
				}
			}
			for k, n := range seen {
				if n != 1 {
					t.Errorf("%s fired %d times in 40 steps; a check fires once when it begins", k, n)
				}
			}
			if got := len(seen) > 0; got != tt.want {
				t.Errorf("health events %v; want some: %v", seen, tt.want)
			}
		})
	}
}
