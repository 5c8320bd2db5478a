"""The tokenized corpus on disk, and the vocabulary facts the pipeline relies on.

A split (train or heldout) is two files in one folder:

  SPLIT.tokens.u16.zst   one uint16 array (little-endian), zstd-compressed: every document laid
                         out as  <|endoftext|> <file_sep> PATH-TOKENS TEXT-TOKENS  one after the
                         other. <|endoftext|> (id 0) separates documents (it is the model's BOS
                         and EOS); "<file_sep>path\\n" is StarCoder2's file header, which Ward's
                         FIM prompt builder also emits when a request names its file.
  SPLIT.index.npz        per document: start (offset of its id 0), header (tokens from the
                         start to the text: 2 + path tokens), length (total tokens), lang (index
                         into tokens.json's languages), bytes (UTF-8 bytes of the text)

and tokens.json (shared): the vocabulary file and its SHA-256, the languages, counts and sizes.

The vocabulary (49,152 ids) fits uint16. Reading needs numpy and, for the compressed file,
either the `zstandard` module (Debian: python3-zstandard) or the `zstd` program; a file
decompressed beforehand (SPLIT.tokens.u16) is read as it is.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np

# StarCoder2 vocabulary ids (../shared/fixtures/vocab/ggml-vocab-starcoder.gguf); export_gguf.py
# checks them against the vocabulary's token texts.
ENDOFTEXT = 0  # <|endoftext|>: BOS, EOS and document separator
FIM_PREFIX = 1  # <fim_prefix>
FIM_MIDDLE = 2  # <fim_middle>
FIM_SUFFIX = 3  # <fim_suffix>
FIM_PAD = 4  # <fim_pad>
REPO_NAME = 5  # <repo_name>
FILE_SEP = 6  # <file_sep>
SPECIAL_TEXTS = {ENDOFTEXT: "<|endoftext|>", FIM_PREFIX: "<fim_prefix>",
                 FIM_MIDDLE: "<fim_middle>", FIM_SUFFIX: "<fim_suffix>", FIM_PAD: "<fim_pad>",
                 REPO_NAME: "<repo_name>", FILE_SEP: "<file_sep>"}
VOCAB_SIZE = 49152

ZSTD_LEVEL = 19

# The ids of tokens whose text holds a newline (byte-level BPE spells the byte 0x0A "Ċ"), saved
# beside the splits so that data.py can cut FIM samples at line ends without the vocabulary,
# which does not travel to a GPU machine.
NEWLINE_TOKENS_FILE = "newline_tokens.npy"


def write_newline_tokens(folder: str, vocab_path: str) -> int:
    """Writes NEWLINE_TOKENS_FILE from the vocabulary's token texts; returns how many there are."""
    import gguf  # the reader in this folder
    texts = gguf.read(vocab_path).metadata["tokenizer.ggml.tokens"].value
    ids = np.array([i for i, text in enumerate(texts) if "\u010a" in text], dtype=np.int64)
    np.save(os.path.join(folder, NEWLINE_TOKENS_FILE), ids)
    return len(ids)


def read_newline_tokens(folder: str) -> np.ndarray | None:
    """A boolean table over the vocabulary: True for tokens that hold a newline; None when the
    folder predates the file."""
    path = os.path.join(folder, NEWLINE_TOKENS_FILE)
    if not os.path.exists(path):
        return None
    table = np.zeros(VOCAB_SIZE, dtype=bool)
    table[np.load(path)] = True
    return table


def write_split(folder: str, split: str, tokens: np.ndarray, index: dict[str, np.ndarray]) -> int:
    """Writes SPLIT.tokens.u16.zst and SPLIT.index.npz; returns the compressed size in bytes."""
    import zstandard  # only the corpus side needs it installed
    raw = np.ascontiguousarray(tokens, dtype="<u2").tobytes()
    compressed = zstandard.ZstdCompressor(level=ZSTD_LEVEL, threads=-1).compress(raw)
    path = os.path.join(folder, f"{split}.tokens.u16.zst")
    with open(path, "wb") as f:
        f.write(compressed)
    np.savez(os.path.join(folder, f"{split}.index.npz"), **index)
    return len(compressed)


def read_split(folder: str, split: str) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The token array (uint16) and the document index of a split."""
    plain = os.path.join(folder, f"{split}.tokens.u16")
    if os.path.exists(plain):
        tokens = np.fromfile(plain, dtype="<u2")
    else:
        tokens = np.frombuffer(_decompress(plain + ".zst"), dtype="<u2")
    with np.load(os.path.join(folder, f"{split}.index.npz")) as z:
        index = {key: z[key] for key in z.files}
    return tokens, index


def _decompress(path: str) -> bytes:
    with open(path, "rb") as f:
        data = f.read()
    try:
        import zstandard
        # The frame records its size (written by ZstdCompressor.compress), so one call suffices.
        return zstandard.ZstdDecompressor().decompress(data)
    except ImportError:
        pass
    # GPU images may lack the module; the zstd program (Debian/Ubuntu package zstd) also does.
    if shutil.which("zstd"):
        return subprocess.run(["zstd", "-dc", path], check=True, capture_output=True).stdout
    raise RuntimeError(f"cannot decompress {path}: install python3-zstandard or zstd, or run "
                       f"'zstd -d {path}' beforehand")
