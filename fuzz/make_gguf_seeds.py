#!/usr/bin/env python3
"""Writes the seed corpus of the GGUF fuzzer (fuzz/corpus/gguf/): a few tiny valid files that
cover every value type, nested arrays, version 2, a custom alignment and several tensor types, and
a few invalid ones, each broken in one way. Encoded here from the GGUF specification, independently
of Ward's writer. Run from the repository root: python3 fuzz/make_gguf_seeds.py"""

import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "gguf")

U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
FMT = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f", BOOL: "<B",
       U64: "<Q", I64: "<q", F64: "<d"}


def string(text):
    data = text.encode() if isinstance(text, str) else text
    return struct.pack("<Q", len(data)) + data


def value(kind, v):
    if kind == STR:
        return string(v)
    if kind == ARR:
        element, items = v
        out = struct.pack("<IQ", element, len(items))
        return out + b"".join(value(element, item) for item in items)
    return struct.pack(FMT[kind], v)


def gguf(kvs, tensors=(), version=3, alignment=32):
    """kvs: [(key, type, value)]; tensors: [(name, type id, shape, data bytes)]."""
    out = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(kvs))
    for key, kind, v in kvs:
        out += string(key) + struct.pack("<I", kind) + value(kind, v)
    offset = 0
    for name, type_id, shape, data in tensors:
        out += string(name) + struct.pack("<I", len(shape))
        out += b"".join(struct.pack("<Q", d) for d in shape)
        out += struct.pack("<IQ", type_id, offset)
        offset += len(data) + (-len(data)) % alignment
    if tensors:
        out += b"\0" * ((-len(out)) % alignment)
        for _, _, _, data in tensors:
            out += data + b"\0" * ((-len(data)) % alignment)
    return out


def pattern(n, seed=0):
    return bytes((i * 31 + seed) & 0xFF for i in range(n))


