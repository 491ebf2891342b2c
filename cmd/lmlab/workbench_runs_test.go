package main

import (
	"bytes"
	"io"
	"path/filepath"
	"testing"
)

// TestWorkbenchRunsFlag: --runs DIR says where the workbench logs its run;
// none keeps no log; without it the default directory (XDG_STATE_HOME).
func TestWorkbenchRunsFlag(t *testing.T) {
	state := t.TempDir()
	t.Setenv("XDG_STATE_HOME", state)
	dir := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--data", "sample:cats", "--runs", dir}, dir},
		{[]string{"--data", "sample:cats", "--runs", "none"}, ""},
		{[]string{"--data", "sample:cats"}, filepath.Join(state, "lmlab", "runs")},
	}
	for _, tc := range tests {
		var stderr bytes.Buffer
		_, _, runs, code, ok := workbenchArgs(tc.args, nil, io.Discard, &stderr)
		if !ok {
			t.Fatalf("%v: code %d: %s", tc.args, code, stderr.String())
		}
		if got := workbenchRunsDir(runs, &stderr); got != tc.want {
			t.Errorf("%v: runs directory %q, want %q", tc.args, got, tc.want)
		}
	}
}
