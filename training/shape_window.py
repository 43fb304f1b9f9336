"""At which noise levels does the shape word carry information the noisy video does not? The
Bayes-optimal x0 predictor for one object standing still (the renderer's shapes, its centre jitter
and half-size range, 16 identical frames) computed over a grid of candidate videos, once knowing the
shape and once not; the gap between their x0 errors is what a model can gain by reading the shape
word at that t. numpy only; the red channel of a red object on black is the one that varies.

  /usr/bin/python3 training/shape_window.py [--shapes circle,square] [--n 200]
"""
import argparse
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from dataset import _coverage, load_grammar  # noqa: E402


def still_frame(shape, centre, half_size, size):
    """The varying channel of a still object, flattened: -1 on black, 1 inside, as the renderer blends."""
    return (-1 + 2 * _coverage(shape, np.array([centre]), np.array([half_size]), size, size)[0]).ravel()


def candidates(shape, half_sizes, jitter, size):
    """Every frame of the grid (centres every 0.5 px within the jitter, 5 half-sizes), one per row."""
    cs = np.arange(size / 2 - jitter, size / 2 + jitter + 1e-9, 0.5)
    rs = np.linspace(*half_sizes, 5)
    return np.stack([still_frame(shape, (x, y), r, size) for x in cs for y in cs for r in rs])


def posterior_mean(xt, t, sigma, bank):
    ll = -((xt[None] - (1 - t) * bank) ** 2).sum(1) / (2 * sigma * sigma)
    w = np.exp(ll - ll.max())
    return (w / w.sum()) @ bank


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--shapes", default="circle,square")
    p.add_argument("--n", type=int, default=200, help="test videos per noise level")
    p.add_argument("--t", default="0.98,0.9,0.8,0.7,0.5")
    a = p.parse_args()
    g = load_grammar()
    size, frames = g["video"]["height"], g["video"]["frames"]
    half, jit = g["render"]["halfSize"], g["render"]["centerJitter"]
    shapes = a.shapes.split(",")
    banks = {s: candidates(s, half, jit, size) for s in shapes}
    both = np.concatenate(list(banks.values()))
    rng = np.random.default_rng(0)
    print(f"shapes {shapes}, half-size {half}, centre jitter {jit}, {a.n} videos per t; x0 mse per pixel:")
    for t in [float(x) for x in a.t.split(",")]:
        sigma = t / math.sqrt(frames)  # a still object: 16 frames, each with its own noise
        known = blind = 0.0
        for i in range(a.n):
            s = shapes[i % len(shapes)]
            c = size / 2 + rng.uniform(-jit, jit, 2)
            x0 = still_frame(s, c, rng.uniform(*half), size)
            xt = (1 - t) * x0 + sigma * rng.standard_normal(x0.size)
            known += ((posterior_mean(xt, t, sigma, banks[s]) - x0) ** 2).mean() / a.n
            blind += ((posterior_mean(xt, t, sigma, both) - x0) ** 2).mean() / a.n
        print(f"t={t}: shape known {known:.5f}, shape unknown {blind:.5f}, gap {(blind / known - 1) * 100:+.1f}%")


if __name__ == "__main__":
    main()
