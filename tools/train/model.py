"""A decoder-only transformer in exactly the `llama` architecture as Ward's engine runs it.

What Ward's engine computes for general.architecture = llama (src/infer/model/forward.cpp,
hparams.cpp, weights.cpp), and so what this module computes:

  x = token_embd[ids]
  for each block:
      h = rms_norm(x) * attn_norm                      # x / sqrt(mean(x^2) + eps) * weight
      q, k, v = h @ attn_q^T, h @ attn_k^T, h @ attn_v^T    (no biases for llama)
      rotate q and k by RoPE over the whole head, pairing ADJACENT elements (2i, 2i+1) with
          angle = position * rope_base^(-2i / head_dim)      (llama.cpp's "normal" RoPE; qwen2
          pairs halves instead, and Hugging Face checkpoints are permuted on conversion; a model
          trained here uses the GGUF layout directly, so nothing is permuted on export)
      causal softmax attention, scale 1/sqrt(head_dim); query head h reads key/value head
          h // (n_heads / n_kv_heads) (grouped-query attention)
      x = x + attn_output(concat heads)
      h = rms_norm(x) * ffn_norm
      x = x + ffn_down(silu(ffn_gate(h)) * ffn_up(h))         # SwiGLU
  logits = rms_norm(x) * output_norm @ output^T

The output matrix is tied to token_embd: Ward (and llama.cpp) use token_embd when a file has no
output.weight, and with a 49,152-token vocabulary the embedding table is the largest tensor of a
small model, so tying halves its cost. Parameter names map one to one onto llama.cpp's tensor
names (see gguf_name()).
"""

from __future__ import annotations

import dataclasses
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclasses.dataclass
class ModelConfig:
    vocab_size: int = 49152
    d_model: int = 128
    n_layers: int = 2
    n_heads: int = 4
    n_kv_heads: int = 2
    d_ff: int = 352
    context: int = 256  # the context trained for (llama.context_length)
    rope_base: float = 10000.0
    rms_eps: float = 1e-5

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_heads

    def check(self) -> None:
        """Refuses shapes Ward's engine or the Q8_0 export cannot take."""
        if self.d_model % self.n_heads or self.n_heads % self.n_kv_heads:
            raise ValueError("d_model must divide into n_heads, n_heads into n_kv_heads")
        if self.head_dim % 2:
            raise ValueError("RoPE needs an even head size")
        # Q8_0 blocks are 32 values along each row: rows of d_model and d_ff values.
        if self.d_model % 32 or self.d_ff % 32:
            raise ValueError("d_model and d_ff must be multiples of 32 for Q8_0")

    def parameter_count(self) -> int:
        kv_dim = self.n_kv_heads * self.head_dim
        per_layer = (2 * self.d_model * self.d_model + 2 * self.d_model * kv_dim
                     + 3 * self.d_model * self.d_ff + 2 * self.d_model)
        return self.vocab_size * self.d_model + self.n_layers * per_layer + self.d_model

    def training_flops_per_token(self) -> float:
        """Forward + backward FLOPs per token: 6 per weight used in a product (the tied output
        projection included, the embedding lookup not) plus causal attention's scores and
        weighted sums (2 * 2 * context/2 * d_model per layer forward, times 3)."""
        kv_dim = self.n_kv_heads * self.head_dim
        matmul = self.n_layers * (2 * self.d_model * self.d_model + 2 * self.d_model * kv_dim
                                  + 3 * self.d_model * self.d_ff) + self.vocab_size * self.d_model
        attention = self.n_layers * 2 * self.context * self.d_model
        return 6.0 * matmul + 3.0 * attention


