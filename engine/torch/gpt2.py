#!/usr/bin/env python3
"""GPT-2 in the Hugging Face layout, without transformers: build a random
model directory, and run GPT-2's forward pass on one.

  gpt2.py make DIR --vocab V --ctx N --embd C --layer L --head H [--seed S]
          [--no-prefix] [--buffers] [--lm-head] [--dtype F32|F16|BF16]
      writes DIR/config.json and DIR/model.safetensors with Hugging Face's
      names ("transformer.h.0.attn.c_attn.weight", or without "transformer."
      as the hub's gpt2 files have them) and Conv1D's [in, out] layout.
      --buffers adds the attn.bias / attn.masked_bias buffers older files
      carry; --lm-head adds the tied lm_head.weight as a copy of wte.
      Weights are random but not GPT-2's init: LayerNorm weights and biases
      and all biases are non-trivial, so a layout mistake cannot hide.

  gpt2.py logits DIR IDS.json [--float32] [--repeat N]
      prints {"logprobs": [[...] per position], "ms": forward time} for the
      sequence in IDS.json: GPT-2's math (tanh GELU, LayerNorm with the
      config's epsilon, causal attention scaled by 1/sqrt(head size), head
      tied to wte), in float64 unless --float32.
"""
import argparse
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stio  # noqa: E402


def make(a):
    g = torch.Generator().manual_seed(a.seed)
    C, L, V, T = a.embd, a.layer, a.vocab, a.ctx

    def rnd(*shape, std=0.02, mean=0.0):
        return torch.randn(*shape, generator=g) * std + mean

    sd = {"wte.weight": rnd(V, C, std=0.1), "wpe.weight": rnd(T, C, std=0.05)}
    for l in range(L):
        p = f"h.{l}."
        sd[p + "ln_1.weight"] = rnd(C, std=0.1, mean=1.0)
        sd[p + "ln_1.bias"] = rnd(C, std=0.1)
        sd[p + "attn.c_attn.weight"] = rnd(C, 3 * C, std=0.08)  # Conv1D: [in, out]
        sd[p + "attn.c_attn.bias"] = rnd(3 * C, std=0.05)
        sd[p + "attn.c_proj.weight"] = rnd(C, C, std=0.05)
        sd[p + "attn.c_proj.bias"] = rnd(C, std=0.05)
        sd[p + "ln_2.weight"] = rnd(C, std=0.1, mean=1.0)
        sd[p + "ln_2.bias"] = rnd(C, std=0.1)
        sd[p + "mlp.c_fc.weight"] = rnd(C, 4 * C, std=0.08)
        sd[p + "mlp.c_fc.bias"] = rnd(4 * C, std=0.05)
        sd[p + "mlp.c_proj.weight"] = rnd(4 * C, C, std=0.05)
        sd[p + "mlp.c_proj.bias"] = rnd(C, std=0.05)
        if a.buffers:
            sd[p + "attn.bias"] = torch.tril(torch.ones(T, T)).view(1, 1, T, T)
            sd[p + "attn.masked_bias"] = torch.tensor(-1e4)
    sd["ln_f.weight"] = rnd(C, std=0.1, mean=1.0)
    sd["ln_f.bias"] = rnd(C, std=0.1)
    if not a.no_prefix:
        sd = {"transformer." + k: v for k, v in sd.items()}
    if a.lm_head:
        sd["lm_head.weight"] = sd["transformer.wte.weight" if not a.no_prefix else "wte.weight"].clone()
    dt = stio.DTYPES[a.dtype]
    sd = {k: v.to(dt) for k, v in sd.items()}
    os.makedirs(a.dir, exist_ok=True)
    stio.save(os.path.join(a.dir, "model.safetensors"), sd, {"format": "pt"})
    cfg = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": V,
           "n_positions": T, "n_ctx": T, "n_embd": C, "n_layer": L, "n_head": a.head,
           "n_inner": None, "activation_function": "gelu_new", "layer_norm_epsilon": 1e-5,
           "resid_pdrop": 0.1, "embd_pdrop": 0.1, "attn_pdrop": 0.1, "initializer_range": 0.02,
           "scale_attn_weights": True, "scale_attn_by_inverse_layer_idx": False,
           "reorder_and_upcast_attn": False, "tie_word_embeddings": True,
           "bos_token_id": V - 1, "eos_token_id": V - 1, "torch_dtype": "float32"}
    with open(os.path.join(a.dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def forward(cfg, w, ids):
    """GPT-2's forward pass over ids (T,), weights w without the prefix."""
    C, NH, eps = cfg["n_embd"], cfg["n_head"], cfg.get("layer_norm_epsilon", 1e-5)
    T = ids.shape[0]
    ln = lambda x, p: torch.nn.functional.layer_norm(x, (C,), w[p + ".weight"], w[p + ".bias"], eps)
    conv1d = lambda x, p: x @ w[p + ".weight"] + w[p + ".bias"]  # Conv1D: x·W, W [in, out]
    x = w["wte.weight"][ids] + w["wpe.weight"][:T]
    mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for l in range(cfg["n_layer"]):
        p = f"h.{l}."
        q, k, v = conv1d(ln(x, p + "ln_1"), p + "attn.c_attn").split(C, dim=1)
        q, k, v = (z.view(T, NH, C // NH).transpose(0, 1) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // NH)
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        y = (att @ v).transpose(0, 1).reshape(T, C)
        x = x + conv1d(y, p + "attn.c_proj")
        h = gelu_new(conv1d(ln(x, p + "ln_2"), p + "mlp.c_fc"))
        x = x + conv1d(h, p + "mlp.c_proj")
    return ln(x, "ln_f") @ w["wte.weight"].T  # the head tied to wte


def logits(a):
    with open(os.path.join(a.dir, "config.json")) as f:
        cfg = json.load(f)
    _, sd = stio.load(os.path.join(a.dir, "model.safetensors"))
    dt = torch.float32 if a.float32 else torch.float64
    w = {k.removeprefix("transformer."): v.to(dt) for k, v in sd.items()}
    with open(a.ids) as f:
        ids = torch.tensor(json.load(f), dtype=torch.long)
    best = float("inf")
    with torch.no_grad():
        for _ in range(a.repeat):
            t0 = time.perf_counter()
            out = forward(cfg, w, ids)
            best = min(best, (time.perf_counter() - t0) * 1e3)
    lp = out.log_softmax(-1)
    res = {"ms": best, "threads": torch.get_num_threads()}
    if not a.no_print:
        res["logprobs"] = lp.tolist()
    else:
        res["logprobs_last"] = lp[-1, :8].tolist()
    print(json.dumps(res))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("dir")
    for k in ("vocab", "ctx", "embd", "layer", "head"):
        m.add_argument("--" + k, type=int, required=True)
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--no-prefix", action="store_true")
    m.add_argument("--buffers", action="store_true")
    m.add_argument("--lm-head", action="store_true")
    m.add_argument("--dtype", default="F32", choices=["F32", "F16", "BF16"])
    lg = sub.add_parser("logits")
    lg.add_argument("dir")
    lg.add_argument("ids")
    lg.add_argument("--float32", action="store_true")
    lg.add_argument("--repeat", type=int, default=1)
    lg.add_argument("--no-print", action="store_true", help="print timing and a few values only")
    a = ap.parse_args()
    make(a) if a.cmd == "make" else logits(a)


if __name__ == "__main__":
    main()
