package main

import (
	"bufio"
	"fmt"
	"io"
	"runtime"
	"strconv"

	"lmlab/tokenizer"
)

// streamBlock is how many bytes --ids reads before cutting: large enough
// that per-block overhead vanishes, small enough that threads × 2 blocks in
// flight stay a few megabytes.
const streamBlock = 1 << 20

// streamIDs writes the ids of everything in as --ids does (separated by
// spaces, then a newline), reading block by block and cutting each at
// tokenizer.LastSafeCut, so memory stays bounded however long the input,
// and encoding blocks on up to threads goroutines (in order on output). A
// block with no safe cut grows until it has one (a single line of many
// megabytes is held whole). What a char or word tokenizer cannot represent
// is reported on stderr at the end, as for a text read whole. It reports
// whether the tokenizer can be streamed at all; when not, it has read
// nothing.
func streamIDs(tok tokenizer.Tokenizer, in io.Reader, name string, stdout, stderr io.Writer, threads int) (bool, error) {
	if tokenizer.LastSafeCut(tok, "a\nb") < 0 {
		return false, nil
	}
	var unk unknownTally
	w := bufio.NewWriterSize(stdout, 1<<16)
	first := true
	write := func(r blockResult) error {
		unk.add(r.unknown, r.nUnknown)
		b := r.ids
		if len(b) == 0 {
			return nil
		}
		if !first {
			w.WriteByte(' ')
		}
		first = false
		_, err := w.Write(b)
		return err
	}
	blocks := make(chan block)
	var readErr error
	go func() {
		defer close(blocks)
		readErr = readBlocks(tok, in, name, blocks)
	}()
	var err error
	if threads <= 1 {
		for blk := range blocks {
			r := encodeBlock(tok, blk)
			if err = r.err; err == nil {
				err = write(r)
			}
			if err != nil {
				break
			}
		}
	} else {
		err = encodeParallel(tok, blocks, threads, write)
	}
	for range blocks { // let the reader finish after an error
	}
	if err == nil {
		err = readErr
	}
	if err == nil {
		w.WriteByte('\n')
		err = w.Flush()
	}
	if err == nil {
		unk.report(tok, stderr)
	}
	return true, err
}

// block is a piece of the input and its byte offset in it.
type block struct {
	text string
	off  int
}

// blockResult is a block's ids, separated by spaces, and the first places
// in it the tokenizer cannot represent (offsets in the whole input), of
// nUnknown.
type blockResult struct {
	ids      []byte
	unknown  []tokenizer.Position
	nUnknown int
	err      error
}

// unknownTally keeps the first unknown places of a streamed input and their
// count, for one report at the end.
type unknownTally struct {
	first []tokenizer.Position
	n     int
}

func (u *unknownTally) add(ps []tokenizer.Position, n int) {
	u.n += n
	u.first = append(u.first, ps[:min(len(ps), unknownShown-len(u.first))]...)
}

func (u *unknownTally) report(tok tokenizer.Tokenizer, stderr io.Writer) {
	if u.n > 0 {
		writeUnknown(stderr, "", tok, u.first, u.n)
	}
}

// readBlocks sends in to blocks in pieces cut at safe cuts.
func readBlocks(tok tokenizer.Tokenizer, in io.Reader, name string, blocks chan<- block) error {
	buf := make([]byte, 0, streamBlock)
	off := 0
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow: no cut found in the whole buffer
		}
		n, err := in.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			if len(buf) > 0 {
				blocks <- block{string(buf), off}
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", name, err)
		}
		if len(buf) < cap(buf) {
			continue
		}
		cut := tokenizer.LastSafeCut(tok, string(buf))
		if cut <= 0 {
			continue
		}
		blocks <- block{string(buf[:cut]), off}
		off += cut
		rest := copy(buf, buf[cut:])
		buf = buf[:rest]
	}
}

// encodeBlock returns the ids of blk, separated by spaces, and what in it
// the tokenizer cannot represent.
func encodeBlock(tok tokenizer.Tokenizer, blk block) blockResult {
	ids, err := tokenizer.EncodeChecked(tok, blk.text)
	if err != nil {
		return blockResult{err: err}
	}
	var r blockResult
	if unk := tokenizer.Unknown(tok, blk.text); len(unk) > 0 {
		r.nUnknown = len(unk)
		for _, p := range unk[:min(len(unk), unknownShown)] {
			p.Offset += blk.off
			r.unknown = append(r.unknown, p)
		}
	}
	out := make([]byte, 0, 6*len(ids))
	for i, id := range ids {
		if i > 0 {
			out = append(out, ' ')
		}
		out = strconv.AppendInt(out, int64(id), 10)
	}
	r.ids = out
	return r
}

// encodeParallel encodes blocks on threads goroutines and writes their ids
// in the order the blocks came: each block carries a channel its result
// comes back on, queued in order, at most 2 × threads blocks in flight.
func encodeParallel(tok tokenizer.Tokenizer, blocks <-chan block, threads int, write func(blockResult) error) error {
	type result = blockResult
	type job struct {
		blk block
		out chan result
	}
	jobs := make(chan job)
	order := make(chan chan result, 2*threads)
	for range threads {
		go func() {
			for j := range jobs {
				j.out <- encodeBlock(tok, j.blk)
			}
		}()
	}
	go func() {
		defer close(jobs)
		defer close(order)
		for blk := range blocks {
			out := make(chan result, 1)
			order <- out
			jobs <- job{blk, out}
		}
	}()
	var first error
	for out := range order {
		r := <-out
		if first == nil {
			first = r.err
			if first == nil {
				first = write(r)
			}
		}
	}
	return first
}

// idThreads is --threads: 0 for all cores.
func idThreads(n int) int {
	if n == 0 {
		return runtime.GOMAXPROCS(0)
	}
	return n
}
