"""Procedural motion videos with captions from training/grammar.json.

Each index gives the same sample (rng seeded by (seed, index)). Videos are float32
[3, T, H, W] in [-1, 1]; shapes are rendered with 1-pixel antialiased edges.
"""
import json
import math
import os

import numpy as np

GRAMMAR_PATH = os.path.join(os.path.dirname(__file__), "grammar.json")


def load_grammar(path=GRAMMAR_PATH):
    with open(path) as f:
        return json.load(f)


def combo_key(obj, background):
    return (obj["color"], obj["shape"], obj["motion"], obj["speed"], background)


def caption(g, objs, background):
    t = g["templates"]

    def obj_text(o):
        md = g["motions"][o["motion"]]
        if md["kind"] == "none":
            mt = md["phrase"]
        else:
            mt = t["motion"].format(phrase=md["phrase"], speed=g["speeds"][o["speed"]]["word"])
        return t["object"].format(color=o["color"], shape=o["shape"], motion=mt)

    if len(objs) == 1:
        return t["one"].format(object=obj_text(objs[0]), background=background)
    return t["two"].format(object=obj_text(objs[0]), object2=obj_text(objs[1]), background=background)


def motion_variants(g):
    """Every (motion, speed) a caption can ask for; static has no speed."""
    return sorted({(m, None) if md["kind"] == "none" else (m, sp) for m, md in g["motions"].items() for sp in g["speeds"]}, key=str)


def parse_caption(g, text):
    """Inverse of caption(): the objects and background a grammar caption asks for."""
    words = text.strip().lower().split()
    bg = words[-2]
    body = " ".join(words[:-4])  # drop "on a X background"
    parts = body.split(" and a ")
    objs = []
    for i, p in enumerate(parts):
        w = p.split()
        if i == 0:
            w = w[1:]  # leading "a"
        color, shape, rest = w[0], w[1], " ".join(w[2:])
        motion, speed = None, None
        for name, md in g["motions"].items():
            if md["kind"] == "none" and rest == md["phrase"]:
                motion = name
            for sp, sd in g["speeds"].items():
                if md["kind"] != "none" and rest == f"{md['phrase']} {sd['word']}":
                    motion, speed = name, sp
        if motion is None or color not in g["colors"] or shape not in g["shapes"]:
            raise ValueError(f"not a grammar caption: {text!r}")
        objs.append({"color": color, "shape": shape, "motion": motion, "speed": speed})
    if bg not in g["backgrounds"]:
        raise ValueError(f"not a grammar caption: {text!r}")
    return objs, bg


def _place(rng, lo, hi, center, jitter, offset=0.0):
    """A coordinate in [lo, hi]: uniform, or `center + offset` +- `jitter` (clipped) when centring."""
    if center is None:
        return rng.uniform(lo, hi)
    return float(np.clip(center + offset + rng.uniform(-jitter, jitter), lo, hi))


def _trajectory(g, o, rng, T, H, W, centred):
    """Centres [T,2] (x,y) and half-sizes [T] for one object; `centred`: its path's middle lies
    near the frame centre (render.centerJitter), else anywhere in the frame."""
    md = g["motions"][o["motion"]]
    r0, r1 = g["render"]["halfSize"]
    jit = g["render"]["centerJitter"]
    cx0, cy0 = (W / 2, H / 2) if centred else (None, None)
    f = np.arange(T, dtype=np.float64)
    if md["kind"] == "scale":
        lo, hi = g["render"]["scaleRange"][o["speed"]]
        a, b = (lo, hi) if md["sign"] > 0 else (hi, lo)
        size = a + (b - a) * f / (T - 1)
        m = max(lo, hi) + 1
        cx, cy = _place(rng, m, W - m, cx0, jit), _place(rng, m, H - m, cy0, jit)
        return np.stack([np.full(T, cx), np.full(T, cy)], 1), size
    r = rng.uniform(r0, r1)
    size = np.full(T, r)
    m = r + 1
    if md["kind"] == "none":
        cx, cy = _place(rng, m, W - m, cx0, jit), _place(rng, m, H - m, cy0, jit)
        return np.stack([np.full(T, cx), np.full(T, cy)], 1), size
    if md["kind"] == "translate":
        v = g["speeds"][o["speed"]]["translate"]
        dx, dy = md["dir"]
        tx, ty = dx * v * (T - 1), dy * v * (T - 1)
        # the start point, so that the path's midpoint lands near the centre
        x0 = _place(rng, m - min(tx, 0), W - m - max(tx, 0), cx0, jit, -tx / 2)
        y0 = _place(rng, m - min(ty, 0), H - m - max(ty, 0), cy0, jit, -ty / 2)
        return np.stack([x0 + dx * v * f, y0 + dy * v * f], 1), size
    # bounce: the object falls onto a floor and rises again, |sin| profile
    bd = g["speeds"][o["speed"]]["bounce"]
    amp = bd["height"]
    floor = _place(rng, m + amp, H - m, cy0, jit, amp / 2)
    cx = _place(rng, m, W - m, cx0, jit)
    phase = rng.uniform(0, math.pi)
    y = floor - amp * np.abs(np.sin(phase + math.pi * bd["bounces"] * f / (T - 1)))
    return np.stack([np.full(T, cx), y], 1), size


