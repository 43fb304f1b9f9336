"""Trains the embedded text-to-video STDiT3 on procedural motion videos.

Rectified flow as Open-Sora v1.2: x_t = (1 - t) x0 + t eps, target v = x0 - eps, the model gets
t * 1000; captions dropped to the learned null caption (y_embedder.y_embedding) for guidance.
Resumes from training/runs/<run>/ckpt.pt when it exists; appends to log.csv there.

  /usr/bin/python3 training/train.py --run shapes --hours 1.5
"""
import argparse
import copy
import csv
import json
import math
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
from dataset import MotionDataset, Tokenizer, caption, check_subset, combo_key, fold_time, motion_variants, run_fold  # noqa: E402
from stdit3 import STDiT3  # noqa: E402
from text_encoder import TextEncoder, text_config  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))

PRESETS = {
    # hidden, depth, heads, patch; caption_channels = text dim
    "p244-h128": dict(hidden_size=128, depth=4, num_heads=4, patch_size=[2, 4, 4]),
    "p244-h96": dict(hidden_size=96, depth=4, num_heads=4, patch_size=[2, 4, 4]),
    "p144-h128": dict(hidden_size=128, depth=4, num_heads=4, patch_size=[1, 4, 4]),
    "p188-h128": dict(hidden_size=128, depth=4, num_heads=4, patch_size=[1, 8, 8]),
    # with --temporal-fold 8: 24 channels x 2 x 2 = 96 values per token, under the hidden size (a
    # token with more values than hidden channels cannot pass the noise through: fold 4 with
    # patch (1, 4, 4) = 192 values plateaued at loss 0.57)
    "p122-h128": dict(hidden_size=128, depth=4, num_heads=4, patch_size=[1, 2, 2]),
    "p288-h160": dict(hidden_size=160, depth=4, num_heads=4, patch_size=[2, 8, 8]),
}


def make_config(preset, g, fold=1):
    cfg = dict(PRESETS[preset])
    cfg.update(mlp_ratio=4.0, in_channels=3 * fold, pred_sigma=False, caption_channels=64,
               model_max_length=g["tokenizer"]["maxLength"], qk_norm=True, input_sq_size=512,
               class_dropout_prob=0.1)
    return cfg


def autocast(amp):
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=amp == "bf16")


# pixels around an object that --object-weight weights too: a circle's bounding-box corners lie
# 0.41 of its half-size outside it, ~2.3 px at the largest still or moving one (5.5 px; a growing
# one reaches 8 px, ~3.3 px)
OBJECT_REACH = 3
T_HIGH_FROM = 0.8  # the default lower end of --t-high's range
CAPTION_GAIN_WORDS = ("motions", "shapes")  # word categories --caption-gain can amplify


def shift_t(t, shift):
    """Open-Sora's timestep transform t' = s t / (1 + (s - 1) t): s > 1 moves t towards the noise end."""
    return shift * t / (1 + (shift - 1) * t)


def object_weight(video, weight, reach=OBJECT_REACH):
    """Loss weight per pixel [B, 1, T, H, W] of videos [B, 3, T, H, W]: 1 + `weight` within `reach`
    pixels of an object (a colour off the video's per-channel median, its background), scaled to mean
    1 per video. An object covers under a tenth of the pixels and what tells a square from a circle is
    a few pixels at its corners, so an unweighted loss barely rewards drawing them; the reach takes in
    the background a circle leaves where a square's corners would be."""
    background = video.flatten(2).median(-1).values[..., None, None, None]
    near = ((video - background).abs().amax(1, keepdim=True) > 0.05).float()
    near = torch.nn.functional.max_pool3d(near, (1, 2 * reach + 1, 2 * reach + 1), stride=1, padding=(0, reach, reach))
    w = 1 + weight * near
    return w / w.mean(dim=(2, 3, 4), keepdim=True)


