"""Trained weights as one self-describing file, and its split into pieces of at most 16 MiB.

The GPU path brings weights back from a machine that returns files of at most 16 MiB, so the
trainer writes the model once in this format (weights.bin) and splits it:

  weights.bin        b"WARDWTS1" | u64 header length | JSON header | tensor data (64-aligned)
                     header: {"config": ModelConfig fields, "training": {...},
                              "tensors": [{"name", "dtype": "bf16"|"f32", "shape", "offset"}]}
                     bf16 is stored as the upper 16 bits of float32 (what torch.bfloat16 holds),
                     so numpy alone reads it back; no PyTorch pickles, no version coupling.
  weights.bin.NNN    the pieces (cat weights.bin.??? > weights.bin reassembles them)
  weights.parts.json sizes and SHA-256 of every piece and of the whole, checked by join()

    python3 tools/train/weights.py split weights.bin [--part-mib 15]
    python3 tools/train/weights.py join weights.parts.json
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import struct

import numpy as np

MAGIC = b"WARDWTS1"
ALIGN = 64
DEFAULT_PART_BYTES = 15 << 20  # under the 16 MiB a file may have


def save(path: str, tensors: dict[str, np.ndarray], config: dict, training: dict,
         dtype: str = "bf16") -> int:
    """Writes float32 arrays as bf16 (matrices) or f32 (vectors: norms stay exact); returns size."""
    infos, blobs, offset = [], [], 0
    for name, array in tensors.items():
        array = np.ascontiguousarray(array, dtype=np.float32)
        kind = dtype if array.ndim >= 2 else "f32"
        blob = _to_bf16(array).tobytes() if kind == "bf16" else array.astype("<f4").tobytes()
        offset = (offset + ALIGN - 1) // ALIGN * ALIGN
        infos.append({"name": name, "dtype": kind, "shape": list(array.shape), "offset": offset})
        blobs.append((offset, blob))
        offset += len(blob)
    header = json.dumps({"config": config, "training": training, "tensors": infos}).encode()
    data_start = (len(MAGIC) + 8 + len(header) + ALIGN - 1) // ALIGN * ALIGN
    with open(path + ".tmp", "wb") as f:
        f.write(MAGIC + struct.pack("<Q", len(header)) + header)
        for blob_offset, blob in blobs:
            f.write(b"\0" * (data_start + blob_offset - f.tell()))
            f.write(blob)
        size = f.tell()
    os.replace(path + ".tmp", path)
    return size


def load(path: str) -> tuple[dict, dict, dict[str, np.ndarray]]:
    """(config, training, float32 arrays by name) from a weights file."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:8] != MAGIC:
        raise ValueError(f"{path} is not a weights file (magic {raw[:8]!r})")
    (header_len,) = struct.unpack_from("<Q", raw, 8)
    header = json.loads(raw[16:16 + header_len])
    data_start = (16 + header_len + ALIGN - 1) // ALIGN * ALIGN
    arrays = {}
    for info in header["tensors"]:
        count = int(np.prod(info["shape"]))
        at = data_start + info["offset"]
        if info["dtype"] == "bf16":
            bits = np.frombuffer(raw, "<u2", count, at).astype(np.uint32) << 16
            array = bits.view(np.float32)
        else:
            array = np.frombuffer(raw, "<f4", count, at).astype(np.float32)
        arrays[info["name"]] = array.reshape(info["shape"])
    return header["config"], header["training"], arrays


def _to_bf16(array: np.ndarray) -> np.ndarray:
    """float32 -> bf16 bits, rounding to nearest even (as torch does)."""
    bits = array.view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2")


def split(path: str, part_bytes: int = DEFAULT_PART_BYTES) -> str:
    """Cuts path into path.000, path.001, ... and writes the parts list; returns its path."""
    with open(path, "rb") as f:
        raw = f.read()
    parts = []
    for number, at in enumerate(range(0, len(raw), part_bytes)):
        piece = raw[at:at + part_bytes]
        name = f"{os.path.basename(path)}.{number:03d}"
        with open(os.path.join(os.path.dirname(path) or ".", name), "wb") as f:
            f.write(piece)
        parts.append({"file": name, "bytes": len(piece),
                      "sha256": hashlib.sha256(piece).hexdigest()})
    listing = os.path.join(os.path.dirname(path) or ".",
                           os.path.basename(path).replace(".bin", "") + ".parts.json")
    with open(listing, "w") as f:
        json.dump({"file": os.path.basename(path), "bytes": len(raw),
                   "sha256": hashlib.sha256(raw).hexdigest(), "parts": parts}, f, indent=1)
    return listing


def join(listing: str) -> str:
    """Reassembles the file a parts list describes (beside it), checking every hash."""
    folder = os.path.dirname(listing) or "."
    with open(listing) as f:
        spec = json.load(f)
    whole = hashlib.sha256()
    out = os.path.join(folder, spec["file"])
    with open(out + ".tmp", "wb") as f:
        for part in spec["parts"]:
            with open(os.path.join(folder, part["file"]), "rb") as p:
                piece = p.read()
            if hashlib.sha256(piece).hexdigest() != part["sha256"]:
                raise ValueError(f"{part['file']} is damaged or incomplete (SHA-256 differs)")
            whole.update(piece)
            f.write(piece)
    if whole.hexdigest() != spec["sha256"]:
        raise ValueError(f"the reassembled {spec['file']} does not match its SHA-256")
    os.replace(out + ".tmp", out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description="split or join a weights file")
    sub = parser.add_subparsers(dest="command", required=True)
    split_cmd = sub.add_parser("split")
    split_cmd.add_argument("file")
    split_cmd.add_argument("--part-mib", type=float, default=DEFAULT_PART_BYTES / 2**20)
    join_cmd = sub.add_parser("join")
    join_cmd.add_argument("listing")
    args = parser.parse_args()
    if args.command == "split":
        print(split(args.file, int(args.part_mib * 2**20)))
    else:
        print(join(args.listing))


if __name__ == "__main__":
    main()
