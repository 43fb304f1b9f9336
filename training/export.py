"""Exports a training checkpoint for the app's converter:

  OUT/stdit3.safetensors      STDiT3 weights (EMA) under Open-Sora's parameter names, fp32
  OUT/config.json             the model config in Open-Sora's STDiT3Config field names
  OUT/text_encoder.safetensors  the text encoder's weights (names as in text_encoder.py)
  OUT/text_encoder.json       its config (vocab size, max length, dim, layers, heads)
  OUT/tokenizer.json          Hugging Face tokenizer.json (WordPiece over whole words, lowercase,
                              whitespace split) that @huggingface/tokenizers loads
  OUT/training.json           step, samples, wall time, last logged loss

  /usr/bin/python3 training/export.py --run shapes --out training/runs/shapes/export [--raw]
"""
import argparse
import csv
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_np  # noqa: E402
from dataset import Tokenizer, load_grammar  # noqa: E402
from train import load_checkpoint, run_checkpoint  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def tokenizer_json(tok):
    special = [{"id": i, "content": w, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True} for i, w in enumerate([tok.pad, tok.unk])]
    return {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": special,
        "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "WhitespaceSplit"},
        "post_processor": None, "decoder": None,
        # every vocabulary entry is a whole word, so WordPiece never splits a known word and maps
        # unknown words to [UNK] (@huggingface/tokenizers has no WordLevel model)
        "model": {"type": "WordPiece", "unk_token": tok.unk, "continuing_subword_prefix": "##",
                  "max_input_chars_per_word": 100, "vocab": {w: i for i, w in enumerate(tok.vocab)}},
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--run", default="shapes")
    p.add_argument("--out", default=None)
    p.add_argument("--raw", action="store_true", help="export the raw weights instead of the EMA")
    a = p.parse_args()
    run_dir = os.path.join(HERE, "runs", a.run)
    out = a.out or os.path.join(run_dir, "export")
    os.makedirs(out, exist_ok=True)
    ck = load_checkpoint(run_checkpoint(a.run))  # ckpt.pt, or the committed resume.pt
    src = {"model": ck["model"], "text": ck["text"]} if a.raw else ck["ema"]
    safetensors_np.save(os.path.join(out, "stdit3.safetensors"),
                        {k: v.float().numpy() for k, v in src["model"].items()})
    safetensors_np.save(os.path.join(out, "text_encoder.safetensors"),
                        {k: v.float().numpy() for k, v in src["text"].items()})
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(ck["config"]["model"], f, indent=1)
    with open(os.path.join(out, "text_encoder.json"), "w") as f:
        json.dump(ck["config"]["text"], f, indent=1)
    with open(os.path.join(out, "tokenizer.json"), "w") as f:
        json.dump(tokenizer_json(Tokenizer(load_grammar())), f)
    last = None
    log_path = os.path.join(run_dir, "log.csv")
    if os.path.exists(log_path):
        rows = list(csv.DictReader(open(log_path)))
        last = rows[-1] if rows else None
    info = {"run": a.run, "weights": "raw" if a.raw else "ema", "step": ck["step"], "samples": ck["samples"],
            "train_wall_s": round(ck["wall"], 1), "last_log": last, "train": ck["config"]["train"],
            "lineage": lineage(ck["config"])}
    with open(os.path.join(out, "training.json"), "w") as f:
        json.dump(info, f, indent=1)
    print(f"exported step {ck['step']} ({ck['samples']} samples, {ck['wall'] / 3600:.2f} h) -> {out}")


def lineage(cfg):
    """The runs this one grew from (train.py --init-from), nearest first, each as it was when the next
    started from it: a chained run's training time is the sum of them all."""
    chain, init = [], cfg["train"].get("init_from")
    while init:
        chain.append({k: init[k] for k in ("run", "step", "samples", "train_wall_s")})
        path = os.path.join(HERE, "runs", init["run"], "config.json")
        if not os.path.exists(path):
            sys.exit(f"the run's lineage needs runs/{init['run']}/config.json, which is missing")
        with open(path) as f:
            init = json.load(f)["train"].get("init_from")
    return chain


if __name__ == "__main__":
    main()
