"""A minimal safetensors writer and reader (torch only), for environments without the safetensors package.

save_file(tensors, path, metadata) writes the format's 8-byte little-endian header length, the JSON header
(dtype, shape, data_offsets per tensor, sorted by name like the package does, and __metadata__) and the
row-major little-endian data. Contiguous CPU tensors of float32, float64, int64, int32 and bfloat16 only.
load_file(path) reads such a file back: (tensors by name, metadata dict); it checks the header's length,
the dtypes and that every tensor's byte range matches its shape and lies inside the file.
"""
import json
import struct

import torch

_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64", torch.int32: "I32", torch.bfloat16: "BF16"}
_TORCH = {v: k for k, v in _DTYPES.items()}
_MAX_HEADER = 100 * 1024 * 1024


def save_file(tensors, path, metadata=None):
    header = {}
    blobs = []
    offset = 0
    for name in sorted(tensors):
        t = tensors[name].detach().contiguous().cpu()
        raw = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""  # reshape: 0-dim tensors too
        header[name] = {"dtype": _DTYPES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def load_file(path):
    """(tensors, metadata) of the safetensors file at path."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: too short for a safetensors file ({len(data)} bytes)")
    (n,) = struct.unpack("<Q", data[:8])
    if n > min(_MAX_HEADER, len(data) - 8):
        raise ValueError(f"{path}: header length {n} exceeds the file ({len(data)} bytes)")
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = memoryview(data)[8 + n:]
    metadata = header.pop("__metadata__", None) or {}
    tensors = {}
    for name, h in header.items():
        if h["dtype"] not in _TORCH:
            raise ValueError(f"{path}: tensor {name} has dtype {h['dtype']}, expected one of {sorted(_TORCH)}")
        dtype = _TORCH[h["dtype"]]
        start, end = h["data_offsets"]
        count = 1
        for d in h["shape"]:
            count *= d
        if not 0 <= start <= end <= len(body) or end - start != count * torch.empty(0, dtype=dtype).element_size():
            raise ValueError(f"{path}: tensor {name} has byte range {start}..{end}, which does not fit shape "
                             f"{h['shape']} of {h['dtype']} inside the {len(body)}-byte data")
        raw = bytearray(body[start:end])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        tensors[name] = t.reshape(h["shape"]).clone()
    return tensors, metadata
