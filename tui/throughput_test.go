package tui

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"lmlab/engine"
	"lmlab/engine/lab"
	"lmlab/engine/testenv"
)

// probeMsg asks nothing of the model; the program's filter reads the
// model's state when it passes (on the program's goroutine).
type probeMsg struct{}

// BenchmarkThroughput compares training throughput while the workbench
// runs (a 200×60 colour screen drawn to io.Discard, repaint ticks, the
// inspection panes refreshed from snapshots every 2 s and samples every
// 10 s) with the same trainer stepping headless, as lmlab bench does, in
// alternating legs so that load from elsewhere hits both alike. It reports
// both in tokens/s and their ratio in percent.
//
//	go test ./tui -run '^$' -bench Throughput -benchtime 1x
//
// LMLAB_BENCH_DATA (default tinyshakespeare.txt in the shared data) and
// LMLAB_BENCH_PRESET (default baby) choose the run, LMLAB_BENCH_LEG (steps
// per leg, default 20) and LMLAB_BENCH_ROUNDS (default 6) its length.
func BenchmarkThroughput(b *testing.B) {
	data := os.Getenv("LMLAB_BENCH_DATA")
	if data == "" {
		data = filepath.Join(testenv.Shared(b), "data", "tinyshakespeare.txt")
	}
	if _, err := os.Stat(data); err != nil {
		b.Skipf("no benchmark data: %v (set LMLAB_BENCH_DATA)", err)
	}
	preset := os.Getenv("LMLAB_BENCH_PRESET")
	if preset == "" {
		preset = "baby"
	}
	legSteps, rounds := envInt("LMLAB_BENCH_LEG", 20), envInt("LMLAB_BENCH_ROUNDS", 6)
	const warm = 5
	sess, err := lab.Open(lab.Options{Data: []string{data}, Preset: preset,
		Adjust: func(_ *engine.Config, tc *engine.TrainConfig) error {
			tc.EvalEvery = 0     // no validation passes inside the timed legs
			tc.Steps = 1_000_000 // and no end of the run either
			return nil
		}})
	if err != nil {
		b.Fatal(err)
	}
	started := opened(sess)
	r := started.runner
	defer r.Stop()

	st := DefaultStyles()
	st.NoColor = false
	m := New(Options{Styles: &st, Start: func() tea.Cmd { return nil }})
	var running, busy atomic.Bool
	filter := func(_ tea.Model, msg tea.Msg) tea.Msg {
		running.Store(m.running)
		busy.Store(m.busy || m.want.any())
		return msg
	}
	p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithWindowSize(200, 60),
		tea.WithoutSignalHandler(), tea.WithFilter(filter))
	done := make(chan struct{})
	go func() { p.Run(); close(done) }()
	defer func() { p.Quit(); <-done }()
	p.Send(started)

	steps := func() (n int) { r.Do(func(t *engine.Trainer) { n = t.Steps() }); return n }
	// settle waits until the workbench is paused and its inspection done.
	settle := func() {
		for {
			p.Send(probeMsg{})
			p.Send(probeMsg{})
			if !running.Load() && !busy.Load() {
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	r.Do(func(t *engine.Trainer) {
		for i := 0; i < warm; i++ {
			t.Step()
		}
	})
	tokensPerStep := float64(sess.Trainer.Cfg.Batch * sess.Trainer.Cfg.Context * sess.Trainer.Cfg.GradAccum)
	var headless, workbench time.Duration
	var wbSteps int
	var ratios []float64
	b.ResetTimer()
	for round := 0; round < rounds; round++ {
		settle()
		var hd time.Duration
		r.Do(func(t *engine.Trainer) {
			start := time.Now()
			for i := 0; i < legSteps; i++ {
				t.Step()
			}
			hd = time.Since(start)
		})
		headless += hd

		n0 := steps()
		start := time.Now()
		p.Send(keyPress("space"))
		for steps() < n0+legSteps {
			time.Sleep(10 * time.Millisecond) // polling the trainer, between its steps
		}
		wd, ws := time.Since(start), steps()-n0
		workbench += wd
		wbSteps += ws
		ratios = append(ratios, (float64(ws)/wd.Seconds())/(float64(legSteps)/hd.Seconds()))
		r.Send(engine.Pause{})
		settle()
	}
	b.StopTimer()
	hd := tokensPerStep * float64(rounds*legSteps) / headless.Seconds()
	wb := tokensPerStep * float64(wbSteps) / workbench.Seconds()
	b.ReportMetric(hd, "headless-tok/s")
	b.ReportMetric(wb, "workbench-tok/s")
	b.ReportMetric(100*wb/hd, "%-of-headless")
	slices.Sort(ratios)
	med := (ratios[(len(ratios)-1)/2] + ratios[len(ratios)/2]) / 2
	b.ReportMetric(100*med, "%-median-round")
	b.Logf("%s, preset %s: headless %.0f tok/s, workbench %.0f tok/s (%.1f%% overall, median round %.1f%%, rounds %.2f), %d+%d steps",
		data, preset, hd, wb, 100*wb/hd, 100*med, ratios, rounds*legSteps, wbSteps)
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