def sample_t(n, gen, shift=1.0, high=0.0, high_from=T_HIGH_FROM):
    # half uniform, half logit-normal: plain RFLOW sampling visits all t evenly, while mid-range
    # t carries most of the learning signal. shift > 1 moves t towards the noise end
    # (t' = s t / (1 + (s - 1) t), as Open-Sora's timestep transform), where the video is still
    # undecided and only the caption tells where objects go and how they move.
    u = torch.rand(n, generator=gen)
    ln = torch.sigmoid(torch.randn(n, generator=gen))
    pick = torch.rand(n, generator=gen) < 0.5
    t = torch.where(pick, u, ln)
    t = shift_t(t, shift)
    # a fraction `high` from U(high_from, 1): the few steps in which a sampler lays out the video, where
    # the shape and motion words are the only information and a plain schedule spends ~10% of samples
    if high > 0:
        hi = torch.rand(n, generator=gen) < high
        t = torch.where(hi, high_from + (1 - high_from) * torch.rand(n, generator=gen), t)
    return t.clamp(1e-4, 1 - 1e-4)


class Trainer:
    def __init__(self, args):
        self.args = args
        self.dir = os.path.join(HERE, "runs", args.run)
        os.makedirs(self.dir, exist_ok=True)
        self.ds = MotionDataset(seed=0)
        self.tok = Tokenizer(self.ds.g)
        ckpt_path = run_checkpoint(args.run)  # resume.pt: the slim copy committed to the repo
        ck = load_checkpoint(ckpt_path) if os.path.exists(ckpt_path) else None
        base = None if ck or not args.init_from else load_checkpoint(run_checkpoint(args.init_from))
        text_init = torch.load(args.text_init, map_location="cpu") if args.text_init and not ck else None
        if text_init:
            text_cfg = dict(text_init["config"])
        elif base and args.keep_text:
            text_cfg = dict(base["config"]["text"])
        else:
            text_cfg = text_config(self.tok)
            if args.freeze_text:
                text_cfg["embed_std"] = args.text_embed_std
        fold = args.temporal_fold
        same_shape = base and run_fold(base["config"]["train"]) == fold
        model_cfg = dict(base["config"]["model"]) if same_shape else make_config(args.preset, self.ds.g, fold)
        if args.grow_depth and not ck:
            if not same_shape or args.grow_depth <= model_cfg["depth"]:
                sys.exit(f"--grow-depth {args.grow_depth}: needs --init-from a run of the same latent layout and a depth under {args.grow_depth}")
            model_cfg["depth"] = args.grow_depth
        self.cfg = ck["config"] if ck else {
            "model": model_cfg,
            "text": text_cfg,
            "train": dict(batch=args.batch, lr=args.lr, warmup=args.warmup, ema=args.ema, amp=args.amp, fps=self.ds.g["video"]["fps"],
                          preset=base["config"]["train"]["preset"] if same_shape else args.preset,
                          freeze_text=args.freeze_text, t_shift=args.t_shift, temporal_fold=fold,
                          freeze_caption_proj=args.freeze_caption_proj),
        }
        step = ck["step"] if ck else 0
        if args.t_high is not None:
            self.set_logged("t_high", args.t_high, 0.0, "t_high_changes", step)
        if args.t_high_from is not None:
            self.set_logged("t_high_from", args.t_high_from, T_HIGH_FROM, "t_high_changes", step)
        if args.object_weight is not None:
            self.set_logged("object_weight", args.object_weight, 0.0, "object_weight_changes", step)
        if args.subset:
            subset = None if args.subset == "full" else load_subset(args.subset, self.ds.g)
            self.set_logged("subset", subset, None, "subset_changes", step)
        self.ds = MotionDataset(seed=0, subset=self.cfg["train"].get("subset"))
        if args.unfreeze_text and self.cfg["train"].get("freeze_text"):
            self.cfg["train"]["freeze_text"] = False
            self.cfg["train"]["text_unfrozen_at"] = ck["step"] if ck else 0
        if base:
            self.cfg["train"]["init_from"] = {"run": args.init_from, "step": base["step"], "samples": base["samples"],
                                              "train_wall_s": round(base["wall"], 1)}
        torch.manual_seed(1234)
        self.model = STDiT3(**self.cfg["model"])
        self.text = TextEncoder(**self.cfg["text"])
        self.frozen_text = self.cfg["train"].get("freeze_text", False)
        if base:
            # the STDiT3 keeps what it learned (rendering, motion); the text encoder starts afresh
            # unless --keep-text takes the base run's
            self.cfg["train"]["init_from"]["reinit"] = self.load_matching(base["model"])
            if args.keep_text:
                self.cfg["train"]["text_from"] = self.keep_text(base, args.redraw_words, args.text_embed_std)
        if text_init:
            self.text.load_state_dict(text_init["text"])
            self.cfg["train"]["text_from"] = {"file": os.path.relpath(os.path.abspath(args.text_init), HERE),
                                              "pretrain_steps": text_init["steps"], "heldout_acc": text_init["heldout_acc"]}
        self.text.requires_grad_(not self.frozen_text)
        # a frozen y_proj keeps an amplified caption spread (--caption-gain), which training otherwise shrinks
        self.model.y_embedder.y_proj.requires_grad_(not self.cfg["train"].get("freeze_caption_proj", False))
        model_params = [p for p in self.model.parameters() if p.requires_grad]
        text_params = list(self.text.parameters())
        self.params = model_params + ([] if self.frozen_text else text_params)

        def adamw(params):
            return torch.optim.AdamW(params, lr=self.cfg["train"]["lr"], weight_decay=0.0, betas=(0.9, 0.99))

        self.opt = adamw(self.params)
        self.ema = {"model": copy.deepcopy(self.model.state_dict()), "text": copy.deepcopy(self.text.state_dict())}
        if base:
            be = base["ema"]["model"]
            self.ema["model"] = {k: be[k] if k in be and be[k].shape == v.shape else v.clone() for k, v in self.ema["model"].items()}
        if args.caption_gain != 1 and ck:
            sys.exit(f"--caption-gain applies when a run starts; run {args.run} already has a checkpoint")
        if args.freeze_caption_proj and ck and not self.cfg["train"].get("freeze_caption_proj"):
            sys.exit(f"--freeze-caption-proj applies when a run starts; run {args.run} already has a checkpoint")
        if base and args.caption_gain != 1:
            self.cfg["train"]["caption_gain"] = self.amplify_caption(args.caption_gain_words, args.caption_gain)
        self.step, self.wall, self.samples = 0, 0.0, 0
        self.gen = torch.Generator().manual_seed(99)
        if ck:
            self.model.load_state_dict(ck["model"])
            self.text.load_state_dict(ck["text"])
            self.ema = ck["ema"]
            if ck.get("opt") and len(ck["opt"]["param_groups"][0]["params"]) < len(self.params):
                # the text encoder was frozen until this resume: keep the STDiT3's Adam state, add the encoder's
                self.opt = adamw(model_params)
                self.opt.load_state_dict(ck["opt"])
                self.opt.add_param_group({"params": text_params})
            elif ck.get("opt"):
                self.opt.load_state_dict(ck["opt"])
            self.step, self.wall, self.samples = ck["step"], ck["wall"], ck["samples"]
            self.gen.set_state(ck["gen"])
            print(f"resumed {ckpt_path} at step {self.step}, {self.wall / 3600:.2f} h", flush=True)
        n = sum(p.numel() for p in self.model.parameters())
        nt = sum(p.numel() for p in self.text.parameters())
        print(f"STDiT3 {n / 1e6:.2f}M params, text encoder {nt / 1e6:.3f}M, config {self.cfg}", flush=True)

    def set_logged(self, key, value, default, log, step):
        """A training setting that may change when a run resumes: set it, and note the step of each
        change in config.json's list `log`."""
        tc = self.cfg["train"]
        if value != tc.get(key, default):
            tc[key] = value
            tc.setdefault(log, []).append({"step": step, key: value})

    def load_matching(self, state):
        """Loads the base run's tensors whose shapes match; the rest (the patch embedder and final
        layer when the latent layout changes) keep their fresh init. Blocks the base run lacks
        (--grow-depth) come after its own, with their attention, cross-attention and MLP outputs
        zeroed, so they start as identities and the grown model computes what the base run did.
        Returns the names not loaded."""
        own = self.model.state_dict()
        fresh = sorted(k for k in own if k not in state or state[k].shape != own[k].shape)
        new_out = (".attn.proj.", ".cross_attn.proj.", ".mlp.fc2.")
        self.model.load_state_dict({k: (torch.zeros_like(own[k]) if k not in state and any(o in k for o in new_out) else own[k])
                                    if k in fresh else state[k] for k in own})
        return fresh

    def keep_text(self, base, categories, std):
        """The base run's (EMA) text encoder, with the embeddings of the words of `categories`
        (shapes, motions, speeds) drawn afresh: a jointly trained encoder that kept colour and
        background but lost those words keeps what it has, and the lost words become
        distinguishable again (the residual stream carries an embedding to the output)."""
        self.text.load_state_dict(base["ema"]["text"])
        g = self.ds.g
        pick = {"shapes": g["shapes"], "motions": [w for m in g["motions"].values() for w in m["phrase"].split()],
                "speeds": [sd["word"] for sd in g["speeds"].values()]}
        words = sorted({w for c in categories.split(",") if c for w in pick[c]})
        gen = torch.Generator().manual_seed(4321)
        with torch.no_grad():
            for w in words:
                self.text.tok.weight[self.tok.ids[w]] = torch.randn(self.text.tok.weight.shape[1], generator=gen) * std
        return {"run": self.args.init_from, "redrawn": words, "std": std}

    def amplify_caption(self, categories, gain):
        """Multiplies by `gain` how much the caption embedding (y_embedder's output, in the model and
        its EMA) changes with the words of `categories` (comma-separated: motions, meaning motion and
        speed; shapes), leaving its mean over captions as it was. Why: in a run stuck on the
        word-blind mean (run curric) cross-attention was near uniform, so a caption reached the
        tokens as the mean of its embedded words, and those words differed by under 1% of the
        residual stream; the gradient that would teach the blocks to use them is proportional to
        that difference (a plateau). The change is linear in fc2: y' = y + (gain - 1) P (y - r), P
        the projection on the subspace the words span, r the mean embedding. Held-out combinations
        are left out."""
        g = self.ds.g
        vary = {"motions": [lambda o, v=v: {**o, "motion": v[0], "speed": v[1]} for v in motion_variants(g)],
                "shapes": [lambda o, s=s: {**o, "shape": s} for s in g["shapes"]]}
        cats = categories.split(",")  # checked against CAPTION_GAIN_WORDS in main()
        base_ds = MotionDataset(seed=7)
        groups = []
        for i in range(48):
            objs, bg, _ = base_ds.spec(i)
            for c in cats:
                variants = [f(objs[0]) for f in vary[c]]
                groups.append([caption(g, [o], bg) for o in variants if combo_key(o, bg) not in base_ds.heldout])

        def caption_means():
            means = [mean_caption_embedding(self.model, self.text, self.tok, caps) for caps in groups]
            return torch.cat(means), torch.cat([m - m.mean(0) for m in means])

        with torch.no_grad():
            means, diffs = caption_means()
            u, sv, _ = torch.linalg.svd(diffs.T, full_matrices=False)
            energy = (sv ** 2).cumsum(0) / (sv ** 2).sum()
            rank = int((energy < 0.99).sum()) + 1
            P = u[:, :rank] @ u[:, :rank].T
            r = means.mean(0)
            A = torch.eye(P.shape[0]) + (gain - 1) * P
            for sd in (self.model.state_dict(), self.ema["model"]):
                w, b = sd["y_embedder.y_proj.fc2.weight"], sd["y_embedder.y_proj.fc2.bias"]
                w.copy_(A @ w)
                b.copy_(A @ b - (gain - 1) * P @ r)
            after, diffs_after = caption_means()
        shift = (after.mean(0) - r).norm().item()
        report = {"words": categories, "gain": gain, "rank": rank, "captions": len(means),
                  "spread_before": round(diffs.norm(dim=-1).mean().item(), 4),
                  "spread_after": round(diffs_after.norm(dim=-1).mean().item(), 4), "mean_shift": round(shift, 6)}
        print(f"caption gain: {report}", flush=True)
        return report

    def batch(self, b):
        """Folded videos, caption ids and masks, and the per-value loss weight (folded the same way;
        1 without --object-weight, so unweighted runs skip computing it)."""
        start = self.samples
        vids, caps = zip(*[self.ds[start + i] for i in range(b)])
        video = torch.from_numpy(np.stack(vids))
        fold = run_fold(self.cfg["train"])
        w = self.cfg["train"].get("object_weight", 0.0)
        weight = fold_time(object_weight(video, w).expand_as(video), fold) if w else 1.0
        return (fold_time(video, fold), *map(torch.from_numpy, self.tok.encode_batch(caps)), weight)

    def train_step(self, lr_factor=1.0):
        tc = self.cfg["train"]
        b = tc["batch"]
        x0, ids, mask, weight = self.batch(b)
        with autocast(tc.get("amp")), torch.set_grad_enabled(not self.frozen_text):
            y = self.text(ids, mask).float()  # [B, L, C]
        drop = torch.rand(b, generator=self.gen) < self.cfg["model"]["class_dropout_prob"]
        y = torch.where(drop[:, None, None], self.model.y_embedder.y_embedding[None].expand_as(y), y)
        t = sample_t(b, self.gen, tc.get("t_shift", 1.0), tc.get("t_high", 0.0), tc.get("t_high_from", T_HIGH_FROM))
        eps = torch.randn(x0.shape, generator=self.gen)
        tt = t.view(b, 1, 1, 1, 1)
        xt = (1 - tt) * x0 + tt * eps
        fps = torch.full((b,), float(tc["fps"]))
        with autocast(tc.get("amp")):
            v = self.model(xt, t * 1000, y[:, None], mask, fps, x0.shape[3], x0.shape[4])
        loss = torch.mean(weight * (v.float() - (x0 - eps)) ** 2)
        lr = tc["lr"] * min(1.0, (self.step + 1) / tc["warmup"]) * lr_factor
        for grp in self.opt.param_groups:
            grp["lr"] = lr
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.params, 1.0)
        self.opt.step()
        with torch.no_grad():
            d = tc["ema"]
            for key, mod in (("model", self.model), ("text", self.text)):
                for k, p in mod.state_dict().items():
                    self.ema[key][k].mul_(d).add_(p, alpha=1 - d)
        self.step += 1
        self.samples += b
        return loss.item(), lr

    def save(self):
        ck = {"config": self.cfg, "model": self.model.state_dict(), "text": self.text.state_dict(),
              "ema": self.ema, "opt": self.opt.state_dict(), "step": self.step, "wall": self.wall,
              "samples": self.samples, "gen": self.gen.get_state()}
        tmp = os.path.join(self.dir, "ckpt.pt.tmp")
        torch.save(ck, tmp)
        os.replace(tmp, os.path.join(self.dir, "ckpt.pt"))
        with open(os.path.join(self.dir, "config.json"), "w") as f:
            json.dump(self.cfg, f, indent=1)

    def run(self):
        a = self.args
        log_path = os.path.join(self.dir, "log.csv")
        new = not os.path.exists(log_path)
        if not new:
            drop_rows_after(log_path, self.step)
        logf = open(log_path, "a", newline="")
        w = csv.writer(logf)
        if new:
            w.writerow(["step", "samples", "train_wall_s", "loss", "lr", "samples_per_s", "utc"])
        t_last_ck = time.time()
        acc, n_acc, t_int = 0.0, 0, time.time()
        stop_at = time.time() + a.hours * 3600
        while time.time() < stop_at and (a.max_steps <= 0 or self.step < a.max_steps):
            t0 = time.time()
            # linear cooldown to 5% of the peak lr over the last `cooldown_min` minutes of this run
            left = stop_at - time.time()
            factor = 1.0 if a.cooldown_min <= 0 else max(0.05, min(1.0, left / (a.cooldown_min * 60)))
            loss, lr = self.train_step(factor)
            self.wall += time.time() - t0
            acc += loss
            n_acc += 1
            if self.step % a.log_every == 0:
                sps = n_acc * self.cfg["train"]["batch"] / (time.time() - t_int)
                w.writerow([self.step, self.samples, f"{self.wall:.1f}", f"{acc / n_acc:.5f}", f"{lr:.2e}",
                            f"{sps:.2f}", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())])
                logf.flush()
                print(f"step {self.step} loss {acc / n_acc:.4f} {sps:.2f} samples/s wall {self.wall / 3600:.2f} h",
                      flush=True)
                acc, n_acc, t_int = 0.0, 0, time.time()
            if time.time() - t_last_ck > a.ckpt_every:
                self.save()
                t_last_ck = time.time()
        self.save()
        logf.close()


