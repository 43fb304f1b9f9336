"""Does the model read each part of the caption? The rectified-flow loss on fresh samples with their
true captions, and with the first object's motion, shape or colour word swapped for another. A part
the model uses raises the loss when swapped; a part it ignores leaves it unchanged.

  /usr/bin/python3 training/caption_sensitivity.py --run shapes2 [--raw] [--n 96] [--t 0.98,0.9,0.7,0.4]
"""
import argparse
import copy
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from dataset import MotionDataset, Tokenizer, caption, fold_time, run_fold  # noqa: E402
from sample import load, velocity  # noqa: E402

# far past any sample index a run reaches, so these samples are fresh
FIRST_INDEX = 10_000_000


def swapped(g, objs, bg, part, rng):
    o2 = copy.deepcopy(objs)
    o = o2[0]
    if part == "motion":
        m = [m for m in g["motions"] if m != o["motion"]][rng.integers(len(g["motions"]) - 1)]
        o["motion"] = m
        o["speed"] = None if g["motions"][m]["kind"] == "none" else (o["speed"] or "slow")
    elif part == "shape":
        o["shape"] = [s for s in g["shapes"] if s != o["shape"]][rng.integers(len(g["shapes"]) - 1)]
    else:
        cs = [c for c in g["colors"] if c != o["color"] and g["colors"][c] != g["backgrounds"][bg]]
        o["color"] = cs[rng.integers(len(cs))]
    return caption(g, o2, bg)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", default="shapes2")
    p.add_argument("--raw", action="store_true", help="the live weights instead of the EMA")
    p.add_argument("--n", type=int, default=96)
    p.add_argument("--t", default="0.98,0.9,0.7,0.4", help="comma-separated noise levels")
    a = p.parse_args()
    torch.set_num_threads(2)
    model, text, _, ck = load(a.run, a.raw)
    ds = MotionDataset(seed=0)
    g, tok = ds.g, Tokenizer(ds.g)
    rng = np.random.default_rng(0)
    parts = ["true", "motion", "shape", "color"]
    vids, caps = [], {k: [] for k in parts}
    for i in range(a.n):
        objs, bg, _ = ds.spec(FIRST_INDEX + i)
        v, c = ds[FIRST_INDEX + i]
        vids.append(v)
        caps["true"].append(c)
        for part in parts[1:]:
            caps[part].append(swapped(g, objs, bg, part, rng))
    x0 = fold_time(torch.from_numpy(np.stack(vids)), run_fold(ck["config"]["train"]))
    eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(1))
    print(f"run {a.run} step {ck['step']} ({'raw' if a.raw else 'ema'} weights), {a.n} samples; loss per caption:")
    with torch.no_grad():
        for t in [float(x) for x in a.t.split(",")]:
            xt = (1 - t) * x0 + t * eps
            row = []
            for part in parts:
                ids, mask = map(torch.from_numpy, tok.encode_batch(caps[part]))
                v = velocity(model, g, xt, t, text(ids, mask), mask)
                row.append(torch.mean((v - (x0 - eps)) ** 2).item())
            print(f"t={t}: true {row[0]:.5f}  " + "  ".join(
                f"{part} swapped {r:.5f} ({(r / row[0] - 1) * 100:+.2f}%)" for part, r in zip(parts[1:], row[1:])))


if __name__ == "__main__":
    main()
