package testenv_test

import (
	"os"
	"path/filepath"
	"testing"

	"lmlab/engine/testenv"
)

// A test that reads tiny shakespeare from the shared data: it skips when
// ../shared is absent, and fails instead under LMLAB_REQUIRE=shared.
func Example() {
	test := func(t *testing.T) {
		path := filepath.Join(testenv.Shared(t), "data", "tinyshakespeare.txt")
		if _, err := os.ReadFile(path); err != nil {
			t.Fatal(err)
		}
	}
	_ = test
}