def load_subset(path, g):
    """A --subset file (dataset.check_subset's format); exits with a clear message when it is not one."""
    try:
        with open(path) as f:
            return check_subset(g, json.load(f))
    except (OSError, ValueError) as e:
        sys.exit(f"--subset {path}: {e}")


def drop_rows_after(log_path, step):
    """A run stopped between checkpoints logged steps the resumed run trains again: drop them."""
    with open(log_path, newline="") as f:
        rows = list(csv.reader(f))
    kept = rows[:1] + [r for r in rows[1:] if int(r[0]) <= step]
    if len(kept) != len(rows):
        with open(log_path, "w", newline="") as f:
            csv.writer(f).writerows(kept)


def mean_caption_embedding(model, text, tok, captions):
    """y_embedder's output averaged over each caption's tokens: [captions, hidden]. What a caption
    adds to the video tokens while cross-attention is near uniform."""
    ids, mask = map(torch.from_numpy, tok.encode_batch(captions))
    y, w = model.y_embedder.y_proj(text(ids, mask)), mask[..., None].float()
    return (y * w).sum(1) / w.sum(1)


def run_checkpoint(run):
    """ckpt.pt of a run, or the committed resume.pt when ckpt.pt is absent."""
    d = os.path.join(HERE, "runs", run)
    path = os.path.join(d, "ckpt.pt")
    return path if os.path.exists(path) else os.path.join(d, "resume.pt")


