"""A small GGUF (version 3) reader and writer, written from the format description.

The training pipeline needs two things from GGUF: read the tokenizer metadata of a vocabulary
file (../shared/fixtures/vocab/ggml-vocab-starcoder.gguf) so that the exported model carries
exactly the same vocabulary, and write a model file. The layout is:

    magic "GGUF" | u32 version | u64 tensor count | u64 metadata count
    metadata: (string key, u32 value type, value) ...
    tensor infos: (string name, u32 n_dims, u64 dims[n_dims], u32 type, u64 offset) ...
    padding to the alignment (general.alignment, default 32), then the tensor data, each tensor
    at its offset (relative to the start of the data section, a multiple of the alignment).

A string is a u64 byte length and UTF-8 bytes; an array is a u32 element type, a u64 count and
the elements. Everything is little-endian. Dimensions are listed innermost first, so a PyTorch
matrix of shape (rows, cols) is written with dims [cols, rows].

Values read from a file keep their GGUF type (see `Value`), so copying metadata from one file to
another (the tokenizer) reproduces the same types byte for byte. Only the standard library and
numpy are used.
"""

from __future__ import annotations

import dataclasses
import struct
from typing import Any, BinaryIO

import numpy as np

MAGIC = b"GGUF"
VERSION = 3
DEFAULT_ALIGNMENT = 32

# Metadata value types.
UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64 = (
    range(13))

_SCALAR_FORMATS = {
    UINT8: "<B", INT8: "<b", UINT16: "<H", INT16: "<h", UINT32: "<I", INT32: "<i",
    FLOAT32: "<f", BOOL: "<?", UINT64: "<Q", INT64: "<q", FLOAT64: "<d",
}
_NUMPY_TYPES = {
    UINT8: "<u1", INT8: "<i1", UINT16: "<u2", INT16: "<i2", UINT32: "<u4", INT32: "<i4",
    FLOAT32: "<f4", BOOL: "<u1", UINT64: "<u8", INT64: "<i8", FLOAT64: "<f8",
}

# Tensor types used here: (id, values per block, bytes per block).
TENSOR_F32 = 0
TENSOR_F16 = 1
TENSOR_Q8_0 = 8
TENSOR_LAYOUTS = {TENSOR_F32: (1, 4), TENSOR_F16: (1, 2), TENSOR_Q8_0: (32, 34)}
TENSOR_TYPE_NAMES = {TENSOR_F32: "F32", TENSOR_F16: "F16", TENSOR_Q8_0: "Q8_0"}


@dataclasses.dataclass
class Value:
    """A metadata value with its GGUF type; for arrays `element_type` is the elements' type."""
    type: int
    value: Any
    element_type: int | None = None


@dataclasses.dataclass
class TensorInfo:
    name: str
    dims: list[int]  # innermost first, as stored
    type: int
    offset: int  # relative to the data section


@dataclasses.dataclass
class GGUFFile:
    version: int
    metadata: dict[str, Value]
    tensors: list[TensorInfo]
    data_offset: int  # absolute offset of the data section


class _Reader:
    def __init__(self, buffer: bytes):
        self.buffer = buffer
        self.at = 0

    def scalar(self, value_type: int):
        fmt = _SCALAR_FORMATS[value_type]
        (value,) = struct.unpack_from(fmt, self.buffer, self.at)
        self.at += struct.calcsize(fmt)
        return value

    def string(self) -> str:
        length = self.scalar(UINT64)
        raw = self.buffer[self.at:self.at + length]
        if len(raw) != length:
            raise ValueError(f"string of {length} bytes runs past the end at offset {self.at}")
        self.at += length
        # Vocabulary entries can hold invalid UTF-8 pieces; keep them byte-exact.
        return raw.decode("utf-8", errors="surrogateescape")

    def value(self, value_type: int) -> Value:
        if value_type == STRING:
            return Value(STRING, self.string())
        if value_type == ARRAY:
            element_type = self.scalar(UINT32)
            count = self.scalar(UINT64)
            if element_type == STRING:
                items = [self.string() for _ in range(count)]
            elif element_type == ARRAY:
                items = [self.value(ARRAY) for _ in range(count)]
            else:
                dtype = np.dtype(_NUMPY_TYPES[element_type])
                items = np.frombuffer(self.buffer, dtype, count, self.at).copy()
                self.at += dtype.itemsize * count
            return Value(ARRAY, items, element_type)
        return Value(value_type, self.scalar(value_type))


