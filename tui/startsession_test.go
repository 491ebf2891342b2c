package tui

import (
	"lmlab/engine"
	"lmlab/engine/lab"
)

// startSession is opened's naive twin: it measures every source's text
// again (encoding it twice more) and asks the tokenizer what it lacks
// whatever it is, as the workbench did before lab.Open kept its counts.
// TestOpenedMeasuresAsStartSession holds opened to its answers.
func startSession(sess *lab.Session) startedMsg {
	msg := startedMsg{sess: sess}
	encode := sess.Tokenizer.Encode
	for _, src := range sess.Corpus.Sources {
		msg.stats = append(msg.stats, src.Stats(encode, nil))
		msg.unknown = append(msg.unknown, unknownIn(sess.Tokenizer, src))
	}
	msg.total = sess.Corpus.Stats(encode, nil)
	msg.leaks = sess.Corpus.Leaks()
	msg.runner = engine.NewRunner(sess.Trainer)
	msg.runner.Metrics = sess.Metrics()
	return msg
}
