"""Tokenizes the corpus with Ward's own tokenizer, so training and inference agree exactly.

    python3 tools/train/tokenize_corpus.py --corpus /tmp/train/corpus --out /tmp/train/tokens \\
        [--ward build/ward] [--vocab ../shared/fixtures/vocab/ggml-vocab-starcoder.gguf]

`ward model tokenize VOCAB --file TEXT --special` prints the ids of one text file as a JSON
array. One process per document would cost a process start and a vocabulary load each, so
documents are tokenized in batches of about 8 MB: the pieces of a batch are joined with the text
"<|endoftext|>", which --special turns into control token 0. Special tokens are matched before
the byte-level BPE runs, so each piece is tokenized exactly as it would be alone (checked: the
same ids as one call per piece), and splitting the ids at 0 gives the pieces back. corpus.py
has left out every file that spells a control token's text, so 0 occurs only at the joins; the
count of pieces is checked anyway.

Each document contributes two pieces: its header "PATH\\n" (the path inside its package, as an
editor would send it) and its text; see tokens.py for the layout written.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import tokens as tok

BATCH_BYTES = 8 << 20
SEPARATOR = tok.SPECIAL_TEXTS[tok.ENDOFTEXT]


def main() -> None:
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True, help="folder written by corpus.py")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--ward", default=os.path.join(repo, "build", "ward"))
    parser.add_argument("--vocab", default=os.path.join(
        os.path.dirname(repo), "shared", "fixtures", "vocab", "ggml-vocab-starcoder.gguf"))
    parser.add_argument("--limit-bytes", type=int, default=0,
                        help="stop after this many bytes of text per split (0: all)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)

    summary = {"vocab": os.path.abspath(args.vocab), "vocab_sha256": _sha256(args.vocab),
               "tokenizer": "ward model tokenize --special (Ward's engine)",
               "corpus_manifest": os.path.abspath(os.path.join(args.corpus, "manifest.json")),
               "manifest_sha256": _sha256(os.path.join(args.corpus, "manifest.json")),
               "splits": {}}
    languages: list[str] = []
    for split in ("train", "heldout"):
        started = time.time()
        token_array, index, stats = tokenize_split(
            os.path.join(args.corpus, f"{split}.jsonl"), args.ward, args.vocab, languages,
            args.limit_bytes)
        seconds = time.time() - started
        compressed = tok.write_split(args.out, split, token_array, index)
        stats.update(tokenize_seconds=round(seconds, 1),
                     raw_bytes=int(token_array.nbytes), compressed_bytes=compressed)
        summary["splits"][split] = stats
        print(f"{split}: {stats['documents']} documents, {stats['text_bytes']:,} bytes -> "
              f"{stats['tokens']:,} tokens ({stats['text_bytes'] / stats['text_tokens']:.2f} "
              f"bytes/token) in {seconds:.1f} s; {compressed / 2**20:.1f} MiB compressed",
              file=sys.stderr)
    summary["languages"] = languages
    summary["newline_tokens"] = tok.write_newline_tokens(args.out, args.vocab)
    with open(os.path.join(args.out, "tokens.json"), "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
        f.write("\n")


def tokenize_split(jsonl: str, ward: str, vocab: str, languages: list[str],
                   limit_bytes: int) -> tuple[np.ndarray, dict[str, np.ndarray], dict]:
    chunks: list[np.ndarray] = []
    starts, headers, lengths, langs, nbytes = [], [], [], [], []
    per_language: dict[str, dict[str, int]] = {}
    position = 0
    total_bytes = 0

    def flush(batch: list[dict]) -> None:
        nonlocal position
        pieces = []
        for doc in batch:
            pieces += [doc["path"] + "\n", doc["text"]]
        ids = run_ward(ward, vocab, pieces)
        for doc, path_ids, text_ids in zip(batch, ids[0::2], ids[1::2]):
            doc_tokens = np.concatenate([
                np.array([tok.ENDOFTEXT, tok.FILE_SEP], dtype=np.uint16), path_ids, text_ids])
            chunks.append(doc_tokens)
            if doc["lang"] not in languages:
                languages.append(doc["lang"])
            text_bytes = len(doc["text"].encode("utf-8"))
            starts.append(position)
            headers.append(2 + len(path_ids))
            lengths.append(len(doc_tokens))
            langs.append(languages.index(doc["lang"]))
            nbytes.append(text_bytes)
            stats = per_language.setdefault(doc["lang"],
                                            {"documents": 0, "bytes": 0, "text_tokens": 0})
            stats["documents"] += 1
            stats["bytes"] += text_bytes
            stats["text_tokens"] += len(text_ids)
            position += len(doc_tokens)

    batch: list[dict] = []
    batch_bytes = 0
    with open(jsonl, encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            batch.append(doc)
            batch_bytes += len(doc["text"])
            total_bytes += len(doc["text"].encode("utf-8"))
            if batch_bytes >= BATCH_BYTES:
                flush(batch)
                batch, batch_bytes = [], 0
            if limit_bytes and total_bytes >= limit_bytes:
                break
    if batch:
        flush(batch)

    token_array = np.concatenate(chunks) if chunks else np.zeros(0, np.uint16)
    index = {"start": np.array(starts, np.int64), "header": np.array(headers, np.int32),
             "length": np.array(lengths, np.int32), "lang": np.array(langs, np.int16),
             "bytes": np.array(nbytes, np.int64)}
    text_tokens = sum(s["text_tokens"] for s in per_language.values())
    stats = {"documents": len(starts), "text_bytes": total_bytes, "tokens": int(len(token_array)),
             "text_tokens": text_tokens, "by_language": per_language}
    return token_array, index, stats


def run_ward(ward: str, vocab: str, pieces: list[str]) -> list[np.ndarray]:
    """The ids of each piece, from one `ward model tokenize` call."""
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".txt", delete=False) as f:
        f.write(SEPARATOR.join(pieces))
        path = f.name
    try:
        result = subprocess.run([ward, "model", "tokenize", vocab, "--file", path, "--special"],
                                capture_output=True, text=True)
    finally:
        os.unlink(path)
    if result.returncode != 0:
        raise RuntimeError(f"ward model tokenize failed: {result.stderr.strip()}")
    ids = np.array(json.loads(result.stdout), dtype=np.int64)
    if ids.size and ids.max() >= tok.VOCAB_SIZE:
        raise RuntimeError(f"id {ids.max()} is outside the {tok.VOCAB_SIZE}-token vocabulary")
    cuts = np.flatnonzero(ids == tok.ENDOFTEXT)
    out = np.split(ids.astype(np.uint16), cuts)
    out = [out[0]] + [piece[1:] for piece in out[1:]]  # drop each separator
    if len(out) != len(pieces):
        raise RuntimeError(f"{len(pieces)} pieces gave {len(out)} after splitting at id 0; "
                           "a piece contains the text of <|endoftext|>")
    return out


def _sha256(path: str) -> str:
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


if __name__ == "__main__":
    main()
