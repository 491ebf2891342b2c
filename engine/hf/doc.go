// Package hf moves lmlab models in and out of other ecosystems' layouts:
// GPT-2 directories in the Hugging Face layout (config.json,
// model.safetensors, tokenizer.json or vocab.json + merges.txt) and nanoGPT
// checkpoints.
//
// Load reads a GPT-2 directory as a weights-only engine.Checkpoint: Conv1D
// weights are transposed to lmlab's nn.Linear layout, the tied head and the
// attention buffers such files carry are handled, and every config.json
// value lmlab's GPT cannot honour is a *ConfigError wrapping ErrUnsupported.
// Export writes a checkpoint as such a directory (format "hf") or for
// nanoGPT ("nanogpt": the checkpoint, meta.pkl for character models, and
// the script that turns them into nanoGPT's ckpt.pt), never over a user's
// files unless asked.
//
//	if hf.IsDir(path) {
//		ck, tok, err := hf.Load(path, "") // or "tiktoken:gpt2.tiktoken"
//		err = hf.Export(ck, tok, "nanogpt", "out/", false)
//	}
package hf
