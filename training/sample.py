"""Samples videos from a checkpoint with Open-Sora's RFLOW (plain timesteps, no transform) and CFG
against the learned null caption. Writes, per prompt and seed, a float32 file
[T, H, W, 3] in [0, 1] (NAME.f32, with NAME.json holding prompt/seed/dims) and a PNG strip.

  /usr/bin/python3 training/sample.py --run shapes --prompts training/heldout_prompts.txt --seeds 1 --out /tmp/s
"""
import argparse
import json
import os
import struct
import sys
import zlib

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from dataset import Tokenizer, latent_shape, load_grammar, read_prompts, run_fold, unfold_time  # noqa: E402
from stdit3 import STDiT3  # noqa: E402
from text_encoder import TextEncoder  # noqa: E402
from train import load_checkpoint, run_checkpoint, shift_t  # noqa: E402


def write_png(path, img):
    h, w, _ = img.shape
    raw = b"".join(b"\x00" + img[y].tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def load(run, raw=False):
    ck = load_checkpoint(run_checkpoint(run))  # ckpt.pt, or the committed resume.pt
    cfg = ck["config"]
    model, text = STDiT3(**cfg["model"]), TextEncoder(**cfg["text"])
    src = {"model": ck["model"], "text": ck["text"]} if raw else ck["ema"]
    model.load_state_dict(src["model"])
    text.load_state_dict(src["text"])
    return model.eval(), text.eval(), cfg, ck


def velocity(model, g, x, t, y, mask):
    """The STDiT3's v at one t in [0, 1] for a batch: x [n, C, T, H, W], caption embeddings y [n, L, C]
    (the text encoder's output), mask [n, L]."""
    n, v = x.shape[0], g["video"]
    return model(x, torch.full((n,), t * 1000), y[:, None], mask, torch.full((n,), float(v["fps"])), v["height"], v["width"])


@torch.no_grad()
def generate(model, text, tok, g, prompt, seed, steps=30, cfg_scale=7.0, fold=1, shift=1.0):
    """Euler RFLOW from seed's noise; shift > 1 spends more of the steps near t = 1 (shift_t over
    u = 1 - i / steps, the transform training's --t-shift uses), 1 gives the engine's steps."""
    v = g["video"]
    ids, mask = tok.encode(prompt)
    ids, mask = torch.tensor([ids]), torch.tensor([mask])
    y = text(ids, mask)[:, None]
    y_null = model.y_embedder.y_embedding[None, None]
    gen = torch.Generator().manual_seed(seed)
    z = torch.randn((1, *latent_shape(g, fold)), generator=gen)
    ts = [1000 * shift_t(1 - i / steps, shift) for i in range(steps)]
    fps = torch.full((2,), float(v["fps"]))
    for i, t in enumerate(ts):
        out = model(torch.cat([z, z]), torch.tensor([t, t]), torch.cat([y, y_null]), torch.cat([mask, mask]),
                    fps, v["height"], v["width"])
        vc, vu = out[:1], out[1:]
        vel = vu + cfg_scale * (vc - vu)
        dt = (t - (ts[i + 1] if i + 1 < steps else 0.0)) / 1000
        z = z + vel * dt
    return to_video(z, fold)


def to_video(z, fold):
    """A (time-folded) latent [1, C, T, H, W] in [-1, 1] -> the video [T, H, W, 3] in [0, 1] (numpy)."""
    return ((unfold_time(z, fold)[0].permute(1, 2, 3, 0).clamp(-1, 1) + 1) / 2).numpy()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", default="shapes")
    p.add_argument("--prompts", required=True)
    p.add_argument("--seeds", type=int, default=1)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--cfg", type=float, default=7.0)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--out", required=True)
    p.add_argument("--raw", action="store_true")
    a = p.parse_args()
    torch.set_num_threads(2)
    g = load_grammar()
    tok = Tokenizer(g)
    model, text, cfg, ck = load(a.run, a.raw)
    prompts = read_prompts(a.prompts)
    if a.limit:
        prompts = prompts[: a.limit]
    os.makedirs(a.out, exist_ok=True)
    print(f"checkpoint step {ck['step']}", flush=True)
    for pi, prompt in enumerate(prompts):
        for seed in range(a.seeds):
            vid = generate(model, text, tok, g, prompt, seed, a.steps, a.cfg, run_fold(cfg["train"]))
            name = f"p{pi:03d}_s{seed}"
            vid.astype(np.float32).tofile(os.path.join(a.out, name + ".f32"))
            with open(os.path.join(a.out, name + ".json"), "w") as f:
                json.dump({"prompt": prompt, "seed": seed, "dims": list(vid.shape), "step": ck["step"]}, f)
            strip = np.concatenate(list((vid[::2] * 255).round().astype(np.uint8)), axis=1)
            write_png(os.path.join(a.out, name + ".png"), strip.repeat(3, 0).repeat(3, 1))
    print("done", flush=True)


if __name__ == "__main__":
    main()