class RMSNorm(nn.Module):
    def __init__(self, size: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # In float32 whatever the autocast type: Ward normalises in float (sum in double).
        x32 = x.float()
        normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return (normed * self.weight.float()).type_as(x)


def rope_tables(config: ModelConfig, length: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of each (position, pair): [length, head_dim / 2]."""
    pairs = torch.arange(0, config.head_dim, 2, device=device, dtype=torch.float32)
    inverse_frequency = config.rope_base ** (-pairs / config.head_dim)
    angles = torch.outer(torch.arange(length, device=device, dtype=torch.float32),
                         inverse_frequency)
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotates adjacent pairs (x[..., 2i], x[..., 2i+1]); x is [batch, heads, time, head_dim]."""
    x32 = x.float()
    even, odd = x32[..., 0::2], x32[..., 1::2]
    rotated = torch.stack((even * cos - odd * sin, even * sin + odd * cos), dim=-1)
    return rotated.flatten(-2).type_as(x)


class Attention(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        kv_dim = config.n_kv_heads * config.head_dim
        self.attn_q = nn.Linear(config.d_model, config.d_model, bias=False)
        self.attn_k = nn.Linear(config.d_model, kv_dim, bias=False)
        self.attn_v = nn.Linear(config.d_model, kv_dim, bias=False)
        self.attn_output = nn.Linear(config.d_model, config.d_model, bias=False)

    def forward(self, x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        c = self.config
        batch, time, _ = x.shape
        q = self.attn_q(x).view(batch, time, c.n_heads, c.head_dim).transpose(1, 2)
        k = self.attn_k(x).view(batch, time, c.n_kv_heads, c.head_dim).transpose(1, 2)
        v = self.attn_v(x).view(batch, time, c.n_kv_heads, c.head_dim).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        group = c.n_heads // c.n_kv_heads
        if group > 1:  # query head h reads key/value head h // group, as Ward does
            k = k.repeat_interleave(group, dim=1)
            v = v.repeat_interleave(group, dim=1)
        if hasattr(F, "scaled_dot_product_attention"):  # PyTorch 2: fused kernels on the GPU
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:  # PyTorch 1.13 (Debian bookworm)
            scores = (q @ k.transpose(-1, -2)) / math.sqrt(c.head_dim)
            mask = torch.ones(time, time, dtype=torch.bool, device=x.device).triu(1)
            out = scores.masked_fill(mask, float("-inf")).softmax(-1) @ v
        return self.attn_output(out.transpose(1, 2).reshape(batch, time, c.d_model))


class FeedForward(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.ffn_gate = nn.Linear(config.d_model, config.d_ff, bias=False)
        self.ffn_up = nn.Linear(config.d_model, config.d_ff, bias=False)
        self.ffn_down = nn.Linear(config.d_ff, config.d_model, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.ffn_down(F.silu(self.ffn_gate(x)) * self.ffn_up(x))


class Block(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        self.attn_norm = RMSNorm(config.d_model, config.rms_eps)
        self.attention = Attention(config)
        self.ffn_norm = RMSNorm(config.d_model, config.rms_eps)
        self.feed_forward = FeedForward(config)

    def forward(self, x, cos, sin):
        x = x + self.attention(self.attn_norm(x), cos, sin)
        return x + self.feed_forward(self.ffn_norm(x))


class Llama(nn.Module):
    def __init__(self, config: ModelConfig):
        super().__init__()
        config.check()
        self.config = config
        self.token_embd = nn.Embedding(config.vocab_size, config.d_model)
        self.blocks = nn.ModuleList(Block(config) for _ in range(config.n_layers))
        self.output_norm = RMSNorm(config.d_model, config.rms_eps)
        self._init_weights()

    def _init_weights(self) -> None:
        # GPT-2's scheme: N(0, 0.02), the projections back into the residual stream scaled down
        # by sqrt(2 * layers) so the residual's variance does not grow with depth.
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02
                if name.endswith(("attn_output.weight", "ffn_down.weight")):
                    std /= math.sqrt(2 * self.config.n_layers)
                nn.init.normal_(p, mean=0.0, std=std)

    def forward(self, ids: torch.Tensor, at: torch.Tensor | None = None) -> torch.Tensor:
        """Logits [batch, time, vocab] for ids [batch, time]; with `at` (bool [batch, time]),
        only the logits at those positions, [count, vocab]: the output layer is most of a
        forward pass's arithmetic at this vocabulary's size, so a loss on a few positions is
        cheaper this way."""
        cos, sin = rope_tables(self.config, ids.shape[1], ids.device)
        x = self.token_embd(ids)
        for block in self.blocks:
            x = block(x, cos, sin)
        if at is not None:
            x = x[at]
        return F.linear(self.output_norm(x), self.token_embd.weight)  # tied output


def gguf_name(parameter: str) -> str:
    """llama.cpp's tensor name for a parameter of Llama ("blocks.3.attention.attn_q.weight" ->
    "blk.3.attn_q.weight")."""
    parts = parameter.split(".")
    if parts[0] == "blocks":  # blocks.N[.attention|.feed_forward].LEAF.weight
        return f"blk.{parts[1]}.{parts[-2]}.{parts[-1]}"
    return parameter  # token_embd.weight, output_norm.weight
