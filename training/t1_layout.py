"""Where does the model put the object at pure noise? The x0 it predicts at t ~ 1 (x0 = x_t + t v),
averaged over noise draws, and the per-frame centroid of the object in it and how much of the
frame differs from the background (m), next to the renderer's mean for the same caption. The STDiT3
has only relative temporal positions (RoPE), so in a plain pixel latent its prediction is the same
for every frame; folded latents (train.py --temporal-fold) carry the frame in the channel.

  /usr/bin/python3 training/t1_layout.py --run fold8 [--n 24] [--caption "a blue square moving up ..." ...]
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from dataset import MotionDataset, Tokenizer, latent_shape, parse_caption, render, run_fold, unfold_time  # noqa: E402
from sample import load, velocity  # noqa: E402

CAPTIONS = ["a red circle moving right quickly on a black background",
            "a red circle moving left quickly on a black background",
            "a red circle moving down quickly on a black background"]


def bg_distance(video, bg):
    """video [3, T, H, W] in [-1, 1] on background colour bg (RGB 0-255) -> [T, H, W]: how far each
    pixel is from the background."""
    ref = np.asarray(bg, dtype=np.float32)[:, None, None, None] / 127.5 - 1
    return np.sqrt(((video - ref) ** 2).sum(0))


def centroids(weight):
    """Per-frame (x, y) centroid of a one-object video, weighing each pixel by its bg_distance [T, H, W]."""
    h, w = weight.shape[1:]
    ys, xs = np.mgrid[0:h, 0:w]
    m = weight.sum((1, 2)) + 1e-8
    return (weight * xs).sum((1, 2)) / m, (weight * ys).sum((1, 2)) / m


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", required=True)
    p.add_argument("--n", type=int, default=24)
    p.add_argument("--caption", action="append", help="a grammar caption to lay out (repeatable); default: three red-circle ones")
    a = p.parse_args()
    torch.set_num_threads(2)
    model, text, cfg, ck = load(a.run)
    fold = run_fold(cfg["train"])
    ds = MotionDataset(seed=0)
    g, tok = ds.g, Tokenizer(ds.g)
    t = 0.999
    print(f"run {a.run} step {ck['step']}, temporal fold {fold}, t = {t}, {a.n} noise draws")
    for cap in a.caption or CAPTIONS:
        try:
            objs, bg = parse_caption(g, cap)
        except (ValueError, IndexError) as e:
            sys.exit(f"--caption {cap!r}: not a grammar caption ({e})")
        ids, mask = map(torch.from_numpy, tok.encode_batch([cap] * a.n))
        eps = torch.randn(a.n, *latent_shape(g, fold), generator=torch.Generator().manual_seed(0))
        with torch.no_grad():
            vel = velocity(model, g, eps, t, text(ids, mask), mask)
        pred = unfold_time(eps + t * vel, fold).mean(0).numpy()
        rng = np.random.default_rng(0)
        truth = np.mean([render(g, objs, bg, rng) for _ in range(a.n)], 0)
        print(cap)
        for name, vid in (("model", pred), ("data", truth)):
            dist = bg_distance(vid, g["backgrounds"][bg])
            cx, cy = centroids(dist)
            # growing and shrinking change how much of the frame differs from the background
            mass = 100 * dist.mean((1, 2)).astype(np.float64)
            print(f"  {name:5s} x {np.round(cx, 1).tolist()}\n        y {np.round(cy, 1).tolist()}\n"
                  f"        m {np.round(mass, 1).tolist()}")


if __name__ == "__main__":
    main()
