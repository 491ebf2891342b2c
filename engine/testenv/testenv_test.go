package testenv

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// env is a fake environment for required and settle.
type env map[string]string

func (e env) get(k string) string { return e[k] }

func TestRequired(t *testing.T) {
	tests := []struct {
		name string
		env  env
		want []string
	}{
		{"unset", env{}, nil},
		{"empty", env{"LMLAB_REQUIRE": ""}, nil},
		{"one", env{"LMLAB_REQUIRE": "torch"}, []string{"torch"}},
		{"ci", env{"LMLAB_REQUIRE": "shared,torch,tmux"}, []string{"shared", "tmux", "torch"}},
		{"spaces and case", env{"LMLAB_REQUIRE": " Tmux , shared "}, []string{"shared", "tmux"}},
		{"trailing comma", env{"LMLAB_REQUIRE": "tmux,"}, []string{"tmux"}},
		{"repeated", env{"LMLAB_REQUIRE": "tmux,tmux"}, []string{"tmux"}},
		{"all", env{"LMLAB_REQUIRE": "all"}, []string{"shared", "tmux", "torch"}},
		{"old shared", env{"LMLAB_REQUIRE_SHARED": "1"}, []string{"shared"}},
		{"old shared off", env{"LMLAB_REQUIRE_SHARED": "0"}, nil},
		{"old and new", env{"LMLAB_REQUIRE_SHARED": "1", "LMLAB_REQUIRE": "tmux"}, []string{"shared", "tmux"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := required(tt.env.get)
			if err != nil {
				t.Fatalf("required: %v", err)
			}
			got := slices.Sorted(maps.Keys(req))
			if !slices.Equal(got, tt.want) {
				t.Errorf("required = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequiredUnknownName(t *testing.T) {
	for _, v := range []string{"torc", "shared,pytorch", "none", "1"} {
		t.Run(v, func(t *testing.T) {
			_, err := required(env{"LMLAB_REQUIRE": v}.get)
			if !errors.Is(err, errUnknownNeed) {
				t.Fatalf("required(LMLAB_REQUIRE=%q) error = %v, want errUnknownNeed", v, err)
			}
			if msg := err.Error(); !strings.Contains(msg, "LMLAB_REQUIRE") || !strings.Contains(msg, "shared, torch, tmux, or all") {
				t.Errorf("error %q should name LMLAB_REQUIRE and the names it takes", msg)
			}
		})
	}
}

// fakeTB records how settle ends a test. Skipf and Fatalf stop the caller
// as the real ones do (by panicking with stop, which observe recovers).
// Methods settle should not call reach the nil embedded TB and panic.
type fakeTB struct {
	testing.TB
	outcome string // "skip" or "fail"; "" when the test went on
	msg     string
}

type stop struct{}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Skipf(format string, args ...any) { f.end("skip", format, args...) }

func (f *fakeTB) Fatalf(format string, args ...any) { f.end("fail", format, args...) }

func (f *fakeTB) end(outcome, format string, args ...any) {
	f.outcome, f.msg = outcome, fmt.Sprintf(format, args...)
	panic(stop{})
}

// observe runs fn against a fakeTB and reports how it ended.
func observe(fn func(tb testing.TB)) (f *fakeTB) {
	f = &fakeTB{}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(stop); !ok {
				panic(r)
			}
		}
	}()
	fn(f)
	return f
}

func TestSettle(t *testing.T) {
	absent := errors.New("not here")
	tmuxSkip := []string{needTmux.what, "not here", needTmux.fix, "LMLAB_REQUIRE=tmux"}
	tests := []struct {
		name    string
		env     env
		need    need
		err     error    // nil: present
		want    string   // "", "skip" or "fail"
		wantMsg []string // in the message
	}{
		{"present, not required", env{}, needTmux, nil, "", nil},
		{"present, required", env{"LMLAB_REQUIRE": "tmux"}, needTmux, nil, "", nil},
		{"absent, not required", env{}, needTmux, absent, "skip", tmuxSkip},
		{"absent, another required", env{"LMLAB_REQUIRE": "shared,torch"}, needTmux, absent, "skip", tmuxSkip},
		{"absent, required", env{"LMLAB_REQUIRE": "shared,torch,tmux"}, needTmux, absent, "fail", []string{"tmux is required", "not here", needTmux.fix}},
		{"absent, all required", env{"LMLAB_REQUIRE": "all"}, needTorch, absent, "fail", []string{needTorch.what, "not here", needTorch.fix}},
		{"absent shared, old variable", env{"LMLAB_REQUIRE_SHARED": "1"}, needShared, absent, "fail", []string{needShared.what, "not here"}},
		{"absent torch, old shared variable", env{"LMLAB_REQUIRE_SHARED": "1"}, needTorch, absent, "skip", []string{needTorch.what, "LMLAB_REQUIRE=torch"}},
		{"present, unknown name", env{"LMLAB_REQUIRE": "tmx"}, needTmux, nil, "fail", []string{`LMLAB_REQUIRE="tmx"`, `unknown name "tmx"`}},
		{"absent, unknown name", env{"LMLAB_REQUIRE": "tmx"}, needTmux, absent, "fail", []string{`LMLAB_REQUIRE="tmx"`, `unknown name "tmx"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := observe(func(tb testing.TB) { settle(tb, tt.need, tt.err, tt.env.get) })
			if f.outcome != tt.want {
				t.Fatalf("outcome = %q (%s), want %q", f.outcome, f.msg, tt.want)
			}
			for _, part := range tt.wantMsg {
				if !strings.Contains(f.msg, part) {
					t.Errorf("message %q does not contain %q", f.msg, part)
				}
			}
		})
	}
}

// mkdirs makes the folders dirs and the empty files files under root.
func mkdirs(t *testing.T, root string, dirs []string, files []string) {
	t.Helper()
	for _, d := range dirs {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(root, f), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestModuleRootAndSharedBeside(t *testing.T) {
	tests := []struct {
		name  string
		dirs  []string
		files []string
		from  string // where the test runs
		want  string // the shared folder found, "" for none
	}{
		{"beside the module", []string{"repo/engine/vec", "shared/data"}, []string{"repo/go.mod"}, "repo/engine/vec", "shared"},
		{"only ../shared counts", []string{"wt/checks/tokenizer", "shared/data"}, []string{"wt/checks/go.mod"}, "wt/checks/tokenizer", ""},
		{"../shared of a worktree", []string{"wt/checks/cmd", "wt/shared/data", "shared/data"}, []string{"wt/checks/go.mod"}, "wt/checks/cmd", "wt/shared"},
		{"from the module root", []string{"repo", "shared/data"}, []string{"repo/go.mod"}, "repo", "shared"},
		{"shared without data", []string{"repo/engine", "shared"}, []string{"repo/go.mod"}, "repo/engine", ""},
		{"shared is a file", []string{"repo/engine"}, []string{"repo/go.mod", "shared"}, "repo/engine", ""},
		{"inside the module does not count", []string{"repo/shared/data", "repo/engine"}, []string{"repo/go.mod"}, "repo/engine", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			mkdirs(t, root, tt.dirs, tt.files)
			mod, err := moduleRoot(filepath.Join(root, tt.from))
			if err != nil {
				t.Fatalf("moduleRoot: %v", err)
			}
			got, err := sharedBeside(mod)
			if tt.want == "" {
				if err == nil {
					t.Fatalf("sharedBeside(%s) = %s, want an error", mod, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("sharedBeside(%s): %v", mod, err)
			}
			if want := filepath.Join(root, tt.want); got != want {
				t.Errorf("sharedBeside = %s, want %s", got, want)
			}
		})
	}
}

func TestModuleRootWithoutGoMod(t *testing.T) {
	dir := t.TempDir()
	if got, err := moduleRoot(dir); err == nil {
		t.Fatalf("moduleRoot(%s) = %s, want an error (no go.mod above a temp dir)", dir, got)
	}
}

// TestSharedIsAbsolute runs the real lookup: wherever it finds the shared
// data, the path is absolute and holds data/.
func TestSharedIsAbsolute(t *testing.T) {
	dir := Shared(t)
	if !filepath.IsAbs(dir) {
		t.Errorf("Shared = %s, want an absolute path", dir)
	}
	if fi, err := os.Stat(filepath.Join(dir, "data")); err != nil || !fi.IsDir() {
		t.Errorf("Shared = %s, which holds no data/ folder (%v)", dir, err)
	}
}
