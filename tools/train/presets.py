"""Model and training presets.

cpu-tiny  proves the pipeline end to end on a 2-core machine in a few minutes (one thread):
          6.7 M parameters, 95% of them the tied embedding table. It learns the shape of code
          (indentation, keywords, closing brackets, when to stop), not useful completions.

h100      sized for about 10 minutes of one H100 (PyTorch, bf16 autocast): 31.5 M parameters
          (18.9 M of them the tied 49,152 x 384 embedding), which is 63 MB in bf16 (5 pieces of
          at most 15 MiB to bring back) and about 34 MB as a Q8_0 GGUF. The run stops on its
          time budget (540 s by default; the shipped run used 480 s to fit one device call);
          the learning-rate schedule follows the elapsed fraction of that budget, so the run
          ends with a finished cosine decay whatever the real throughput.

          Measured on an NVIDIA H200 (2026-11-27, torch 2.11, torch.compile, bf16 autocast):
          830 k tokens/s, 172 TFLOP/s by training_flops_per_token(); torch.compile took 30 s.
          The shipped run: 2,959 steps, 388 M tokens (4.9 passes over the 79.6 M-token
          corpus); held-out loss 1.487 nats/token plain, 1.560 FIM, still falling at the end.
          The first run, on a 52.8 M-token corpus, stalled after about five passes while its
          training loss kept falling: data, more than passes, is what a bigger run needs.

h100-spm  the h100 model and schedule with half the fill-in-the-middle samples suffix first
          (suffix-prefix-middle, data.py), so that the model fills in both in the order Ward
          sends (starcoder-spm) and in the one llama.cpp's infill sends (prefix first). Meant
          for a run from scratch on the whole corpus (122 M tokens, 54.6 MiB compressed: it
          fits the device machine's carry only without the shipped model: README.md, "Next
          GPU run"); not run yet.

spm-tune  the h100 model continued (--init-gguf) on fill-in-the-middle in suffix-prefix-middle
          order only, with the loss on the middles (data.py): about 220 tokens/s on 2 CPU cores
          (the output layer is computed at the middles only). Tried on the shipped model and not
          kept: README.md, "Infilling suffix first".
"""

from __future__ import annotations

import dataclasses

from model import ModelConfig


@dataclasses.dataclass
class TrainConfig:
    batch_size: int = 8  # sequences per step
    micro_batch_size: int = 0  # sequences per forward pass (gradients add up); 0: batch_size
    steps: int = 300  # upper bound; a time budget can end the run first
    time_budget_s: float = 0.0  # 0: none
    learning_rate: float = 3e-3
    min_learning_rate_ratio: float = 0.1  # cosine decays to lr x this
    warmup_steps: int = 30
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    fim_rate: float = 0.5
    line_fim_rate: float = 0.5  # of the FIM samples: middles of whole lines (data.py)
    spm_fim_rate: float = 0.0  # of the FIM samples: suffix-prefix-middle order (data.py)
    middle_loss: bool = False  # FIM samples: the loss on the middle only (data.py)
    eval_every: int = 50
    eval_batches: int = 4
    log_every: int = 10


# The h100 shape and schedule, which the other GPU-sized presets vary.
_H100_MODEL = ModelConfig(d_model=384, n_layers=8, n_heads=6, n_kv_heads=2, d_ff=1024,
                          context=1024)
_H100_TRAIN = TrainConfig(batch_size=128, micro_batch_size=32, steps=100_000, time_budget_s=540,
                          learning_rate=1.5e-3, warmup_steps=200, eval_every=500,
                          eval_batches=8, log_every=50)

PRESETS = {
    "cpu-tiny": (
        ModelConfig(d_model=128, n_layers=2, n_heads=4, n_kv_heads=2, d_ff=352, context=128),
        TrainConfig(batch_size=8, steps=300, learning_rate=3e-3, warmup_steps=30,
                    eval_every=50, eval_batches=4),
    ),
    "h100": (_H100_MODEL, _H100_TRAIN),
    "h100-spm": (_H100_MODEL,
                 dataclasses.replace(_H100_TRAIN, time_budget_s=500, spm_fim_rate=0.5)),
    # Continues an h100 model (--init-gguf) on suffix-prefix-middle infilling alone, the loss on
    # the middles: teaches a model trained mostly left to right to fill in, on a CPU.
    "spm-tune": (
        _H100_MODEL,
        TrainConfig(batch_size=8, steps=10_000, time_budget_s=3600, learning_rate=1e-4,
                    warmup_steps=10, fim_rate=1.0, line_fim_rate=0.8, spm_fim_rate=1.0,
                    middle_loss=True, eval_every=40, eval_batches=2, log_every=5),
    ),
}
