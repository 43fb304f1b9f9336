"""Writes training/grammar.json: the caption grammar and render parameters shared by the
trainer (dataset.py) and the TypeScript evaluator. Run once; the held-out list is drawn with a
fixed seed so re-running gives the same file."""
import json
import os
import random

G = {
    "version": 1,
    "video": {"frames": 16, "height": 32, "width": 32, "fps": 8},
    "shapes": ["circle", "square", "triangle"],
    "colors": {
        "red": [255, 0, 0], "green": [0, 200, 0], "blue": [40, 80, 255], "yellow": [255, 230, 0],
        "cyan": [0, 230, 230], "magenta": [230, 0, 230], "white": [255, 255, 255],
    },
    "backgrounds": {"black": [0, 0, 0], "gray": [128, 128, 128], "white": [255, 255, 255], "navy": [0, 0, 100]},
    # kind: translate (velocity direction, unit vector in image coords, y down), bounce, scale, none.
    # speeds: translate = centroid px/frame; bounce = humps and height (mean |vy| = 2*bounces*height/15);
    # growing/shrinking use render.scaleRange (half-size from..to). The evaluator classifies a
    # measured speed as the nearer of the nominal values (log scale).
    "motions": {
        "static": {"phrase": "standing still", "kind": "none"},
        "left": {"phrase": "moving left", "kind": "translate", "dir": [-1, 0]},
        "right": {"phrase": "moving right", "kind": "translate", "dir": [1, 0]},
        "up": {"phrase": "moving up", "kind": "translate", "dir": [0, -1]},
        "down": {"phrase": "moving down", "kind": "translate", "dir": [0, 1]},
        "up-left": {"phrase": "moving up-left", "kind": "translate", "dir": [-0.7071, -0.7071]},
        "up-right": {"phrase": "moving up-right", "kind": "translate", "dir": [0.7071, -0.7071]},
        "down-left": {"phrase": "moving down-left", "kind": "translate", "dir": [-0.7071, 0.7071]},
        "down-right": {"phrase": "moving down-right", "kind": "translate", "dir": [0.7071, 0.7071]},
        "bouncing": {"phrase": "bouncing", "kind": "bounce"},
        "growing": {"phrase": "growing", "kind": "scale", "sign": 1},
        "shrinking": {"phrase": "shrinking", "kind": "scale", "sign": -1},
    },
    "speeds": {
        "slow": {"word": "slowly", "translate": 0.5, "bounce": {"bounces": 1, "height": 8}},
        "fast": {"word": "quickly", "translate": 1.2, "bounce": {"bounces": 2, "height": 11}},
    },
    # centerJitter: a single object's path is centred on the frame (its middle frame within this many
    # px of the centre), so a caption decides where the object is in every frame; two objects are
    # placed anywhere. With uniform placement the mean video given a caption is a smear whatever the
    # shape or motion, and the loss barely rewarded reading those words (training/README.md).
    "render": {"halfSize": [4.0, 5.5], "scaleRange": {"slow": [3.5, 6.0], "fast": [2.5, 8.0]},
               "twoObjectProb": 0.25, "centerJitter": 1.0},
    "templates": {
        "motion": "{phrase} {speed}",
        "object": "a {color} {shape} {motion}",
        "one": "{object} on a {background} background",
        "two": "{object} and {object2} on a {background} background",
    },
    "tokenizer": {"maxLength": 20, "pad": "[PAD]", "unk": "[UNK]"},
}


def combos():
    out = []
    for c in G["colors"]:
        for s in G["shapes"]:
            for m, md in G["motions"].items():
                for sp in ([None] if md["kind"] == "none" else list(G["speeds"])):
                    for b in G["backgrounds"]:
                        if G["colors"][c] == G["backgrounds"][b]:
                            continue
                        out.append({"color": c, "shape": s, "motion": m, "speed": sp, "background": b})
    return out


def main():
    all_c = combos()
    rng = random.Random(20261125)
    G["heldout"] = sorted(rng.sample(all_c, 60), key=lambda d: json.dumps(d, sort_keys=True))
    G["heldoutNote"] = ("Single-object (color, shape, motion, speed, background) combinations never used in "
                        "training captions, neither alone nor as one object of a two-object caption.")
    path = os.path.join(os.path.dirname(__file__), "grammar.json")
    with open(path, "w") as f:
        json.dump(G, f, indent=1)
    print(f"{len(all_c)} single-object combinations, {len(G['heldout'])} held out -> {path}")


if __name__ == "__main__":
    main()
