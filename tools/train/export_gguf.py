"""Exports trained weights to a GGUF v3 file that Ward's engine and llama.cpp run.

    python3 tools/train/export_gguf.py --weights RUN/weights.bin --tokens TOKENS \\
        --type q8_0|f16 -o MODEL.gguf [--vocab VOCAB.gguf] [--name NAME] [--license SPDX] \\
        [--continues EARLIER.gguf] [--fim-format starcoder-spm]

--weights also takes RUN/weights.parts.json (the pieces are joined and checked first).

The file holds:
  - general.*: architecture "llama", name, description, license, file_type, and a reference to
    the corpus (ward.corpus.manifest_sha256 and the licences it contains, ward.training.*);
  - llama.*: every hyperparameter Ward's engine reads (src/infer/model/hparams.cpp) and
    llama.cpp's llama loader requires: context_length, embedding_length, block_count,
    feed_forward_length, attention.head_count, attention.head_count_kv,
    attention.layer_norm_rms_epsilon, rope.freq_base, rope.dimension_count, vocab_size;
  - tokenizer.*: copied unchanged from the StarCoder vocabulary file (model gpt2, pre-tokenizer
    starcoder, tokens, token types, merges, BOS/EOS/UNK = <|endoftext|>), plus
    add_bos_token = true (every training document starts with <|endoftext|>, so prompts
    should too), add_eos_token = false, and the FIM ids tokenizer.ggml.fim_{pre,suf,mid,pad,
    rep,sep}_token_id (Ward and llama.cpp also find the FIM tokens by text; the ids make it
    explicit), and with --fim-format, ward.fim.format (the layout Ward sends; llama.cpp's
    infill always sends the prefix first);
  - tensors with llama.cpp's names: token_embd.weight, blk.N.{attn_norm, attn_q, attn_k,
    attn_v, attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down}.weight, output_norm.weight; no
    output.weight (tied: both engines then use token_embd). Norms are F32 (Ward requires it);
    matrices are F16 or Q8_0.

Q8_0 is llama.cpp's reference quantisation, byte for byte: per block of 32 values, d = max|x| /
127 stored as f16, and q = round-half-away-from-zero(x * (1/d)) as int8 (34 bytes a block).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import numpy as np

import gguf
import tokens as tok
import weights

FILE_TYPE = {"f16": 1, "q8_0": 7}  # llama.cpp's LLAMA_FTYPE_MOSTLY_F16 / _Q8_0
TENSOR_TYPE = {"f16": gguf.TENSOR_F16, "q8_0": gguf.TENSOR_Q8_0}


def main() -> None:
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", required=True, help="weights.bin or weights.parts.json")
    parser.add_argument("--tokens", help="tokenized corpus folder (for its tokens.json)")
    parser.add_argument("--vocab", default=os.path.join(
        os.path.dirname(repo), "shared", "fixtures", "vocab", "ggml-vocab-starcoder.gguf"))
    parser.add_argument("--type", choices=sorted(FILE_TYPE), default="q8_0")
    parser.add_argument("--name", default="ward-starter")
    parser.add_argument("--license", default="NOASSERTION",
                        help="SPDX id for the weights (the project has not chosen one yet)")
    parser.add_argument("--continues", metavar="MODEL.gguf",
                        help="the model this one was initialised from (train.py --init-gguf): "
                             "its ward.training.steps and .tokens are added to this run's")
    parser.add_argument("--fim-format", choices=("starcoder", "starcoder-spm"),
                        help="write ward.fim.format: the FIM layout Ward should send this model "
                             "(starcoder-spm for a model tuned suffix first, preset spm-tune); "
                             "without it Ward detects StarCoder's prefix-first layout from the "
                             "vocabulary")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()

    path = args.weights
    if path.endswith(".json"):
        path = weights.join(path)
    config, training, arrays = weights.load(path)
    if args.continues:
        training = add_earlier_training(training, args.continues)
    corpus = {}
    if args.tokens:
        with open(os.path.join(args.tokens, "tokens.json")) as f:
            corpus = json.load(f)
    size = export(arrays, config, training, corpus, args)
    print(json.dumps({"file": args.output, "type": args.type, "bytes": size}), file=sys.stderr)


def export(arrays: dict[str, np.ndarray], config: dict, training: dict, corpus: dict,
           args) -> int:
    vocab = gguf.read(args.vocab)
    check_vocabulary(vocab, config)
    w = gguf.Writer()
    w.add_string("general.architecture", "llama")
    w.add_string("general.type", "model")
    w.add_string("general.name", args.name)
    w.add_string("general.description",
                 "Ward's starter code model: llama architecture trained from scratch with "
                 "fill-in-the-middle (StarCoder tokens) on permissively licensed code "
                 "(tools/train)")
    w.add_string("general.license", args.license)
    w.add_uint32("general.file_type", FILE_TYPE[args.type])
    if args.type == "q8_0":
        w.add_uint32("general.quantization_version", 2)

    arch = "llama"
    head_dim = config["d_model"] // config["n_heads"]
    w.add_uint32(f"{arch}.vocab_size", config["vocab_size"])
    w.add_uint32(f"{arch}.context_length", config["context"])
    w.add_uint32(f"{arch}.embedding_length", config["d_model"])
    w.add_uint32(f"{arch}.block_count", config["n_layers"])
    w.add_uint32(f"{arch}.feed_forward_length", config["d_ff"])
    w.add_uint32(f"{arch}.attention.head_count", config["n_heads"])
    w.add_uint32(f"{arch}.attention.head_count_kv", config["n_kv_heads"])
    w.add_float32(f"{arch}.attention.layer_norm_rms_epsilon", config["rms_eps"])
    w.add_float32(f"{arch}.rope.freq_base", config["rope_base"])
    w.add_uint32(f"{arch}.rope.dimension_count", head_dim)

    for key, value in vocab.metadata.items():
        if key.startswith("tokenizer."):
            w.add(key, value)
    w.add_bool("tokenizer.ggml.add_bos_token", True)
    w.add_bool("tokenizer.ggml.add_eos_token", False)
    for key, token in (("fim_pre", tok.FIM_PREFIX), ("fim_suf", tok.FIM_SUFFIX),
                       ("fim_mid", tok.FIM_MIDDLE), ("fim_pad", tok.FIM_PAD),
                       ("fim_rep", tok.REPO_NAME), ("fim_sep", tok.FILE_SEP)):
        w.add_uint32(f"tokenizer.ggml.{key}_token_id", token)
    if args.fim_format:
        w.add_string("ward.fim.format", args.fim_format)  # src/infer/fim/fim.h

    w.add_string("ward.corpus.manifest_sha256", corpus.get("manifest_sha256", ""))
    w.add_string("ward.corpus.manifest", "tools/train/corpus.py manifest.json "
                 "(sources, licences, sizes); see models/ model card")
    licences = corpus_licences(corpus)
    if licences:
        w.add("ward.corpus.licences", gguf.Value(gguf.ARRAY, licences, gguf.STRING))
    w.add_string("ward.training.preset", str(training.get("preset", "")))
    w.add_uint32("ward.training.steps", int(training.get("steps", 0)))
    w.add("ward.training.tokens", gguf.Value(gguf.UINT64, int(training.get("tokens_seen", 0))))
    w.add_string("ward.training.device", str(training.get("device", "")))

    matrix_type = TENSOR_TYPE[args.type]
    for name in tensor_order(config["n_layers"]):
        array = arrays[name]
        if array.ndim == 1:
            w.add_tensor(name, array.shape, gguf.TENSOR_F32, array.astype("<f4").tobytes())
        else:
            w.add_tensor(name, array.shape, matrix_type, encode(array, matrix_type))
    return w.write(args.output)


def add_earlier_training(training: dict, earlier_model: str) -> dict:
    """Steps and tokens counted from scratch: this run's plus those its starting model records."""
    metadata = gguf.read(earlier_model).metadata
    totals = dict(training)
    for key, field in (("steps", "ward.training.steps"), ("tokens_seen", "ward.training.tokens")):
        if field not in metadata:
            raise ValueError(f"{earlier_model} has no {field}: it was not exported by this script")
        totals[key] = int(training.get(key, 0)) + int(metadata[field].value)
    return totals


