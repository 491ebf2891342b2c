#!/usr/bin/env python3
"""nanoGPT's checkpoints from and to lmlab's, with torch alone.

  nanogpt.py to-ckpt DIR [--dataset NAME]
      reads DIR/ckpt.safetensors (written by `lmlab export --format nanogpt`)
      and writes DIR/ckpt.pt as nanoGPT's train.py saves it: {"model",
      "model_args", "iter_num", "best_val_loss", "config"}, plus "optimizer"
      (torch AdamW state in nanoGPT's two parameter groups) when the lmlab
      checkpoint carries AdamW moments and its recipe. nanoGPT's sample.py
      and train.py (init_from="resume", out_dir=DIR) read it. --dataset
      names the nanoGPT data folder whose meta.pkl sample.py reads.

  nanogpt.py to-lmlab CKPT.pt OUT.safetensors [--meta META.pkl]
      writes a nanoGPT checkpoint's weights as an lmlab checkpoint (weights
      only); with a char meta.pkl (stoi/itos), its tokenizer too.

  nanogpt.py logits CKPT.pt IDS.json
      loads CKPT.pt into nanoGPT's model (strict load_state_dict) and prints
      {"logprobs": [[...] per position]} for the ids, in eval mode.
"""
import argparse
import json
import math
import os
import pickle
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stio  # noqa: E402

LMLAB_FORMAT = "lmlab-checkpoint-1"
M_PREFIX, V_PREFIX = "optimizer.exp_avg.", "optimizer.exp_avg_sq."


