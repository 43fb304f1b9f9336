"""Can a run's STDiT3 learn a caption-dependent layout at pure noise? Trains a copy of its weights
(nothing is saved) on a few captions only, "a red circle <motion> quickly on a black background",
with t from U(--t-low, 1), and reports the error of its x0 at t = 0.999 against two oracles: the
per-caption mean video (what a model that reads the motion word can reach) and the mean over the
chosen captions (what a model that ignores it reaches). At the end it prints the per-frame
centroids of the predicted x0 next to the data's, as t1_layout.py does.

--skip s trains the output as v = F - s t x_t (s = 1: F's target is nearly x0 near t = 1, so the
network need not pass the noise through); the engine samples with s = 0 only, so s = 1 is a probe.

  /usr/bin/python3 training/t1_overfit.py --run fold8t --motions right,left,down --steps 150 --lr 1e-3
"""
import argparse
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from dataset import MotionDataset, Tokenizer, caption, fold_time, latent_shape, render, run_fold, unfold_time  # noqa: E402
from sample import load, velocity  # noqa: E402
from t1_layout import bg_distance, centroids  # noqa: E402

T_EVAL = 0.999


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", required=True)
    p.add_argument("--motions", default="right,left,down")
    p.add_argument("--steps", type=int, default=150)
    p.add_argument("--t-low", type=float, default=0.95)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--skip", type=float, default=1.0)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--eval-every", type=int, default=25)
    a = p.parse_args()
    torch.set_num_threads(2)
    model, text, cfg, ck = load(a.run)
    fold = run_fold(cfg["train"])
    g = MotionDataset(seed=0).g
    tok = Tokenizer(g)
    motions = a.motions.split(",")
    unknown = [m for m in motions if m not in g["motions"]]
    if unknown:
        p.error(f"--motions: not a motion of grammar.json: {unknown}")

    def obj(m):
        return {"color": "red", "shape": "circle", "motion": m, "speed": None if g["motions"][m]["kind"] == "none" else "fast"}

    cond = {}
    with torch.no_grad():
        for m in motions:
            ids, mask = tok.encode(caption(g, [obj(m)], "black"))
            cond[m] = (text(torch.tensor([ids]), torch.tensor([mask]))[0], torch.tensor(mask))
    rng = np.random.default_rng(5)
    n = 16
    held = {m: np.stack([render(g, [obj(m)], "black", rng) for _ in range(n)]) for m in motions}
    pooled = np.concatenate(list(held.values())).mean(0)

    def predict_x0(m, x0, eps, t):
        y, mask = cond[m]
        k = eps.shape[0]
        xt = (1 - t) * fold_time(x0, fold) + t * eps if x0 is not None else eps
        with torch.no_grad():
            f = velocity(model, g, xt, t, y[None].expand(k, -1, -1), mask[None].expand(k, -1))
        return unfold_time(xt + t * (f - a.skip * t * xt), fold).numpy()

    def evaluate():
        model.eval()
        err = 0.0
        for m in motions:
            eps = torch.randn(n, *latent_shape(g, fold), generator=torch.Generator().manual_seed(1))
            err += ((predict_x0(m, torch.from_numpy(held[m]), eps, T_EVAL) - held[m]) ** 2).mean()
        model.train()
        return err / len(motions)

    caption_oracle = np.mean([((held[m] - held[m].mean(0)) ** 2).mean() for m in motions])
    pooled_oracle = np.mean([((held[m] - pooled) ** 2).mean() for m in motions])
    print(f"run {a.run} step {ck['step']}, captions: {motions}, skip {a.skip}, lr {a.lr}, t ~ U({a.t_low}, 1)")
    print(f"x0 mse at t = {T_EVAL}: per-caption oracle {caption_oracle:.4f}, pooled (motion-blind) oracle {pooled_oracle:.4f}")
    print(f"step 0 model {evaluate():.4f}", flush=True)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=a.lr, weight_decay=0.0, betas=(0.9, 0.99))
    gen = torch.Generator().manual_seed(3)
    b, acc, start = a.batch, 0.0, time.time()
    for s in range(1, a.steps + 1):
        ms = [motions[i] for i in rng.integers(len(motions), size=b)]
        x0 = fold_time(torch.from_numpy(np.stack([render(g, [obj(m)], "black", rng) for m in ms])), fold)
        y = torch.stack([cond[m][0] for m in ms])
        mask = torch.stack([cond[m][1] for m in ms])
        t = (a.t_low + (1 - a.t_low) * torch.rand(b, generator=gen)).view(b, 1, 1, 1, 1)
        eps = torch.randn(x0.shape, generator=gen)
        xt = (1 - t) * x0 + t * eps
        f = model(xt, t.flatten() * 1000, y[:, None], mask, torch.full((b,), float(g["video"]["fps"])),
                  g["video"]["height"], g["video"]["width"])
        loss = ((f - a.skip * t * xt - (x0 - eps)) ** 2).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        acc += loss.item()
        if s % a.eval_every == 0:
            print(f"step {s} train loss {acc / a.eval_every:.4f} model {evaluate():.4f} ({time.time() - start:.0f} s)", flush=True)
            acc = 0.0
    model.eval()
    for m in motions:
        eps = torch.randn(n, *latent_shape(g, fold), generator=torch.Generator().manual_seed(7))
        px, py = centroids(bg_distance(predict_x0(m, None, eps, T_EVAL).mean(0), g["backgrounds"]["black"]))
        dx, dy = centroids(bg_distance(held[m].mean(0), g["backgrounds"]["black"]))
        print(f"{m}\n  model x {np.round(px, 1).tolist()}\n  data  x {np.round(dx, 1).tolist()}"
              f"\n  model y {np.round(py, 1).tolist()}\n  data  y {np.round(dy, 1).tolist()}")


if __name__ == "__main__":
    main()
