"""Trains the starter model on the tokenized corpus.

    python3 tools/train/train.py --preset cpu-tiny --tokens /tmp/train/tokens --out /tmp/train/run
    python3 tools/train/train.py --preset h100 --tokens data/tokens --out $OUT/run   # on a GPU

Writes into --out:
  log.jsonl           one line per logged step: step, loss, lr, tokens seen, elapsed, tokens/s;
                      evaluation lines add the held-out loss (plain and FIM, nats per token)
  checkpoint.pt       model and optimizer state, to resume (--resume); stays where it was made
  weights.bin         the model in bf16 (norms f32), see weights.py; with weights.bin.NNN pieces
                      of at most 15 MiB and weights.parts.json to bring back from a GPU machine
  summary.json        config, steps, tokens, time, throughput, final losses

The held-out split is only evaluated, never trained on. On a CPU, PyTorch uses --threads
threads (1 by default: the machine is shared); on CUDA, bf16 autocast and, with --compile,
torch.compile (PyTorch 2).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import os
import sys
import time

import torch

import data
import gguf
import tokens as tok
import weights
from model import Llama, gguf_name
from presets import PRESETS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", choices=sorted(PRESETS), required=True)
    parser.add_argument("--tokens", required=True, help="folder written by tokenize_corpus.py")
    parser.add_argument("--out", required=True)
    parser.add_argument("--steps", type=int, help="override the preset's step count")
    parser.add_argument("--time-budget-s", type=float, help="override the preset's time budget")
    parser.add_argument("--batch-size", type=int)
    parser.add_argument("--micro-batch-size", type=int, help="sequences per forward pass")
    parser.add_argument("--learning-rate", type=float)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for PyTorch")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--compile", action="store_true", help="torch.compile the model")
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    parser.add_argument("--init-gguf", metavar="MODEL.gguf",
                        help="start from an exported model's weights (e.g. models/*.gguf, Q8_0 "
                             "dequantized) with a fresh optimizer: training continued in a later "
                             "session, when the checkpoint is gone")
    args = parser.parse_args()

    model_config, train_config = PRESETS[args.preset]
    overrides = {"steps": args.steps, "time_budget_s": args.time_budget_s,
                 "batch_size": args.batch_size, "micro_batch_size": args.micro_batch_size,
                 "learning_rate": args.learning_rate}
    train_config = dataclasses.replace(
        train_config, **{k: v for k, v in overrides.items() if v is not None})
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    train_tokens, train_index = tok.read_split(args.tokens, "train")
    heldout_tokens, heldout_index = tok.read_split(args.tokens, "heldout")
    newline_table = tok.read_newline_tokens(args.tokens)
    if newline_table is None:
        print(f"{args.tokens} has no {tok.NEWLINE_TOKENS_FILE} (tokenized before it existed): "
              f"FIM middles are random spans only", file=sys.stderr)
    sampler = data.Sampler(train_tokens, train_index, model_config.context,
                           fim_rate=train_config.fim_rate, seed=args.seed,
                           newline_table=newline_table, line_rate=train_config.line_fim_rate,
                           spm_rate=train_config.spm_fim_rate,
                           middle_loss=train_config.middle_loss)
    eval_options = {"plain": {"fim_rate": 0.0}, "fim": {"fim_rate": 1.0}}
    if train_config.middle_loss:
        # What the run is for: the loss on line-aligned middles in its order.
        eval_options["middle"] = {"fim_rate": 1.0, "newline_table": newline_table,
                                  "line_rate": 1.0, "spm_rate": train_config.spm_fim_rate,
                                  "middle_loss": True}
    eval_sets = {
        kind: data.fixed_batches(heldout_tokens, heldout_index, model_config.context,
                                 train_config.batch_size, train_config.eval_batches, seed=99,
                                 **options)
        for kind, options in eval_options.items()}

    device = torch.device(args.device)
    model = Llama(model_config).to(device)
    optimizer = make_optimizer(model, train_config, device)
    step = 0
    tokens_seen = 0
    checkpoint_path = os.path.join(args.out, "checkpoint.pt")
    if args.init_gguf:
        load_gguf_weights(model, args.init_gguf)
    if args.resume:
        state = torch.load(checkpoint_path, map_location=device)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        step, tokens_seen = state["step"], state["tokens_seen"]
    if args.compile and not hasattr(torch, "compile"):
        parser.error(f"--compile needs PyTorch 2; this is {torch.__version__}")
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" \
        else torch.autocast("cpu", enabled=False)
    micro_size = train_config.micro_batch_size or train_config.batch_size
    forward_model = model
    if args.compile:
        forward_model = compiled_or_eager(model, sampler.batch(micro_size), device, autocast)

    print(f"{args.preset}: {model_config.parameter_count():,} parameters, "
          f"{len(train_tokens):,} training tokens, device {device}, "
          f"batch {train_config.batch_size} x {model_config.context}", file=sys.stderr)
    log = open(os.path.join(args.out, "log.jsonl"), "a")
    started = time.time()
    train_seconds = 0.0  # excluding evaluation
    first_loss = None
    loss_value = float("nan")
    evaluation = {}
    tokens_per_step = train_config.batch_size * model_config.context
    while True:
        elapsed = time.time() - started
        progress = step / train_config.steps
        if train_config.time_budget_s:
            progress = max(progress, elapsed / train_config.time_budget_s)
        if progress >= 1.0:
            break
        lr = learning_rate(train_config, step, progress)
        for group in optimizer.param_groups:
            group["lr"] = lr

        step_started = time.time()
        ids, targets = (torch.from_numpy(array).to(device, non_blocking=True)
                        for array in sampler.batch_with_targets(train_config.batch_size))
        # Gradient accumulation over micro-batches: the logits of a whole batch (sequences x
        # context x 49,152) would not fit in GPU memory.
        optimizer.zero_grad(set_to_none=True)
        loss = torch.zeros((), device=device)
        for micro, micro_targets in zip(ids.split(micro_size), targets.split(micro_size)):
            with autocast:
                micro_loss = next_token_loss(
                    forward_model, micro, micro_targets if train_config.middle_loss else None)
                micro_loss = micro_loss * (len(micro) / len(ids))
            micro_loss.backward()
            loss += micro_loss.detach()
        torch.nn.utils.clip_grad_norm_(model.parameters(), train_config.grad_clip)
        optimizer.step()
        step += 1
        tokens_seen += tokens_per_step
        if step % train_config.log_every == 0 or step == 1:
            loss_value = loss.item()  # synchronises with the GPU only when logging
            first_loss = loss_value if first_loss is None else first_loss
        train_seconds += time.time() - step_started

        if step % train_config.log_every == 0 or step == 1:
            record = {"step": step, "loss": round(loss_value, 4), "lr": lr,
                      "tokens": tokens_seen, "elapsed_s": round(time.time() - started, 1),
                      "tokens_per_s": round(tokens_seen / max(train_seconds, 1e-9))}
            if step % train_config.eval_every == 0:
                evaluation = evaluate(model, eval_sets, device, autocast, micro_size)
                record.update({f"heldout_{k}": round(v, 4) for k, v in evaluation.items()})
                # Weights so far, so that a run cut short still brings something back.
                save_weights(args, model, model_config, step, tokens_seen, train_seconds,
                             evaluation)
            log.write(json.dumps(record) + "\n")
            log.flush()
            print(json.dumps(record), file=sys.stderr)

    evaluation = evaluate(model, eval_sets, device, autocast, micro_size)
    total_seconds = time.time() - started
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": step,
                "tokens_seen": tokens_seen, "config": dataclasses.asdict(model_config)},
               checkpoint_path)
    weights_bytes, parts = save_weights(args, model, model_config, step, tokens_seen,
                                        train_seconds, evaluation)
    summary = {
        "preset": args.preset, "model": dataclasses.asdict(model_config),
        "train": dataclasses.asdict(train_config), "parameters": model_config.parameter_count(),
        "steps": step, "tokens_seen": tokens_seen, "train_seconds": round(train_seconds, 1),
        "total_seconds": round(total_seconds, 1),
        "tokens_per_s": round(tokens_seen / max(train_seconds, 1e-9)),
        "achieved_tflops": round(tokens_seen * model_config.training_flops_per_token()
                                 / max(train_seconds, 1e-9) / 1e12, 3),
        "device": device_name(device), "threads": args.threads,
        "first_loss": first_loss, "last_logged_loss": loss_value,
        "heldout_loss_nats": evaluation,
        "heldout_bits_per_token": {k: v / math.log(2) for k, v in evaluation.items()},
        "weights_bytes": weights_bytes, "weights_parts": parts,
    }
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    print(json.dumps({k: summary[k] for k in ("steps", "tokens_seen", "tokens_per_s",
                                              "heldout_loss_nats", "weights_bytes")}),
          file=sys.stderr)


def load_gguf_weights(model: Llama, path: str) -> None:
    """Copies an exported model's tensors into `model`; its shapes must match the preset's."""
    _, arrays = gguf.read_tensors(path)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            array = arrays.get(gguf_name(name))
            if array is None or tuple(array.shape) != tuple(parameter.shape):
                found = None if array is None else tuple(array.shape)
                raise SystemExit(f"{path}: tensor {gguf_name(name)} is {found}, the preset "
                                 f"needs {tuple(parameter.shape)}; pick the preset it was "
                                 f"trained with")
            parameter.copy_(torch.from_numpy(array))
    print(f"initialised from {path}", file=sys.stderr)


def save_weights(args, model: Llama, model_config, step: int, tokens_seen: int,
                 train_seconds: float, evaluation: dict) -> tuple[int, str]:
    """Writes weights.bin and its pieces; returns its size and the parts list's path."""
    corpus_info = _read_json(os.path.join(args.tokens, "tokens.json"))
    training = {"preset": args.preset, "steps": step, "tokens_seen": tokens_seen,
                "train_seconds": round(train_seconds, 1), "device": device_name(next(model.parameters()).device),
                "vocab_sha256": corpus_info.get("vocab_sha256", ""),
                "corpus_manifest_sha256": corpus_info.get("manifest_sha256", ""),
                "heldout_loss": evaluation}
    weights_path = os.path.join(args.out, "weights.bin")
    tensors = {gguf_name(name): p.detach().float().cpu().numpy()
               for name, p in model.named_parameters()}
    weights_bytes = weights.save(weights_path, tensors, dataclasses.asdict(model_config),
                                 training)
    return weights_bytes, weights.split(weights_path)


