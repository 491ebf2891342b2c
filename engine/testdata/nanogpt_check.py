#!/usr/bin/env python3
"""Load an lmlab checkpoint into a nanoGPT-style PyTorch model and print the
mean next-token loss over consecutive windows of the given token ids, cut as
`lmlab eval` cuts them. Used by engine/torch_test.go to check that the
checkpoint's names, layouts and the model's math match PyTorch's.

The safetensors file is parsed by engine/torch/stio.py (8-byte length, JSON
header, raw little-endian data), so only torch is needed.

usage: nanogpt_check.py CKPT IDS.json
"""
import json, os, sys
import torch
import torch.nn.functional as F

# The model and the safetensors reader are engine/torch's, which the
# interop scripts (export, torchrun) use too.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torch"))
import stio  # noqa: E402
from nanogpt import GPT  # noqa: E402


meta, sd = stio.load(sys.argv[1])
cfg = json.loads(meta["config"])
model = GPT(cfg).eval()
weights = {k: v for k, v in sd.items() if not k.startswith("optimizer.")}
missing, unexpected = model.load_state_dict(weights, strict=False)
assert not unexpected, unexpected
assert missing == ["lm_head.weight"], missing  # tied to wte, omitted on disk
ids = torch.tensor(json.load(open(sys.argv[2])), dtype=torch.long)
T = cfg["block_size"]
nw = (len(ids) - 1) // T
x = torch.stack([ids[i * T:(i + 1) * T] for i in range(nw)])
y = torch.stack([ids[i * T + 1:(i + 1) * T + 1] for i in range(nw)])
with torch.no_grad():
    logits = model(x)
    loss = F.cross_entropy(logits.reshape(-1, cfg["vocab_size"]), y.reshape(-1))
print(json.dumps({"loss": loss.item(), "tokens": nw * T}))
