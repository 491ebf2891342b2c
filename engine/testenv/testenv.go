// Package testenv finds what some of lmlab's tests need from outside Go: the
// shared data beside the repository (../shared), a python3 that imports
// torch, and tmux. When one is absent the test is skipped with a reason that
// says how to get it; when the LMLAB_REQUIRE environment variable names it,
// the test fails instead, so nothing skips silently in CI:
//
//	dir := testenv.Shared(t)  // absolute path of ../shared, or skip
//	py := testenv.Python(t)   // a python3 that imports torch, or skip
//	tmux := testenv.Tmux(t)   // the tmux binary, or skip
//
// LMLAB_REQUIRE is a comma-separated list of shared, torch and tmux, or all
// (CI sets LMLAB_REQUIRE=shared,torch,tmux). LMLAB_REQUIRE_SHARED=1, the
// older spelling, still means shared. A name it does not know fails every
// test that asks, so a typo cannot turn the requirement off.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

// need is one thing from outside Go that a test can ask for.
type need struct {
	name string // its name in LMLAB_REQUIRE
	what string // what it is, for messages
	fix  string // how to get it
}

var (
	needShared = need{"shared", "the shared data (../shared beside the repository)", "put the project's shared/ folder beside the repository"}
	needTorch  = need{"torch", "a python3 that imports torch", "apt-get install python3-torch, or set LMLAB_PYTHON"}
	needTmux   = need{"tmux", "tmux", "apt-get install tmux"}
	needs      = []need{needShared, needTorch, needTmux}
)

// Shared returns the absolute path of the shared data folder: ../shared
// from the module root, holding data/. It skips the test when there is none, or fails it when
// LMLAB_REQUIRE names shared.
func Shared(tb testing.TB) string {
	tb.Helper()
	dir, err := findShared()
	settle(tb, needShared, err, os.Getenv)
	return dir
}

// UseShared reports whether a test that also runs without the shared data
// should include it: when it is present, or when LMLAB_REQUIRE names it or
// cannot be read (so that the test's call to Shared then fails rather than
// the test quietly covering less).
func UseShared() bool {
	if _, err := findShared(); err == nil {
		return true
	}
	req, err := required(os.Getenv)
	return err != nil || req[needShared.name]
}

// Python returns a python3 that imports torch: $LMLAB_PYTHON when it is
// set, else /usr/bin/python3 (where Debian's python3-torch lives, which a
// pyenv or venv python3 earlier on PATH does not see), else python3 on PATH.
// It skips the test when none imports torch, or fails it when LMLAB_REQUIRE
// names torch. The search runs once per test binary.
func Python(tb testing.TB) string {
	tb.Helper()
	pythonOnce.Do(func() { pythonPath, pythonErr = findPython() })
	settle(tb, needTorch, pythonErr, os.Getenv)
	return pythonPath
}

// Tmux returns the path of the tmux binary on PATH. It skips the test when
// there is none, or fails it when LMLAB_REQUIRE names tmux.
func Tmux(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("tmux")
	settle(tb, needTmux, err, os.Getenv)
	return path
}

// settle ends the test when err says n is absent: Fatal when getenv's
// LMLAB_REQUIRE names n, Skip otherwise. An LMLAB_REQUIRE it cannot read
// fails the test whether or not n is present.
func settle(tb testing.TB, n need, err error, getenv func(string) string) {
	tb.Helper()
	req, rerr := required(getenv)
	if rerr != nil {
		tb.Fatalf("testenv: %v", rerr)
		return
	}
	if err == nil {
		return
	}
	if req[n.name] {
		tb.Fatalf("testenv: %s is required (LMLAB_REQUIRE names %s) but absent: %v; %s", n.what, n.name, err, n.fix)
		return
	}
	tb.Skipf("testenv: skip: %s is absent: %v; %s (LMLAB_REQUIRE=%s makes this a failure)", n.what, err, n.fix, n.name)
}

// errUnknownNeed is wrapped by required's error for a name it does not know.
var errUnknownNeed = errors.New("unknown name")

// required reads LMLAB_REQUIRE and LMLAB_REQUIRE_SHARED through getenv and
// returns the set of need names they ask for.
func required(getenv func(string) string) (map[string]bool, error) {
	req := map[string]bool{}
	if getenv("LMLAB_REQUIRE_SHARED") == "1" {
		req[needShared.name] = true
	}
	for f := range strings.SplitSeq(getenv("LMLAB_REQUIRE"), ",") {
		f = strings.ToLower(strings.TrimSpace(f))
		switch {
		case f == "":
		case f == "all":
			for _, n := range needs {
				req[n.name] = true
			}
		case slices.ContainsFunc(needs, func(n need) bool { return n.name == f }):
			req[f] = true
		default:
			return nil, fmt.Errorf("LMLAB_REQUIRE=%q: %w %q; use a comma-separated list of shared, torch, tmux, or all", getenv("LMLAB_REQUIRE"), errUnknownNeed, f)
		}
	}
	return req, nil
}

// findShared looks for the shared data from the working directory (a test
// runs in its package's folder).
func findShared() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	root, err := moduleRoot(wd)
	if err != nil {
		return "", err
	}
	return sharedBeside(root)
}

// moduleRoot returns the nearest folder at or above dir that holds go.mod.
func moduleRoot(dir string) (string, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod at or above %s", dir)
		}
	}
}

// sharedBeside returns root/../shared when it holds data/.
func sharedBeside(root string) (string, error) {
	// Only ../shared, as the project lays it out (and CI copies it): a
	// "shared" folder further up belongs to something else.
	s := filepath.Join(filepath.Dir(root), "shared")
	if fi, err := os.Stat(filepath.Join(s, "data")); err == nil && fi.IsDir() {
		return s, nil
	}
	return "", fmt.Errorf("no shared/data beside %s (want %s/data)", root, s)
}

var (
	pythonOnce sync.Once
	pythonPath string
	pythonErr  error
)

// findPython returns the first candidate interpreter that imports torch.
func findPython() (string, error) {
	cands := []string{"/usr/bin/python3", "python3"}
	if p := os.Getenv("LMLAB_PYTHON"); p != "" {
		cands = []string{p}
	}
	var tried []string
	for _, p := range cands {
		path, err := exec.LookPath(p)
		if err != nil {
			tried = append(tried, p+" (not found)")
			continue
		}
		if err := exec.Command(path, "-c", "import torch").Run(); err != nil {
			tried = append(tried, path+" (no torch)")
			continue
		}
		return path, nil
	}
	return "", fmt.Errorf("no python3 imports torch: tried %s", strings.Join(tried, ", "))
}
