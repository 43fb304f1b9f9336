"""Writes training/fixtures/text_encoder_tiny.json: a small random TextEncoder, its config, two
token sequences and PyTorch's output, for the test of src/convert/textEncoderGraph.ts."""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from text_encoder import TextEncoder  # noqa: E402


def main():
    torch.manual_seed(7)
    cfg = dict(vocab_size=11, max_length=6, dim=16, layers=2, heads=4)
    te = TextEncoder(**cfg).eval()
    with torch.no_grad():
        for p in te.parameters():
            p.add_(torch.randn_like(p) * 0.3)  # every weight non-trivial, LayerNorm affine included
    ids = torch.tensor([[2, 5, 7, 1, 0, 0], [3, 4, 9, 10, 8, 6]])
    mask = torch.tensor([[1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1]])
    with torch.no_grad():
        out = te(ids, mask)
    fx = {"config": cfg, "ids": ids.tolist(), "mask": mask.tolist(), "out": out.flatten().tolist(),
          "weights": {k: {"dims": list(v.shape), "data": v.flatten().tolist()} for k, v in te.state_dict().items()}}
    d = os.path.join(os.path.dirname(__file__), "fixtures")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "text_encoder_tiny.json"), "w") as f:
        json.dump(fx, f)


if __name__ == "__main__":
    main()
