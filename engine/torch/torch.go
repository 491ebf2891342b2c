// Package torch holds lmlab's PyTorch side: Python scripts, run with a
// python3 that has torch (Debian's python3-torch), that build and read model
// files in other ecosystems' layouts. Its tests run them against lmlab.
//
//	gpt2.py     a random GPT-2 directory in the Hugging Face layout, and GPT-2's forward pass on one
//	nanogpt.py  nanoGPT's ckpt.pt from an lmlab export (to-ckpt), back (to-lmlab), and its logits
//	stio.py     safetensors read and write with torch alone
//
// The nanoGPT script travels with every `lmlab export --format nanogpt`:
//
//	data, _ := torch.Scripts.ReadFile("nanogpt.py")
//	os.WriteFile(filepath.Join(dir, "nanogpt.py"), data, 0o644)
package torch

import "embed"

// Scripts holds nanogpt.py and the stio.py it imports.
//
//go:embed nanogpt.py stio.py
var Scripts embed.FS