def compiled_or_eager(model: Llama, sample, device, autocast):
    """torch.compile(model), unless compiling fails on a first forward and backward pass:
    then the model runs eagerly (slower, but the run goes on)."""
    started = time.time()
    try:
        compiled = torch.compile(model)
        with autocast:
            loss = next_token_loss(compiled, torch.from_numpy(sample).to(device))
        loss.backward()
    except Exception as error:  # noqa: BLE001 - any compiler failure means: run eagerly
        print(f"torch.compile failed ({type(error).__name__}: {str(error)[:300]}); "
              f"training without it", file=sys.stderr)
        compiled = model
    model.zero_grad(set_to_none=True)
    print(f"compile: {time.time() - started:.1f} s", file=sys.stderr)
    return compiled


def next_token_loss(model, batch: torch.Tensor,
                    targets: torch.Tensor | None = None) -> torch.Tensor:
    """Mean next-token cross-entropy (nats) of batch [sequences, context + 1]; given `targets`,
    over the tokens it marks only (see data.Sampler.batch_with_targets). Computed outside the
    module because a compiled module (torch.compile) exposes only forward()."""
    if targets is not None:
        predicted = targets[:, 1:]  # the positions whose next token is a target
        logits = model(batch[:, :-1], predicted)
        return torch.nn.functional.cross_entropy(logits.float(), batch[:, 1:][predicted])
    logits = model(batch[:, :-1])
    return torch.nn.functional.cross_entropy(logits.float().reshape(-1, logits.shape[-1]),
                                             batch[:, 1:].reshape(-1))


