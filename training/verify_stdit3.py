"""Checks training/stdit3.py against the official code's golden data (../shared/reference/opensora-tiny)."""
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(__file__))
import safetensors_np  # noqa: E402
from stdit3 import STDiT3  # noqa: E402

REF = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "reference", "opensora-tiny")


def main():
    cfg = json.load(open(os.path.join(REF, "config.json")))
    w = safetensors_np.load(os.path.join(REF, "weights.safetensors"))
    io = safetensors_np.load(os.path.join(REF, "forward.safetensors"))
    model = STDiT3(**cfg)
    sd = {k: torch.from_numpy(v) for k, v in w.items() if k != "rope.freqs"}
    missing, unexpected = model.load_state_dict(sd, strict=False)
    assert not missing and not unexpected, (missing, unexpected)
    with torch.no_grad():
        out = model(torch.from_numpy(io["x"]), torch.from_numpy(io["timestep"]), torch.from_numpy(io["y"]),
                    torch.from_numpy(io["mask"]), torch.from_numpy(io["fps"]),
                    float(io["height"][0]), float(io["width"][0])).numpy()
    ref = io["out"]
    rel = np.abs(out - ref).max() / np.abs(ref).max()
    print(f"max abs err {np.abs(out - ref).max():.3e}, max rel err {rel:.3e}")
    if rel > 1e-4:
        raise SystemExit("STDiT3 does not match the official code")
    print("OK")


if __name__ == "__main__":
    main()
