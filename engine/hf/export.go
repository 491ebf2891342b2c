package hf

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"lmlab/engine"
	"lmlab/engine/torch"
	"lmlab/tokenizer"
)

// Formats lists Export's formats.
var Formats = []string{"hf", "nanogpt"}

// Errors of Export; check them with errors.Is.
var (
	// ErrExists: the output directory exists and is not empty, and force
	// was not given.
	ErrExists = errors.New("output directory exists and is not empty")
	// ErrFormat: the format is not one of Formats.
	ErrFormat = errors.New("unknown export format")
)

// Export writes ck (its weights; the training state too for nanogpt) and
// tok into the directory dir:
//
//	hf       config.json, model.safetensors (Hugging Face's GPT-2 names with
//	         the "transformer." prefix, Conv1D's [in, out] layout, F32),
//	         tokenizer.json for byte-level BPE (+ tokenizer_config.json), or
//	         vocab.json for char and word tokenizers (README.md says how
//	         they cut text), and lmlab-tokenizer.json (lmlab's exact form).
//	nanogpt  ckpt.safetensors (the lmlab checkpoint: nanoGPT's names and
//	         layout), meta.pkl (stoi/itos) for char tokenizers, and
//	         nanogpt.py + stio.py, which write nanoGPT's ckpt.pt from it
//	         (python3 nanogpt.py to-ckpt DIR; README.md says so).
//
// An existing non-empty dir is ErrExists unless force; the files are written
// into a temporary directory beside dir and renamed into place at the end,
// so a failed export leaves dir as it was.
func Export(ck *engine.Checkpoint, tok tokenizer.Tokenizer, format, dir string, force bool) error {
	if err := export(ck, tok, format, dir, force); err != nil {
		return fmt.Errorf("export %s: %w", dir, err)
	}
	return nil
}

func export(ck *engine.Checkpoint, tok tokenizer.Tokenizer, format, dir string, force bool) (err error) {
	var write func(tmp string) error
	switch format {
	case "hf":
		write = func(tmp string) error { return writeHF(ck, tok, tmp) }
	case "nanogpt":
		write = func(tmp string) error { return writeNanoGPT(ck, tok, tmp) }
	default:
		return fmt.Errorf("format %q: want one of %s: %w", format, strings.Join(Formats, ", "), ErrFormat)
	}
	if tok != nil && tok.VocabSize() != ck.Config.VocabSize {
		return fmt.Errorf("the tokenizer has %d ids but the model's vocabulary is %d: %w", tok.VocabSize(), ck.Config.VocabSize, ErrVocabMismatch)
	}
	dir = filepath.Clean(dir)
	exists := false
	switch st, serr := os.Stat(dir); {
	case serr == nil && !st.IsDir():
		return fmt.Errorf("%s is a file, not a directory; choose another --out", dir)
	case serr == nil:
		entries, rerr := os.ReadDir(dir)
		if rerr != nil {
			return rerr
		}
		exists = true
		if len(entries) > 0 && !force {
			return fmt.Errorf("%s holds %d entries; choose a new --out or pass --force to replace it: %w", dir, len(entries), ErrExists)
		}
	case !errors.Is(serr, os.ErrNotExist):
		return serr
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(tmp)
		}
	}()
	if err = os.Chmod(tmp, 0o755); err != nil {
		return err
	}
	if err = write(tmp); err != nil {
		return err
	}
	if !exists {
		return os.Rename(tmp, dir)
	}
	// Replace dir: move it aside, move the new one in, then delete the old.
	old, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".old*")
	if err != nil {
		return err
	}
	os.Remove(old) // only its unique name is wanted
	if err = os.Rename(dir, old); err != nil {
		return err
	}
	if err = os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir) // put the user's directory back
		return err
	}
	return os.RemoveAll(old)
}

// writeFile writes a file of dir through a buffered writer and syncs it.
func writeFile(dir, name string, fill func(w io.Writer) error) error {
	f, err := os.Create(filepath.Join(dir, name))
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := fill(w); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", name, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func bytesTo(b []byte) func(io.Writer) error {
	return func(w io.Writer) error { _, err := w.Write(b); return err }
}