def tensor_order(n_layers: int) -> list[str]:
    """llama.cpp's order: embedding, each block's tensors, the final norm."""
    names = ["token_embd.weight"]
    for i in range(n_layers):
        names += [f"blk.{i}.{leaf}.weight" for leaf in (
            "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
            "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")]
    return names + ["output_norm.weight"]


def check_vocabulary(vocab: gguf.GGUFFile, config: dict) -> None:
    """The ids training used (tokens.py) must name the same tokens in this vocabulary."""
    texts = vocab.metadata["tokenizer.ggml.tokens"].value
    if len(texts) != config["vocab_size"]:
        raise ValueError(f"the vocabulary has {len(texts)} tokens, the model "
                         f"{config['vocab_size']}")
    for token_id, text in tok.SPECIAL_TEXTS.items():
        if texts[token_id] != text:
            raise ValueError(f"token {token_id} is {texts[token_id]!r} in the vocabulary, "
                             f"training used it as {text!r}")


def corpus_licences(corpus: dict) -> list[str]:
    manifest_path = corpus.get("corpus_manifest")
    if not manifest_path or not os.path.exists(manifest_path):
        return []
    with open(manifest_path, "rb") as f:
        raw = f.read()
    expected = corpus.get("manifest_sha256")
    if expected and hashlib.sha256(raw).hexdigest() != expected:
        raise ValueError(f"{manifest_path} changed since the corpus was tokenized")
    return sorted({source["licence"] for source in json.loads(raw)["sources"]})


def encode(array: np.ndarray, tensor_type: int) -> bytes:
    if tensor_type == gguf.TENSOR_F16:
        return array.astype("<f2").tobytes()
    return quantize_q8_0(array)


def quantize_q8_0(array: np.ndarray) -> bytes:
    """llama.cpp's quantize_row_q8_0_ref over rows of a matrix (row length a multiple of 32)."""
    blocks = np.ascontiguousarray(array, dtype=np.float32).reshape(-1, 32)
    amax = np.abs(blocks).max(axis=1)
    d = (amax / np.float32(127)).astype(np.float32)
    with np.errstate(divide="ignore"):
        inverse = np.where(d != 0, np.float32(1) / d, np.float32(0)).astype(np.float32)
    scaled = blocks * inverse[:, None]  # float32, as the reference computes x * id
    q = (np.sign(scaled) * np.floor(np.abs(scaled) + np.float32(0.5))).astype(np.int8)  # roundf
    out = np.empty((len(blocks), 34), dtype=np.uint8)
    out[:, :2] = d.astype("<f2").view(np.uint8).reshape(-1, 2)
    out[:, 2:] = q.view(np.uint8)
    return out.tobytes()


if __name__ == "__main__":
    main()
