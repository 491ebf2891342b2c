#!/usr/bin/env python3
"""Greedy generation in PyTorch from an lmlab checkpoint, timed: the baseline
for `BenchmarkGenerate` (engine/testdata/generate_compare.sh runs both) and
the oracle for TestGenerateMatchesPyTorch.

usage: generate_torch.py CKPT MODE PROMPT N [REPEATS]

MODE is "cache" (a KV cache: one new position per token while the text fits
the context, the whole window again once it slides, as lmlab does) or
"nocache" (nanoGPT's generate: the whole window for every token). Both run
the output layer on the last position only. PROMPT is comma-separated token
ids, or "fill": token (7i+1) mod V at each of the context's positions, the
prompt BenchmarkGenerate's sliding case uses. N tokens are generated greedily, REPEATS times (default 1) after one
untimed warm-up run. Prints one JSON line: the generated ids, tokens/s and
the torch version.

PyTorch runs on one thread and at its best: like ../shared/bench/torch_babygpt.py
the script re-executes itself without OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
(which some machines here set, pinning OpenBLAS to older kernels), with
OMP_WAIT_POLICY=passive and OPENBLAS_NUM_THREADS=1. The checkpoint is read
by the safetensors rules by hand, so only torch is needed.
"""
import json, math, os, sys, time

_want = dict(os.environ)
for _k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
    _want.pop(_k, None)
_want.setdefault("OMP_WAIT_POLICY", "passive")
_want["OPENBLAS_NUM_THREADS"] = "1"
if _want != dict(os.environ):
    os.execve(sys.executable, [sys.executable] + sys.argv, _want)

import torch
import torch.nn.functional as F

torch.set_num_threads(1)

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "torch"))
import stio  # noqa: E402  (engine/torch's safetensors reader)


def load(path):
    """The checkpoint's config and weights (its optimizer state left out)."""
    meta, sd = stio.load(path)
    return json.loads(meta["config"]), {k: v for k, v in sd.items() if not k.startswith("optimizer.")}


class GPT:
    """nanoGPT's model with nanoGPT's tensor names, written out as functions
    so the cached and uncached paths share every weight and every op."""

    def __init__(self, cfg, sd):
        self.L, self.NH, self.C = cfg["n_layer"], cfg["n_head"], cfg["n_embd"]
        self.T, self.V = cfg["block_size"], cfg["vocab_size"]
        self.w = sd
        HS = self.C // self.NH
        # KV cache: (L, NH, T, HS) keys and values, filled up to self.n.
        self.k = torch.zeros(self.L, 1, self.NH, self.T, HS)
        self.v = torch.zeros(self.L, 1, self.NH, self.T, HS)
        self.n = 0

    def ln(self, x, name):
        return F.layer_norm(x, (self.C,), self.w[name + ".weight"], self.w[name + ".bias"], 1e-5)

    def lin(self, x, name):
        return F.linear(x, self.w[name + ".weight"], self.w[name + ".bias"])

    def forward(self, idx, pos0, cache):
        """Runs tokens idx (1, t) at positions pos0.. and returns the logits
        after the last one. With cache, keys and values of positions < pos0
        come from the cache and the new ones are stored in it."""
        t = idx.shape[1]
        C, NH = self.C, self.NH
        HS = C // NH
        x = self.w["transformer.wte.weight"][idx] + self.w["transformer.wpe.weight"][pos0:pos0 + t]
        for l in range(self.L):
            p = f"transformer.h.{l}."
            q, k, v = self.lin(self.ln(x, p + "ln_1"), p + "attn.c_attn").split(C, dim=2)
            q, k, v = (z.view(1, t, NH, HS).transpose(1, 2) for z in (q, k, v))
            if cache:
                self.k[l, :, :, pos0:pos0 + t] = k
                self.v[l, :, :, pos0:pos0 + t] = v
                k, v = self.k[l, :, :, :pos0 + t], self.v[l, :, :, :pos0 + t]
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(HS))
            if t > 1:
                mask = torch.ones(t, pos0 + t, dtype=torch.bool).tril(pos0)
                att = att.masked_fill(~mask, float("-inf"))
            y = (att.softmax(-1) @ v).transpose(1, 2).contiguous().view(1, t, C)
            x = x + self.lin(y, p + "attn.c_proj")
            h = F.gelu(self.lin(self.ln(x, p + "ln_2"), p + "mlp.c_fc"), approximate="tanh")
            x = x + self.lin(h, p + "mlp.c_proj")
        x = self.ln(x[:, -1, :], "transformer.ln_f")
        return x @ self.w["transformer.wte.weight"].t()  # the LM head, tied to wte

    def generate(self, prompt, n, cache):
        ids = list(prompt)
        self.n = 0
        held = []  # the window the cache holds
        for _ in range(n):
            w = ids[-self.T:]
            if not cache:
                logits = self.forward(torch.tensor([w]), 0, False)
            else:
                # Reuse what matches at the same positions; after a slide
                # that is nothing (absolute position embeddings).
                p = 0
                while p < len(held) and p < len(w) - 1 and held[p] == w[p]:
                    p += 1
                logits = self.forward(torch.tensor([w[p:]]), p, True)
                held = w
            ids.append(int(logits.argmax(-1)))
        return ids[len(prompt):]


def main():
    ckpt, mode, prompt, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    repeats = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    assert mode in ("cache", "nocache"), mode
    cfg, sd = load(ckpt)
    model = GPT(cfg, sd)
    if prompt == "fill":
        prompt = [(7 * i + 1) % model.V for i in range(model.T)]
    else:
        prompt = [int(s) for s in prompt.split(",")]
    with torch.inference_mode():
        out = model.generate(prompt, n, mode == "cache")  # warm-up
        t0 = time.perf_counter()
        for _ in range(repeats):
            model.generate(prompt, n, mode == "cache")
        dt = time.perf_counter() - t0
    print(json.dumps({"torch": torch.__version__, "mode": mode, "tokens_per_s": round(repeats * n / dt, 1),
                      "ids": out}))


main()
