package lab_test

import (
	"fmt"

	"lmlab/engine/lab"
)

func ExampleOpen() {
	s, err := lab.Open(lab.Options{Data: []string{"sample:cats"}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(s.Mode == lab.Fresh, s.Preset, s.Tokenizer.VocabSize() == s.Trainer.Model.Config.VocabSize)
	// Output: true tiny true
}
