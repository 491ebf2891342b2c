#!/usr/bin/env python3
"""Load an lmlab checkpoint into a nanoGPT-style PyTorch model and print the
mean next-token loss over consecutive windows of the given token ids, cut as
`lmlab eval` cuts them. Used by engine/torch_test.go to check that the
checkpoint's names, layouts and the model's math match PyTorch's.

The safetensors file is parsed by hand (8-byte length, JSON header, raw
little-endian float32), so only torch is needed.

usage: nanogpt_check.py CKPT IDS.json
"""
import json, math, struct, sys
import torch
import torch.nn as nn
import torch.nn.functional as F


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, h in header.items():
        assert h["dtype"] == "F32", name
        b, e = h["data_offsets"]
        t = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32)
        tensors[name] = t.reshape(h["shape"])
    return meta, tensors


class Attn(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.c_attn = nn.Linear(c["n_embd"], 3 * c["n_embd"])
        s.c_proj = nn.Linear(c["n_embd"], c["n_embd"])
        s.nh = c["n_head"]

    def forward(s, x):
        B, T, C = x.shape
        q, k, v = s.c_attn(x).split(C, dim=2)
        q, k, v = (z.view(B, T, s.nh, C // s.nh).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // s.nh)
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        return s.c_proj((att @ v).transpose(1, 2).contiguous().view(B, T, C))


class MLP(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.c_fc = nn.Linear(c["n_embd"], 4 * c["n_embd"])
        s.c_proj = nn.Linear(4 * c["n_embd"], c["n_embd"])

    def forward(s, x):
        return s.c_proj(F.gelu(s.c_fc(x), approximate="tanh"))


class Block(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.ln_1, s.attn = nn.LayerNorm(c["n_embd"]), Attn(c)
        s.ln_2, s.mlp = nn.LayerNorm(c["n_embd"]), MLP(c)

    def forward(s, x):
        x = x + s.attn(s.ln_1(x))
        return x + s.mlp(s.ln_2(x))


class GPT(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]),
            wpe=nn.Embedding(c["block_size"], c["n_embd"]),
            h=nn.ModuleList([Block(c) for _ in range(c["n_layer"])]),
            ln_f=nn.LayerNorm(c["n_embd"])))
        s.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        s.lm_head.weight = s.transformer.wte.weight

    def forward(s, idx):
        t = s.transformer
        x = t.wte(idx) + t.wpe(torch.arange(idx.shape[1]))
        for b in t.h:
            x = b(x)
        return s.lm_head(t.ln_f(x))


meta, sd = load_safetensors(sys.argv[1])
cfg = json.loads(meta["config"])
model = GPT(cfg)
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