def make_optimizer(model: Llama, config, device) -> torch.optim.Optimizer:
    """AdamW; weight decay on matrices only (not on norms)."""
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    vectors = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": matrices, "weight_decay": config.weight_decay},
              {"params": vectors, "weight_decay": 0.0}]
    torch2 = int(torch.__version__.split(".")[0]) >= 2
    extra = {"fused": True} if device.type == "cuda" and torch2 else {}
    return torch.optim.AdamW(groups, lr=config.learning_rate, betas=(0.9, 0.95), **extra)


def learning_rate(config, step: int, progress: float) -> float:
    """Linear warm-up, then cosine decay to min_learning_rate_ratio over the run's progress."""
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    floor = config.learning_rate * config.min_learning_rate_ratio
    return floor + (config.learning_rate - floor) * 0.5 * (1 + math.cos(math.pi * progress))


@torch.no_grad()
def evaluate(model: Llama, eval_sets: dict, device, autocast,
             micro_batch_size: int) -> dict[str, float]:
    """Mean held-out loss (nats per token) on the fixed plain and FIM batches, and for a
    middle-loss run on the middles of line-aligned FIM batches."""
    model.eval()
    out = {}
    for kind, batches in eval_sets.items():
        total, sequences = 0.0, 0
        for ids, targets in batches:
            ids, targets = torch.from_numpy(ids).to(device), torch.from_numpy(targets).to(device)
            for micro, micro_targets in zip(ids.split(micro_batch_size),
                                            targets.split(micro_batch_size)):
                with autocast:
                    loss = next_token_loss(model, micro,
                                           micro_targets if kind == "middle" else None)
                total += loss.item() * len(micro)
                sequences += len(micro)
        out[kind] = total / sequences
    model.train()
    return out


def device_name(device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"cpu ({torch.get_num_threads()} threads)"


def _read_json(path: str) -> dict:
    try:
        with open(path) as f:
            return json.load(f)
    except OSError:
        return {}


if __name__ == "__main__":
    main()
