package runlog_test

import (
	"fmt"
	"os"
	"time"

	"lmlab/engine"
	"lmlab/engine/runlog"
)

func Example() {
	dir, _ := os.MkdirTemp("", "runs")
	defer os.RemoveAll(dir)
	w, _ := runlog.Create(dir, runlog.Header{Preset: "tiny", Data: []string{"sample:cats"},
		Started: time.Date(2026, 11, 29, 8, 10, 0, 0, time.UTC), Model: engine.Config{Layers: 2}})
	w.Metrics(1, map[string]float64{runlog.Loss: 3.4})
	w.Metrics(2, map[string]float64{runlog.Loss: 3.1})
	w.End(runlog.End{Step: 2, Status: runlog.Done, Values: map[string]float64{runlog.ValLoss: 3.2}})

	run, _ := runlog.Find(dir, "2026")
	_, loss, _ := run.Final(runlog.Loss)
	fmt.Println(run.Name, run.Status(), run.Steps(), loss)
	// Output: 20261129-081000-tiny done 2 3.1
}
