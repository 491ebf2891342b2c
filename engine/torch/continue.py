#!/usr/bin/env python3
"""Continue an lmlab training checkpoint with PyTorch on any number of
processes (DistributedDataParallel, gloo on CPU), with lmlab's model, AdamW
(its moments and step), learning-rate schedule, gradient clipping and batch
shape, and write an lmlab checkpoint back.

  torchrun --standalone --nproc_per_node=N continue.py CKPT --out OUT --steps K
           (--windows WINDOWS.json | --tokens TOKENS.json [--seed S])

(Debian's torch 1.13 under Python 3.11 fails on torchrun's default
--redirects 0 with "'NoneType' object has no attribute 'get'": add
--redirects 1 --tee 1, which also prefixes each line with its process.)

Each optimizer step takes batch_size * grad_accum windows of context + 1
tokens (the recipe in CKPT), split evenly across the processes; each process
averages over its share and DDP averages across processes, so the gradient is
lmlab's mean over the whole batch.

WINDOWS.json is best written by lmlab itself:

  lmlab batches --resume CKPT --steps K --out WINDOWS.json

gives {"windows": [[window, ...] per step], "rng": ..., "from_step": ...}:
the windows `lmlab train --resume CKPT` would train on in its next K steps,
and its data position after them. This script trains on exactly those, K
steps (no more, no fewer), and writes that "rng" into OUT, so
`lmlab train --resume OUT` goes on with lmlab's own data order: the run is
the one lmlab would have trained, up to float32 rounding. Dropout masks
cannot match across frameworks (PyTorch draws its own); with dropout 0 the
continuation is exact, with dropout it is the same data under other masks.

WINDOWS.json may also be a bare list of steps ([[window, ...] per step],
used in turn and cycled), to compare a run with lmlab's on chosen batches;
TOKENS.json (a list of ids) has the windows drawn at random offsets, from a
generator seeded with S and the step, the same on every process. With
either, lmlab's data position is not carried over: `lmlab train --resume OUT`
draws its batches afresh from the recipe's seed.

Rank 0 prints one JSON line per step ({"step", "loss", "lr"}) and, with
--windows, {"final_loss"}: the loss of the written weights on the first
step's windows. OUT is an lmlab checkpoint (weights, AdamW moments, step, the
recipe, the tokenizer and, from an `lmlab batches` file, the data position).
"""
import argparse
import json
import os
import sys

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel as DDP

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import stio  # noqa: E402
from nanogpt import GPT, LMLAB_FORMAT, M_PREFIX, V_PREFIX, lr_at, param_groups  # noqa: E402

