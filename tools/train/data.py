"""Training sequences from the tokenized corpus: plain left-to-right and fill-in-the-middle.

Each sequence of a batch is one of two kinds, chosen at random (fim_rate, 0.5 by default):

  plain   a window of context + 1 consecutive tokens of the corpus stream (documents one after
          the other, each "<|endoftext|> <file_sep> path\\n text", see tokens.py), starting
          anywhere: the left-to-right objective, with file headers and document boundaries.

  FIM     documents turned into prefix-suffix-middle (PSM) samples, in the layout Ward's prompt
          builder sends to a StarCoder-vocabulary model (src/infer/fim, format "starcoder"):

              <|endoftext|> [<file_sep> path\\n] <fim_prefix> P <fim_suffix> S <fim_middle> M

          and packed one after another, so the <|endoftext|> that opens the next sample is the
          end-of-generation token that follows the middle. The file header is kept on half of
          them (Ward adds it only when a request names its file). A document longer than the
          context gives a random chunk of itself. The two cut points are uniform over the
          chunk's token positions.

SPM (spm_rate of the FIM samples): the same parts in suffix-prefix-middle order, as Megatron's
and StarCoder's training lay it out,

              <|endoftext|> [<file_sep> path\\n] <fim_prefix> <fim_suffix> S <fim_middle> P M

so that the middle follows the prefix directly, as in left-to-right text: what a model trained
left to right already knows carries over, and Ward's prompt builder sends this order for the
format "starcoder-spm".

Middle-only loss (middle_loss): each token carries a flag saying whether its prediction counts
towards the loss. Without middle_loss every flag is set (the ordinary objective); with it only
the middle's tokens and the <|endoftext|> that ends it are, for fine-tuning a model to fill in
without spending the update on the prefix and suffix it reads.

Line-aligned FIM (line_rate of the FIM samples, when the tokenized corpus has its newline-token
table): the middle is one to three whole lines, from the token that holds the newline before them
(with the indentation after it, as StarCoder's vocabulary merges them) up to the token that holds
the newline after them, which starts the suffix. That is what Ward sends with the cursor after a
line's indentation once token healing has taken the newline and indentation back out of the
prefix, and it teaches the model to stop at the end of the line or block it fills in.

FIM cuts fall between tokens of the whole document's tokenization. At inference Ward tokenizes
the prefix and the suffix separately, so where the cursor splits a token the two can differ
at the edges; cutting at character level would need the tokenizer during training (noted in
README.md as a possible improvement).

Everything is numpy on the CPU and seeded; the same seed gives the same batches.
"""

from __future__ import annotations

import numpy as np

import tokens as tok