class Attn(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.c_attn = nn.Linear(c["n_embd"], 3 * c["n_embd"], bias=c.get("bias", True))
        s.c_proj = nn.Linear(c["n_embd"], c["n_embd"], bias=c.get("bias", True))
        s.nh = c["n_head"]
        s.drop = nn.Dropout(c.get("dropout", 0.0))

    def forward(s, x):
        B, T, C = x.shape
        q, k, v = s.c_attn(x).split(C, dim=2)
        q, k, v = (z.view(B, T, s.nh, C // s.nh).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // s.nh)
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        return s.drop(s.c_proj((att @ v).transpose(1, 2).contiguous().view(B, T, C)))


class MLP(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.c_fc = nn.Linear(c["n_embd"], 4 * c["n_embd"], bias=c.get("bias", True))
        s.c_proj = nn.Linear(4 * c["n_embd"], c["n_embd"], bias=c.get("bias", True))
        s.drop = nn.Dropout(c.get("dropout", 0.0))

    def forward(s, x):
        return s.drop(s.c_proj(F.gelu(s.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    def __init__(s, c):
        super().__init__()
        s.ln_1, s.attn = nn.LayerNorm(c["n_embd"]), Attn(c)
        s.ln_2, s.mlp = nn.LayerNorm(c["n_embd"]), MLP(c)

    def forward(s, x):
        x = x + s.attn(s.ln_1(x))
        return x + s.mlp(s.ln_2(x))


class GPT(nn.Module):
    """nanoGPT's model.py GPT, its state-dict names and tied head; dropout
    where lmlab has it (embeddings and residual branches, not attention)."""

    def __init__(s, c):
        super().__init__()
        s.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(c["vocab_size"], c["n_embd"]),
            wpe=nn.Embedding(c["block_size"], c["n_embd"]),
            h=nn.ModuleList([Block(c) for _ in range(c["n_layer"])]),
            ln_f=nn.LayerNorm(c["n_embd"])))
        s.lm_head = nn.Linear(c["n_embd"], c["vocab_size"], bias=False)
        s.lm_head.weight = s.transformer.wte.weight
        s.drop = nn.Dropout(c.get("dropout", 0.0))

    def forward(s, idx):
        t = s.transformer
        x = s.drop(t.wte(idx) + t.wpe(torch.arange(idx.shape[1])))
        for b in t.h:
            x = b(x)
        return s.lm_head(t.ln_f(x))


def param_groups(names, shapes):
    """nanoGPT's configure_optimizers: weights of 2 or more dimensions decay,
    the rest do not, each group in named_parameters() order (which is the
    state-dict order with lm_head.weight, tied to wte, left out)."""
    decay = [n for n in names if len(shapes[n]) >= 2]
    nodecay = [n for n in names if len(shapes[n]) < 2]
    return decay, nodecay


def lr_at(tc, it):
    """lmlab's schedule (engine/adamw.go lrAt): linear warmup, cosine to min_lr."""
    if it < tc["warmup"]:
        return tc["lr"] * (it + 1) / tc["warmup"]
    ratio = min(1.0, (it - tc["warmup"]) / max(1, tc["steps"] - tc["warmup"]))
    return tc["min_lr"] + 0.5 * (1 + math.cos(math.pi * ratio)) * (tc["lr"] - tc["min_lr"])


def to_ckpt(a):
    path = os.path.join(a.dir, "ckpt.safetensors")
    meta, sd = stio.load(path)
    if meta.get("lmlab_format") != LMLAB_FORMAT:
        sys.exit(f"{path}: not an lmlab checkpoint (lmlab_format {meta.get('lmlab_format')!r})")
    cfg = json.loads(meta["config"])
    weights = {k: v.float() for k, v in sd.items() if not k.startswith("optimizer.")}
    model = GPT(cfg)
    order = [n for n, _ in model.named_parameters()]
    weights = {n: weights[n] for n in order}
    model.load_state_dict({**weights, "lm_head.weight": weights["transformer.wte.weight"]})
    step = int(meta.get("step", "0"))
    model_args = dict(n_layer=cfg["n_layer"], n_head=cfg["n_head"], n_embd=cfg["n_embd"],
                      block_size=cfg["block_size"], bias=True, vocab_size=cfg["vocab_size"],
                      dropout=cfg.get("dropout", 0.0))
    ck = {"model": model.state_dict(), "model_args": model_args, "iter_num": step,
          "best_val_loss": float("inf"), "config": dict(model_args)}
    if a.dataset:
        ck["config"]["dataset"] = a.dataset
    if "train" in meta and any(k.startswith(M_PREFIX) for k in sd):
        tc = json.loads(meta["train"])
        shapes = {n: list(w.shape) for n, w in weights.items()}
        decay, nodecay = param_groups(order, shapes)
        state, idx = {}, 0
        for group in (decay, nodecay):
            for n in group:
                state[idx] = {"step": torch.tensor(float(step)), "exp_avg": sd[M_PREFIX + n].float(),
                              "exp_avg_sq": sd[V_PREFIX + n].float()}
                idx += 1
        common = dict(lr=lr_at(tc, step), betas=(tc["beta1"], tc["beta2"]), eps=tc["eps"],
                      amsgrad=False, maximize=False, foreach=None, capturable=False)
        ck["optimizer"] = {"state": state, "param_groups": [
            dict(common, weight_decay=tc["weight_decay"], params=list(range(len(decay)))),
            dict(common, weight_decay=0.0, params=list(range(len(decay), len(decay) + len(nodecay))))]}
        ck["config"].update(learning_rate=tc["lr"], min_lr=tc["min_lr"], warmup_iters=tc["warmup"],
                            lr_decay_iters=tc["steps"], max_iters=tc["steps"], weight_decay=tc["weight_decay"],
                            beta1=tc["beta1"], beta2=tc["beta2"], grad_clip=tc["grad_clip"],
                            batch_size=tc["batch_size"], gradient_accumulation_steps=tc["grad_accum"])
    torch.save(ck, os.path.join(a.dir, "ckpt.pt"))


def to_lmlab(a):
    ck = torch.load(a.ckpt, map_location="cpu")
    args = ck["model_args"]
    if not args.get("bias", True):
        sys.exit(f"{a.ckpt}: bias=False; lmlab's GPT has biases")
    sd = {k.removeprefix("_orig_mod."): v for k, v in ck["model"].items()}
    sd = {k: v.float() for k, v in sd.items() if not k.endswith(".attn.bias")}
    head = sd.pop("lm_head.weight", None)
    if head is not None and not torch.equal(head, sd["transformer.wte.weight"]):
        sys.exit(f"{a.ckpt}: lm_head.weight differs from wte; lmlab's head is tied")
    cfg = dict(vocab_size=args["vocab_size"], block_size=args["block_size"], n_layer=args["n_layer"],
               n_head=args["n_head"], n_embd=args["n_embd"], dropout=args.get("dropout", 0.0))
    meta = {"format": "pt", "lmlab_format": LMLAB_FORMAT, "config": json.dumps(cfg),
            "step": str(ck.get("iter_num", 0)), "source": "nanogpt:" + os.path.basename(a.ckpt)}
    if a.meta:
        with open(a.meta, "rb") as f:
            m = pickle.load(f)
        chars = [m["itos"][i] for i in range(len(m["itos"]))]
        if any(len(c) != 1 for c in chars) or chars != sorted(chars):
            sys.exit(f"{a.meta}: itos is not sorted single characters; lmlab reads char meta.pkl files")
        meta["tokenizer"] = json.dumps({"format": "lmlab-tokenizer", "version": 1, "kind": "char",
                                        "chars": "".join(chars)}, ensure_ascii=False)
    stio.save(a.out, sd, meta)


def logits(a):
    ck = torch.load(a.ckpt, map_location="cpu")
    model = GPT(ck["model_args"])
    model.load_state_dict(ck["model"])  # strict: every name must match
    model.eval()
    with open(a.ids) as f:
        ids = torch.tensor([json.load(f)], dtype=torch.long)
    with torch.no_grad():
        lp = model(ids)[0].double().log_softmax(-1)
    print(json.dumps({"logprobs": lp.tolist()}))


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("to-ckpt")
    p.add_argument("dir")
    p.add_argument("--dataset", default="")
    p = sub.add_parser("to-lmlab")
    p.add_argument("ckpt")
    p.add_argument("out")
    p.add_argument("--meta", default="")
    p = sub.add_parser("logits")
    p.add_argument("ckpt")
    p.add_argument("ids")
    a = ap.parse_args()
    {"to-ckpt": to_ckpt, "to-lmlab": to_lmlab, "logits": logits}[a.cmd](a)


if __name__ == "__main__":
    main()