// eotID is the id of "<|endoftext|>" in tok, or -1.
func eotID(tok tokenizer.Tokenizer) int {
	if tok == nil {
		return -1
	}
	ids := tok.Encode("<|endoftext|>")
	if len(ids) == 1 && string(tok.TokenBytes(ids[0])) == "<|endoftext|>" {
		return ids[0]
	}
	return -1
}

func writeHF(ck *engine.Checkpoint, tok tokenizer.Tokenizer, dir string) error {
	cfgJSON, err := configJSON(ck.Config, eotID(tok))
	if err != nil {
		return err
	}
	if err := writeFile(dir, "config.json", bytesTo(append(cfgJSON, '\n'))); err != nil {
		return err
	}
	m := ck.Model()
	var tensors []outTensor
	for _, t := range gpt2Tensors(m) {
		data := t.dst
		if t.conv1d { // lmlab's [out, in] → Conv1D's [in, out]
			data = make([]float32, len(t.dst))
			transpose(data, t.dst, int(t.shape[1]), int(t.shape[0]))
		}
		tensors = append(tensors, outTensor{"transformer." + t.name, t.shape, data})
	}
	err = writeFile(dir, "model.safetensors", func(w io.Writer) error {
		return writeSafetensors(w, tensors, map[string]string{"format": "pt"})
	})
	if err != nil || tok == nil {
		return err
	}
	return writeTokenizer(tok, ck.Config, dir)
}

// writeTokenizer writes tok in the Hugging Face forms that fit it, and in
// lmlab's own form.
func writeTokenizer(tok tokenizer.Tokenizer, cfg engine.Config, dir string) error {
	own, err := tokenizer.Marshal(tok)
	if err != nil {
		return err
	}
	if err := writeFile(dir, lmlabTokenizerFile, bytesTo(own)); err != nil {
		return err
	}
	readme := "# lmlab export\n\nA GPT-2 model written by `lmlab export --format hf`: config.json and model.safetensors load with transformers' GPT2LMHeadModel.from_pretrained(dir).\n" +
		"lmlab-tokenizer.json is the tokenizer in lmlab's own form (`lmlab --ckpt DIR` reads it when no Hugging Face tokenizer file is here).\n\n"
	tj, err := tokenizer.MarshalHF(tok)
	switch {
	case err == nil:
		if err := writeFile(dir, "tokenizer.json", bytesTo(tj)); err != nil {
			return err
		}
		tc := map[string]any{"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": cfg.Context}
		if eot := eotID(tok); eot >= 0 {
			tc["bos_token"], tc["eos_token"] = "<|endoftext|>", "<|endoftext|>"
		}
		b, _ := json.MarshalIndent(tc, "", "  ")
		if err := writeFile(dir, "tokenizer_config.json", bytesTo(append(b, '\n'))); err != nil {
			return err
		}
		readme += "tokenizer.json is the byte-level BPE tokenizer (AutoTokenizer.from_pretrained(dir) or tokenizers.Tokenizer.from_file).\n"
	case errors.Is(err, tokenizer.ErrNotByteLevel) && isCharOrWord(tok):
		vocab := map[string]int{}
		for id := range tok.VocabSize() {
			vocab[string(tok.TokenBytes(id))] = id
		}
		b, _ := json.MarshalIndent(vocab, "", " ")
		if err := writeFile(dir, "vocab.json", bytesTo(append(b, '\n'))); err != nil {
			return err
		}
		if _, ok := tok.(*tokenizer.Char); ok {
			readme += "vocab.json maps each character to its id: the text is cut into Unicode characters (code points), one id each; \"<unk>\", when present, stands for any character not in the vocabulary.\n"
		} else {
			readme += wordVocabRule(tok.(*tokenizer.Word))
		}
	default:
		readme += fmt.Sprintf("The tokenizer (%s) has no Hugging Face file form here (%v); only lmlab-tokenizer.json describes it.\n", tok.Name(), err)
	}
	return writeFile(dir, "README.md", bytesTo([]byte(readme)))
}