def _coverage(shape, centers, sizes, H, W):
    """Antialiased coverage [T,H,W] in [0,1]."""
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float64) + 0.5
    dx = xs[None] - centers[:, 0, None, None]
    dy = ys[None] - centers[:, 1, None, None]
    r = sizes[:, None, None]
    if shape == "circle":
        sd = np.sqrt(dx * dx + dy * dy) - r
    elif shape == "square":
        s = r * 0.9
        sd = np.maximum(np.abs(dx), np.abs(dy)) - s
    else:
        # triangle pointing up, circumradius 1.3 r, centred on its centroid
        R = 1.3 * r
        d1 = dy - R / 2  # bottom edge
        n = (math.sqrt(3) / 2, -0.5)
        d2 = n[0] * dx + n[1] * dy - R / 2
        d3 = -n[0] * dx + n[1] * dy - R / 2
        sd = np.maximum(np.maximum(d1, d2), d3)
    return np.clip(0.5 - sd, 0.0, 1.0)


def render(g, objs, background, rng):
    v = g["video"]
    T, H, W = v["frames"], v["height"], v["width"]
    img = np.empty((T, H, W, 3), dtype=np.float64)
    img[:] = np.array(g["backgrounds"][background], dtype=np.float64)
    for o in objs:
        centers, sizes = _trajectory(g, o, rng, T, H, W, centred=len(objs) == 1)
        cov = _coverage(o["shape"], centers, sizes, H, W)[..., None]
        img = img * (1 - cov) + cov * np.array(g["colors"][o["color"]], dtype=np.float64)
    x = (img / 127.5 - 1.0).astype(np.float32)
    return np.ascontiguousarray(x.transpose(3, 0, 1, 2))


SUBSET_KEYS = ("colors", "shapes", "motions", "speeds", "backgrounds")


def check_subset(g, subset):
    """A training slice of the grammar: {key: [names]} for keys of SUBSET_KEYS (drawn uniformly from
    the list, so a name listed twice is drawn twice as often), plus an optional
    "twoObjectProb", an optional "fraction" (the share of samples drawn from the slice, the rest
    from the whole grammar; default 1) and an optional "render" ({"centerJitter": px, "halfSize":
    [lo, hi]}, overriding grammar.json's render values for the slice's samples). Raises ValueError
    naming what is wrong; returns the subset."""
    if not isinstance(subset, dict):
        raise ValueError("a subset is a JSON object")
    for k, v in subset.items():
        if k == "twoObjectProb":
            if not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise ValueError(f"subset twoObjectProb must be a number in [0, 1], got {v!r}")
            continue
        if k == "fraction":
            if not isinstance(v, (int, float)) or not 0 < v <= 1:
                raise ValueError(f"subset fraction must be a number in (0, 1], got {v!r}")
            continue
        if k == "render":
            check_render_override(v)
            continue
        if k not in SUBSET_KEYS:
            raise ValueError(f"subset key {k!r} is not one of {SUBSET_KEYS}, twoObjectProb, fraction or render")
        known = g[k]
        if not isinstance(v, list) or not v or any(x not in known for x in v):
            raise ValueError(f"subset {k} must be a non-empty list of names from grammar.json {k}, got {v!r}")
    colors = subset.get("colors", list(g["colors"]))
    bgs = subset.get("backgrounds", list(g["backgrounds"]))
    if all(g["colors"][c] == g["backgrounds"][b] for c in colors for b in bgs):
        raise ValueError("subset: every colour equals every background, no video can be drawn")
    return subset


def check_render_override(r):
    if not isinstance(r, dict) or not r or any(k not in ("centerJitter", "halfSize") for k in r):
        raise ValueError(f"subset render must be an object with centerJitter and/or halfSize, got {r!r}")
    j = r.get("centerJitter", 0)
    if not isinstance(j, (int, float)) or not 0 <= j <= 8:
        raise ValueError(f"subset render centerJitter must be a number of pixels in [0, 8], got {j!r}")
    h = r.get("halfSize", [4, 4])
    if not (isinstance(h, list) and len(h) == 2 and all(isinstance(x, (int, float)) for x in h) and 2 <= h[0] <= h[1] <= 8):
        raise ValueError(f"subset render halfSize must be [lo, hi] with 2 <= lo <= hi <= 8, got {h!r}")


