"""The training loss (MSE on v) of runs at fixed t, on the same 32 videos of the full grammar and the
same noise: shows whether a run trained on a slice (train.py --subset) or at high t only kept what
it knew elsewhere.

  /usr/bin/python3 training/loss_by_t.py RUN [RUN ...]
"""
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from dataset import MotionDataset, Tokenizer, fold_time, run_fold  # noqa: E402
from sample import load, velocity  # noqa: E402

T_VALUES = [0.2, 0.5, 0.8, 0.95, 0.999]


def main():
    runs = sys.argv[1:]
    if not runs:
        sys.exit("usage: loss_by_t.py RUN [RUN ...]")
    torch.set_num_threads(2)
    ds = MotionDataset(seed=5)  # not the training stream (seed 0)
    g, tok = ds.g, Tokenizer(ds.g)
    n = 32
    vids, caps = zip(*[ds[i] for i in range(n)])
    ids, mask = map(torch.from_numpy, tok.encode_batch(caps))
    print("run step " + " ".join(f"t={t}" for t in T_VALUES))
    for run in runs:
        model, text, cfg, ck = load(run)
        x0 = fold_time(torch.from_numpy(np.stack(vids)), run_fold(cfg["train"]))
        eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
        losses = []
        with torch.no_grad():
            y = text(ids, mask)
            for t in T_VALUES:
                vel = velocity(model, g, (1 - t) * x0 + t * eps, t, y, mask)
                losses.append(((vel - (x0 - eps)) ** 2).mean().item())
        print(f"{run} {ck['step']} " + " ".join(f"{x:.4f}" for x in losses), flush=True)


if __name__ == "__main__":
    main()