// wordVocabRule says how w cuts text into the pieces its vocab.json maps:
// GPT-2's rule, each word with the space before it, unless w was saved
// before that rule (then spaces are pieces of their own).
func wordVocabRule(w *tokenizer.Word) string {
	if w.LeadingSpace() {
		return "vocab.json maps each word to its id, with the space before it: the text is cut as GPT-2 cuts it (without its contractions) into runs of letters and digits and single other characters, each taking the one space right before it (\"The cat.\" is \"The\", \" cat\", \".\"), and runs of other whitespace; id 0, \"<unk>\", stands for any piece not in the vocabulary.\n"
	}
	return "vocab.json maps each word to its id: the text is cut into runs of letters and digits, single other characters and runs of spaces; id 0, \"<unk>\", stands for any piece not in the vocabulary.\n"
}

func isCharOrWord(tok tokenizer.Tokenizer) bool {
	switch tok.(type) {
	case *tokenizer.Char, *tokenizer.Word:
		return true
	}
	return false
}

func writeNanoGPT(ck *engine.Checkpoint, tok tokenizer.Tokenizer, dir string) error {
	out := *ck
	if tok != nil {
		data, err := tokenizer.Marshal(tok)
		if err != nil {
			return err
		}
		out.Tokenizer = data
	}
	if err := engine.SaveCheckpoint(filepath.Join(dir, "ckpt.safetensors"), &out); err != nil {
		return err
	}
	for _, name := range []string{"nanogpt.py", "stio.py"} {
		b, err := torch.Scripts.ReadFile(name)
		if err != nil {
			return err
		}
		if err := writeFile(dir, name, bytesTo(b)); err != nil {
			return err
		}
	}
	readme := "# lmlab export for nanoGPT\n\n" +
		"ckpt.safetensors is the lmlab checkpoint: nanoGPT's state-dict names and nn.Linear layout, the model config (nanoGPT's GPTConfig names) in its metadata.\n" +
		"nanoGPT reads a torch pickle, ckpt.pt; write it with python3 and torch (Debian: apt-get install python3-torch):\n\n" +
		"    python3 nanogpt.py to-ckpt . [--dataset NAME]\n\n" +
		"then sample with nanoGPT: python sample.py --init_from=resume --out_dir=THIS_DIR.\n" +
		"With AdamW moments in the checkpoint (a training checkpoint, not weights only), ckpt.pt carries the optimizer too, so train.py --init_from=resume continues.\n"
	if c, ok := tok.(*tokenizer.Char); ok {
		if err := writeFile(dir, "meta.pkl", func(w io.Writer) error { return writeCharMeta(w, c) }); err != nil {
			return err
		}
		readme += "meta.pkl holds stoi/itos for the character tokenizer: copy it to nanoGPT's data/NAME/ and pass --dataset NAME above, so sample.py finds it.\n"
	} else if tok != nil {
		readme += fmt.Sprintf("The tokenizer is %s; nanoGPT's sample.py falls back to tiktoken's gpt2 when there is no meta.pkl, which is right only for GPT-2's own tokenizer.\n", tok.Name())
	}
	return writeFile(dir, "README.md", bytesTo([]byte(readme)))
}

// writeCharMeta writes nanoGPT's meta.pkl for a character tokenizer:
// {"vocab_size": n, "itos": {id: ch}, "stoi": {ch: id}} as a protocol-2
// pickle (dicts, ints and unicode strings only).
func writeCharMeta(w io.Writer, c *tokenizer.Char) error {
	var b []byte
	str := func(s string) {
		b = append(b, 'X') // BINUNICODE
		b = binary.LittleEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	num := func(n int) {
		b = append(b, 'J') // BININT
		b = binary.LittleEndian.AppendUint32(b, uint32(int32(n)))
	}
	n := c.VocabSize()
	b = append(b, 0x80, 2, '}', '(') // PROTO 2, EMPTY_DICT, MARK
	str("vocab_size")
	num(n)
	str("itos")
	b = append(b, '}', '(')
	for id := range n {
		num(id)
		str(string(c.TokenBytes(id)))
	}
	b = append(b, 'u') // SETITEMS
	str("stoi")
	b = append(b, '}', '(')
	for id := range n {
		str(string(c.TokenBytes(id)))
		num(id)
	}
	b = append(b, 'u', 'u', '.') // SETITEMS (stoi), SETITEMS (top), STOP
	_, err := w.Write(b)
	return err
}
