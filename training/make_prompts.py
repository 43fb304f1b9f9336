"""Writes prompt files from the grammar.

  heldout (default): training/heldout_prompts.txt, the held-out combinations (never trained on)
  --random N --seed S --out FILE: N random single-object prompts from the whole grammar (training
  combinations included), to check that scores do not depend on the held-out file
"""
import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from dataset import caption, load_grammar  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--random", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default=None)
    a = p.parse_args()
    g = load_grammar()
    if not a.random:
        out = a.out or os.path.join(HERE, "heldout_prompts.txt")
        lines = ["# Held-out prompts: single-object combinations (grammar.json 'heldout') that training never used."]
        for h in g["heldout"]:
            lines.append(caption(g, [{k: h[k] for k in ("color", "shape", "motion", "speed")}], h["background"]))
    else:
        rng = np.random.default_rng(a.seed)
        out = a.out or os.path.join(HERE, f"random_prompts_{a.seed}.txt")
        lines = [f"# {a.random} random single-object prompts from the grammar (seed {a.seed})."]
        while len(lines) <= a.random:
            bg = list(g["backgrounds"])[rng.integers(len(g["backgrounds"]))]
            c = list(g["colors"])[rng.integers(len(g["colors"]))]
            if g["colors"][c] == g["backgrounds"][bg]:
                continue
            m = list(g["motions"])[rng.integers(len(g["motions"]))]
            sp = None if g["motions"][m]["kind"] == "none" else list(g["speeds"])[rng.integers(len(g["speeds"]))]
            s = g["shapes"][rng.integers(len(g["shapes"]))]
            lines.append(caption(g, [{"color": c, "shape": s, "motion": m, "speed": sp}], bg))
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{len(lines) - 1} prompts -> {out}")


if __name__ == "__main__":
    main()
