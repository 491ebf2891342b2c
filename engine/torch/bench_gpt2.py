#!/usr/bin/env python3
"""Times GPT-2 in PyTorch on CPU: the work engine/hf's BenchmarkGPT2Dir times
in lmlab, on the same directory, so the two can run one after the other.

  bench_gpt2.py DIR [--batch 4] [--context 128] [--prompt 64] [--repeat 3] [--threads N (default: cores)]

DIR is a GPT-2 directory in the Hugging Face layout (config.json +
model.safetensors, e.g. from gpt2.py make). It prints one JSON line with
  forward_ms   one forward pass over a --prompt-token sequence, no grad
  step_ms      one fine-tune step on --batch × --context random tokens:
               forward, cross-entropy, backward, grad-norm clip 1.0, AdamW
               (lr 1e-4, betas 0.9/0.99, weight decay 0.1)
  peak_rss_mb_forward, peak_rss_mb_step
               the process's peak resident set after each part (the step's
               includes the forward's), as the Go benchmark reports VmHWM
each the best of --repeat runs after one untimed warm-up. The weights are read
through mmap and copied once, so the loading peak is one copy of them.
"""
import argparse
import json
import mmap
import os
import resource
import struct
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stio  # noqa: E402


def load_weights(path):
    """{name without "transformer.": float32 tensor}, copied out of an mmap."""
    out = {}
    with open(path, "rb") as f:
        mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        n = struct.unpack("<Q", mm[:8])[0]
        header = json.loads(mm[8:8 + n])
        header.pop("__metadata__", None)
        for name, h in header.items():
            b, e = h["data_offsets"]
            dt = stio.DTYPES[h["dtype"]]
            t = torch.empty(h["shape"], dtype=dt)
            t.view(-1).view(torch.uint8).numpy()[:] = memoryview(mm)[8 + n + b:8 + n + e]
            out[name.removeprefix("transformer.")] = t.float()
        mm.close()
    return out


class GPT2(torch.nn.Module):
    """GPT-2 over (B, T) ids with the Hugging Face tensors as parameters."""

    def __init__(self, cfg, w):
        super().__init__()
        self.C, self.NH, self.L = cfg["n_embd"], cfg["n_head"], cfg["n_layer"]
        self.eps = cfg.get("layer_norm_epsilon", 1e-5)
        skip = lambda k: k.endswith(".attn.bias") or k.endswith(".attn.masked_bias") or k == "lm_head.weight"
        self.p = torch.nn.ParameterDict({k.replace(".", "_"): torch.nn.Parameter(v) for k, v in w.items() if not skip(k)})

    def w(self, name):
        return self.p[name.replace(".", "_")]

    def forward(self, ids):
        B, T = ids.shape
        C, NH = self.C, self.NH
        ln = lambda x, p: F.layer_norm(x, (C,), self.w(p + ".weight"), self.w(p + ".bias"), self.eps)
        conv1d = lambda x, p: x @ self.w(p + ".weight") + self.w(p + ".bias")
        x = self.w("wte.weight")[ids] + self.w("wpe.weight")[:T]
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        for l in range(self.L):
            p = f"h.{l}."
            q, k, v = conv1d(ln(x, p + "ln_1"), p + "attn.c_attn").split(C, dim=2)
            q, k, v = (z.view(B, T, NH, C // NH).transpose(1, 2) for z in (q, k, v))
            att = (q @ k.transpose(-2, -1)) * (1.0 / (C // NH) ** 0.5)
            att = att.masked_fill(~mask, float("-inf")).softmax(-1)
            y = (att @ v).transpose(1, 2).reshape(B, T, C)
            x = x + conv1d(y, p + "attn.c_proj")
            x = x + conv1d(F.gelu(conv1d(ln(x, p + "ln_2"), p + "mlp.c_fc"), approximate="tanh"), p + "mlp.c_proj")
        return ln(x, "ln_f") @ self.w("wte.weight").T


def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def best_of(n, f):
    f()  # warm-up: allocation, kernel selection
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        best = min(best, (time.perf_counter() - t0) * 1e3)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--batch", type=int, default=4)
    ap.add_argument("--context", type=int, default=128)
    ap.add_argument("--prompt", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="torch threads (default: one per core, as lmlab uses)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with open(os.path.join(a.dir, "config.json")) as f:
        cfg = json.load(f)
    model = GPT2(cfg, load_weights(os.path.join(a.dir, "model.safetensors")))
    V = cfg["vocab_size"]
    g = torch.Generator().manual_seed(1)
    res = {"threads": torch.get_num_threads(), "torch": torch.__version__}

    prompt = torch.randint(0, V, (1, a.prompt), generator=g)

    def fwd():
        with torch.no_grad():
            model(prompt)
    res["forward_ms"] = round(best_of(a.repeat, fwd), 1)
    res["peak_rss_mb_forward"] = round(peak_mb())

    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.99), eps=1e-8, weight_decay=0.1)
    x = torch.randint(0, V, (a.batch, a.context + 1), generator=g)

    def step():
        logits = model(x[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, V), x[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=False)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    res["step_ms"] = round(best_of(a.repeat, step), 1)
    res["peak_rss_mb_step"] = round(peak_mb())
    print(json.dumps(res))


if __name__ == "__main__":
    main()