def read(path: str) -> GGUFFile:
    """Reads a GGUF file's header, metadata and tensor infos (not the tensor data)."""
    with open(path, "rb") as f:
        buffer = f.read()
    if buffer[:4] != MAGIC:
        raise ValueError(f"{path}: not a GGUF file (magic {buffer[:4]!r})")
    r = _Reader(buffer)
    r.at = 4
    version = r.scalar(UINT32)
    if version not in (2, 3):
        raise ValueError(f"{path}: GGUF version {version} is not supported")
    tensor_count = r.scalar(UINT64)
    metadata_count = r.scalar(UINT64)
    metadata = {}
    for _ in range(metadata_count):
        key = r.string()
        metadata[key] = r.value(r.scalar(UINT32))
    tensors = []
    for _ in range(tensor_count):
        name = r.string()
        n_dims = r.scalar(UINT32)
        dims = [r.scalar(UINT64) for _ in range(n_dims)]
        tensors.append(TensorInfo(name, dims, r.scalar(UINT32), r.scalar(UINT64)))
    alignment = DEFAULT_ALIGNMENT
    if "general.alignment" in metadata:
        alignment = int(metadata["general.alignment"].value)
    data_offset = _align(r.at, alignment)
    return GGUFFile(version, metadata, tensors, data_offset)


def read_tensors(path: str) -> tuple[GGUFFile, dict[str, np.ndarray]]:
    """The file and its tensors as float32 arrays in PyTorch order (outermost first); Q8_0 and
    F16 are dequantized (a Q8_0 block is an f16 scale and 32 int8 values: value = scale x q)."""
    file = read(path)
    with open(path, "rb") as f:
        buffer = f.read()
    arrays = {}
    for info in file.tensors:
        start = file.data_offset + info.offset
        raw = buffer[start:start + tensor_bytes(info.dims, info.type)]
        if info.type == TENSOR_F32:
            flat = np.frombuffer(raw, dtype="<f4")
        elif info.type == TENSOR_F16:
            flat = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif info.type == TENSOR_Q8_0:
            blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("q", "i1", 32)]))
            flat = (blocks["d"].astype(np.float32)[:, None] * blocks["q"]).reshape(-1)
        else:
            raise ValueError(f"{path}: tensor {info.name} has type {info.type}, which is not read")
        arrays[info.name] = flat.reshape(list(reversed(info.dims))).astype(np.float32)
    return file, arrays


def _align(offset: int, alignment: int) -> int:
    return (offset + alignment - 1) // alignment * alignment


def tensor_bytes(dims: list[int], tensor_type: int) -> int:
    per_block, block_bytes = TENSOR_LAYOUTS[tensor_type]
    count = 1
    for d in dims:
        count *= d
    if dims[0] % per_block:
        raise ValueError(f"row length {dims[0]} is not a multiple of the block size {per_block}")
    return count // per_block * block_bytes


