package engine

import (
	"testing"
)

func TestRunnerStepPauseAndEvents(t *testing.T) {
	tr, _ := trainerForTest(t)
	tr.Cfg.EvalEvery = 5
	r := NewRunner(tr)
	defer r.Stop()

	st, ok := r.StepOnce()
	if !ok || st.Step != 1 {
		t.Fatalf("StepOnce = %+v, %v; want step 1", st, ok)
	}
	ev := <-r.Events()
	if ev.Kind != EventStep || ev.Stats.Step != 1 {
		t.Fatalf("first event %+v, want the step event of step 1", ev)
	}

	r.Run()
	// Training runs on; wait for an evaluation event, which is never dropped.
	var sawState bool
	for ev := range r.Events() {
		if ev.Kind == EventState && ev.Running {
			sawState = true
		}
		if ev.Kind == EventEval {
			if ev.Step%5 != 0 || !(ev.ValLoss > 0) {
				t.Fatalf("eval event %+v: want a positive loss at a multiple of 5", ev)
			}
			break
		}
	}
	if !sawState {
		t.Error("no running state event before the first evaluation")
	}
	r.Pause()
	m, step := r.Snapshot()
	_, step2 := r.Snapshot()
	if step != step2 {
		t.Errorf("paused runner moved from step %d to %d", step, step2)
	}
	// The snapshot is a copy: stepping does not change it.
	before := m.arena[0]
	r.StepOnce()
	if m.arena[0] != before {
		t.Error("snapshot changed when the trainer stepped")
	}
}

func TestRunnerRunsToDoneAndStopsWithoutConsumer(t *testing.T) {
	tr, _ := trainerForTest(t)
	tr.Cfg.Steps = 8
	r := NewRunner(tr)
	r.Run()
	var done bool
	for ev := range r.Events() {
		if ev.Kind == EventDone {
			done = ev.Step == 8
			break
		}
	}
	if !done {
		t.Fatal("no done event at step 8")
	}
	if _, ok := r.StepOnce(); ok {
		t.Error("StepOnce ran a step past the end of the run")
	}
	// Nobody reads events any more; Stop must still return, and requests
	// after Stop must not block.
	r.Stop()
	r.Stop()
	r.Run()
	if m, _ := r.Snapshot(); m != nil {
		t.Error("Snapshot after Stop returned a model")
	}
}
