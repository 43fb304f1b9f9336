"""Does a checkpoint draw the shape its caption asks for? For each caption, generates the circle,
square and triangle variants from the same seeds and prints the median fill (object pixels over
their bounding box, the measure src/eval/measure.ts classifies shapes by: square >= 0.9, circle
>= 0.64, else triangle) and how many land in the asked class. Object pixels here are those far
from the border's mean colour (a diagnostic, not the evaluator).

  /usr/bin/python3 training/shape_fill.py --run shp --seeds 4 --caption "a red {shape} standing still on a black background"

--show also prints frame 0 of each variant's first seed as characters, darker for farther from the
background (" " under 0.1, "@" at 0.9 and over), to see what the model draws.
"""
import argparse
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from dataset import Tokenizer, load_grammar, run_fold  # noqa: E402
from sample import generate, load  # noqa: E402

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


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", required=True)
    p.add_argument("--seeds", type=int, default=4)
    p.add_argument("--cfg", type=float, default=2.0)
    p.add_argument("--caption", action="append", help="a caption with {shape} (repeatable)")
    p.add_argument("--show", action="store_true", help="print frame 0 of each variant's first seed")
    a = p.parse_args()
    torch.set_num_threads(2)
    model, text, cfg, ck = load(a.run)
    g = load_grammar()
    tok = Tokenizer(g)
    fold = run_fold(cfg["train"])
    captions = a.caption or ["a red {shape} standing still on a black background",
                             "a green {shape} moving left slowly on a white background",
                             "a yellow {shape} moving down quickly on a navy background"]
    print(f"run {a.run} step {ck['step']}, cfg {a.cfg}, {a.seeds} seeds")
    right = total = 0
    for c in captions:
        row = []
        for s in SHAPES:
            dists = [border_distance(generate(model, text, tok, g, c.format(shape=s), seed, 30, a.cfg, fold)) for seed in range(a.seeds)]
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
