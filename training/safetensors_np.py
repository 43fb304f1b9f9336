"""Minimal safetensors reader/writer in numpy (no safetensors package on Debian)."""
import json
import struct

import numpy as np

_DT = {"F32": np.float32, "F16": np.float16, "I64": np.int64, "I32": np.int32, "I8": np.int8, "U8": np.uint8}
_REV = {np.dtype(v): k for k, v in _DT.items()}


def load(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        arr = np.frombuffer(data, dtype=_DT[info["dtype"]], count=(b - a) // np.dtype(_DT[info["dtype"]]).itemsize,
                            offset=base + a)
        out[name] = arr.reshape(info["shape"]).copy()
    return out


def save(path, tensors, metadata=None):
    header = {}
    off = 0
    blobs = []
    for name in sorted(tensors):
        arr = np.ascontiguousarray(tensors[name])
        b = arr.tobytes()
        header[name] = {"dtype": _REV[arr.dtype], "shape": list(arr.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
