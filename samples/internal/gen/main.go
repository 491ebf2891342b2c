// Command gen writes the built-in sample corpora to data/NAME.txt. It is run
// by `go generate ./samples` from the samples directory; a test checks that
// the committed files are exactly what it writes.
package main

import (
	"log"
	"os"
	"path/filepath"

	"lmlab/samples/internal/corpora"
)

func main() {
	for _, name := range corpora.Files {
		path := filepath.Join("data", name+".txt")
		if err := os.WriteFile(path, []byte(corpora.Generate(name)), 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