RESERVED = {"format", "lmlab_format", "config", "train", "step", "rng", "dropout_rng", "tokenizer"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ckpt")
    ap.add_argument("--out", required=True)
    ap.add_argument("--steps", type=int, required=True, help="optimizer steps to run")
    ap.add_argument("--windows", default="")
    ap.add_argument("--tokens", default="")
    ap.add_argument("--seed", type=int, default=1337)
    a = ap.parse_args()
    if bool(a.windows) == bool(a.tokens):
        sys.exit("give exactly one of --windows and --tokens")

    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    meta, sd = stio.load(a.ckpt)
    if meta.get("lmlab_format") != LMLAB_FORMAT:
        sys.exit(f"{a.ckpt}: not an lmlab checkpoint")
    if "train" not in meta:
        sys.exit(f"{a.ckpt}: weights only, no training recipe; continue a checkpoint written by lmlab train")
    cfg, tc = json.loads(meta["config"]), json.loads(meta["train"])
    if tc.get("freeze_embeddings") or tc.get("freeze_layers"):
        sys.exit(f"{a.ckpt}: frozen parameters (fine-tuning) are not supported here")
    step = int(meta["step"])
    B, T, accum = tc["batch_size"], tc["context"], tc["grad_accum"]
    per_step = B * accum
    if per_step % world:
        sys.exit(f"batch_size {B} x grad_accum {accum} = {per_step} windows do not split over {world} processes")
    share = per_step // world

    torch.manual_seed(tc["seed"] + rank)  # dropout masks
    model = GPT(cfg)
    names = [n for n, _ in model.named_parameters()]
    model.load_state_dict({**{n: sd[n].float() for n in names}, "lm_head.weight": sd["transformer.wte.weight"].float()})
    params = dict(model.named_parameters())
    decay, nodecay = param_groups(names, {n: list(params[n].shape) for n in names})
    opt = torch.optim.AdamW([
        {"params": [params[n] for n in decay], "weight_decay": tc["weight_decay"]},
        {"params": [params[n] for n in nodecay], "weight_decay": 0.0}],
        lr=tc["lr"], betas=(tc["beta1"], tc["beta2"]), eps=tc["eps"])
    if M_PREFIX + names[0] in sd:
        for n in decay + nodecay:
            opt.state[params[n]] = {"step": torch.tensor(float(step)), "exp_avg": sd[M_PREFIX + n].float().clone(),
                                    "exp_avg_sq": sd[V_PREFIX + n].float().clone()}
    ddp = DDP(model)

    data_rng = None  # lmlab's data position after the steps, from `lmlab batches`
    if a.windows:
        with open(a.windows) as f:
            all_windows = json.load(f)
        if isinstance(all_windows, dict):
            if not isinstance(all_windows.get("windows"), list) or not isinstance(all_windows.get("rng"), str):
                sys.exit(f"{a.windows}: not a file of `lmlab batches` (no \"windows\" and \"rng\"); write it with lmlab batches --resume {a.ckpt}")
            if all_windows.get("from_step", step) != step:
                sys.exit(f"{a.windows}: windows for the steps after step {all_windows['from_step']}, but {a.ckpt} is at step {step};"
                         f" write them with lmlab batches --resume {a.ckpt}")
            if len(all_windows["windows"]) != a.steps:
                sys.exit(f"{a.windows}: windows for {len(all_windows['windows'])} steps, but --steps {a.steps};"
                         f" give --steps {len(all_windows['windows'])} or write the file with lmlab batches --steps {a.steps}")
            data_rng, all_windows = all_windows["rng"], all_windows["windows"]
    else:
        with open(a.tokens) as f:
            tokens = torch.tensor(json.load(f), dtype=torch.long)

    def windows_for(i):
        """The step's windows (per_step, T+1), the same on every process."""
        if a.windows:
            w = torch.tensor(all_windows[i % len(all_windows)], dtype=torch.long)
            if w.shape != (per_step, T + 1):
                sys.exit(f"{a.windows}: step {i} has windows of shape {tuple(w.shape)}, want ({per_step}, {T + 1})")
            return w
        g = torch.Generator().manual_seed(a.seed * 1_000_003 + step)
        offs = torch.randint(len(tokens) - T, (per_step,), generator=g)
        return torch.stack([tokens[o:o + T + 1] for o in offs])

    for i in range(a.steps):
        lr = lr_at(tc, step)
        for g in opt.param_groups:
            g["lr"] = lr
        mine = windows_for(i)[rank * share:(rank + 1) * share]
        micro = [mine[j:j + B] for j in range(0, share, B)]
        opt.zero_grad(set_to_none=True)
        ddp.train()
        local = 0.0
        for j, w in enumerate(micro):
            ctx = ddp.no_sync() if j < len(micro) - 1 else torch.enable_grad()
            with ctx:
                logits = ddp(w[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, cfg["vocab_size"]), w[:, 1:].reshape(-1)) * (len(w) / share)
                loss.backward()
            local += loss.item()
        if tc["grad_clip"] > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), tc["grad_clip"])
        opt.step()
        step += 1
        mean = torch.tensor([local])
        dist.all_reduce(mean)
        if rank == 0:
            print(json.dumps({"step": step, "loss": mean.item() / world, "lr": lr}), flush=True)

    if rank == 0:
        out = {n: p.detach() for n, p in params.items()}
        for n in names:
            st = opt.state.get(params[n])
            if st:
                out[M_PREFIX + n], out[V_PREFIX + n] = st["exp_avg"], st["exp_avg_sq"]
        m = {k: v for k, v in meta.items() if k not in RESERVED}
        m.update({"format": "pt", "lmlab_format": LMLAB_FORMAT, "config": meta["config"], "train": meta["train"],
                  "step": str(step), "continued_by": f"torch continue.py, {world} processes"})
        if "tokenizer" in meta:
            m["tokenizer"] = meta["tokenizer"]
        if data_rng is not None and "rng" in meta:
            # lmlab's data position after these steps; the dropout stream
            # stays where CKPT left it (with dropout 0 lmlab never draws it).
            m["rng"], m["dropout_rng"] = data_rng, meta["dropout_rng"]
        stio.save(a.out, out, m)
        if a.windows:
            model.eval()
            w = windows_for(0)
            with torch.no_grad():
                logits = model(w[:, :-1])
                loss = F.cross_entropy(logits.reshape(-1, cfg["vocab_size"]), w[:, 1:].reshape(-1))
            print(json.dumps({"final_loss": loss.item()}), flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