class MotionDataset:
    def __init__(self, seed=0, grammar=None, subset=None):
        self.g = grammar or load_grammar()
        self.seed = seed
        self.heldout = {(h["color"], h["shape"], h["motion"], h["speed"], h["background"]) for h in self.g["heldout"]}
        self.subset = check_subset(self.g, subset) if subset else {}
        # the grammar the slice's samples are rendered with
        self.slice_g = {**self.g, "render": {**self.g["render"], **self.subset["render"]}} if "render" in self.subset else self.g

    def _choices(self, key, part):
        return part.get(key, list(self.g[key]))

    def _random_object(self, rng, part, exclude_color=None):
        g = self.g
        colors = [c for c in self._choices("colors", part) if c != exclude_color] or [c for c in g["colors"] if c != exclude_color]
        motions, shapes, speeds = (self._choices(k, part) for k in ("motions", "shapes", "speeds"))
        m = motions[rng.integers(len(motions))]
        sp = None if g["motions"][m]["kind"] == "none" else speeds[rng.integers(len(speeds))]
        return {"color": colors[rng.integers(len(colors))], "shape": shapes[rng.integers(len(shapes))],
                "motion": m, "speed": sp}

    def spec(self, index):
        """The objects and background of sample `index` (never a held-out combination), drawn from
        the subset's slice of the grammar when there is one, and the rng that renders it."""
        return self._spec(index)[:3]

    def _spec(self, index):
        """spec and the grammar to render it with (the slice's render values when drawn from it)."""
        g = self.g
        rng = np.random.default_rng([self.seed, index])
        part = self.subset
        if "fraction" in part and rng.random() >= part["fraction"]:
            part = {}
        bgs = self._choices("backgrounds", part)
        two = part.get("twoObjectProb", g["render"]["twoObjectProb"])
        while True:
            bg = bgs[rng.integers(len(bgs))]
            n = 2 if rng.random() < two else 1
            objs = [self._random_object(rng, part)]
            if n == 2:
                objs.append(self._random_object(rng, part, exclude_color=objs[0]["color"]))
            if any(g["colors"][o["color"]] == g["backgrounds"][bg] for o in objs):
                continue
            if any(combo_key(o, bg) in self.heldout for o in objs):
                continue
            return objs, bg, rng, (self.slice_g if part is self.subset else g)

    def __getitem__(self, index):
        objs, bg, rng, rg = self._spec(index)
        return render(rg, objs, bg, rng), caption(self.g, objs, bg)


def read_prompts(path):
    """A prompt file: one caption per line; blank lines and '#' comments skipped."""
    with open(path) as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]


class Tokenizer:
    """Word-level tokenizer over the grammar's words; the same vocabulary goes into tokenizer.json."""

    def __init__(self, g):
        words = set()
        t = g["templates"]
        for s in [t["one"], t["two"], t["object"], t["motion"]]:
            words.update(w for w in s.split() if not w.startswith("{"))
        words.update(g["shapes"])
        words.update(g["colors"])
        words.update(g["backgrounds"])
        for md in g["motions"].values():
            words.update(md["phrase"].split())
        for sd in g["speeds"].values():
            words.add(sd["word"])
        self.pad, self.unk = g["tokenizer"]["pad"], g["tokenizer"]["unk"]
        self.vocab = [self.pad, self.unk] + sorted(words)
        self.ids = {w: i for i, w in enumerate(self.vocab)}
        self.max_length = g["tokenizer"]["maxLength"]

    def encode(self, text):
        ids = [self.ids.get(w, 1) for w in text.lower().split()][: self.max_length]
        mask = [1] * len(ids) + [0] * (self.max_length - len(ids))
        return ids + [0] * (self.max_length - len(ids)), mask

    def encode_batch(self, texts):
        """Token ids and masks of several captions: two int64 arrays [len(texts), max_length]."""
        enc = [self.encode(t) for t in texts]
        return np.array([e[0] for e in enc], dtype=np.int64), np.array([e[1] for e in enc], dtype=np.int64)


def fold_time(x, k):
    """[B, 3, T, H, W] -> [B, 3k, T/k, H, W]: each group of k frames becomes one latent frame whose
    channel j*3 + c is colour c of the group's frame j (the package's "pixels" decoder with
    temporalFold k undoes it). The STDiT3 has no absolute temporal position (RoPE only), so at pure
    noise it cannot tell frames apart; inside a latent frame the channel says which frame it is."""
    b, c, t, h, w = x.shape
    return x.reshape(b, c, t // k, k, h, w).permute(0, 3, 1, 2, 4, 5).reshape(b, k * c, t // k, h, w)


def run_fold(train_cfg):
    """A run's --temporal-fold from its config["train"]; runs from before the option have none (1)."""
    return train_cfg.get("temporal_fold", 1)


def latent_shape(g, fold):
    """[C, T, H, W] of one video's latent under fold_time."""
    v = g["video"]
    return 3 * fold, v["frames"] // fold, v["height"], v["width"]


def unfold_time(z, k):
    """Inverse of fold_time: [B, 3k, T', H, W] -> [B, 3, T'k, H, W]."""
    b, kc, t, h, w = z.shape
    return z.reshape(b, k, kc // k, t, h, w).permute(0, 2, 3, 1, 4, 5).reshape(b, kc // k, t * k, h, w)