def load_checkpoint(path):
    ck = torch.load(path, map_location="cpu")
    opt = ck.get("opt")
    _floats_to([*(opt["state"].values() if opt else []), *ck.get("ema", {}).values()], torch.float32)
    return ck


def _floats_to(state_dicts, dtype):
    """Casts, in place, every floating tensor of these dicts that has a dimension (Adam's scalar step
    counts stay as they are)."""
    for d in state_dicts:
        for k, v in d.items():
            if torch.is_tensor(v) and v.is_floating_point() and v.dim() > 0:
                d[k] = v.to(dtype)


def write_slim(run):
    """resume.pt: the checkpoint with the EMA weights and Adam's moments stored as bfloat16 (the live
    weights stay float32), about half the size, small enough to commit; training resumes from it when
    ckpt.pt is absent. Rounding the EMA and moments once costs a resumed run nothing measurable."""
    d = os.path.join(HERE, "runs", run)
    ck = torch.load(os.path.join(d, "ckpt.pt"), map_location="cpu")
    _floats_to([*ck["opt"]["state"].values(), *ck["ema"].values()], torch.bfloat16)
    tmp = os.path.join(d, "resume.pt.tmp")
    torch.save(ck, tmp)
    os.replace(tmp, os.path.join(d, "resume.pt"))
    print(f"wrote {os.path.join(d, 'resume.pt')} at step {ck['step']} ({os.path.getsize(os.path.join(d, 'resume.pt')) / 1e6:.1f} MB)")