def main():
    os.makedirs(OUT, exist_ok=True)
    seeds = {}
    every = [
        ("general.architecture", STR, "llama"), ("t.u8", U8, 200), ("t.i8", I8, -5),
        ("t.u16", U16, 60000), ("t.i16", I16, -300), ("t.u32", U32, 4096), ("t.i32", I32, -7),
        ("t.f32", F32, 1e-5), ("t.bool", BOOL, 1), ("t.u64", U64, 2**40), ("t.i64", I64, -2**40),
        ("t.f64", F64, 0.25), ("a.u8", ARR, (U8, [1, 2, 3])), ("a.i8", ARR, (I8, [-1, 1])),
        ("a.u16", ARR, (U16, [7])), ("a.i16", ARR, (I16, [-7])), ("a.u32", ARR, (U32, [1, 2])),
        ("a.i32", ARR, (I32, [-1, 2])), ("a.f32", ARR, (F32, [0.5, -0.5])),
        ("a.bool", ARR, (BOOL, [1, 0])), ("a.str", ARR, (STR, ["<s>", "", "\u2581a"])),
        ("a.u64", ARR, (U64, [2**63 + 1])), ("a.i64", ARR, (I64, [-1])),
        ("a.f64", ARR, (F64, [1.5])), ("a.empty", ARR, (I32, [])),
    ]
    tensors = [
        ("token_embd.weight", 1, [4, 3], pattern(24, 1)),   # F16
        ("blk.0.attn_q.weight", 8, [32, 2], pattern(68, 2)),  # Q8_0
        ("blk.0.ffn_down.weight", 12, [256], pattern(144, 3)),  # Q4_K
        ("output_norm.weight", 0, [4], pattern(16, 4)),     # F32
    ]
    seeds["valid-every-type.gguf"] = gguf(every, tensors)
    # Only what Ward's writer can express, so that the fuzzer's write-and-reread check runs.
    seeds["valid-tensors.gguf"] = gguf([
        ("general.architecture", STR, "llama"), ("llama.block_count", U32, 1),
        ("llama.attention.layer_norm_rms_epsilon", F32, 1e-5),
        ("a.i16", ARR, (I16, [-7, 7])), ("a.f32", ARR, (F32, [0.5])),
    ], tensors)
    tokens = ["<unk>", "<s>", "</s>", "\u2581", "a", "b", "\u2581a", "ab", "<fim_prefix>"]
    seeds["valid-vocab.gguf"] = gguf([
        ("general.architecture", STR, "qwen2"), ("tokenizer.ggml.model", STR, "gpt2"),
        ("tokenizer.ggml.pre", STR, "qwen2"), ("tokenizer.ggml.tokens", ARR, (STR, tokens)),
        ("tokenizer.ggml.token_type", ARR, (I32, [2, 3, 3, 1, 1, 1, 1, 1, 4])),
        ("tokenizer.ggml.merges", ARR, (STR, ["\u2581 a", "a b"])),
        ("tokenizer.ggml.bos_token_id", U32, 1), ("tokenizer.ggml.add_bos_token", BOOL, 1),
    ])
    seeds["valid-nested-v2-align64.gguf"] = gguf([
        ("general.alignment", U32, 64),
        ("nested", ARR, (ARR, [])),
    ], [("w", 30, [2, 2], pattern(8, 5))], version=2, alignment=64)
    # The largest legal alignment, without tensors: nothing to pad (the writer once padded anyway).
    seeds["valid-huge-alignment.gguf"] = gguf([("general.alignment", U32, 2**31)])
    # Nested arrays need their inner headers: assemble that value by hand.
    nested = struct.pack("<IQ", ARR, 2) + struct.pack("<IQ", U32, 2) + struct.pack("<II", 1, 2)
    nested += struct.pack("<IQ", STR, 1) + string("x")
    seeds["valid-nested-arrays.gguf"] = (
        b"GGUF" + struct.pack("<IQQ", 3, 0, 1) + string("n") + struct.pack("<I", ARR) + nested)

    base = bytearray(seeds["valid-every-type.gguf"])
    def broken(name, mutate):
        data = bytearray(base)
        mutate(data)
        seeds[name] = bytes(data)
    broken("invalid-magic.gguf", lambda b: b.__setitem__(0, ord("X")))
    broken("invalid-version1.gguf", lambda b: b.__setitem__(slice(4, 8), struct.pack("<I", 1)))
    broken("invalid-big-endian.gguf",
           lambda b: b.__setitem__(slice(4, 8), struct.pack(">I", 3)))
    def duplicate_key(b):
        at = b.find(b"t.u16")
        b[at:at + 5] = b"t.u32"
    broken("invalid-duplicate-key.gguf", duplicate_key)
    def bad_bool(b):
        at = b.find(b"t.bool") + 6 + 4
        b[at] = 2
    broken("invalid-bool.gguf", bad_bool)
    def overlap(b):
        at = b.find(b"blk.0.attn_q.weight") + len("blk.0.attn_q.weight") + 4 + 16 + 4
        b[at:at + 8] = struct.pack("<Q", 0)
    broken("invalid-overlap.gguf", overlap)
    def misaligned(b):
        at = b.find(b"output_norm.weight") + len("output_norm.weight") + 4 + 8 + 4
        b[at:at + 8] = struct.pack("<Q", struct.unpack_from("<Q", b, at)[0] + 4)
    broken("invalid-misaligned.gguf", misaligned)
    seeds["invalid-truncated.gguf"] = bytes(base[:len(base) - 40])
    def huge_count(b):
        at = b.find(b"a.str") + 5 + 4 + 4
        b[at:at + 8] = struct.pack("<Q", 2**62)
    broken("invalid-string-count.gguf", huge_count)

    for name, data in seeds.items():
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(data)
        print(f"{name}: {len(data)} bytes")


if __name__ == "__main__":
    main()
