package engine

import "errors"

// CheckpointTokenizer returns the tokenizer data stored in a checkpoint's
// metadata (the bytes tokenizer.Marshal produced when it was saved).
func CheckpointTokenizer(path string) ([]byte, error) {
	return nil, errors.New("engine: checkpoints are not implemented yet")
}
