"""Checks that Ward's engine and llama.cpp give the same greedy output on an exported model.

    python3 tools/train/check_gguf.py MODEL.gguf [MODEL2.gguf ...] [-n 32] [--ward build/ward]
        [--weights RUN/weights.bin] [--prompt-file P]... [--json OUT.json]

For each model and prompt (built-in ones: Python, Go, C++ and JavaScript openings, and FIM
prompts in the StarCoder layouts Ward's prompt builder sends, prefix first with and without a
file header, and suffix first):
  1. Ward tokenizes the prompt (`ward model tokenize --special`, <fim_prefix> and friends read
     as control tokens, as `ward model generate` reads its prompt file) and BOS is put first,
     as the model's tokenizer.ggml.add_bos_token asks;
  2. Ward generates greedily (`ward model generate --temperature 0 --json`);
  3. llama.cpp (node-llama-cpp, through the repository's oracle tests/infer/oracle/llama_cpp.mjs)
     runs the same ids and takes greedy steps, with its attention in float (F32 KV cache, no
     flash attention) as Ward's is;
  4. with --weights, PyTorch (model.py, float32) runs the same ids from the trained weights:
     training and inference must compute the same function. Its next-token log-probabilities
     after the prompt are also compared with llama.cpp's (largest difference over llama.cpp's 50
     likeliest tokens), which tests the arithmetic even where greedy output is uninformative.
The tokens must be identical. Where they first differ, the reference's own gap between its top
two tokens (its "margin") is printed: below --tolerance the two engines' roundings may
legitimately pick either (engine.md: llama.cpp rounds activations to F16 for F16 weights and
Q8_0 scales to F16), so that counts as agreement up to that step; anything else fails. When Ward
stops on an end-of-generation token, the reference's token at that step must be one too.
Exits 1 on any failure; --json writes the full comparison.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import gguf
import tokens as tok

# End-of-generation tokens for this vocabulary: <|endoftext|>, and the FIM pad, repository and
# file-separator tokens that llama.cpp (and Ward, following it) also end generation on.
END_OF_GENERATION = {tok.ENDOFTEXT, tok.FIM_PAD, tok.REPO_NAME, tok.FILE_SEP}

PROMPTS = {
    "python": "import os\n\n\ndef read_lines(path):\n    ",
    "go": "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() {\n\t",
    "cpp": "#include <vector>\n\nnamespace detail {\n\ntemplate <typename T>\n",
    "javascript": "'use strict';\n\nconst fs = require('fs');\n\nfunction ",
    "fim-python": "<fim_prefix>def add(a, b):\n    return <fim_suffix>\n\n\nprint(add(1, 2))\n"
                  "<fim_middle>",
    "fim-python-header": "<file_sep>utils/strings.py\n<fim_prefix>def is_blank(text):\n    "
                         "<fim_suffix>\n\n\ndef strip_all(lines):\n    return [line.strip() for "
                         "line in lines]\n<fim_middle>",
    # Suffix first, as Ward sends it to a model whose file says ward.fim.format = starcoder-spm.
    "fim-python-spm": "<file_sep>utils/strings.py\n<fim_prefix><fim_suffix>\n\n\ndef "
                      "strip_all(lines):\n    return [line.strip() for line in lines]\n"
                      "<fim_middle>def is_blank(text):\n    return",
}


def main() -> None:
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("-n", type=int, default=32, help="greedy tokens per prompt")
    parser.add_argument("--ward", default=os.path.join(repo, "build", "ward"))
    parser.add_argument("--oracle", default=os.path.join(repo, "tests", "infer", "oracle",
                                                         "llama_cpp.mjs"))
    parser.add_argument("--weights", help="weights.bin: also compare PyTorch's greedy output")
    parser.add_argument("--prompt-file", action="append", default=[])
    parser.add_argument("--tolerance", type=float, default=0.05,
                        help="nats: a top-two margin below this may go either way")
    parser.add_argument("--json", help="write the comparison here")
    args = parser.parse_args()

    prompts = dict(PROMPTS)
    for path in args.prompt_file:
        with open(path, encoding="utf-8") as f:
            prompts[os.path.basename(path)] = f.read()
    torch_model = load_torch_model(args.weights) if args.weights else None

    report, failures = [], 0
    for model in args.models:
        add_bos = bool(gguf.read(model).metadata.get(
            "tokenizer.ggml.add_bos_token", gguf.Value(gguf.BOOL, False)).value)
        for name, text in prompts.items():
            ids = ([tok.ENDOFTEXT] if add_bos else []) + ward_tokenize(args.ward, model, text)
            ward = ward_generate(args.ward, model, text, args.n)
            llama_steps, llama_logprobs = llama_cpp_greedy(args.oracle, repo, model, ids, args.n)
            references = {"llama.cpp": llama_steps}
            extra = {"llama.cpp": {}}
            if torch_model is not None:
                references["pytorch"], torch_logprobs = torch_greedy(torch_model, ids, args.n)
                extra["pytorch"] = {"first_step_logprob_diff": logprob_difference(
                    llama_logprobs, torch_logprobs)}
            for reference, steps in references.items():
                verdict = compare(ward, steps, args.tolerance)
                verdict.update(extra[reference])
                if "first_step_logprob_diff" in verdict:
                    verdict["summary"] += (f"; next-token log-probs vs llama.cpp differ by at "
                                           f"most {verdict['first_step_logprob_diff']:.4f}")
                failures += not verdict["ok"]
                report.append({"model": os.path.basename(model), "prompt": name,
                               "reference": reference, "prompt_tokens": len(ids),
                               "ward_tokens": ward["tokens"], "ward_stop": ward["stop_reason"],
                               "reference_tokens": [s["token"] for s in steps], **verdict})
                print(f"{os.path.basename(model):28s} {name:18s} Ward vs {reference:9s} "
                      f"{verdict['summary']}", file=sys.stderr)
            print(f"{'':28s} {'':18s} Ward's text: {ward['text']!r}", file=sys.stderr)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    print(f"{len(report) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


def compare(ward: dict, steps: list[dict], tolerance: float) -> dict:
    """Ward's tokens against a reference's greedy steps (each {"token", "margin"})."""
    ours = ward["tokens"]
    for i, step in enumerate(steps):
        if i == len(ours):
            if ward["stop_reason"] != "max_tokens" and step["token"] in END_OF_GENERATION:
                return {"ok": True, "identical": True, "agreed_steps": i,
                        "summary": f"identical: {i} tokens, both end there"}
            if ward["stop_reason"] == "max_tokens":
                break
            return {"ok": False, "identical": False, "agreed_steps": i,
                    "summary": f"FAIL: Ward stopped ({ward['stop_reason']}) after {i} tokens, "
                               f"the reference goes on with {step['token']}"}
        if ours[i] != step["token"]:
            close = step["margin"] < tolerance
            return {"ok": close, "identical": False, "agreed_steps": i,
                    "summary": f"{'agree' if close else 'FAIL'}: same {i} tokens, then Ward "
                               f"{ours[i]} vs {step['token']} (reference margin "
                               f"{step['margin']:.4f} nats)"}
    n = min(len(ours), len(steps))
    return {"ok": True, "identical": True, "agreed_steps": n,
            "summary": f"identical: {n} tokens"}


def ward_tokenize(ward: str, model: str, text: str) -> list[int]:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
    try:
        out = run([ward, "model", "tokenize", model, "--file", f.name, "--special"])
    finally:
        os.unlink(f.name)
    return json.loads(out)


def ward_generate(ward: str, model: str, text: str, n: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(text)
    try:
        out = run([ward, "model", "generate", model, "--prompt-file", f.name, "--temperature",
                   "0", "-n", str(n), "--threads", "1", "--json"])
    finally:
        os.unlink(f.name)
    return json.loads(out)


def llama_cpp_greedy(oracle: str, repo: str, model: str, ids: list[int], n: int) -> list[dict]:
    out = run(["node", oracle, "--model", model, "--prompt", ",".join(map(str, ids)),
               "--greedy", str(n), "--threads", "1", "--kv-type", "f32",
               "--flash-attention", "off", "--context-size", str(max(512, len(ids) + n + 1))],
              cwd=repo)
    result = json.loads(out)["results"][0]
    return result["greedy"], result["logprobs"]


def logprob_difference(reference: list[float], other: list[float], top: int = 50) -> float:
    """The largest |difference| of next-token log-probabilities over the reference's top
    tokens (the tail of a 49,152-way softmax is noise for this purpose)."""
    best = sorted(range(len(reference)), key=lambda i: -reference[i])[:top]
    return max(abs(reference[i] - other[i]) for i in best)


def load_torch_model(path: str):
    import numpy as np
    import torch
    import model as model_module
    import weights
    config, _, arrays = weights.load(path)
    llama = model_module.Llama(model_module.ModelConfig(**config))
    names = {model_module.gguf_name(n): n for n, _ in llama.named_parameters()}
    state = {names[k]: torch.from_numpy(np.ascontiguousarray(v)) for k, v in arrays.items()}
    llama.load_state_dict(state)
    return llama.eval()


def torch_greedy(llama, ids: list[int], n: int) -> tuple[list[dict], list[float]]:
    """Greedy steps and the first step's log-probabilities, in float32 on the CPU."""
    import torch
    steps, sequence, first = [], list(ids), None
    with torch.no_grad():
        for _ in range(n):
            logits = llama(torch.tensor([sequence]))[0, -1].double()
            logprobs = torch.log_softmax(logits, -1)
            first = logprobs.tolist() if first is None else first
            top = torch.topk(logprobs, 2)
            token = int(top.indices[0])
            steps.append({"token": token, "margin": float(top.values[0] - top.values[1])})
            if token in END_OF_GENERATION:
                break
            sequence.append(token)
    return steps, first


def run(command: list[str], cwd: str | None = None) -> str:
    result = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} ... exited {result.returncode}: "
                           f"{result.stderr.strip()}")
    return result.stdout


if __name__ == "__main__":
    main()
