"""Pretrains the text encoder to tell every caption attribute from every token, to be used frozen
(train.py --text-init): trained jointly with the STDiT3, the encoder kept colour and background and
let the shape, motion and speed words fade (their swaps moved the caption embedding by ~0.6 against
a norm of ~7), so the STDiT3 had nothing to read them from.

Linear heads on each non-pad output token predict the first object's colour, shape, motion and
speed, whether there is a second object and its colour, shape, motion and speed, and the
background. Captions come from the training stream (MotionDataset.spec: never a held-out
combination); the check reports each head's accuracy on the held-out prompts, read at every token.

  /usr/bin/python3 training/pretrain_text.py --out training/runs/textattr/text.pt
"""
import argparse
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
from dataset import MotionDataset, Tokenizer, caption, parse_caption, read_prompts  # noqa: E402
from text_encoder import TextEncoder, text_config  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def heads_spec(g):
    """(name, classes) per head; class 0 of the second object's heads and of speed means 'none'."""
    motions, speeds = list(g["motions"]), list(g["speeds"])
    return [("color", [*g["colors"]]), ("shape", g["shapes"]), ("motion", motions), ("speed", [None, *speeds]),
            ("two", [False, True]), ("color2", [None, *g["colors"]]), ("shape2", [None, *g["shapes"]]),
            ("motion2", [None, *motions]), ("speed2", [None, *speeds]), ("background", [*g["backgrounds"]])]


def labels(spec, objs, bg):
    o1 = objs[0]
    o2 = objs[1] if len(objs) > 1 else {"color": None, "shape": None, "motion": None, "speed": None}
    value = {"color": o1["color"], "shape": o1["shape"], "motion": o1["motion"], "speed": o1["speed"],
             "two": len(objs) > 1, "color2": o2["color"], "shape2": o2["shape"], "motion2": o2["motion"],
             "speed2": o2["speed"], "background": bg}
    return [classes.index(value[name]) for name, classes in spec]


def encode_batch(tok, g, spec, items):
    ids, masks = tok.encode_batch([caption(g, objs, bg) for objs, bg in items])
    return torch.from_numpy(ids), torch.from_numpy(masks), torch.tensor([labels(spec, objs, bg) for objs, bg in items])


def head_losses(text, head, spec, ids, mask, y):
    """Per-head cross-entropy and accuracy over every non-pad token."""
    z = head(text(ids, mask))  # [B, L, sum classes]
    keep = mask.bool()
    losses, accs, off = [], [], 0
    for i, (_, classes) in enumerate(spec):
        logits = z[..., off:off + len(classes)][keep]
        target = y[:, i, None].expand(-1, ids.shape[1])[keep]
        losses.append(F.cross_entropy(logits, target))
        accs.append((logits.argmax(-1) == target).float().mean().item())
        off += len(classes)
    return losses, accs


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--steps", type=int, default=3000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3)
    a = p.parse_args()
    torch.set_num_threads(2)
    torch.manual_seed(0)
    ds = MotionDataset(seed=0)
    g = ds.g
    tok = Tokenizer(g)
    spec = heads_spec(g)
    cfg = text_config(tok)
    text = TextEncoder(**cfg)
    head = torch.nn.Linear(cfg["dim"], sum(len(c) for _, c in spec))
    opt = torch.optim.AdamW([*text.parameters(), *head.parameters()], lr=a.lr, weight_decay=0.0)
    # the stream's captions at indices far from the STDiT3's (any index is a training caption)
    pool = [ds.spec(10_000_000 + i)[:2] for i in range(20000)]
    gen = torch.Generator().manual_seed(0)
    t0 = time.time()
    for step in range(1, a.steps + 1):
        pick = torch.randint(len(pool), (a.batch,), generator=gen).tolist()
        losses, accs = head_losses(text, head, spec, *encode_batch(tok, g, spec, [pool[i] for i in pick]))
        loss = sum(losses) / len(losses)
        for grp in opt.param_groups:
            grp["lr"] = a.lr * min(1.0, step / 100) * (1 - step / (a.steps + 1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 500 == 0:
            print(f"step {step} loss {loss.item():.4f} min head acc {min(accs):.3f} ({time.time() - t0:.0f} s)", flush=True)
    prompts = read_prompts(os.path.join(HERE, "heldout_prompts.txt"))
    with torch.no_grad():
        _, accs = head_losses(text, head, spec, *encode_batch(tok, g, spec, [parse_caption(g, c) for c in prompts]))
    report = {name: round(acc, 4) for (name, _), acc in zip(spec, accs)}
    print("held-out prompts, accuracy per head at every token:", report)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    torch.save({"config": cfg, "text": text.state_dict(), "steps": a.steps, "heldout_acc": report}, a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