def bench(args):
    ds = MotionDataset(seed=0)
    tok = Tokenizer(ds.g)
    for preset in args.bench.split(","):
        cfg = make_config(preset, ds.g, args.temporal_fold)
        m = STDiT3(**cfg)
        te = TextEncoder(**text_config(tok))
        opt = torch.optim.AdamW(list(m.parameters()) + list(te.parameters()), lr=1e-4)
        b = args.batch
        vids, caps = zip(*[ds[i] for i in range(b)])
        vids = fold_time(torch.from_numpy(np.stack(vids)), args.temporal_fold)
        ids, mask = map(torch.from_numpy, tok.encode_batch(caps))
        times = []
        for it in range(4):
            t0 = time.time()
            with autocast(args.amp):
                y = te(ids, mask)
                v = m(vids, torch.rand(b) * 1000, y[:, None], mask, torch.full((b,), 8.0), 32, 32)
            loss = v.float().pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            times.append(time.time() - t0)
        n = sum(p.numel() for p in m.parameters())
        print(f"{preset}: {n / 1e6:.2f}M params, {b / np.median(times[1:]):.2f} samples/s", flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", default="shapes")
    p.add_argument("--preset", default="p244-h128", choices=sorted(PRESETS))
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--warmup", type=int, default=300, help="new run: linear lr warm-up steps")
    p.add_argument("--amp", default="bf16", choices=["bf16", "none"],
                   help="bf16 autocast: about 3x the samples/s of fp32 on a CPU with AVX512-BF16")
    p.add_argument("--hours", type=float, default=1.0, help="stop after this much wall time (this invocation)")
    p.add_argument("--max-steps", type=int, default=0)
    p.add_argument("--cooldown-min", type=float, default=0,
                   help="decay the lr linearly to 5%% over the last this many minutes of --hours")
    p.add_argument("--init-from", default="",
                   help="a new run starts from this run's STDiT3 weights (its EMA too) and a fresh optimizer")
    p.add_argument("--freeze-text", action="store_true",
                   help="new run: keep the text encoder at its random init, as Open-Sora keeps T5 frozen")
    p.add_argument("--text-embed-std", type=float, default=0.3,
                   help="new run with --freeze-text: init std of the word and position embeddings")
    p.add_argument("--unfreeze-text", action="store_true",
                   help="train the text encoder from here on (a resumed run that had it frozen; logged in config.json)")
    p.add_argument("--grow-depth", type=int, default=0,
                   help="new run from --init-from: this many spatial/temporal block pairs, the base run's first, the added ones starting as identities")
    p.add_argument("--keep-text", action="store_true",
                   help="new run with --init-from: keep that run's text encoder instead of a random one (frozen with --freeze-text)")
    p.add_argument("--text-init", default="",
                   help="new run: the text encoder from pretrain_text.py's file (frozen with --freeze-text)")
    p.add_argument("--redraw-words", default="shapes,motions,speeds",
                   help="with --keep-text: word categories whose embeddings are drawn afresh (std --text-embed-std)")
    p.add_argument("--caption-gain", type=float, default=1.0,
                   help="new run from --init-from: multiply how much the caption embedding changes with the words of "
                        "--caption-gain-words (a run stuck ignoring them, see Trainer.amplify_caption)")
    p.add_argument("--caption-gain-words", default="motions", help="comma-separated: motions (with speeds), shapes")
    p.add_argument("--freeze-caption-proj", action="store_true",
                   help="new run: keep y_embedder.y_proj (the caption MLP) fixed, e.g. after --caption-gain")
    p.add_argument("--temporal-fold", type=int, default=1,
                   help="a new run's latent: each group of K frames is one latent frame of 3K channels (fold_time)")
    p.add_argument("--t-shift", type=float, default=1.0,
                   help="new run: shift the sampled t towards noise (1 = none), where the caption matters most")
    p.add_argument("--t-high", type=float, default=None,
                   help="fraction of samples with t from U(--t-high-from, 1) (default 0); may change when resuming (logged in config.json)")
    p.add_argument("--t-high-from", type=float, default=None,
                   help="the lower end of --t-high's range U(from, 1) (default 0.8); may change when resuming")
    p.add_argument("--object-weight", type=float, default=None,
                   help="weight the loss near objects by 1 + this (object_weight(); default 0); may change when resuming")
    p.add_argument("--subset", default="",
                   help="train on a slice of the grammar (JSON file, see training/subsets/) or 'full' for all of it; "
                        "may change when resuming (logged in config.json): a curriculum")
    p.add_argument("--ckpt-every", type=float, default=300, help="seconds between checkpoints")
    p.add_argument("--log-every", type=int, default=20)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--bench", default="", help="comma-separated presets: measure training samples/s and exit")
    p.add_argument("--write-resume", action="store_true", help="write the slim resume.pt from ckpt.pt and exit")
    args = p.parse_args()
    frames = MotionDataset(seed=0).g["video"]["frames"]
    if not args.caption_gain > 0:
        p.error(f"--caption-gain must be positive, got {args.caption_gain}")
    if args.caption_gain != 1 and not args.init_from:
        p.error("--caption-gain needs --init-from (it amplifies what a trained run's caption embedding carries)")
    if any(c not in CAPTION_GAIN_WORDS for c in args.caption_gain_words.split(",")):
        p.error(f"--caption-gain-words is a comma-separated list of {', '.join(CAPTION_GAIN_WORDS)}; got {args.caption_gain_words!r}")
    if args.temporal_fold < 1 or frames % args.temporal_fold:
        p.error(f"--temporal-fold must divide the grammar's {frames} frames, got {args.temporal_fold}")
    if args.t_high_from is not None and not 0 <= args.t_high_from < 1:
        p.error(f"--t-high-from must be in [0, 1), got {args.t_high_from}")
    if args.object_weight is not None and not args.object_weight >= 0:
        p.error(f"--object-weight must be >= 0, got {args.object_weight}")
    if args.text_init and args.keep_text:
        p.error("--text-init and --keep-text both choose the text encoder: give one")
    torch.set_num_threads(args.threads)
    if args.write_resume:
        write_slim(args.run)
        return
    if args.bench:
        bench(args)
        return
    Trainer(args).run()


if __name__ == "__main__":
    main()