class Sampler:
    """Draws training sequences of context + 1 tokens from one split."""

    def __init__(self, token_array: np.ndarray, index: dict[str, np.ndarray], context: int,
                 fim_rate: float = 0.5, header_rate: float = 0.5, seed: int = 0,
                 newline_table: np.ndarray | None = None, line_rate: float = 0.0,
                 spm_rate: float = 0.0, middle_loss: bool = False):
        if len(token_array) <= context + 1:
            raise ValueError(f"the split has {len(token_array)} tokens, fewer than one sequence "
                             f"of {context + 1}")
        self.tokens = token_array
        self.starts = index["start"]
        self.headers = index["header"]
        self.lengths = index["length"]
        self.context = context
        self.fim_rate = fim_rate
        self.header_rate = header_rate
        self.newline_table = newline_table
        self.line_rate = line_rate if newline_table is not None else 0.0
        self.spm_rate = spm_rate
        self.middle_loss = middle_loss
        self.rng = np.random.default_rng(seed)
        # Documents are drawn in proportion to the text a FIM sample can use from them, so a
        # short file is not drawn as often as a long one.
        usable = np.minimum(self.lengths - self.headers, context).astype(np.float64)
        usable[usable < 4] = 0  # too short to cut in three
        # A cumulative table drawn from by bisection: rng.choice(p=...) rebuilds it per call,
        # which made batch building, not the GPU, the bottleneck.
        self.doc_cdf = np.cumsum(usable / usable.sum())

    def batch(self, batch_size: int) -> np.ndarray:
        """[batch_size, context + 1] int64 ids."""
        return self.batch_with_targets(batch_size)[0]

    def batch_with_targets(self, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """[batch_size, context + 1] int64 ids, and a bool array of the same shape: whether
        each token is a target of the loss (see middle_loss)."""
        out = np.empty((batch_size, self.context + 1), dtype=np.int64)
        targets = np.ones((batch_size, self.context + 1), dtype=bool)
        for row in range(batch_size):
            if self.rng.random() < self.fim_rate:
                out[row], targets[row] = self.fim_sequence()
            else:
                out[row] = self.plain_sequence()
        return out, targets

    def plain_sequence(self) -> np.ndarray:
        start = self.rng.integers(0, len(self.tokens) - self.context - 1)
        return self.tokens[start:start + self.context + 1]

    def fim_sequence(self) -> tuple[np.ndarray, np.ndarray]:
        pieces, flags, filled = [], [], 0
        while filled < self.context + 1:
            sample, middle = self.fim_sample(self.random_document())
            if self.middle_loss:
                # The <|endoftext|> opening this sample ends the previous one's middle.
                middle[0] = bool(pieces)
            pieces.append(sample)
            flags.append(middle if self.middle_loss else np.ones(len(sample), dtype=bool))
            filled += len(sample)
        return (np.concatenate(pieces)[:self.context + 1],
                np.concatenate(flags)[:self.context + 1])

    def random_document(self) -> int:
        doc = int(np.searchsorted(self.doc_cdf, self.rng.random() * self.doc_cdf[-1], side="right"))
        return min(doc, len(self.starts) - 1)

    def fim_sample(self, doc: int) -> tuple[np.ndarray, np.ndarray]:
        """One PSM or SPM sample, and which of its tokens belong to the middle."""
        start, header, length = self.starts[doc], self.headers[doc], self.lengths[doc]
        keep_header = self.rng.random() < self.header_rate
        # Room for the text: the context less <|endoftext|>, the header and the three markers.
        room = self.context - 4 - (header - 1 if keep_header else 0)
        text = self.tokens[start + header:start + length]
        if len(text) > room:
            offset = self.rng.integers(0, len(text) - room + 1)
            text = text[offset:offset + room]
        cut_a, cut_b = self.line_cuts(text) if self.rng.random() < self.line_rate else \
            np.sort(self.rng.integers(0, len(text) + 1, size=2))
        prefix, middle, suffix = text[:cut_a], text[cut_a:cut_b], text[cut_b:]
        head = self.tokens[start:start + header] if keep_header else \
            np.array([tok.ENDOFTEXT], dtype=np.uint16)
        if self.rng.random() < self.spm_rate:
            parts = [head, [tok.FIM_PREFIX, tok.FIM_SUFFIX], suffix, [tok.FIM_MIDDLE], prefix]
        else:
            parts = [head, [tok.FIM_PREFIX], prefix, [tok.FIM_SUFFIX], suffix, [tok.FIM_MIDDLE]]
        before = sum(len(part) for part in parts)
        ids = np.concatenate(parts + [middle]).astype(np.int64)
        is_middle = np.zeros(len(ids), dtype=bool)
        is_middle[before:] = True
        return ids, is_middle


    def line_cuts(self, text: np.ndarray) -> tuple[int, int]:
        """Cut points around one to three whole lines of `text` (see the module's docstring);
        random ones where the text has no newline."""
        ends = np.nonzero(self.newline_table[text])[0]
        if len(ends) == 0:
            return tuple(np.sort(self.rng.integers(0, len(text) + 1, size=2)))
        first = self.rng.integers(0, len(ends))
        last = first + self.rng.integers(1, 4)
        return int(ends[first]), int(ends[last]) if last < len(ends) else len(text)


def fixed_batches(token_array: np.ndarray, index: dict[str, np.ndarray], context: int,
                  batch_size: int, count: int, seed: int,
                  **sampler_options) -> list[tuple[np.ndarray, np.ndarray]]:
    """The same evaluation batches every time (held-out loss is comparable across steps), as
    (ids, targets) pairs; sampler_options are Sampler's (fim_rate, spm_rate, ...)."""
    sampler = Sampler(token_array, index, context, seed=seed, **sampler_options)
    return [sampler.batch_with_targets(batch_size) for _ in range(count)]
