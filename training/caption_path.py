"""How much of the motion word reaches the video tokens, at t = 0.999: per block, how far
cross-attention is from uniform over the caption tokens, and how much its output changes between
"moving right" and "moving left" / "moving down"; and the motion spread of the caption embedding
(y_embedder's output averaged over a caption's tokens, minus its mean over the motion x speed
variants of the same caption; 16 base captions). train.py --caption-gain acts on that spread.

With --shapes: where the circle / square difference goes in the blocks, against red / blue for
scale. A red circle standing still on black, noised to t in the shape window (0.9, 0.85), is given
the captions "a red {circle, square, triangle} ..." and "a blue circle ..."; per block, how much
the cross-attention output and the block's output change with the caption, and how much the
velocity does.

  /usr/bin/python3 training/caption_path.py [--shapes] RUN [RUN ...]
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from dataset import MotionDataset, Tokenizer, caption, fold_time, latent_shape, motion_variants, render, run_fold  # noqa: E402
from sample import load, velocity  # noqa: E402
from stdit3 import MultiHeadCrossAttention  # noqa: E402
from train import mean_caption_embedding  # noqa: E402


def motion_spread(model, text, ds, tok):
    g, base, spreads = ds.g, MotionDataset(seed=7), []
    for i in range(16):
        objs, bg, _ = base.spec(i)
        mean = mean_caption_embedding(model, text, tok, [caption(g, [{**objs[0], "motion": m, "speed": s}], bg)
                                                         for m, s in motion_variants(g)])
        spreads.append((mean - mean.mean(0)).norm(dim=-1).mean())
    return torch.stack(spreads).mean().item()


def cross_attention(model, text, g, tok, fold, n=8, t=0.999):
    """Per block: (max |attention weight - uniform|, |out(right) - out(left)|, |out(right) - out(down)|, |out|)."""
    records = []
    forward = MultiHeadCrossAttention.forward

    def hooked(self, x, cond, key_bias):
        b, nq, c = x.shape
        q = self.q_linear(x).view(b, nq, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.kv_linear(cond).view(b, cond.shape[1], 2, self.num_heads, self.head_dim)[:, :, 0].transpose(1, 2)
        att = torch.softmax((q * self.head_dim ** -0.5) @ k.transpose(-2, -1) + key_bias, -1)
        valid = torch.isfinite(key_bias).expand_as(att)
        uniform = 1.0 / valid.sum(-1, keepdim=True)
        out = forward(self, x, cond, key_bias)
        records.append(((att - uniform).abs()[valid].max().item(), out.mean(0)))
        return out

    eps = torch.randn(n, *latent_shape(g, fold), generator=torch.Generator().manual_seed(0))
    outs = {}
    MultiHeadCrossAttention.forward = hooked
    try:
        for m in ("right", "left", "down"):
            ids, mask = map(torch.from_numpy, tok.encode_batch([f"a red circle moving {m} quickly on a black background"] * n))
            records.clear()
            velocity(model, g, eps, t, text(ids, mask), mask)
            outs[m] = list(records)
    finally:
        MultiHeadCrossAttention.forward = forward
    return [(outs["right"][i][0], (outs["right"][i][1] - outs["left"][i][1]).norm(dim=-1).mean().item(),
             (outs["right"][i][1] - outs["down"][i][1]).norm(dim=-1).mean().item(),
             outs["right"][i][1].norm(dim=-1).mean().item()) for i in range(len(outs["right"]))]


SHAPE_CAPTIONS = {k: f"a {k} standing still on a black background"
                  for k in ("red circle", "red square", "red triangle", "blue circle")}
PAIRS = (("red circle", "red square"), ("red circle", "red triangle"), ("red circle", "blue circle"))


def shape_path(model, text, ds, tok, fold, ts, n=8):
    """For each t of ts, per block (spatial 0, temporal 0, spatial 1, ...): mean |change| over tokens
    of the cross-attention output and of the block output between captions, for the pairs of PAIRS,
    plus the velocity's; all on the same noisy red circle videos and noise."""
    g = ds.g
    objs = [{"color": "red", "shape": "circle", "motion": "static", "speed": None}]
    x0 = torch.stack([torch.from_numpy(render(g, objs, "black", np.random.default_rng([7, i]))) for i in range(n)])
    x0 = fold_time(x0, fold)
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
    captions = {}
    for k, c in SHAPE_CAPTIONS.items():
        ids, mask = map(torch.from_numpy, tok.encode_batch([c] * n))
        captions[k] = (text(ids, mask), mask)
    blocks = [b for pair in zip(model.spatial_blocks, model.temporal_blocks) for b in pair]
    records = []
    hooks = [m.register_forward_hook(lambda _m, _i, out: records.append(out))
             for b in blocks for m in (b.cross_attn, b)]
    result = {}
    try:
        for t in ts:
            xt = (1 - t) * x0 + t * eps
            outs = {}
            for k, (y, mask) in captions.items():
                records.clear()
                v = velocity(model, g, xt, t, y, mask)
                outs[k] = list(records) + [v.flatten(2).transpose(1, 2)]
            result[t] = {pair: [(a - b).norm(dim=-1).mean().item() for a, b in zip(outs[pair[0]], outs[pair[1]])]
                         for pair in PAIRS}
    finally:
        for h in hooks:
            h.remove()
    return result


def main():
    shapes = "--shapes" in sys.argv[1:]
    runs = [r for r in sys.argv[1:] if r != "--shapes"]
    if not runs:
        sys.exit("usage: caption_path.py [--shapes] RUN [RUN ...]")
    torch.set_num_threads(2)
    ds = MotionDataset(seed=0)
    tok = Tokenizer(ds.g)
    for run in runs:
        model, text, cfg, ck = load(run)
        if shapes:
            print(f"run {run} step {ck['step']}: mean |change| per token with the caption, on red circles standing still")
            with torch.no_grad():
                by_t = shape_path(model, text, ds, tok, run_fold(cfg["train"]), (0.9, 0.85))
            names = [f"{kind} {'ST'[j % 2]}{j // 2}" for j in range(2 * cfg["model"]["depth"]) for kind in ("xattn", "block")]
            for t, d in by_t.items():
                print(f"  t={t}: " + "; ".join(f"{a} vs {b}" for a, b in PAIRS))
                for i, name in enumerate(names + ["velocity"]):
                    print(f"    {name:9s} " + "  ".join(f"{d[pair][i]:8.4f}" for pair in PAIRS))
            continue
        with torch.no_grad():
            spread = motion_spread(model, text, ds, tok)
            blocks = cross_attention(model, text, ds.g, tok, run_fold(cfg["train"]))
        print(f"run {run} step {ck['step']}: caption embedding motion spread {spread:.3f}")
        for i, (dev, rl, rd, norm) in enumerate(blocks):
            print(f"  block {i}: attention max |w - uniform| {dev:.3f}; cross-attention out |right - left| {rl:.3f}, "
                  f"|right - down| {rd:.3f}, |out| {norm:.3f}")


if __name__ == "__main__":
    main()
