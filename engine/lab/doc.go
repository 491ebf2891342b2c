// Package lab assembles a training session from options: the checkpoint
// mode (fresh, from weights, resume) decided once, the data sources, the
// tokenizer, the model's shape and recipe, and a trainer ready to step. The
// headless commands (lmlab train, finetune, bench) and the workbench build
// their sessions here, so both train the same thing from the same flags.
//
//	s, err := lab.Open(lab.Options{Data: []string{"sample:cats"}})
//	st, err := s.Trainer.Step()
//	err = s.Save("cats.safetensors")
//
// lab sits between the user interfaces and the core: cmd and tui import it;
// it imports engine, tokenizer and samples, and never Charm.
package lab