class Writer:
    """Collects metadata and tensors, then writes a GGUF v3 file in one pass.

    Tensors are given already encoded (bytes in their GGUF type, see quantize.py) together with
    their PyTorch-order shape; the writer reverses the shape into GGUF's innermost-first dims.
    """

    def __init__(self, alignment: int = DEFAULT_ALIGNMENT):
        self.alignment = alignment
        self.metadata: dict[str, Value] = {}
        self.tensors: list[tuple[str, list[int], int, bytes]] = []

    def add(self, key: str, value: Value) -> None:
        self.metadata[key] = value

    def add_string(self, key: str, text: str) -> None:
        self.add(key, Value(STRING, text))

    def add_uint32(self, key: str, number: int) -> None:
        self.add(key, Value(UINT32, int(number)))

    def add_float32(self, key: str, number: float) -> None:
        self.add(key, Value(FLOAT32, float(number)))

    def add_bool(self, key: str, flag: bool) -> None:
        self.add(key, Value(BOOL, bool(flag)))

    def add_tensor(self, name: str, shape: tuple[int, ...], tensor_type: int, data: bytes) -> None:
        dims = list(reversed(shape))
        expected = tensor_bytes(dims, tensor_type)
        if len(data) != expected:
            raise ValueError(f"{name}: {len(data)} bytes given, {expected} expected for {dims} "
                             f"{TENSOR_TYPE_NAMES[tensor_type]}")
        self.tensors.append((name, dims, tensor_type, data))

    def write(self, path: str) -> int:
        """Writes the file (to path + ".tmp", then renamed) and returns its size in bytes."""
        import os
        if self.alignment != DEFAULT_ALIGNMENT:
            self.add_uint32("general.alignment", self.alignment)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(MAGIC)
            f.write(struct.pack("<IQQ", VERSION, len(self.tensors), len(self.metadata)))
            for key, value in self.metadata.items():
                _write_string(f, key)
                f.write(struct.pack("<I", value.type))
                _write_value(f, value)
            offset = 0
            offsets = []
            for name, dims, tensor_type, data in self.tensors:
                offset = _align(offset, self.alignment)
                offsets.append(offset)
                _write_string(f, name)
                f.write(struct.pack("<I", len(dims)))
                f.write(struct.pack(f"<{len(dims)}Q", *dims))
                f.write(struct.pack("<IQ", tensor_type, offset))
                offset += len(data)
            _pad(f, self.alignment)
            data_start = f.tell()
            for (_, _, _, data), tensor_offset in zip(self.tensors, offsets):
                f.write(b"\0" * (data_start + tensor_offset - f.tell()))
                f.write(data)
            size = f.tell()
        os.replace(tmp, path)
        return size


def _pad(f: BinaryIO, alignment: int) -> None:
    f.write(b"\0" * (_align(f.tell(), alignment) - f.tell()))


def _write_string(f: BinaryIO, text: str) -> None:
    raw = text.encode("utf-8", errors="surrogateescape")
    f.write(struct.pack("<Q", len(raw)))
    f.write(raw)


def _write_value(f: BinaryIO, value: Value) -> None:
    if value.type == STRING:
        _write_string(f, value.value)
    elif value.type == ARRAY:
        f.write(struct.pack("<IQ", value.element_type, len(value.value)))
        if value.element_type == STRING:
            for item in value.value:
                _write_string(f, item)
        elif value.element_type == ARRAY:
            for item in value.value:
                _write_value(f, item)
        else:
            f.write(np.asarray(value.value, dtype=_NUMPY_TYPES[value.element_type]).tobytes())
    else:
        f.write(struct.pack(_SCALAR_FORMATS[value.type], value.value))


def copy_with_string(source: str, target: str, key: str, text: str) -> int:
    """Writes `source` to `target` with the string metadata `key` set to `text` (added, or
    replaced where it is), everything else byte for byte: how the shipped model got its
    ward.fim.format without being exported again. Returns the new file's size."""
    file = read(source)
    with open(source, "rb") as f:
        buffer = f.read()
    # Tensors keep the source's alignment, which its copied general.alignment (if any) states.
    alignment = file.metadata.get("general.alignment")
    writer = Writer(alignment=int(alignment.value) if alignment else DEFAULT_ALIGNMENT)
    for name, value in file.metadata.items():
        writer.add(name, value)
    writer.add_string(key, text)
    for info in file.tensors:
        start = file.data_offset + info.offset
        raw = buffer[start:start + tensor_bytes(info.dims, info.type)]
        writer.add_tensor(info.name, tuple(reversed(info.dims)), info.type, raw)
    return writer.write(target)


if __name__ == "__main__":
    import sys
    if len(sys.argv) != 6 or sys.argv[1] != "set-string":
        sys.exit("usage: python3 tools/train/gguf.py set-string IN.gguf OUT.gguf KEY TEXT")
    print(copy_with_string(*sys.argv[2:]))
