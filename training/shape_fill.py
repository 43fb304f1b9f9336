"""Does a checkpoint draw the shape its caption asks for? For each caption, generates the circle,
square and triangle variants from the same seeds and prints the median fill (object pixels over
their bounding box, the measure src/eval/measure.ts classifies shapes by: square >= 0.9, circle
>= 0.64, else triangle) and how many land in the asked class. Object pixels here are those far
from the border's mean colour (a diagnostic, not the evaluator).

  /usr/bin/python3 training/shape_fill.py --run shp --seeds 4 --caption "a red {shape} standing still on a black background"

--show also prints frame 0 of each variant's first seed as characters, darker for farther from the
background (" " under 0.1, "@" at 0.9 and over), to see what the model draws. --steps and --shift
change the sampler's steps (is the silhouette a discretisation error?).

--denoise T,T,... instead noises one rendered video of each shape (the first caption's words, seed 0's
noise) to each t and prints the model's one-step clean prediction x0 = x_t + t v under each shape's
caption: does the model take the shape from the caption or from the noisy video?
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from dataset import Tokenizer, fold_time, load_grammar, parse_caption, render, run_fold  # noqa: E402
from sample import generate, load, to_video, velocity  # noqa: E402

SHAPES = ("circle", "square", "triangle")
OBJECT_DISTANCE = 0.3  # a pixel this far from the background is the object's


def border_distance(video):
    """Each pixel's distance from the border's mean colour ([T, H, W, 3] in [0, 1] -> [T, H, W])."""
    border = np.concatenate([video[:, 0], video[:, -1], video[:, :, 0], video[:, :, -1]], axis=1)
    return np.linalg.norm(video - border.reshape(-1, 3).mean(0), axis=-1)


def picture(dist):
    """One frame's border_distance as lines of characters, cropped to the object's box plus one pixel."""
    ys, xs = np.nonzero(dist > OBJECT_DISTANCE)
    if len(ys) == 0:
        return "(no object)"
    rows = range(max(0, ys.min() - 1), min(dist.shape[0], ys.max() + 2))
    cols = range(max(0, xs.min() - 1), min(dist.shape[1], xs.max() + 2))
    return "\n".join("".join(" .:-=+*#%@"[min(9, int(dist[y, x] * 10))] for x in cols) for y in rows)


def fill(dist):
    """Median over frames of object pixels / bounding-box area (dist: border_distance, [T, H, W])."""
    obj = dist > OBJECT_DISTANCE
    fills = []
    for m in obj:
        ys, xs = np.nonzero(m)
        if len(ys) >= 4:
            fills.append(len(ys) / ((ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1)))
    return float(np.median(fills)) if fills else float("nan")


def classify(f):
    return "square" if f >= 0.9 else "circle" if f >= 0.64 else "triangle"


def denoise(model, text, tok, g, fold, template, ts):
    """For each shape: render it (template's words, rng seed 0), noise it to each t (noise seed 0) and
    print the clean prediction x0 = x_t + t v under each shape's caption, its fill and class."""
    captions = {s: template.format(shape=s) for s in SHAPES}
    ys = {}
    for s, c in captions.items():
        ids, mask = map(torch.from_numpy, tok.encode_batch([c]))
        ys[s] = (text(ids, mask), mask)
    for true in SHAPES:
        objs, bg = parse_caption(g, captions[true])
        x0 = fold_time(torch.from_numpy(render(g, objs, bg, np.random.default_rng(0)))[None], fold)
        eps = torch.randn(x0.shape, generator=torch.Generator().manual_seed(0))
        for t in ts:
            xt = (1 - t) * x0 + t * eps
            for s in SHAPES:
                pred = xt + t * velocity(model, g, xt, t, *ys[s])
                d = border_distance(to_video(pred, fold))
                f = fill(d)
                print(f"a noisy {true} at t={t}, captioned {s}: x0 fill {f:.2f} ({classify(f)})\n{picture(d[0])}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", required=True)
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("--cfg", type=float, default=2.0)
    p.add_argument("--caption", action="append", help="a caption with {shape} (repeatable)")
    p.add_argument("--show", action="store_true", help="print frame 0 of each variant's first seed")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--shift", type=float, default=1.0, help="sampler timestep shift (1: the engine's steps)")
    p.add_argument("--denoise", default="", help="comma-separated t values: one-step predictions from noised renders")
    a = p.parse_args()
    try:
        ts = [float(t) for t in a.denoise.split(",")] if a.denoise else []
    except ValueError:
        p.error(f"--denoise takes comma-separated numbers, got {a.denoise!r}")
    if any(not 0 < t <= 1 for t in ts):
        p.error(f"--denoise values must be in (0, 1], got {a.denoise!r}")
    if a.steps < 1 or a.shift <= 0:
        p.error("--steps must be >= 1 and --shift > 0")
    torch.set_num_threads(2)
    model, text, cfg, ck = load(a.run)
    g = load_grammar()
    tok = Tokenizer(g)
    fold = run_fold(cfg["train"])
    captions = a.caption or ["a red {shape} standing still on a black background",
                             "a green {shape} moving left slowly on a white background",
                             "a yellow {shape} moving down quickly on a navy background"]
    if ts:
        print(f"run {a.run} step {ck['step']}")
        with torch.no_grad():
            denoise(model, text, tok, g, fold, captions[0], ts)
        return
    print(f"run {a.run} step {ck['step']}, cfg {a.cfg}, {a.seeds} seeds, {a.steps} steps, shift {a.shift}")
    right = total = 0
    for c in captions:
        row = []
        for s in SHAPES:
            dists = [border_distance(generate(model, text, tok, g, c.format(shape=s), seed, a.steps, a.cfg, fold, a.shift)) for seed in range(a.seeds)]
            if a.show:
                print(f"{c.format(shape=s)} (seed 0, frame 0):\n{picture(dists[0][0])}")
            fs = [fill(d) for d in dists]
            ok = sum(classify(f) == s for f in fs)
            right, total = right + ok, total + len(fs)
            row.append(f"{s} {np.nanmedian(fs):.2f} ({ok}/{len(fs)})")
        print(f"{c}: " + ", ".join(row), flush=True)
    print(f"asked class: {right}/{total}")


if __name__ == "__main__":
    main()
