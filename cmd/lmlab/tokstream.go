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
// megabytes is held whole). It reports whether the tokenizer can be
// streamed at all; when not, it has read nothing.
func streamIDs(tok tokenizer.Tokenizer, in io.Reader, name string, stdout io.Writer, threads int) (bool, error) {
	if _, ok := tok.(*tokenizer.BPE); !ok || !tokenizer.AcceptsAnyBytes(tok) || tokenizer.LastSafeCut(tok, "a\nb") < 0 {
		return false, nil
	}
	w := bufio.NewWriterSize(stdout, 1<<16)
	first := true
	write := func(b []byte) error {
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
	blocks := make(chan string)
	var readErr error
	go func() {
		defer close(blocks)
		readErr = readBlocks(tok, in, name, blocks)
	}()
	var err error
	if threads <= 1 {
		for blk := range blocks {
			var out []byte
			if out, err = encodeBlock(tok, blk); err == nil {
				err = write(out)
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
	return true, err
}

// readBlocks sends in to blocks in pieces cut at safe cuts.
func readBlocks(tok tokenizer.Tokenizer, in io.Reader, name string, blocks chan<- string) error {
	buf := make([]byte, 0, streamBlock)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow: no cut found in the whole buffer
		}
		n, err := in.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			if len(buf) > 0 {
				blocks <- string(buf)
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
		blocks <- string(buf[:cut])
		rest := copy(buf, buf[cut:])
		buf = buf[:rest]
	}
}

// encodeBlock returns the ids of blk, separated by spaces.
func encodeBlock(tok tokenizer.Tokenizer, blk string) ([]byte, error) {
	ids, err := tokenizer.EncodeChecked(tok, blk)
	if err != nil {
		return nil, err
	}
	out := make([]byte, 0, 6*len(ids))
	for i, id := range ids {
		if i > 0 {
			out = append(out, ' ')
		}
		out = strconv.AppendInt(out, int64(id), 10)
	}
	return out, nil
}

// encodeParallel encodes blocks on threads goroutines and writes their ids
// in the order the blocks came: each block carries a channel its result
// comes back on, queued in order, at most 2 × threads blocks in flight.
func encodeParallel(tok tokenizer.Tokenizer, blocks <-chan string, threads int, write func([]byte) error) error {
	type result struct {
		ids []byte
		err error
	}
	type job struct {
		blk string
		out chan result
	}
	jobs := make(chan job)
	order := make(chan chan result, 2*threads)
	for range threads {
		go func() {
			for j := range jobs {
				ids, err := encodeBlock(tok, j.blk)
				j.out <- result{ids, err}
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
				first = write(r.ids)
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
