package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"lmlab/tui"
)

// readmePath is the README whose screens TestReadmeScreens keeps true.
const readmePath = "../../README.md"

// readmeScreen is one screen README.md shows between
// <!-- screen:NAME --> and <!-- /screen -->: a fenced block whose first
// line is the command, as a user types it, and then what lmlab prints.
//
// Every screen here is exact on any machine: tokenizer output, the
// samples' index, and the workbench before its first step (the vocabulary,
// ln V, the learning rate), never a loss or a probability after training,
// which depend on the CPU's float kernels. So the comparison is byte for
// byte (trailing spaces aside), with no digits normalised.
type readmeScreen struct {
	name    string
	command string                    // the first line of the block, after "$ "
	make    func(t *testing.T) string // what lmlab prints
}

// readmeScreens are the screens in README order.
var readmeScreens = []readmeScreen{
	{"tokenize-word", `lmlab tokenize --tokenizer word --data sample:cats --compare char "The cat sat on the mat."`,
		func(t *testing.T) string {
			return lmlabOK(t, "tokenize", "--tokenizer", "word", "--data", "sample:cats", "--compare", "char", "The cat sat on the mat.")
		}},
	{"tokenize-bpe", `lmlab tokenize --tokenizer bpe:512 --data sample:general --compare word "Artificial Intelligence"`,
		func(t *testing.T) string {
			return lmlabOK(t, "tokenize", "--tokenizer", "bpe:512", "--data", "sample:general", "--compare", "word", "Artificial Intelligence")
		}},
	{"workbench-tokens", "NO_COLOR=1 lmlab        # in an 80×24 terminal, then 2: the Tokens pane",
		func(t *testing.T) string { return workbenchScreen(t, 80, 24, "2") }},
	{"workbench-help-loss", "NO_COLOR=1 lmlab        # in a 100×32 terminal, then 3 and ?: what the Loss pane shows",
		func(t *testing.T) string { return workbenchScreen(t, 100, 32, "3", "?") }},
	{"tokenize-compare", `lmlab tokenize --tokenizer tiktoken:cl100k_base.tiktoken --compare hf:qwen3.tokenizer.json "I'm   sure they'll see 12345 🤖"`,
		func(t *testing.T) string {
			dir := sharedTokenizers(t)
			return lmlabOK(t, "tokenize", "--tokenizer", "tiktoken:"+filepath.Join(dir, "cl100k_base.tiktoken"),
				"--compare", "hf:"+filepath.Join(dir, "qwen3.tokenizer.json"), "I'm   sure they'll see 12345 🤖")
		}},
	{"samples", "lmlab samples", func(t *testing.T) string { return lmlabOK(t, "samples") }},
}

// lmlabOK runs lmlab with args under NO_COLOR and returns its stdout,
// failing the test on a non-zero exit.
func lmlabOK(t *testing.T, args ...string) string {
	t.Helper()
	t.Setenv("NO_COLOR", "1")
	out, errOut, code := lmlab(t, args...)
	if code != 0 {
		t.Fatalf("lmlab %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

// workbenchScreen is the workbench as `lmlab` with no arguments opens it
// (sample:cats, the flags' defaults, NO_COLOR) in a w×h terminal, before
// any step, after keys are pressed.
func workbenchScreen(t *testing.T, w, h int, keys ...string) string {
	t.Helper()
	t.Setenv("NO_COLOR", "1")
	var stderr bytes.Buffer
	opts, code, ok := workbenchOptions(nil, strings.NewReader(""), &bytes.Buffer{}, &stderr)
	if !ok {
		t.Fatalf("workbench options: exit %d: %s", code, stderr.String())
	}
	m := tui.New(opts)
	t.Cleanup(m.Close)
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	m.Update(m.Init()()) // builds the session; what it asks next (inspection, ticks) is not run
	if err := m.Err(); err != nil {
		t.Fatalf("the workbench did not start: %v", err)
	}
	for _, k := range keys {
		m.Update(tea.KeyPressMsg{Code: []rune(k)[0], Text: k})
	}
	return ansi.Strip(m.View().Content)
}

// screenBlock is how a screen stands in the README: a fenced block, the
// command first, trailing spaces trimmed.
func screenBlock(command, out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return "```\n$ " + command + "\n" + strings.Join(lines, "\n") + "\n```\n"
}

// screenMarks finds <!-- screen:NAME --> … <!-- /screen --> blocks.
var screenMarks = regexp.MustCompile(`(?s)<!-- screen:([a-z0-9-]+) -->\n(.*?)<!-- /screen -->`)

// updating reports whether -update was given (the flag is golden's).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// TestReadmeScreens runs lmlab for each screen the README shows and
// compares the output with the README's block. go test ./cmd/lmlab -run
// TestReadmeScreens -update rewrites the blocks (and only them). A screen
// that needs ../shared is skipped without it (failed under
// LMLAB_REQUIRE=shared), and -update then keeps its block as it is.
func TestReadmeScreens(t *testing.T) {
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string]string{}
	var order []string
	for _, m := range screenMarks.FindAllStringSubmatch(string(readme), -1) {
		if _, dup := blocks[m[1]]; dup {
			t.Errorf("README marks screen %q twice", m[1])
		}
		blocks[m[1]] = m[2]
		order = append(order, m[1])
	}
	made := map[string]string{}
	known := map[string]bool{}
	for _, s := range readmeScreens {
		known[s.name] = true
		t.Run(s.name, func(t *testing.T) {
			want := screenBlock(s.command, s.make(t))
			made[s.name] = want
			got, ok := blocks[s.name]
			switch {
			case !ok:
				t.Errorf("README.md has no <!-- screen:%s --> block; add the two marker lines where it belongs and run with -update", s.name)
			case got != want && !updating():
				t.Errorf("README.md's screen %q is not what lmlab prints (go test ./cmd/lmlab -run TestReadmeScreens -update rewrites it):\n--- README\n%s--- lmlab\n%s", s.name, got, want)
			}
		})
	}
	for _, name := range order {
		if !known[name] {
			t.Errorf("README.md marks a screen %q that no test makes", name)
		}
	}
	if !updating() {
		return
	}
	out := screenMarks.ReplaceAllStringFunc(string(readme), func(block string) string {
		name := screenMarks.FindStringSubmatch(block)[1]
		if b, ok := made[name]; ok {
			return fmt.Sprintf("<!-- screen:%s -->\n%s<!-- /screen -->", name, b)
		}
		return block
	})
	if err := os.WriteFile(readmePath, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestScreenBlock checks the block form and that the marker pattern finds
// blocks and only them.
func TestScreenBlock(t *testing.T) {
	if got, want := screenBlock("lmlab x", "a  \nb\n\n"), "```\n$ lmlab x\na\nb\n```\n"; got != want {
		t.Errorf("screenBlock = %q, want %q", got, want)
	}
	doc := "text\n<!-- screen:one -->\n```\n$ a\n```\n<!-- /screen -->\nmiddle\n<!-- screen:two-2 -->\nx\n<!-- /screen -->\n<!-- screen:Bad -->\n<!-- /screen -->"
	var got []string
	for _, m := range screenMarks.FindAllStringSubmatch(doc, -1) {
		got = append(got, m[1]+"="+m[2])
	}
	if want := []string{"one=```\n$ a\n```\n", "two-2=x\n"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("found %q, want %q", got, want)
	}
}
